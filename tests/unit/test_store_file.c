/*
 * test_store_file.c -- what the file engine promises beyond the common
 * store behaviours (test_store_engines.c): Django's file layout and
 * content, 0600 files, no link followed, Django's expiry rules,
 * clear-expired over the directory, list/export/import, and a directory
 * that is missing is an error naming it.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include <jansson.h>

#include "engine_fixture.h"

#define KEY1	"abcdefghijklmnopqrstuvwxyz012345"
#define KEY2	"0123456789abcdefghijklmnopqrstuv"
#define AGE	1209600

static void
path_of(struct eng *e, const char *key, char *out, size_t n)
{
	snprintf(out, n, "%s/sessionid%s", e->dir, key);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(file, a_session_is_one_0600_file_holding_djangos_encode_string)
{
	struct cs_signer s;
	struct cs_buf json = { 0 };
	struct stat sb;
	struct eng e;
	char path[400], *text;

	eng_open(&e, "file");
	free(eng_create(&e, KEY1, "{\"a\":1}", cs_now() + AGE, NULL, NULL));
	path_of(&e, KEY1, path, sizeof(path));
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	text = slurp(path);
	cr_assert_null(strchr(text, '\n'), "no newline, as Django writes");
	cr_assert(strncmp(text, "eyJhIjoxfQ:", 11) == 0, "%s", text);
	cr_assert_eq(cs_signer_init(&s, &e.cfg), CS_OK);
	s.salt = "django.contrib.sessions.SessionStore";
	cr_assert_eq(cs_loads(&s, text, strlen(text), -1, &json), CS_OK);
	cr_assert_eq(json.len, 7);
	cr_assert_eq(memcmp(json.data, "{\"a\":1}", 7), 0);
	cs_buf_free(&json);
	eng_close(&e);
}

Test(file, the_expiry_is_the_mtime_plus_the_cookie_age_or_the_sessions_own)
{
	struct cs_record r;
	struct stat sb;
	struct eng e;
	char path[400];
	int64_t now = cs_now();

	eng_open(&e, "file");
	free(eng_create(&e, KEY1, "{}", now + 100, NULL, NULL));
	path_of(&e, KEY1, path, sizeof(path));
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq((int64_t)sb.st_mtime, now + 100 - AGE,
	    "the mtime carries the expiry for Django");
	/* An int _session_expiry is an age from every read (Django). */
	free(eng_create(&e, KEY2, "{\"_session_expiry\":300}", now - 1, NULL,
	    NULL));
	cr_assert_eq(cs_store_load(e.st, KEY2, now, &r), CS_OK);
	cr_assert_geq(r.expire, now + 300);
	cs_record_free(&r);
	eng_close(&e);
}

Test(file, a_link_planted_under_a_session_name_is_not_followed)
{
	struct cs_record r;
	struct eng e;
	char path[400];

	eng_open(&e, "file");
	path_of(&e, KEY1, path, sizeof(path));
	cr_assert_eq(symlink("/etc/passwd", path), 0);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_ERR_NOT_FOUND);
	eng_close(&e);
}

Test(file, a_file_that_does_not_verify_is_no_session)
{
	struct cs_record r;
	struct eng e;
	char path[400];
	FILE *f;

	eng_open(&e, "file");
	path_of(&e, KEY1, path, sizeof(path));
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("eyJhIjoxfQ:1xYIJl:forgedforgedforgedforgedforgedforgedforged", f);
	fclose(f);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_get(e.st, KEY1, &r), CS_ERR_STORE,
	    "the operator sees it is damaged");
	eng_close(&e);
}

/* Count the entries of dir whose name contains s. */
static int
count_files(const char *dir, const char *s)
{
	char cmd[400], out[32];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c '%s'", dir, s);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	out[0] = '\0';
	cr_assert_not_null(fgets(out, sizeof(out), p));
	pclose(p);
	return atoi(out);
}

