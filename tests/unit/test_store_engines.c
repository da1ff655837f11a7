/*
 * test_store_engines.c -- the promises of csess/store.h and the session
 * behaviours a user relies on, run against every stored engine (lmdb,
 * file, cache, cached_db; engine_fixture.h starts a real memcached for
 * the last two): a round trip, create never overwrites, an update never
 * loses a newer write or brings back a deleted session, expired is gone,
 * a malformed key is no session; and through the middleware: log in,
 * read, log out, and a logout racing a save answers 400.
 */
#include <jansson.h>

#include "engine_fixture.h"

#define ENGINE_TEST(test)						\
	static void run_##test(const char *engine);			\
	ParameterizedTestParameters(engines, test) { ENGINE_PARAMS; }	\
	ParameterizedTest(struct eng_param *param, engines, test)	\
	    { run_##test(param->name); }				\
	static void run_##test(const char *engine)

#define KEY1	"abcdefghijklmnopqrstuvwxyz012345"
#define DATA1	"{\"_auth_user_id\":\"alice\",\"n\":1}"

static bool
json_same(const char *a, const char *b)
{
	json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
	bool same = x && y && json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

static int
update(struct eng *e, const char *key, const char *data, int64_t expire,
    uint64_t *version)
{
	struct cs_record r = { 0 };
	char *k = strdup(key);
	int rc;

	r.data = (char *)data;
	r.data_len = strlen(data);
	r.expire = expire;
	r.version = *version;
	rc = cs_store_save(e->st, &k, &r, CS_SAVE_UPDATE);
	free(k);
	if (rc == CS_OK)
		*version = r.version;
	return rc;
}

ENGINE_TEST(a_created_session_loads_with_its_data_expiry_and_user)
{
	struct cs_record r;
	struct eng e;
	int64_t exp = cs_now() + 600;
	uint64_t v;
	char *k;

	eng_open(&e, engine);
	k = eng_create(&e, KEY1, DATA1, exp, "alice", &v);
	cr_assert_neq(v, 0);
	cr_assert_eq(cs_store_load(e.st, k, cs_now(), &r), CS_OK, "%s", engine);
	cr_assert(json_same(r.data, DATA1), "%s: %s", engine, r.data);
	cr_assert_eq(r.expire, exp, "%s", engine);
	cr_assert_eq(r.version, v, "%s", engine);
	cr_assert_str_eq(r.user, "alice", "%s", engine);
	cr_assert_eq(cs_store_exists(e.st, k), CS_OK);
	cs_record_free(&r);
	free(k);
	eng_close(&e);
}

ENGINE_TEST(create_without_a_key_makes_a_fresh_django_key)
{
	struct eng e;
	char *k;

	eng_open(&e, engine);
	k = eng_create(&e, NULL, "{}", cs_now() + 60, NULL, NULL);
	cr_assert(cs_session_key_valid(k), "%s", k);
	cr_assert_eq(cs_store_exists(e.st, k), CS_OK);
	free(k);
	eng_close(&e);
}

ENGINE_TEST(create_never_overwrites_a_session)
{
	struct cs_record r = { 0 }, got;
	struct eng e;
	char *k;

	eng_open(&e, engine);
	free(eng_create(&e, KEY1, "{\"first\":1}", cs_now() + 60, NULL, NULL));
	k = strdup(KEY1);
	r.data = "{\"second\":1}";
	r.data_len = strlen(r.data);
	r.expire = cs_now() + 60;
	cr_assert_eq(cs_store_save(e.st, &k, &r, CS_SAVE_CREATE), CS_ERR_EXISTS,
	    "%s", engine);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &got), CS_OK);
	cr_assert(json_same(got.data, "{\"first\":1}"), "%s", got.data);
	cs_record_free(&got);
	free(k);
	eng_close(&e);
}

ENGINE_TEST(an_update_with_a_stale_version_conflicts_and_keeps_the_newer)
{
	struct cs_record got;
	struct eng e;
	uint64_t v, stale;

	eng_open(&e, engine);
	free(eng_create(&e, KEY1, "{\"n\":1}", cs_now() + 60, NULL, &v));
	stale = v;
	cr_assert_eq(update(&e, KEY1, "{\"n\":2}", cs_now() + 60, &v), CS_OK,
	    "%s: %s", engine, cs_store_error(e.st));
	cr_assert_neq(v, stale, "every write changes the version");
	cr_assert_eq(update(&e, KEY1, "{\"n\":3}", cs_now() + 60, &stale),
	    CS_ERR_CONFLICT, "%s", engine);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &got), CS_OK);
	cr_assert(json_same(got.data, "{\"n\":2}"), "%s", got.data);
	cs_record_free(&got);
	eng_close(&e);
}

ENGINE_TEST(an_update_after_a_delete_never_brings_the_session_back)
{
	struct cs_record got;
	struct eng e;
	uint64_t v;

	eng_open(&e, engine);
	free(eng_create(&e, KEY1, "{\"n\":1}", cs_now() + 60, NULL, &v));
	cr_assert_eq(cs_store_del(e.st, KEY1), CS_OK);
	cr_assert_eq(update(&e, KEY1, "{\"n\":2}", cs_now() + 60, &v),
	    CS_ERR_CONFLICT, "%s", engine);
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &got), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_exists(e.st, KEY1), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_del(e.st, KEY1), CS_OK, "deleting again is fine");
	cr_assert_eq(cs_store_delete(e.st, KEY1), CS_ERR_NOT_FOUND);
	eng_close(&e);
}

