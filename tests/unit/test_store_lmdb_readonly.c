/*
 * test_store_lmdb_readonly.c -- the read-only open the gate asks for
 * (csi_lmdb_env_prefer_readonly): it reads what others wrote, keeps the
 * ownership and link checks, falls back to the creating open when there
 * is nothing to read, and turns read-write on the first write.
 */
#include <errno.h>

#include "store_fixture.h"
#include "lmdb_env.h"

#define T0	(cs_now() + 3600)

static bool
env_readonly(struct fx *f)
{
	struct csi_lmdb_env_info info;
	struct cs_lmdb_env *e;
	char err[256];

	cr_assert_eq(csi_lmdb_env_acquire(&e, &f->cfg, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(csi_lmdb_env_info(e, &info), CS_OK);
	csi_lmdb_env_release(e);
	return info.readonly;
}

/* A store with one session for alice, written and closed; the handle is
 * gone, so the next open is a fresh one. */
static char *
written_store(struct fx *f)
{
	char *k;

	fx_open(f);
	k = fx_create(f, NULL, "{\"n\":1}", T0, "alice", NULL);
	cs_store_close(f->st);
	cs_config_free(&f->cfg);
	f->st = NULL;
	return k;
}

Test(lmdb_readonly, a_gate_reads_sessions_through_a_read_only_handle)
{
	struct cs_record r;
	struct fx f;
	char *k = written_store(&f);

	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, NULL, NULL, "full"), CS_OK);
	cr_assert(env_readonly(&f));
	cr_assert_eq(f.st->ops->load(f.st, k, cs_now(), &r), CS_OK);
	cr_assert_str_eq(r.user, "alice");
	cr_assert_eq(r.data_len, 7);
	cs_record_free(&r);
	free(k);
	fx_close(&f);
}

Test(lmdb_readonly, the_first_write_reopens_the_handle_read_write)
{
	struct cs_sweep_stats st;
	struct cs_record r;
	struct fx f;
	char *k = written_store(&f), *k2;

	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, NULL, NULL, "full"), CS_OK);
	cr_assert(env_readonly(&f));
	k2 = fx_create(&f, NULL, "{}", T0, "bob", NULL);
	cr_assert_not(env_readonly(&f));
	cr_assert_eq(f.st->ops->load(f.st, k2, cs_now(), &r), CS_OK);
	cr_assert_str_eq(r.user, "bob");
	cs_record_free(&r);
	cr_assert_eq(f.st->ops->load(f.st, k, cs_now(), &r), CS_OK);
	cs_record_free(&r);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0 + 1, 10, false, &st),
	    CS_OK);
	cr_assert_eq(st.removed, 2);
	cr_assert_eq(fx_problems(&f), 0);
	free(k);
	free(k2);
	fx_close(&f);
}

Test(lmdb_readonly, a_missing_store_is_created_read_write)
{
	struct stat sb;
	struct fx f;

	fx_init(&f);
	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, NULL, NULL, NULL), CS_OK);
	cr_assert_not(env_readonly(&f));
	cr_assert_eq(stat(f.path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	free(fx_create(&f, NULL, "{}", T0, NULL, NULL));
	fx_close(&f);
}

/* An LMDB file without csess's databases (made by another tool, or a
 * store of an older version): they are created, read-write. */
Test(lmdb_readonly, a_store_without_our_databases_gets_them_read_write)
{
	char dir[400];
	MDB_env *env;
	struct fx f;

	fx_init(&f);
	snprintf(dir, sizeof(dir), "%s/db", f.dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_open(env, f.path, MDB_NOSUBDIR, 0600), 0);
	mdb_env_close(env);
	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, NULL, NULL, NULL), CS_OK);
	cr_assert_not(env_readonly(&f));
	free(fx_create(&f, NULL, "{}", T0, "carol", NULL));
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

static void
refused(struct fx *f, const char *why)
{
	struct cs_store *st = NULL;
	char err[256] = "";

	csi_lmdb_env_prefer_readonly();
	fx_config(f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&st, &f->cfg, err, sizeof(err)), CS_ERR_STORE);
	cr_assert_not_null(strstr(err, why), "refusal names the cause: %s", err);
}

Test(lmdb_readonly, a_group_writable_store_is_refused_read_only_too)
{
	struct fx f;
	char *k = written_store(&f);

	cr_assert_eq(chmod(f.path, 0620), 0);
	refused(&f, "writable by group or others");
	free(k);
	fx_close(&f);
}

Test(lmdb_readonly, a_symlinked_store_is_refused_read_only_too)
{
	char moved[400];
	struct fx f;
	char *k = written_store(&f);

	snprintf(moved, sizeof(moved), "%s.real", f.path);
	cr_assert_eq(rename(f.path, moved), 0);
	cr_assert_eq(symlink(moved, f.path), 0);
	refused(&f, "symbolic link");
	free(k);
	fx_close(&f);
}

Test(lmdb_readonly, a_read_only_handle_reopens_in_a_forked_child)
{
	struct cs_record r;
	struct fx f;
	char *k = written_store(&f);
	int status;
	pid_t pid;

	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, NULL, NULL, NULL), CS_OK);
	cr_assert_eq(f.st->ops->load(f.st, k, cs_now(), &r), CS_OK);
	cs_record_free(&r);
	if ((pid = fork()) == 0) {
		if (f.st->ops->load(f.st, k, cs_now(), &r) != CS_OK)
			_exit(1);
		cs_record_free(&r);
		_exit(env_readonly(&f) ? 0 : 2);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %d", status);
	free(k);
	fx_close(&f);
}

/* A FastCGI gate keeps its read-only map for its whole life while login
 * pages grow the store: the larger map is adopted.  The writer here is a
 * forked child whose inherited read-only handle turns read-write. */
Test(lmdb_readonly, a_map_grown_by_a_writer_is_adopted_read_only)
{
	char key[CS_SESSION_KEY_LEN + 1], *data;
	struct cs_record r;
	struct fx f;
	int status, i;
	pid_t pid;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	cs_store_close(f.st);
	cs_config_free(&f.cfg);
	csi_lmdb_env_prefer_readonly();
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	cr_assert(env_readonly(&f));
	if ((pid = fork()) == 0) {
		if ((data = malloc(1001)) == NULL)
			_exit(1);
		memset(data, 'x', 1000);
		data[1000] = '\0';
		for (i = 0; i < 6000; i++) {
			fx_key(key, 'w', (unsigned)i);
			free(fx_create(&f, key, data, T0, NULL, NULL));
		}
		free(data);
		_exit(env_readonly(&f) ? 2 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %d", status);
	fx_key(key, 'w', 5999);
	cr_assert_eq(f.st->ops->load(f.st, key, cs_now(), &r), CS_OK);
	cr_assert_eq(r.data_len, 1000);
	cs_record_free(&r);
	cr_assert(env_readonly(&f), "reading never reopens read-write");
	fx_close(&f);
}
