/*
 * test_store_lmdb.c -- the default engine: every operation and error,
 * map growth and its cap, file modes, other processes, fork, the sweep,
 * and the operator tools.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>

#include "store_fixture.h"
#include "lmdb_env.h"

#define NOW	cs_now()

static struct cs_record
rec_of(const char *data, int64_t expire, const char *user, uint64_t version)
{
	struct cs_record r = { 0 };

	r.data = (char *)data;
	r.data_len = strlen(data);
	r.expire = expire;
	r.user = (char *)user;
	r.version = version;
	return r;
}

static int
update(struct fx *f, const char *key, const char *data, int64_t expire,
    const char *user, uint64_t *version)
{
	struct cs_record r = rec_of(data, expire, user, *version);
	char *k = strdup(key);
	int rc;

	rc = f->st->ops->save(f->st, &k, &r, CS_SAVE_UPDATE);
	cr_assert_str_eq(k, key, "update must keep the key");
	free(k);
	if (rc == CS_OK)
		*version = r.version;
	return rc;
}

/* --- raw access for corrupting the indexes on purpose --------------------- */

struct raw {
	enum cs_dbi	 dbi;
	unsigned char	 key[512];
	size_t		 klen;
	bool		 del;
};

static int
raw_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct raw *r = p;
	MDB_val k = { r->klen, r->key }, v = { 0, "" };
	int rc;

	rc = r->del ? mdb_del(txn, csi_lmdb_dbi(e, r->dbi), &k, NULL) :
	    mdb_put(txn, csi_lmdb_dbi(e, r->dbi), &k, &v, 0);
	return csi_lmdb_rc(e, rc);
}

static void
raw_expiry(struct fx *f, int64_t at, const char *key, bool del)
{
	struct cs_lmdb_env *e;
	struct raw r = { CS_DBI_EXPIRY, { 0 }, 8 + CS_SESSION_KEY_LEN, del };
	char err[256];
	int i;

	for (i = 0; i < 8; i++)
		r.key[i] = (unsigned char)((uint64_t)at >> (56 - 8 * i));
	memcpy(r.key + 8, key, CS_SESSION_KEY_LEN);
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f->cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, raw_fn, &r), CS_OK);
	csi_lmdb_env_release(e);
}

static void
raw_user(struct fx *f, const char *user, const char *key, bool del)
{
	struct cs_lmdb_env *e;
	struct raw r = { CS_DBI_USER_SESSIONS, { 0 }, 0, del };
	char err[256];
	size_t n = strlen(user);

	memcpy(r.key, user, n + 1);
	memcpy(r.key + n + 1, key, CS_SESSION_KEY_LEN);
	r.klen = n + 1 + CS_SESSION_KEY_LEN;
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f->cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, raw_fn, &r), CS_OK);
	csi_lmdb_env_release(e);
}

/* --- load, save, touch, delete -------------------------------------------- */

Test(lmdb, saved_session_loads_with_data_user_expiry_and_version)
{
	struct cs_record r;
	uint64_t v;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{\"a\":1}", NOW + 60, "alice", &v);
	cr_assert(cs_session_key_valid(k));
	cr_assert_neq(v, 0);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"a\":1}");
	cr_assert_eq(r.data_len, 7);
	cr_assert_eq(r.expire, NOW + 60);
	cr_assert_eq(r.version, v);
	cr_assert_str_eq(r.user, "alice");
	cs_record_free(&r);
	free(k);
	fx_close(&f);
}

Test(lmdb, session_without_user_loads_with_null_user)
{
	struct cs_record r;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", NOW + 60, NULL, NULL);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_null(r.user);
	cs_record_free(&r);
	free(k);
	fx_close(&f);
}

Test(lmdb, create_never_overwrites_a_taken_key)
{
	struct cs_record r = rec_of("{\"b\":2}", NOW + 60, NULL, 0), got;
	char key[CS_SESSION_KEY_LEN + 1], *k;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'k', 1);
	free(fx_create(&f, key, "{\"a\":1}", NOW + 60, NULL, NULL));
	k = strdup(key);
	cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE), CS_ERR_EXISTS);
	cr_assert_eq(f.st->ops->load(f.st, key, NOW, &got), CS_OK);
	cr_assert_str_eq(got.data, "{\"a\":1}");
	cs_record_free(&got);
	free(k);
	fx_close(&f);
}

Test(lmdb, create_never_overwrites_an_expired_key_either)
{
	struct cs_record r = rec_of("{}", NOW + 60, NULL, 0);
	char key[CS_SESSION_KEY_LEN + 1], *k;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'k', 2);
	free(fx_create(&f, key, "{}", NOW - 5, NULL, NULL));
	k = strdup(key);
	cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE), CS_ERR_EXISTS);
	free(k);
	fx_close(&f);
}

Test(lmdb, update_with_the_read_version_replaces_data_and_changes_version)
{
	struct cs_record r;
	uint64_t v, v0;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{\"n\":1}", NOW + 60, NULL, &v);
	v0 = v;
	cr_assert_eq(update(&f, k, "{\"n\":2}", NOW + 120, "bob", &v), CS_OK);
	cr_assert_neq(v, v0);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"n\":2}");
	cr_assert_eq(r.expire, NOW + 120);
	cr_assert_eq(r.version, v);
	cr_assert_str_eq(r.user, "bob");
	cs_record_free(&r);
	cr_assert_eq(fx_problems(&f), 0);
	free(k);
	fx_close(&f);
}