ENGINE_TEST(an_expired_session_loads_as_missing)
{
	struct cs_record got;
	struct eng e;

	eng_open(&e, engine);
	free(eng_create(&e, KEY1, "{\"n\":1}", cs_now() - 5, NULL, NULL));
	cr_assert_eq(cs_store_load(e.st, KEY1, cs_now(), &got),
	    CS_ERR_NOT_FOUND, "%s", engine);
	cr_assert_null(got.data);
	eng_close(&e);
}

ENGINE_TEST(a_malformed_key_is_no_session_and_never_written)
{
	static const char *bad[] = { "../../../../etc/passwd", "/etc/passwd",
	    "abcdefghijklmnopqrstuvwxyz01234/", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
	    "abc", "", "abcdefghijklmnopqrstuvwxyz0123456" };
	struct cs_record got, r = { 0 };
	struct eng e;
	size_t i;
	char *k;
	int rc;

	eng_open(&e, engine);
	r.data = "{}";
	r.data_len = 2;
	r.expire = cs_now() + 60;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(cs_store_load(e.st, bad[i], cs_now(), &got),
		    CS_ERR_NOT_FOUND, "%s: %s", engine, bad[i]);
		cr_assert_eq(cs_store_exists(e.st, bad[i]), CS_ERR_NOT_FOUND);
		rc = cs_store_del(e.st, bad[i]);
		cr_assert(rc == CS_OK || rc == CS_ERR_INVALID, "%s", engine);
		k = strdup(bad[i]);
		cr_assert_eq(cs_store_save(e.st, &k, &r, CS_SAVE_CREATE),
		    CS_ERR_INVALID, "%s: %s", engine, bad[i]);
		free(k);
	}
	eng_close(&e);
}

/* ---- through the middleware ------------------------------------------ */

struct out {
	char	*text;
	int	 status;
	char	 key[64];
	bool	 deleted;	/* the session cookie was deleted */
};

typedef void view_fn(struct cs_req *, struct cs_resp *, struct cs_session *);

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	view_fn *view = (view_fn *)arg;

	cr_assert_eq(cs_session_middleware(req), CS_OK);
	cs_resp_puts(resp, "ok");
	view(req, resp, cs_session(req));
}

static struct out
request(struct eng *e, view_fn *view, const char *key)
{
	struct cs_buf buf = { 0 };
	char cookie[100], *p;
	char *envp[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/page", cookie,
	    NULL };
	struct out o;

	memset(&o, 0, sizeof(o));
	snprintf(cookie, sizeof(cookie), "HTTP_COOKIE=sessionid=%s",
	    key ? key : "");
	if (key == NULL)
		envp[2] = NULL;
	cr_assert_eq(cs_run_once(&e->cfg, envp, NULL, 0, handler, (void *)view,
	    &buf), CS_OK);
	o.text = cs_buf_steal(&buf);
	o.status = 200;
	if ((p = strstr(o.text, "Status: ")) != NULL)
		o.status = atoi(p + 8);
	if ((p = strstr(o.text, "Set-Cookie: sessionid=")) != NULL) {
		p += 22;
		o.deleted = *p == '"';
		snprintf(o.key, sizeof(o.key), "%.*s", (int)strcspn(p, ";"), p);
	}
	return o;
}

static void
v_set(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "n", 1), CS_OK);
}

static void
v_get_n(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	int64_t n = -1;

	(void)q;
	cs_session_get_int(s, "n", &n);
	cs_resp_printf(r, " n=%lld", (long long)n);
}

static void
v_flush(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_flush(s), CS_OK);
}

static void
v_logout_elsewhere_then_set(struct cs_req *q, struct cs_resp *r,
    struct cs_session *s)
{
	struct cs_store *st;

	(void)r;
	cr_assert_eq(cs_session_load(s), CS_OK);
	cr_assert_eq(cs_session_store(cs_req_config(q), &st, NULL, 0), CS_OK);
	cr_assert_eq(cs_store_del(st, cs_session_key(s)), CS_OK);
	cs_session_set_int(s, "views", 1);
}

ENGINE_TEST(log_in_read_and_log_out_through_the_middleware)
{
	struct eng e;
	struct out o;
	char key[64];

	eng_init(&e, engine, NULL);
	o = request(&e, v_set, NULL);
	cr_assert_eq(o.status, 200, "%s: %s", engine, o.text);
	cr_assert(cs_session_key_valid(o.key), "%s: %s", engine, o.text);
	strcpy(key, o.key);
	free(o.text);
	o = request(&e, v_get_n, key);
	cr_assert_not_null(strstr(o.text, " n=1"), "%s: %s", engine, o.text);
	free(o.text);
	o = request(&e, v_flush, key);
	cr_assert(o.deleted, "%s: %s", engine, o.text);
	free(o.text);
	o = request(&e, v_get_n, key);
	cr_assert_not_null(strstr(o.text, " n=-1"), "%s: %s", engine, o.text);
	free(o.text);
	eng_close(&e);
}

ENGINE_TEST(a_save_after_a_concurrent_logout_answers_400_and_stays_out)
{
	struct eng e;
	struct out o;
	char key[64];

	eng_init(&e, engine, NULL);
	o = request(&e, v_set, NULL);
	strcpy(key, o.key);
	free(o.text);
	o = request(&e, v_logout_elsewhere_then_set, key);
	cr_assert_eq(o.status, 400, "%s: %s", engine, o.text);
	cr_assert_str_eq(o.key, "", "%s: no cookie", engine);
	free(o.text);
	o = request(&e, v_get_n, key);
	cr_assert_not_null(strstr(o.text, " n=-1"), "%s: %s", engine, o.text);
	free(o.text);
	eng_close(&e);
}
