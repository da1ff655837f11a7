/*
 * test_store_cache.c -- the memcached engines (cache, cached_db) against a
 * real memcached: memcached down answers 503 with one log line, keys are
 * spread over several servers, a value not signed with SECRET_KEY is no
 * session, cache cannot list; cached_db refills the cache from LMDB and a
 * revocation reaches the cached copies.
 */
#include <jansson.h>

#include "engine_fixture.h"

#define KEY1	"abcdefghijklmnopqrstuvwxyz012345"

/* One command on a fresh connection; the first reply line in out. */
static void
mc_raw(int port, const char *cmd, char *out, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t got;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(write(s, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	got = read(s, out, n - 1);
	out[got > 0 ? got : 0] = '\0';
	close(s);
}

static bool
mc_has(int port, const char *mkey)
{
	char cmd[200], out[4096];

	snprintf(cmd, sizeof(cmd), "get %s\r\n", mkey);
	mc_raw(port, cmd, out, sizeof(out));
	return strncmp(out, "VALUE ", 6) == 0;
}

Test(cache, memcached_cannot_list_and_expires_by_itself)
{
	struct eng e;

	eng_open(&e, "cache");
	cr_assert_eq(cs_store_caps(e.st), CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC);
	cr_assert_eq(cs_store_foreach(e.st, NULL, NULL), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_export(e.st, stdout), CS_ERR_UNSUPPORTED);
	eng_close(&e);
}

Test(cache, the_value_lives_under_csess_own_key_signed)
{
	struct cs_record r;
	struct eng e;
	char cmd[300], out[64];

	eng_open(&e, "cache");
	free(eng_create(&e, KEY1, "{\"n\":1}", cs_now() + 60, NULL, NULL));
	cr_assert(mc_has(e.mc_port, "csess.sessions.cache" KEY1));
	cr_assert_not(mc_has(e.mc_port, ":1:django.contrib.sessions.cache" KEY1),
	    "never where Django's cache backend keeps a pickle");
	/* Someone who can write to memcached but lacks SECRET_KEY. */
	snprintf(cmd, sizeof(cmd), "set csess.sessions.cache%s 0 60 %zu\r\n%s\r\n",
	    KEY1, strlen("{\"d\":{\"n\":2}}"), "{\"d\":{\"n\":2}}");
	mc_raw(e.mc_port, cmd, out, sizeof(out));
	cr_assert_str_eq(out, "STORED\r\n");
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_ERR_NOT_FOUND);
	eng_close(&e);
}

Test(cache, keys_spread_over_every_server_by_consistent_hashing)
{
	struct eng a, b;
	char url[128], key[CS_SESSION_KEY_LEN + 1], mkey[80];
	struct cs_record r;
	int i, on_a = 0, on_b = 0, live = 0;

	eng_init(&a, "cache", NULL);
	eng_init(&b, "cache", NULL);
	snprintf(url, sizeof(url), "CSESS_SESSION_CACHE_URL=memcached://"
	    "127.0.0.1:%d,127.0.0.1:%d", a.mc_port, b.mc_port);
	eng_config(&a, url);
	cr_assert_eq(cs_store_open(&a.st, &a.cfg, NULL, 0), CS_OK);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%031d", i);
		free(eng_create(&a, key, "{}", cs_now() + 60, NULL, NULL));
		snprintf(mkey, sizeof(mkey), "csess.sessions.cache%s", key);
		on_a += mc_has(a.mc_port, mkey);
		on_b += mc_has(b.mc_port, mkey);
	}
	cr_assert_eq(on_a + on_b, 40, "each session on exactly one server");
	cr_assert(on_a > 5 && on_b > 5, "spread: %d and %d", on_a, on_b);
	/* One server lost: the other's sessions still load. */
	eng_memcached_stop(&b);
	eng_stderr_capture(&a);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%031d", i);
		if (cs_store_load(a.st, key, cs_now(), &r) == CS_OK)
			live++;
		cs_record_free(&r);
	}
	cr_assert_eq(live, on_a);
	eng_close(&a);
	eng_close(&b);
}