Test(lmdb, update_after_concurrent_delete_conflicts_and_does_not_resurrect)
{
	struct cs_record r;
	uint64_t v;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{\"user\":1}", NOW + 60, "alice", &v);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);	/* request A */
	cs_record_free(&r);
	cr_assert_eq(f.st->ops->del(f.st, k), CS_OK);		/* logout, B */
	cr_assert_eq(update(&f, k, "{\"user\":1,\"x\":2}", NOW + 60, "alice", &v),
	    CS_ERR_CONFLICT);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_ERR_NOT_FOUND);
	cr_assert_eq(f.st->ops->exists(f.st, k), CS_ERR_NOT_FOUND);
	cr_assert_eq(fx_problems(&f), 0);
	free(k);
	fx_close(&f);
}

Test(lmdb, update_with_a_stale_version_conflicts)
{
	struct cs_record r;
	uint64_t va, vb;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", NOW + 60, NULL, &va);
	vb = va;
	cr_assert_eq(update(&f, k, "{\"by\":\"b\"}", NOW + 60, NULL, &vb), CS_OK);
	cr_assert_eq(update(&f, k, "{\"by\":\"a\"}", NOW + 60, NULL, &va),
	    CS_ERR_CONFLICT);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"by\":\"b\"}");
	cs_record_free(&r);
	free(k);
	fx_close(&f);
}

Test(lmdb, update_of_an_expired_record_conflicts)
{
	uint64_t v;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", NOW - 1, NULL, &v);
	cr_assert_eq(update(&f, k, "{}", NOW + 60, NULL, &v), CS_ERR_CONFLICT);
	free(k);
	fx_close(&f);
}

Test(lmdb, expired_record_reads_as_missing_but_exists)
{
	struct cs_record r;
	int64_t t = 1800000000;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", t, NULL, NULL);
	cr_assert_eq(f.st->ops->load(f.st, k, t - 1, &r), CS_OK);
	cs_record_free(&r);
	cr_assert_eq(f.st->ops->load(f.st, k, t, &r), CS_ERR_NOT_FOUND,
	    "expire <= now is expired");
	cr_assert_null(r.data);
	cr_assert_eq(f.st->ops->load(f.st, k, t + 100, &r), CS_ERR_NOT_FOUND);
	cr_assert_eq(f.st->ops->exists(f.st, k), CS_OK);
	free(k);
	fx_close(&f);
}

Test(lmdb, touch_moves_expiry_and_index_but_keeps_version_and_data)
{
	struct cs_lmdb_stats st;
	struct cs_record r;
	uint64_t v;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{\"d\":true}", NOW + 10, "carol", &v);
	cr_assert_eq(f.st->ops->touch(f.st, k, NOW + 500, v), CS_OK);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_eq(r.expire, NOW + 500);
	cr_assert_eq(r.version, v);
	cr_assert_str_eq(r.data, "{\"d\":true}");
	cr_assert_str_eq(r.user, "carol");
	cs_record_free(&r);
	cr_assert_eq(fx_problems(&f), 0, "old expiry entry replaced, not kept");
	cr_assert_eq(cs_lmdb_stats(f.st, NOW + 100, &st), CS_OK);
	cr_assert_eq(st.expiry_entries, 1);
	cr_assert_eq(st.expired, 0, "the sweep no longer sees it as expired");
	/* The version is unchanged, so a later UPDATE still works. */
	cr_assert_eq(update(&f, k, "{}", NOW + 500, "carol", &v), CS_OK);
	free(k);
	fx_close(&f);
}

Test(lmdb, touch_conflicts_when_vanished_expired_or_version_changed)
{
	uint64_t v, v2;
	struct fx f;
	char *k, *gone, *old;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", NOW + 10, NULL, &v);
	v2 = v;
	cr_assert_eq(update(&f, k, "{\"x\":1}", NOW + 10, NULL, &v2), CS_OK);
	cr_assert_eq(f.st->ops->touch(f.st, k, NOW + 99, v), CS_ERR_CONFLICT);
	gone = fx_create(&f, NULL, "{}", NOW + 10, NULL, &v);
	cr_assert_eq(f.st->ops->del(f.st, gone), CS_OK);
	cr_assert_eq(f.st->ops->touch(f.st, gone, NOW + 99, v), CS_ERR_CONFLICT);
	cr_assert_eq(f.st->ops->exists(f.st, gone), CS_ERR_NOT_FOUND);
	old = fx_create(&f, NULL, "{}", NOW - 1, NULL, &v);
	cr_assert_eq(f.st->ops->touch(f.st, old, NOW + 99, v), CS_ERR_CONFLICT);
	free(k);
	free(gone);
	free(old);
	fx_close(&f);
}

Test(lmdb, delete_removes_record_and_all_its_index_entries)
{
	struct cs_lmdb_stats st;
	struct fx f;
	char *k;

	fx_open(&f);
	k = fx_create(&f, NULL, "{}", NOW + 10, "dave", NULL);
	cr_assert_eq(f.st->ops->del(f.st, k), CS_OK);
	cr_assert_eq(f.st->ops->exists(f.st, k), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 0);
	cr_assert_eq(st.expiry_entries, 0);
	cr_assert_eq(st.user_entries, 0);
	cr_assert_eq(f.st->ops->del(f.st, k), CS_OK, "missing key: not an error");
	cr_assert_eq(cs_lmdb_delete(f.st, k), CS_ERR_NOT_FOUND);
	free(k);
	fx_close(&f);
}