Test(file, clear_expired_walks_the_directory_as_django_does)
{
	struct cs_sweep_stats st;
	struct eng e;
	char path[400], key[CS_SESSION_KEY_LEN + 1];
	int64_t now = cs_now();
	int i;
	FILE *f;

	eng_open(&e, "file");
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "live%028d", i);
		free(eng_create(&e, key, "{}", now + 60, NULL, NULL));
		snprintf(key, sizeof(key), "dead%028d", i);
		free(eng_create(&e, key, "{}", now - 60, NULL, NULL));
	}
	/* Expired by its mtime but with an int expiry: Django keeps it. */
	free(eng_create(&e, KEY1, "{\"_session_expiry\":5}", now - 60, NULL,
	    NULL));
	snprintf(path, sizeof(path), "%s/unrelated", e.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fclose(f);
	cr_assert_eq(cs_store_clear_expired(e.st, now, 0, true, &st), CS_OK);
	cr_assert_eq(st.removed, 3, "dry run counts");
	cr_assert_eq(count_files(e.dir, "dead"), 3, "dry run removes nothing");
	cr_assert_eq(cs_store_clear_expired(e.st, now, 0, false, &st), CS_OK);
	cr_assert_eq(st.removed, 3);
	cr_assert_eq(st.remaining, 4);
	cr_assert_eq(count_files(e.dir, "dead"), 0);
	cr_assert_eq(count_files(e.dir, "live"), 3);
	cr_assert_eq(count_files(e.dir, "unrelated"), 1);
	cr_assert_eq(cs_store_exists(e.st, KEY1), CS_OK);
	eng_close(&e);
}

static int
count_one(void *arg, const struct cs_store_session *sv)
{
	(void)sv;
	(*(int *)arg)++;
	return 0;
}

Test(file, export_then_import_into_another_directory_keeps_every_session)
{
	struct eng a, b;
	struct cs_record r;
	uint64_t n;
	size_t bad;
	char err[128], *buf = NULL;
	size_t len = 0;
	int count = 0;
	FILE *f;

	eng_open(&a, "file");
	free(eng_create(&a, KEY1, "{\"_auth_user_id\":\"bob\",\"x\":[1]}",
	    cs_now() + 500, NULL, NULL));
	free(eng_create(&a, KEY2, "{}", cs_now() + 900, NULL, NULL));
	cr_assert(cs_store_has(a.st, CS_STORE_ENUMERATE));
	cr_assert_eq(cs_store_foreach(a.st, count_one, &count), CS_OK);
	cr_assert_eq(count, 2);
	f = open_memstream(&buf, &len);
	cr_assert_eq(cs_store_export(a.st, f), CS_OK);
	fclose(f);
	eng_open(&b, "file");
	f = fmemopen(buf, len, "r");
	cr_assert_eq(cs_store_import(b.st, f, &n, &bad, err, sizeof(err)), CS_OK,
	    "%s", err);
	fclose(f);
	cr_assert_eq(n, 2);
	cr_assert_eq(cs_store_load(b.st, KEY1, cs_now(), &r), CS_OK);
	cr_assert_eq(r.expire, cs_now() + 500);
	cr_assert_str_eq(r.user, "bob");
	cs_record_free(&r);
	f = fmemopen("{\"key\":\"../x\",\"expire\":1,\"data\":{}}\n", 36, "r");
	cr_assert_eq(cs_store_import(b.st, f, &n, &bad, err, sizeof(err)),
	    CS_ERR_INVALID);
	cr_assert_eq(bad, 1);
	fclose(f);
	free(buf);
	eng_close(&a);
	eng_close(&b);
}

Test(file, a_missing_directory_is_a_store_error_naming_it)
{
	struct cs_config cfg;
	struct cs_store *st;
	char err[256];
	char *envp[] = { "CSESS_SECRET_KEY=s3cr3t", "CSESS_SESSION_ENGINE=file",
	    "CSESS_SESSION_FILE_PATH=/nonexistent/csess-sessions", NULL };

	cr_assert_eq(cs_config_load_env(&cfg, envp, err, sizeof(err)), CS_OK);
	cr_assert_eq(cs_store_open(&st, &cfg, err, sizeof(err)), CS_ERR_STORE);
	cr_assert_not_null(strstr(err, "/nonexistent/csess-sessions"), "%s", err);
	cs_config_free(&cfg);
}

Test(file, a_directory_that_became_unusable_answers_store_errors)
{
	struct cs_record r = { 0 };
	struct eng e;
	char *k = NULL;

	eng_open(&e, "file");
	eng_stderr_capture(&e);
	/* The directory is replaced under the open store. */
	cr_assert_eq(rmdir(e.dir), 0);
	r.data = "{}";
	r.data_len = 2;
	r.expire = cs_now() + 60;
	cr_assert_eq(cs_store_save(e.st, &k, &r, CS_SAVE_CREATE), CS_ERR_STORE);
	cr_assert_not_null(strstr(cs_store_error(e.st), e.dir), "%s",
	    cs_store_error(e.st));
	cr_assert_eq(cs_store_save(e.st, &k, &r, CS_SAVE_CREATE), CS_ERR_STORE);
	cr_assert_eq(eng_stderr_lines(&e, e.dir), 1, "one line per outage");
	eng_close(&e);
}