/* ---- through the middleware ------------------------------------------ */

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s;

	(void)arg;
	cr_assert_eq(cs_session_middleware(req), CS_OK);
	s = cs_session(req);
	if (cs_req_cookie(req, "sessionid") == NULL)
		cs_session_set_int(s, "n", 1);
	else
		cs_session_contains(s, "n");
	cs_resp_puts(resp, "ok");
}

/* The status of one request; key gets the new session's key. */
static int
request(struct eng *e, const char *cookie, char key[64])
{
	struct cs_buf buf = { 0 };
	char c[100], *p;
	char *envp[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", c, NULL };
	int status = 200;

	snprintf(c, sizeof(c), "HTTP_COOKIE=sessionid=%s", cookie ? cookie : "");
	if (cookie == NULL)
		envp[2] = NULL;
	cr_assert_eq(cs_run_once(&e->cfg, envp, NULL, 0, handler, NULL, &buf),
	    CS_OK);
	if ((p = strstr(buf.data, "Status: ")) != NULL)
		status = atoi(p + 8);
	if (key && (p = strstr(buf.data, "sessionid=")) != NULL)
		snprintf(key, 64, "%.32s", p + 10);
	cs_buf_free(&buf);
	return status;
}

static void
down_answers_503(const char *engine)
{
	struct eng e;
	char key[64];

	eng_init(&e, engine, NULL);
	cr_assert_eq(request(&e, NULL, key), 200);
	cr_assert(cs_session_key_valid(key));
	eng_memcached_stop(&e);
	eng_stderr_capture(&e);
	cr_assert_eq(request(&e, key, NULL), 503, "%s", engine);
	cr_assert_eq(request(&e, key, NULL), 503, "%s", engine);
	cr_assert_eq(eng_stderr_lines(&e, "SESSION_CACHE_URL memcached://"), 1,
	    "%s: one line naming the server", engine);
	eng_close(&e);
}

Test(cache, memcached_down_answers_503_with_one_log_line)
{
	down_answers_503("cache");
}

Test(cached_db, memcached_down_answers_503_with_one_log_line)
{
	down_answers_503("cached_db");
}

/* ---- cached_db ----------------------------------------------------------- */

Test(cached_db, a_read_the_cache_misses_comes_from_lmdb_and_refills_it)
{
	struct cs_record r;
	struct eng e;
	char out[64];

	eng_open(&e, "cached_db");
	free(eng_create(&e, KEY1, "{\"n\":1}", cs_now() + 60, "alice", NULL));
	cr_assert(mc_has(e.mc_port, "csess.sessions.cached_db" KEY1),
	    "a save writes the cache too");
	mc_raw(e.mc_port, "flush_all\r\n", out, sizeof(out));
	cr_assert_not(mc_has(e.mc_port, "csess.sessions.cached_db" KEY1));
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_OK,
	    "LMDB is the truth");
	cr_assert_str_eq(r.user, "alice");
	cs_record_free(&r);
	cr_assert(mc_has(e.mc_port, "csess.sessions.cached_db" KEY1),
	    "and the read refilled the cache");
	cr_assert_eq(cs_store_del(e.st, KEY1), CS_OK);
	cr_assert_not(mc_has(e.mc_port, "csess.sessions.cached_db" KEY1));
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_ERR_NOT_FOUND);
	eng_close(&e);
}

Test(cached_db, revoking_a_user_drops_the_cached_copies)
{
	struct cs_record r;
	struct eng e;
	uint64_t n;

	eng_open(&e, "cached_db");
	free(eng_create(&e, KEY1, "{}", cs_now() + 60, "alice", NULL));
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_OK);
	cs_record_free(&r);
	cr_assert_eq(cs_store_revoke_user(e.st, "alice", &n), CS_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &r), CS_ERR_NOT_FOUND);
	eng_close(&e);
}