Test(lmdb, malformed_keys_are_no_session_on_read_and_invalid_on_write)
{
	static const char *bad[] = {
		"short", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
		"abcdefghijklmnopqrstuvwxyz0123456", "abcdefghijklmnopqrstuvwxyz01234!",
		"",
	};
	struct cs_record r = rec_of("{}", NOW + 10, NULL, 1), out;
	struct fx f;
	size_t i;
	char *k;

	fx_open(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(f.st->ops->load(f.st, bad[i], NOW, &out),
		    CS_ERR_NOT_FOUND, "%s", bad[i]);
		cr_assert_eq(f.st->ops->exists(f.st, bad[i]), CS_ERR_NOT_FOUND);
		k = strdup(bad[i]);
		cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE),
		    CS_ERR_INVALID, "%s", bad[i]);
		cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_UPDATE),
		    CS_ERR_INVALID);
		free(k);
		cr_assert_eq(f.st->ops->touch(f.st, bad[i], NOW, 1), CS_ERR_INVALID);
		cr_assert_eq(f.st->ops->del(f.st, bad[i]), CS_ERR_INVALID);
		cr_assert_eq(cs_lmdb_get(f.st, bad[i], &out), CS_ERR_INVALID);
	}
	fx_close(&f);
}

Test(lmdb, records_over_the_limits_are_refused)
{
	char user[CS_LMDB_USER_MAX + 2], *big, *k = NULL;
	struct cs_record r;
	struct fx f;

	fx_open(&f);
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	r = rec_of("{}", NOW + 10, user, 0);
	cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE), CS_ERR_INVALID);
	r = rec_of("{}", -1, NULL, 0);
	cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE), CS_ERR_INVALID);
	big = malloc(CS_LMDB_DATA_MAX + 2);
	memset(big, ' ', CS_LMDB_DATA_MAX + 1);
	big[CS_LMDB_DATA_MAX + 1] = '\0';
	r = rec_of(big, NOW + 10, NULL, 0);
	cr_assert_eq(f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE),
	    CS_ERR_TOO_LARGE);
	cr_assert_null(k);
	free(big);
	fx_close(&f);
}

Test(lmdb, large_session_near_the_limit_round_trips)
{
	struct cs_record r;
	struct fx f;
	char *big, *k;

	fx_open(&f);
	big = malloc(CS_LMDB_DATA_MAX + 1);
	memset(big, 'x', CS_LMDB_DATA_MAX);
	big[0] = '"';
	big[CS_LMDB_DATA_MAX - 1] = '"';
	big[CS_LMDB_DATA_MAX] = '\0';
	k = fx_create(&f, NULL, big, NOW + 10, NULL, NULL);
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cr_assert_eq(r.data_len, CS_LMDB_DATA_MAX);
	cr_assert_eq(memcmp(r.data, big, CS_LMDB_DATA_MAX), 0);
	cs_record_free(&r);
	free(big);
	free(k);
	fx_close(&f);
}

/* --- files and the environment -------------------------------------------- */

Test(lmdb, store_files_are_0600_and_a_missing_parent_is_created_0700)
{
	char lock[400];
	struct stat sb;
	struct fx f;

	umask(022);
	fx_open(&f);
	cr_assert_eq(stat(f.path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "data file %o", sb.st_mode & 0777);
	snprintf(lock, sizeof(lock), "%s-lock", f.path);
	cr_assert_eq(stat(lock, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "lock file %o", sb.st_mode & 0777);
	*strrchr(lock, '/') = '\0';
	cr_assert_eq(stat(lock, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700, "directory %o", sb.st_mode & 0777);
	fx_close(&f);
}

Test(lmdb, unopenable_store_path_is_a_store_error_with_a_reason)
{
	char blocker[300], err[256] = "";
	struct cs_store *st;
	struct fx f;
	FILE *fp;

	fx_init(&f);
	/* The store's directory is a regular file. */
	snprintf(blocker, sizeof(blocker), "%s/db", f.dir);
	cr_assert_not_null(fp = fopen(blocker, "w"));
	fclose(fp);
	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_ERR_STORE);
	cr_assert(strstr(err, "not a directory") != NULL, "%s", err);
	cs_config_free(&f.cfg);
	/* Two missing levels: we create one, not a whole tree. */
	snprintf(f.path, sizeof(f.path), "%s/x/y/sessions.mdb", f.dir);
	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_ERR_STORE);
	cr_assert(strstr(err, "cannot create directory") != NULL, "%s", err);
	fx_close(&f);
}

Test(lmdb, an_inspecting_open_refuses_a_missing_store_and_creates_nothing)
{
	char err[512] = "", dir[400];
	struct cs_store *st = NULL;
	struct stat sb;
	struct fx f;

	fx_init(&f);
	fx_config(&f, NULL, NULL, NULL);
	f.cfg.session_store_existing = true;
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_ERR_STORE);
	cr_assert_null(st);
	cr_assert(strstr(err, "no store at ") != NULL, "%s", err);
	cr_assert(strstr(err, f.path) != NULL, "names the path: %s", err);
	cr_assert_neq(stat(f.path, &sb), 0, "no store file was created");
	snprintf(dir, sizeof(dir), "%s", f.path);
	*strrchr(dir, '/') = '\0';
	cr_assert_neq(stat(dir, &sb), 0, "no directory was created");
	/* Once the store exists, the same configuration opens it. */
	f.cfg.session_store_existing = false;
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_OK);
	cs_store_close(st);
	f.cfg.session_store_existing = true;
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_OK, "%s", err);
	cs_store_close(st);
	fx_close(&f);
}

Test(lmdb, two_stores_in_one_process_share_one_environment)
{
	struct cs_store *second;
	struct cs_record r;
	char err[256];
	struct fx f;
	char *k;

	fx_open(&f);
	cr_assert_eq(cs_store_open(&second, &f.cfg, err, sizeof(err)), CS_OK);
	k = fx_create(&f, NULL, "{}", NOW + 10, NULL, NULL);
	cs_store_close(second);
	/* Closing one must not have closed the environment under the other. */
	cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK);
	cs_record_free(&r);
	free(k);
	fx_close(&f);
}

Test(lmdb, every_sync_mode_opens_and_persists)
{
	static const char *modes[] = { "full", "meta", "none" };
	struct cs_record r;
	struct fx f;
	char *k;
	size_t i;

	for (i = 0; i < 3; i++) {
		fx_init(&f);
		cr_assert_eq(fx_open_with(&f, NULL, NULL, modes[i]), CS_OK);
		k = fx_create(&f, NULL, "{\"m\":1}", NOW + 10, NULL, NULL);
		cs_store_lmdb_maybe_sync(f.st);
		cs_store_close(f.st);
		cr_assert_eq(cs_store_open(&f.st, &f.cfg, (char[64]){0}, 64), CS_OK);
		cr_assert_eq(f.st->ops->load(f.st, k, NOW, &r), CS_OK, "%s", modes[i]);
		cs_record_free(&r);
		free(k);
		fx_close(&f);
	}
}

static void
fill(struct fx *f, size_t count, size_t size, char **keys)
{
	char *data = malloc(size + 1);
	size_t i;

	memset(data, 'd', size);
	data[0] = '"';
	data[size - 1] = '"';
	data[size] = '\0';
	for (i = 0; i < count; i++) {
		char *k = fx_create(f, NULL, data, NOW + 100, "filler", NULL);

		if (keys)
			keys[i] = k;
		else
			free(k);
	}
	free(data);
}

Test(lmdb, map_grows_from_1MiB_while_many_megabytes_are_written)
{
	struct cs_lmdb_stats st;
	struct fx f;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.map_size, 1048576);
	fill(&f, 8000, 1000, NULL);		/* ~8 MB of data */
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_geq(st.map_size, 8 * 1048576, "map %zu", st.map_size);
	cr_assert_eq(st.sessions, 8000);
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

Test(lmdb, growth_stops_at_max_size_with_a_store_error)
{
	struct cs_record r;
	char *data, *k = NULL;
	struct fx f;
	int rc = CS_OK, i;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", "2097152", "none"), CS_OK);
	data = malloc(1001);
	memset(data, 'd', 1000);
	data[1000] = '\0';
	for (i = 0; i < 10000 && rc == CS_OK; i++) {
		r = rec_of(data, NOW + 100, NULL, 0);
		rc = f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE);
		free(k);
		k = NULL;
	}
	cr_assert_eq(rc, CS_ERR_STORE);
	cr_assert(i > 500, "stopped after %d", i);
	{
		struct cs_lmdb_stats st;

		cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
		cr_assert_eq(st.map_size, 2097152, "grew up to the cap: %zu",
		    st.map_size);
		cr_assert_eq(st.sessions, (uint64_t)i - 1);
	}
	cr_assert(strstr(cs_lmdb_error(f.st), "SESSION_STORE_MAX_SIZE") != NULL,
	    "%s", cs_lmdb_error(f.st));
	free(data);
	fx_close(&f);
}

Test(lmdb, deletes_on_a_full_map_succeed_by_growing_it)
{
	struct csi_lmdb_env_info info;
	struct cs_lmdb_env *e;
	char **keys, err[256];
	struct cs_record r;
	char *data, *k = NULL;
	struct fx f;
	size_t n = 0, i, map_before;
	int rc = CS_OK;

	/* Fill a 1 MiB map that may not grow... */
	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", "1048576", "none"), CS_OK);
	keys = calloc(4000, sizeof(*keys));
	data = malloc(201);
	memset(data, 'd', 200);
	data[200] = '\0';
	while (n < 4000) {
		r = rec_of(data, NOW + 100, "u", 0);
		if ((rc = f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE)))
			break;
		keys[n++] = k;
		k = NULL;
	}
	cr_assert_eq(rc, CS_ERR_STORE, "the map must fill up");
	cs_store_close(f.st);
	cs_config_free(&f.cfg);
	/* ...then reopen it with room to grow: copy-on-write deletes need
	 * fresh pages, so the first ones hit MDB_MAP_FULL and must grow. */
	cr_assert_eq(fx_open_with(&f, "1048576", "8388608", "none"), CS_OK);
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_env_info(e, &info), CS_OK);
	map_before = info.map_size;
	for (i = 0; i < n; i++) {
		cr_assert_eq(f.st->ops->del(f.st, keys[i]), CS_OK, "delete %zu", i);
		free(keys[i]);
	}
	cr_assert_eq(csi_lmdb_env_info(e, &info), CS_OK);
	cr_assert_gt(info.map_size, map_before, "a delete hit MAP_FULL and grew");
	cr_assert_geq(info.grows, 1);
	csi_lmdb_env_release(e);
	cr_assert_eq(fx_problems(&f), 0);
	free(keys);
	free(data);
	fx_close(&f);
}

Test(lmdb, map_grown_by_another_process_is_adopted)
{
	struct cs_lmdb_stats st;
	struct cs_record r;
	char key[CS_SESSION_KEY_LEN + 1];
	struct fx f;
	pid_t pid;
	int status;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	fx_key(key, 'p', 0);
	free(fx_create(&f, key, "{}", NOW + 100, NULL, NULL));
	if ((pid = fork()) == 0) {
		struct fx c = f;

		/* Child: reopens on its own (new pid) and writes ~6 MB. */
		fill(&c, 6000, 1000, NULL);
		fx_key(key, 'q', 0);
		free(fx_create(&c, key, "{\"from\":\"child\"}", NOW + 100, NULL,
		    NULL));
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Our map is still 1 MiB; the data is bigger: MDB_MAP_RESIZED. */
	fx_key(key, 'q', 0);
	cr_assert_eq(f.st->ops->load(f.st, key, NOW, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"from\":\"child\"}");
	cs_record_free(&r);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_geq(st.map_size, 6 * 1048576, "map %zu", st.map_size);
	cr_assert_eq(st.sessions, 6002);
	fx_close(&f);
}

Test(lmdb, store_opened_before_fork_works_in_child_and_parent)
{
	struct cs_record r;
	char key[CS_SESSION_KEY_LEN + 1];
	int i, status;
	pid_t pid;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'f', 0);
	free(fx_create(&f, key, "{\"p\":1}", NOW + 100, NULL, NULL));
	/* The parent holds a reader slot from this read. */
	cr_assert_eq(f.st->ops->load(f.st, key, NOW, &r), CS_OK);
	cs_record_free(&r);
	for (i = 0; i < 3; i++) {
		if ((pid = fork()) == 0) {
			char ck[CS_SESSION_KEY_LEN + 1];
			struct cs_record cr;

			if (f.st->ops->load(f.st, key, NOW, &cr) != CS_OK)
				_exit(1);
			cs_record_free(&cr);
			fx_key(ck, 'c', (unsigned)i);
			free(fx_create(&f, ck, "{\"c\":1}", NOW + 100, NULL, NULL));
			cs_store_close(f.st);
			_exit(0);
		}
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d failed", i);
	}
	/* The parent's environment (locks, reader slot) is intact. */
	for (i = 0; i < 3; i++) {
		fx_key(key, 'c', (unsigned)i);
		cr_assert_eq(f.st->ops->load(f.st, key, NOW, &r), CS_OK);
		cs_record_free(&r);
	}
	free(fx_create(&f, NULL, "{}", NOW + 100, NULL, NULL));
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

/* --- the sweep --------------------------------------------------------- */

static void
seed(struct fx *f, char fill_ch, unsigned n, int64_t expire, const char *user)
{
	char key[CS_SESSION_KEY_LEN + 1];
	unsigned i;

	for (i = 0; i < n; i++) {
		fx_key(key, fill_ch, i);
		free(fx_create(f, key, "{\"s\":1}", expire, user, NULL));
	}
}

Test(lmdb, clear_expired_removes_exactly_the_expired_in_batches)
{
	struct cs_sweep_stats st;
	struct cs_record r;
	char key[CS_SESSION_KEY_LEN + 1];
	int64_t t = 1800000000;
	struct fx f;

	fx_open(&f);
	seed(&f, 'e', 250, t - 10, "old");
	seed(&f, 'n', 10, t, NULL);		/* expire == now: expired */
	seed(&f, 'l', 40, t + 1, "live");
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 100, false, &st), CS_OK);
	cr_assert_eq(st.removed, 260);
	cr_assert_eq(st.remaining, 40);
	cr_assert_eq(st.batches, 3 + 3 + 3, "250 user entries, 260 sessions, "
	    "260 expiry entries, in batches of 100: %llu",
	    (unsigned long long)st.batches);
	fx_key(key, 'l', 39);
	cr_assert_eq(f.st->ops->load(f.st, key, t, &r), CS_OK);
	cs_record_free(&r);
	fx_key(key, 'e', 0);
	cr_assert_eq(f.st->ops->exists(f.st, key), CS_ERR_NOT_FOUND);
	cr_assert_eq(fx_problems(&f), 0, "user index cleaned too");
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 100, false, &st), CS_OK);
	cr_assert_eq(st.removed, 0);
	cr_assert_eq(st.batches, 0, "nothing expired: no write transaction");
	fx_close(&f);
}

Test(lmdb, clear_expired_dry_run_counts_without_deleting)
{
	struct cs_sweep_stats st;
	struct cs_lmdb_stats s;
	int64_t t = 1800000000;
	struct fx f;

	fx_open(&f);
	seed(&f, 'e', 30, t - 10, NULL);
	seed(&f, 'l', 5, t + 10, NULL);
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 7, true, &st), CS_OK);
	cr_assert_eq(st.removed, 30);
	cr_assert_eq(st.remaining, 5);
	cr_assert_eq(cs_lmdb_stats(f.st, t, &s), CS_OK);
	cr_assert_eq(s.sessions, 35);
	cr_assert_eq(s.expired, 30);
	fx_close(&f);
}

Test(lmdb, clear_expired_drops_stale_index_entries_and_keeps_refreshed_sessions)
{
	struct cs_sweep_stats st;
	struct cs_lmdb_stats s;
	char key[CS_SESSION_KEY_LEN + 1], ghost[CS_SESSION_KEY_LEN + 1];
	int64_t t = 1800000000;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'r', 0);
	free(fx_create(&f, key, "{}", t + 100, NULL, NULL));
	/* An entry left from an older expiry, and one for no session. */
	raw_expiry(&f, t - 50, key, false);
	fx_key(ghost, 'g', 0);
	raw_expiry(&f, t - 40, ghost, false);
	cr_assert_eq(fx_problems(&f), 2);
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 1000, true, &st), CS_OK);
	cr_assert_eq(st.removed, 0, "a dry run would remove no session");
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 1000, false, &st), CS_OK);
	cr_assert_eq(st.removed, 0);
	cr_assert_eq(f.st->ops->exists(f.st, key), CS_OK, "refreshed: kept");
	cr_assert_eq(fx_problems(&f), 0, "stale entries dropped");
	cr_assert_eq(cs_lmdb_stats(f.st, t, &s), CS_OK);
	cr_assert_eq(s.expiry_entries, 1);
	fx_close(&f);
}

/*
 * An undecodable record (a torn write from another version, a bug) must
 * not stop the sweep for good: the batch that meets it would fail, be
 * rolled back and meet it again on every run, and nothing behind it in
 * the index would ever be removed.  It goes, as delete drops it.
 */
Test(lmdb, undecodable_record_reads_as_no_session_and_does_not_block_the_sweep)
{
	char bad[CS_SESSION_KEY_LEN + 1], after[CS_SESSION_KEY_LEN + 1];
	struct cs_sweep_stats st;
	struct raw r = { CS_DBI_SESSIONS, { 0 }, CS_SESSION_KEY_LEN, false };
	struct cs_record rec;
	struct cs_lmdb_env *e;
	char err[256];
	int64_t t = 1800000000;
	struct fx f;

	fx_open(&f);
	fx_key(bad, 'c', 1);
	fx_key(after, 'd', 1);
	free(fx_create(&f, bad, "{}", t - 20, NULL, NULL));
	free(fx_create(&f, after, "{}", t - 10, NULL, NULL));
	memcpy(r.key, bad, CS_SESSION_KEY_LEN);
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, raw_fn, &r), CS_OK);
	csi_lmdb_env_release(e);
	/* A request holding its key reads no session (Django: corrupted
	 * data is an empty session), not a store failure. */
	cr_assert_eq(f.st->ops->load(f.st, bad, t - 100, &rec), CS_ERR_NOT_FOUND);
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 1000, false, &st), CS_OK);
	cr_assert_eq(st.removed, 2);
	cr_assert_eq(f.st->ops->exists(f.st, bad), CS_ERR_NOT_FOUND);
	cr_assert_eq(f.st->ops->exists(f.st, after), CS_ERR_NOT_FOUND);
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

Test(lmdb, two_concurrent_sweeps_remove_each_session_once)
{
	struct cs_sweep_stats st;
	uint64_t removed[2] = { 0, 0 };
	int64_t t = 1800000000;
	int fds[2], i, status;
	pid_t pids[2];
	struct fx f;

	fx_open(&f);
	seed(&f, 'e', 3000, t - 10, "u");
	seed(&f, 'l', 100, t + 10, "u");
	cr_assert_eq(pipe(fds), 0);
	for (i = 0; i < 2; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fds[0]);
			if (f.st->ops->clear_expired(f.st, t, 50, false, &st))
				_exit(1);
			if (write(fds[1], &st.removed, sizeof(st.removed)) != 8)
				_exit(2);
			_exit(0);
		}
	}
	close(fds[1]);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		cr_assert_eq(read(fds[0], &removed[i], 8), 8);
	}
	close(fds[0]);
	cr_assert_eq(removed[0] + removed[1], 3000);
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(f.st->ops->clear_expired(f.st, t, 50, true, &st), CS_OK);
	cr_assert_eq(st.removed, 0);
	cr_assert_eq(st.remaining, 100);
	fx_close(&f);
}

/* --- operator tools --------------------------------------------------- */

static int
count_cb(void *arg, const struct cs_lmdb_session *s)
{
	cr_assert(cs_session_key_valid(s->key));
	(*(unsigned *)arg)++;
	return 0;
}

Test(lmdb, foreach_visits_every_session_across_chunks)
{
	unsigned n = 0;
	struct fx f;

	fx_open(&f);
	seed(&f, 'a', 2500, NOW + 100, NULL);
	seed(&f, 'b', 10, NOW - 100, NULL);
	cr_assert_eq(cs_lmdb_foreach(f.st, count_cb, &n), CS_OK);
	cr_assert_eq(n, 2510);
	fx_close(&f);
}

Test(lmdb, sessions_of_a_user_are_listed_and_revoked_together)
{
	struct cs_record r;
	uint64_t count, v;
	unsigned n = 0;
	struct fx f;
	char *moved, *other;

	fx_open(&f);
	seed(&f, 'a', 5, NOW + 100, "alice");
	seed(&f, 'b', 3, NOW + 100, "alice2");	/* prefix of another name */
	other = fx_create(&f, NULL, "{}", NOW + 100, NULL, NULL);
	moved = fx_create(&f, NULL, "{}", NOW + 100, "bob", &v);
	cr_assert_eq(update(&f, moved, "{}", NOW + 100, "alice", &v), CS_OK);
	cr_assert_eq(cs_lmdb_foreach_user(f.st, "alice", count_cb, &n), CS_OK);
	cr_assert_eq(n, 6);
	n = 0;
	cr_assert_eq(cs_lmdb_foreach_user(f.st, "bob", count_cb, &n), CS_OK);
	cr_assert_eq(n, 0, "user change moved the index entry");
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "alice", &count), CS_OK);
	cr_assert_eq(count, 6);
	cr_assert_eq(f.st->ops->load(f.st, moved, NOW, &r), CS_ERR_NOT_FOUND);
	cr_assert_eq(f.st->ops->load(f.st, other, NOW, &r), CS_OK);
	cs_record_free(&r);
	n = 0;
	cr_assert_eq(cs_lmdb_foreach_user(f.st, "alice2", count_cb, &n), CS_OK);
	cr_assert_eq(n, 3);
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "nobody", &count), CS_OK);
	cr_assert_eq(count, 0);
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "", &count), CS_ERR_INVALID);
	cr_assert_eq(fx_problems(&f), 0);
	free(moved);
	free(other);
	fx_close(&f);
}

static void
collect(void *arg, const char *line)
{
	struct cs_buf *b = arg;

	cs_buf_printf(b, "%s\n", line);
}

Test(lmdb, verify_reports_each_index_inconsistency)
{
	char a[CS_SESSION_KEY_LEN + 1], b[CS_SESSION_KEY_LEN + 1];
	struct cs_buf out = { 0 };
	uint64_t problems;
	struct fx f;

	fx_open(&f);
	fx_key(a, 'a', 1);
	fx_key(b, 'b', 1);
	free(fx_create(&f, a, "{}", 1900000000, "ann", NULL));
	free(fx_create(&f, b, "{}", 1900000000, NULL, NULL));
	cr_assert_eq(fx_problems(&f), 0);
	raw_expiry(&f, 1900000000, a, true);	/* a: no expiry entry */
	raw_user(&f, "ann", a, true);		/* a: no user entry */
	raw_user(&f, "zed", b, false);		/* b: entry of another user */
	cr_assert_eq(cs_lmdb_verify(f.st, collect, &out, &problems), CS_OK);
	cr_assert_eq(problems, 3, "%s", out.data);
	cr_assert(strstr(out.data, "no expiry index entry") != NULL, "%s", out.data);
	cr_assert(strstr(out.data, "no user index entry") != NULL, "%s", out.data);
	cr_assert(strstr(out.data, "of another user") != NULL, "%s", out.data);
	cs_buf_free(&out);
	fx_close(&f);
}

Test(lmdb, export_then_import_round_trips_every_field)
{
	struct cs_record r;
	struct fx f, g;
	char err[256], key[CS_SESSION_KEY_LEN + 1];
	uint64_t n;
	size_t bad;
	FILE *tmp;

	fx_open(&f);
	fx_key(key, 'x', 1);
	free(fx_create(&f, key, "{\"a\":[1,2],\"s\":\"\\u00e9\"}", 1900000000,
	    "us\"er\\", NULL));
	seed(&f, 'y', 20, 1900000001, NULL);
	seed(&f, 'z', 5, 1000, NULL);		/* expired travels too */
	cr_assert_not_null(tmp = tmpfile());
	cr_assert_eq(cs_lmdb_export(f.st, tmp), CS_OK);
	rewind(tmp);
	fx_open(&g);
	cr_assert_eq(cs_lmdb_import(g.st, tmp, &n, &bad, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(n, 26);
	cr_assert_eq(cs_lmdb_get(g.st, key, &r), CS_OK);
	cr_assert_eq(r.expire, 1900000000);
	cr_assert_str_eq(r.user, "us\"er\\");
	cr_assert_str_eq(r.data, "{\"a\":[1,2],\"s\":\"\xc3\xa9\"}");
	cs_record_free(&r);
	fx_key(key, 'z', 0);
	cr_assert_eq(cs_lmdb_get(g.st, key, &r), CS_OK);
	cr_assert_eq(r.expire, 1000);
	cs_record_free(&r);
	cr_assert_eq(fx_problems(&g), 0);
	fclose(tmp);
	fx_close(&g);
	fx_close(&f);
}

static int
import_text(struct fx *f, const char *text, uint64_t *n, size_t *bad,
    char *err, size_t errlen)
{
	FILE *m = fmemopen((void *)text, strlen(text), "r");
	int rc;

	cr_assert_not_null(m);
	rc = cs_lmdb_import(f->st, m, n, bad, err, errlen);
	fclose(m);
	return rc;
}

Test(lmdb, import_of_a_bad_line_imports_nothing_and_names_the_line)
{
	static const char *bad_lines[] = {
		"{\"expire\": 1900000000, \"data\": []}",
		"{\"expire\": -1, \"data\": {}}",
		"{\"expire\": \"soon\", \"data\": {}}",
		"{\"key\": \"UPPER5678901234567890123456789012\", \"expire\": 1, \"data\": {}}",
		"{\"expire\": 1, \"user\": \"\", \"data\": {}}",
		"not json",
		"[1,2]",
	};
	struct cs_lmdb_stats st;
	struct cs_buf in = { 0 };
	char err[256];
	uint64_t n;
	size_t bad, i;
	struct fx f;

	fx_open(&f);
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		cs_buf_reset(&in);
		cs_buf_puts(&in, "{\"expire\": 1900000000, \"data\": {}}\n\n");
		cs_buf_printf(&in, "%s\n", bad_lines[i]);
		cr_assert_eq(import_text(&f, in.data, &n, &bad, err, sizeof(err)),
		    CS_ERR_INVALID, "%s", bad_lines[i]);
		cr_assert_eq(bad, 3, "%s: line %zu", bad_lines[i], bad);
		cr_assert_eq(n, 0);
		cr_assert_neq(err[0], '\0');
	}
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 0, "nothing from a bad import applied");
	cs_buf_free(&in);
	fx_close(&f);
}

Test(lmdb, import_generates_missing_keys_and_replaces_existing_ones)
{
	char key[CS_SESSION_KEY_LEN + 1], text[512], err[256];
	struct cs_lmdb_stats st;
	struct cs_record r;
	uint64_t n;
	size_t bad;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'k', 7);
	free(fx_create(&f, key, "{\"old\":1}", 1900000000, "old", NULL));
	snprintf(text, sizeof(text),
	    "{\"expire\": 1900000000, \"data\": {\"gen\": 1}}\n"
	    "{\"key\": \"%s\", \"expire\": 1900000005, \"user\": \"new\", "
	    "\"data\": {\"new\": 1}}\n", key);
	cr_assert_eq(import_text(&f, text, &n, &bad, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_eq(cs_lmdb_get(f.st, key, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"new\":1}");
	cr_assert_str_eq(r.user, "new");
	cs_record_free(&r);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 2);
	cr_assert_eq(fx_problems(&f), 0, "old expiry and user entries replaced");
	fx_close(&f);
}

Test(lmdb, import_of_a_key_twice_keeps_the_later_line_and_one_set_of_entries)
{
	char key[CS_SESSION_KEY_LEN + 1], text[1024], err[256];
	struct cs_lmdb_stats st;
	struct cs_record r;
	uint64_t n, count;
	size_t bad;
	struct fx f;

	fx_open(&f);
	fx_key(key, 'd', 1);
	snprintf(text, sizeof(text),
	    "{\"key\": \"%s\", \"expire\": 1900000001, \"user\": \"first\", "
	    "\"data\": {\"v\": 1}}\n"
	    "{\"expire\": 1900000000, \"data\": {}}\n"
	    "{\"key\": \"%s\", \"expire\": 1900000002, \"user\": \"second\", "
	    "\"data\": {\"v\": 2}}\n", key, key);
	cr_assert_eq(import_text(&f, text, &n, &bad, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(cs_lmdb_get(f.st, key, &r), CS_OK);
	cr_assert_str_eq(r.data, "{\"v\":2}");
	cr_assert_str_eq(r.user, "second");
	cr_assert_eq(r.expire, 1900000002);
	cs_record_free(&r);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 2);
	cr_assert_eq(st.expiry_entries, 2);
	cr_assert_eq(st.user_entries, 1);
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "first", &count), CS_OK);
	cr_assert_eq(count, 0);
	fx_close(&f);
}

Test(lmdb, import_from_a_pipe_is_spooled_and_validated_first)
{
	struct cs_lmdb_stats st;
	char err[256];
	uint64_t n;
	size_t bad;
	int fds[2];
	struct fx f;
	FILE *in;
	const char *text = "{\"expire\": 1900000000, \"data\": {}}\n"
	    "{\"expire\": 1900000000, \"data\": {}}\n";

	fx_open(&f);
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	cr_assert_not_null(in = fdopen(fds[0], "r"));
	cr_assert_eq(cs_lmdb_import(f.st, in, &n, &bad, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(n, 2);
	fclose(in);
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 2);
	fx_close(&f);
}

Test(lmdb, stats_report_sizes_and_readers)
{
	struct cs_lmdb_stats st;
	struct fx f;

	fx_open(&f);
	seed(&f, 's', 10, NOW + 100, "u");
	cr_assert_eq(cs_lmdb_stats(f.st, NOW, &st), CS_OK);
	cr_assert_eq(st.sessions, 10);
	cr_assert_eq(st.user_entries, 10);
	cr_assert_eq(st.map_size, 67108864);
	cr_assert_eq(st.max_size, 4294967296ULL);
	cr_assert_gt(st.map_used, 0);
	cr_assert_geq(st.file_size, st.map_used);
	cr_assert_geq(st.max_readers, 4096);
	cr_assert_geq(st.readers, 1);
	fx_close(&f);
}

Test(lmdb, sweep_on_a_full_map_that_may_not_grow_empties_it_or_stops_cleanly)
{
	struct cs_sweep_stats st;
	struct cs_record r;
	char *data, *k = NULL;
	struct fx f;
	int rc = CS_OK, n = 0;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", "1048576", "none"), CS_OK);
	data = malloc(201);
	memset(data, 'd', 200);
	data[200] = '\0';
	while (rc == CS_OK) {
		r = rec_of(data, 1000, "u", 0);
		if ((rc = f.st->ops->save(f.st, &k, &r, CS_SAVE_CREATE)) == CS_OK)
			n++;
		free(k);
		k = NULL;
	}
	cr_assert_eq(rc, CS_ERR_STORE);
	/* Deleting in key order frees pages as it copies them, so a map too
	 * full for one more session often lets the sweep empty it; when a
	 * batch cannot get its pages, the sweep stops there with a store
	 * error, and the failed batch leaves no trace.  Either way the
	 * three databases agree. */
	rc = f.st->ops->clear_expired(f.st, cs_now(), 1000, false, &st);
	if (rc == CS_OK) {
		cr_assert_eq(st.removed, (uint64_t)n);
		cr_assert_eq(st.remaining, 0);
	} else {
		cr_assert_eq(rc, CS_ERR_STORE, "%s", cs_strerror(rc));
		cr_assert_lt(st.removed, (uint64_t)n);
		cr_assert_eq(st.removed % 1000, 0, "whole batches only: %llu",
		    (unsigned long long)st.removed);
	}
	cr_assert_eq(fx_problems(&f), 0);
	free(data);
	fx_close(&f);
}

/* --- the shared environment for the users and throttle modules ----------- */

static int
users_put_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_val k = { 5, "alice" }, v = { strlen(p), p };

	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v, 0));
}

static int
users_get_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_val k = { 5, "alice" }, v;
	int rc;

	if ((rc = csi_lmdb_rc(e, mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v))))
		return rc;
	snprintf(p, 64, "%.*s", (int)v.mv_size, (char *)v.mv_data);
	return CS_OK;
}

Test(lmdb, reserved_databases_share_the_store_environment)
{
	struct cs_lmdb_env *e, *e2;
	char err[256], got[64] = "";
	struct fx f;

	fx_open(&f);
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_env_acquire(&e2, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(e, e2, "one environment per path per process");
	cr_assert_eq(csi_lmdb_write(e, users_put_fn, "pbkdf2_sha256$1$x$y"), CS_OK);
	cr_assert_eq(csi_lmdb_read(e, users_get_fn, got), CS_OK);
	cr_assert_str_eq(got, "pbkdf2_sha256$1$x$y");
	csi_lmdb_env_release(e2);
	csi_lmdb_env_release(e);
	/* The store still works after the other module let go. */
	free(fx_create(&f, NULL, "{}", NOW + 10, NULL, NULL));
	fx_close(&f);
}
