/*
 * test_middleware.c -- the session middleware step through whole requests
 * (cs_run_once): the Set-Cookie and Vary output of Django's
 * SessionMiddleware for each setting (django-compat §5, RUN-3.2 examples
 * at T = 1700000000), the 4.2+/5.2.14 fixes, lazy touch, and the error
 * answers (503 store, 400 vanished record).  The first suite counts
 * engine writes on the in-memory double; the second runs against the
 * real LMDB engine, with fork() for truly concurrent requests.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csess.h"
#include "engines.h"
#include "helper_memstore.h"
#include "csess_test.h"

#define T	1700000000	/* Tue, 14 Nov 2023 22:13:20 GMT */
#define KEYCHARS	"abcdefghijklmnopqrstuvwxyz0123456789"

static struct cs_config cfg;
static struct cs_store *st;
static char dir[64];

static void
load_cfg(char **envp)
{
	char err[256];

	cs_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(cs_config_load_env(&cfg, envp, err, sizeof(err)), CS_OK,
	    "%s", err);
}

static void
setup_mem(void)
{
	char *envp[] = { NULL };

	memset(&cfg, 0, sizeof(cfg));
	load_cfg(envp);
	csi_clock_fix(T);
	st = memstore_new(&cfg);
	csi_session_store_set(st);
}

static void
teardown_mem(void)
{
	csi_session_store_set(NULL);
	st->ops->close(st);
	cs_config_free(&cfg);
	csi_clock_fix(-1);
}

TestSuite(mw, .init = setup_mem, .fini = teardown_mem);

/* ---- running a request ----------------------------------------------- */

struct out {
	char	*text;		/* the whole CGI response */
	char	 cookie[512];	/* the session Set-Cookie value, or "" */
	int	 ncookies;
	char	 vary[128];
	int	 status;
	char	 key[64];	/* the session key in the cookie */
};

typedef void view_fn(struct cs_req *, struct cs_resp *, struct cs_session *);

struct call {
	view_fn	*view;
	bool	 no_session;	/* the handler never calls cs_session() */
};

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct call *c = arg;

	cr_assert_eq(cs_session_middleware(req), CS_OK);
	cs_resp_puts(resp, "ok");
	if (!c->no_session && c->view != NULL)
		c->view(req, resp, cs_session(req));
}

static void
parse_out(struct out *o)
{
	char *line, *save, *copy = strdup(o->text), *p;

	o->status = 200;
	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(line, "Status: ", 8) == 0)
			o->status = atoi(line + 8);
		else if (strncmp(line, "Set-Cookie: ", 12) == 0) {
			o->ncookies++;
			snprintf(o->cookie, sizeof(o->cookie), "%s", line + 12);
		} else if (strncmp(line, "Vary: ", 6) == 0)
			snprintf(o->vary, sizeof(o->vary), "%s", line + 6);
		else if (*line == '\0' || strchr(line, ':') == NULL)
			break;
	}
	free(copy);
	if ((p = strchr(o->cookie, '=')) != NULL)
		snprintf(o->key, sizeof(o->key), "%.*s", (int)strcspn(p + 1, ";"),
		    p + 1);
}

/* One request; extra: NULL-terminated "NAME=value" CGI variables. */
static struct out
request(view_fn *view, const char *cookie, char **extra)
{
	struct call c = { view, false };
	struct cs_buf buf = { 0 };
	struct out o;
	char *envp[16], cookie_var[600];
	int n = 0;

	memset(&o, 0, sizeof(o));
	envp[n++] = "REQUEST_METHOD=GET";
	envp[n++] = "REQUEST_URI=/page";
	if (cookie != NULL) {
		snprintf(cookie_var, sizeof(cookie_var), "HTTP_COOKIE=%s", cookie);
		envp[n++] = cookie_var;
	}
	while (extra != NULL && *extra != NULL && n < 15)
		envp[n++] = *extra++;
	envp[n] = NULL;
	cr_assert_eq(cs_run_once(&cfg, envp, NULL, 0, handler, &c, &buf), CS_OK);
	o.text = cs_buf_steal(&buf);
	parse_out(&o);
	return o;
}

static void
out_free(struct out *o)
{
	free(o->text);
}

static char *
cookie_for(const char *key)
{
	static char c[100];

	snprintf(c, sizeof(c), "sessionid=%s", key);
	return c;
}

/* "name=<32 key chars>" then exactly rest. */
static void
assert_session_cookie(const struct out *o, const char *name, const char *rest)
{
	size_t n = strlen(name);

	cr_assert_eq(o->ncookies, 1, "%s", o->text);
	cr_assert(strncmp(o->cookie, name, n) == 0 && o->cookie[n] == '=',
	    "%s", o->cookie);
	cr_assert_eq(strspn(o->cookie + n + 1, KEYCHARS), 32, "%s", o->cookie);
	cr_assert_str_eq(o->cookie + n + 1 + 32, rest);
}

/* ---- views ------------------------------------------------------------ */

static void
v_set(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "n", 1), CS_OK);
}

static void
v_read(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cs_session_contains(s, "n");
}

static void
v_expiry_60(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cs_session_set_expiry(s, 60);
}

static void
v_expiry_0(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cs_session_set_expiry(s, 0);
}

static void
v_flush(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_flush(s), CS_OK);
}

static void
v_set_500(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	v_set(q, r, s);
	cs_resp_status(r, 500);
}

static void
v_set_503(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	v_set(q, r, s);
	cs_resp_status(r, 503);
}

static void
v_set_404(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	v_set(q, r, s);
	cs_resp_status(r, 404);
}

static void
v_twice(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	cr_assert_eq(cs_session(q), s);
	cr_assert_eq(cs_session_middleware(q), CS_OK);
	v_set(q, r, s);
}

static void
v_nothing(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r; (void)s;
}

/* A stored session {"n": 0}; returns its key. */
static char *
stored(void)
{
	static char key[64];
	struct out o = request(v_set, NULL, NULL);

	strcpy(key, o.key);
	out_free(&o);
	return key;
}

/* ---- Django's output per setting -------------------------------------- */

Test(mw, new_session_gets_djangos_default_cookie_and_vary)
{
	struct out o = request(v_set, NULL, NULL);

	assert_session_cookie(&o, "sessionid", "; expires=Tue, 28 Nov 2023 "
	    "22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(o.status, 200);
	cr_assert_eq(memstore_stats(st)->creates, 1);
	cr_assert_eq(memstore_writes(st), 1, "login-like request: one write");
	cr_assert_eq(memstore_peek(st, o.key, NULL, NULL, NULL, NULL), CS_OK);
	out_free(&o);
}

Test(mw, browser_close_setting_omits_expires_and_max_age)
{
	char *envp[] = { "CSESS_SESSION_EXPIRE_AT_BROWSER_CLOSE=true", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_set, NULL, NULL);
	assert_session_cookie(&o, "sessionid", "; HttpOnly; Path=/; SameSite=Lax");
	cr_assert_str_eq(o.vary, "Cookie");
	out_free(&o);
}

Test(mw, set_expiry_zero_is_a_browser_session_cookie)
{
	struct out o = request(v_expiry_0, NULL, NULL);

	assert_session_cookie(&o, "sessionid", "; HttpOnly; Path=/; SameSite=Lax");
	out_free(&o);
}

Test(mw, set_expiry_60_sets_max_age_60)
{
	struct out o = request(v_expiry_60, NULL, NULL);

	assert_session_cookie(&o, "sessionid", "; expires=Tue, 14 Nov 2023 "
	    "22:14:20 GMT; HttpOnly; Max-Age=60; Path=/; SameSite=Lax");
	out_free(&o);
}

static void
v_expiry_at_past(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "n", 1), CS_OK);
	cr_assert_eq(cs_session_set_expiry_at(s, T - 100), CS_OK);
}

/*
 * An absolute expiry already past: Django writes max_age = -100 and
 * expires = now - 100.  The cookie writer clamps Max-Age to 0 (both
 * delete at once); expires is Django's.
 */
Test(mw, past_absolute_expiry_writes_djangos_expires)
{
	struct out o = request(v_expiry_at_past, NULL, NULL);

	assert_session_cookie(&o, "sessionid", "; expires=Tue, 14 Nov 2023 "
	    "22:11:40 GMT; HttpOnly; Max-Age=0; Path=/; SameSite=Lax");
	out_free(&o);
}

static void
v_expiry_huge(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_expiry(s, INT64_MAX), CS_OK);
}

/* Django fails formatting that expires (500); so does csess, without
 * arithmetic overflow on the way and without a cookie. */
Test(mw, expiry_beyond_any_date_answers_500_without_cookie)
{
	struct out o = request(v_expiry_huge, NULL, NULL);

	cr_assert_eq(o.status, 500, "%s", o.text);
	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	out_free(&o);
}

Test(mw, every_cookie_setting_is_honoured)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_NAME=sid",
	    "CSESS_SESSION_COOKIE_DOMAIN=.ex.com",
	    "CSESS_SESSION_COOKIE_SECURE=true",
	    "CSESS_SESSION_COOKIE_HTTPONLY=false",
	    "CSESS_SESSION_COOKIE_PATH=/app",
	    "CSESS_SESSION_COOKIE_SAMESITE=Strict",
	    "CSESS_SESSION_COOKIE_AGE=3600", NULL };
	struct out o, o2;
	char c[100];

	load_cfg(envp);
	o = request(v_set, NULL, NULL);
	assert_session_cookie(&o, "sid", "; Domain=.ex.com; expires=Tue, 14 Nov "
	    "2023 23:13:20 GMT; Max-Age=3600; Path=/app; SameSite=Strict; Secure");
	/* and the cookie is read back under its name */
	snprintf(c, sizeof(c), "sessionid=x; sid=%s", o.key);
	o2 = request(v_read, c, NULL);
	cr_assert_eq(o2.ncookies, 0, "%s", o2.text);
	cr_assert_eq(memstore_stats(st)->loads, 1);
	out_free(&o);
	out_free(&o2);
}

Test(mw, secure_auto_follows_https)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_SECURE=auto", NULL };
	char *https[] = { "HTTPS=on", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_set, NULL, https);
	cr_assert(strstr(o.cookie, "; Secure") != NULL, "%s", o.cookie);
	out_free(&o);
	o = request(v_set, NULL, NULL);
	cr_assert_null(strstr(o.cookie, "Secure"), "%s", o.cookie);
	out_free(&o);
}

Test(mw, samesite_empty_omits_the_attribute)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_SAMESITE=", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_set, NULL, NULL);
	assert_session_cookie(&o, "sessionid", "; expires=Tue, 28 Nov 2023 "
	    "22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/");
	out_free(&o);
}

/* ---- stale cookies ----------------------------------------------------- */

Test(mw, malformed_cookie_is_deleted_even_if_the_view_never_looks)
{
	struct call c = { NULL, true };
	char *envp[] = { "REQUEST_METHOD=GET", "HTTP_COOKIE=sessionid=short",
	    NULL };
	struct cs_buf buf = { 0 };
	struct out o;

	memset(&o, 0, sizeof(o));
	cr_assert_eq(cs_run_once(&cfg, envp, NULL, 0, handler, &c, &buf), CS_OK);
	o.text = cs_buf_steal(&buf);
	parse_out(&o);
	cr_assert_str_eq(o.cookie, "sessionid=\"\"; expires=Thu, 01 Jan 1970 "
	    "00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax");
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(memstore_stats(st)->loads, 0);
	out_free(&o);
}

Test(mw, deletion_uses_path_domain_and_samesite_settings)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_PATH=/x",
	    "CSESS_SESSION_COOKIE_DOMAIN=d.com",
	    "CSESS_SESSION_COOKIE_SECURE=true",
	    "CSESS_SESSION_COOKIE_SAMESITE=Lax", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_nothing, "sessionid=", NULL);
	cr_assert_str_eq(o.cookie, "sessionid=\"\"; Domain=d.com; expires=Thu, "
	    "01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/x; SameSite=Lax");
	out_free(&o);
}

Test(mw, unknown_key_is_deleted_only_once_the_session_was_accessed)
{
	const char *unknown = "sessionid=abcdefghijklmnopqrstuvwxyz012345";
	struct out o = request(v_nothing, unknown, NULL);

	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	cr_assert_str_eq(o.vary, "");
	out_free(&o);
	o = request(v_read, unknown, NULL);
	cr_assert(strncmp(o.cookie, "sessionid=\"\"; expires=Thu, 01 Jan 1970",
	    37) == 0, "%s", o.cookie);
	cr_assert_str_eq(o.vary, "Cookie");
	out_free(&o);
}

Test(mw, logout_flush_deletes_record_and_cookie)
{
	char *key = stored();
	struct out o = request(v_flush, cookie_for(key), NULL);

	cr_assert(strncmp(o.cookie, "sessionid=\"\"; expires=Thu, 01 Jan 1970",
	    37) == 0, "%s", o.cookie);
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(memstore_peek(st, key, NULL, NULL, NULL, NULL),
	    CS_ERR_NOT_FOUND);
	cr_assert_eq(memstore_count(st), 0);
	out_free(&o);
}

/* ---- what is saved when ------------------------------------------------ */

Test(mw, no_cookie_and_untouched_session_adds_nothing)
{
	struct out o = request(v_nothing, NULL, NULL);

	cr_assert_eq(o.ncookies, 0);
	cr_assert_str_eq(o.vary, "");
	cr_assert_eq(memstore_writes(st) + memstore_stats(st)->loads, 0);
	out_free(&o);
}

Test(mw, reading_an_existing_session_varies_but_never_writes)
{
	char *key = stored();
	unsigned before = memstore_writes(st);
	struct out o = request(v_read, cookie_for(key), NULL);

	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(memstore_writes(st), before);
	out_free(&o);
}

Test(mw, server_errors_skip_the_save)
{
	struct out o = request(v_set_500, NULL, NULL);

	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	cr_assert_str_eq(o.vary, "Cookie", "accessed still varies");
	cr_assert_eq(o.status, 500);
	out_free(&o);
	/* 4.2+ semantics: any 5xx, not only 500 */
	o = request(v_set_503, NULL, NULL);
	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	cr_assert_eq(memstore_writes(st), 0);
	out_free(&o);
	o = request(v_set_404, NULL, NULL);
	cr_assert_eq(o.ncookies, 1, "a 404 saves");
	cr_assert_eq(o.status, 404);
	out_free(&o);
}

Test(mw, middleware_and_session_calls_are_idempotent)
{
	struct out o = request(v_twice, NULL, NULL);

	cr_assert_eq(o.ncookies, 1);
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(memstore_writes(st), 1);
	out_free(&o);
}

Test(mw, save_every_request_sets_cookie_with_vary_on_untouched_session)
{
	char *envp[] = { "CSESS_SESSION_SAVE_EVERY_REQUEST=true", NULL };
	char *key;
	unsigned before;
	struct out o;

	load_cfg(envp);
	key = stored();
	before = memstore_writes(st);
	o = request(v_nothing, cookie_for(key), NULL);
	cr_assert_str_eq(o.key, key);
	assert_session_cookie(&o, "sessionid", "; expires=Tue, 28 Nov 2023 "
	    "22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
	/* CVE-2026-35192: Django 3.2 and 4.2 leave Vary out here */
	cr_assert_str_eq(o.vary, "Cookie");
	cr_assert_eq(memstore_writes(st), before, "within the touch interval");
	out_free(&o);
}

Test(mw, save_every_request_touches_at_most_once_per_interval)
{
	char *envp[] = { "CSESS_SESSION_SAVE_EVERY_REQUEST=true", NULL };
	char *key;
	unsigned before;
	int64_t t, expire;
	struct out o;

	load_cfg(envp);
	key = stored();
	before = memstore_writes(st);
	for (t = T; t <= T + 300; t += 10) {
		csi_clock_fix(t);
		o = request(v_read, cookie_for(key), NULL);
		cr_assert_eq(o.ncookies, 1);
		cr_assert_eq(o.status, 200);
		out_free(&o);
	}
	cr_assert_leq(memstore_writes(st) - before, 300 / 60);
	cr_assert_geq(memstore_writes(st) - before, 300 / 60 - 1);
	memstore_peek(st, key, NULL, &expire, NULL, NULL);
	cr_assert_geq(expire, T + 300 - 61 + 1209600);
}

Test(mw, save_every_request_never_creates_a_session_for_an_unknown_key)
{
	char *envp[] = { "CSESS_SESSION_SAVE_EVERY_REQUEST=true", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_nothing, "sessionid=abcdefghijklmnopqrstuvwxyz012345",
	    NULL);
	cr_assert(strncmp(o.cookie, "sessionid=\"\"; expires=Thu, 01 Jan 1970",
	    37) == 0, "%s", o.cookie);
	cr_assert_eq(memstore_count(st), 0);
	out_free(&o);
	o = request(v_nothing, NULL, NULL);
	cr_assert_eq(o.ncookies, 0, "no cookie, empty session: nothing");
	out_free(&o);
}

/* ---- errors ------------------------------------------------------------ */

static void
v_set_then_fail_store(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	v_set(q, r, s);
	memstore_fail_next(st, CS_ERR_STORE);
}

Test(mw, store_failure_on_save_answers_503_without_cookie)
{
	struct out o = request(v_set_then_fail_store, NULL, NULL);

	cr_assert_eq(o.status, 503);
	cr_assert_eq(o.ncookies, 0);
	cr_assert_null(strstr(o.text, "\r\n\r\nok"), "handler body replaced");
	out_free(&o);
}

static void
v_fail_load(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	memstore_fail_next(st, CS_ERR_STORE);
	cr_assert_not(cs_session_contains(s, "n"));
}

Test(mw, store_failure_on_load_answers_503)
{
	char *key = stored();
	struct out o = request(v_fail_load, cookie_for(key), NULL);

	cr_assert_eq(o.status, 503);
	cr_assert_eq(o.ncookies, 0, "the cookie is not deleted either");
	out_free(&o);
}

static void
v_logout_elsewhere(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q;
	cs_session_load(s);
	/* a concurrent logout deletes the record under this request */
	st->ops->del(st, cs_session_key(s));
	cs_session_set_int(s, "views", 1);
	cs_resp_redirect(r, 302, "/next");
}

Test(mw, save_after_concurrent_logout_answers_400_without_cookie)
{
	char *key = stored();
	struct out o = request(v_logout_elsewhere, cookie_for(key), NULL);

	cr_assert_eq(o.status, 400, "%s", o.text);
	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	cr_assert_not_null(strstr(o.text, "logged out in a concurrent request"));
	cr_assert_eq(memstore_count(st), 0, "not resurrected, no new key");
	out_free(&o);
}

/* ---- the real LMDB engine ---------------------------------------------- */

static void
setup_lmdb(void)
{
	char path[128], store_var[160];
	char *envp[] = { "CSESS_SESSION_ENGINE=lmdb", store_var, NULL };

	snprintf(dir, sizeof(dir), "/tmp/csess-mw-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sessions.mdb", dir);
	snprintf(store_var, sizeof(store_var), "CSESS_SESSION_STORE=%s", path);
	memset(&cfg, 0, sizeof(cfg));
	load_cfg(envp);
	csi_clock_fix(T);
	csi_session_store_set(NULL);
	st = NULL;
}

static void
teardown_lmdb(void)
{
	char cmd[200];

	cs_config_free(&cfg);
	csi_clock_fix(-1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(lmdb, .init = setup_lmdb, .fini = teardown_lmdb);

static struct cs_store *
proc_store(void)
{
	struct cs_store *s;
	char err[256];

	cr_assert_eq(cs_session_store(&cfg, &s, err, sizeof(err)), CS_OK, "%s",
	    err);
	return s;
}

static bool
record_exists(const char *key)
{
	struct cs_store *s = proc_store();

	return s->ops->exists(s, key) == CS_OK;
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
v_cycle(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_cycle_key(s), CS_OK);
}

Test(lmdb, session_round_trip_cycle_and_logout)
{
	struct out o = request(v_set, NULL, NULL), o2;
	char key[64], key2[64];

	strcpy(key, o.key);
	out_free(&o);
	o = request(v_get_n, cookie_for(key), NULL);
	cr_assert_not_null(strstr(o.text, " n=1"), "%s", o.text);
	cr_assert_eq(o.ncookies, 0);
	out_free(&o);
	o = request(v_cycle, cookie_for(key), NULL);
	strcpy(key2, o.key);
	cr_assert_str_neq(key2, key);
	cr_assert_not(record_exists(key), "old record deleted by cycle_key");
	o2 = request(v_get_n, cookie_for(key2), NULL);
	cr_assert_not_null(strstr(o2.text, " n=1"), "data kept: %s", o2.text);
	out_free(&o);
	out_free(&o2);
	o = request(v_flush, cookie_for(key2), NULL);
	cr_assert(strncmp(o.cookie, "sessionid=\"\";", 13) == 0, "%s", o.cookie);
	cr_assert_not(record_exists(key2));
	out_free(&o);
}

/*
 * The concurrent request runs in a child process, as it would in another
 * FastCGI worker: the child must open its own environment (the parent's
 * was opened before the fork).
 */
static void
in_child(view_fn *view, const char *key)
{
	struct out o;
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		o = request(view, cookie_for(key), NULL);
		_exit(o.status == 200 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static char child_key[64];

static void
v_load_logout_elsewhere_then_set(struct cs_req *q, struct cs_resp *r,
    struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_load(s), CS_OK);
	cr_assert_not_null(cs_session_key(s));
	in_child(v_flush, child_key);
	cs_session_set_int(s, "views", 1);
}

Test(lmdb, concurrent_logout_in_another_process_answers_400_and_stays_out)
{
	struct out o = request(v_set, NULL, NULL);

	strcpy(child_key, o.key);
	out_free(&o);
	cr_assert(record_exists(child_key));
	o = request(v_load_logout_elsewhere_then_set, cookie_for(child_key),
	    NULL);
	cr_assert_eq(o.status, 400, "%s", o.text);
	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	out_free(&o);
	cr_assert_not(record_exists(child_key), "never resurrected");
	o = request(v_get_n, cookie_for(child_key), NULL);
	cr_assert_not_null(strstr(o.text, " n=-1"), "%s", o.text);
	out_free(&o);
}

static void
v_set_y(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "y", 2), CS_OK);
}

static void
v_load_other_writes_then_set_x(struct cs_req *q, struct cs_resp *r,
    struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_load(s), CS_OK);
	in_child(v_set_y, child_key);
	cs_session_set_int(s, "x", 1);
}

static void
v_dump(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	json_t *items = cs_session_items(s);
	char *j = json_dumps(items, JSON_COMPACT);

	(void)q;
	cs_resp_printf(r, " %s", j);
	free(j);
	json_decref(items);
}

Test(lmdb, concurrent_requests_changing_different_keys_both_keep_theirs)
{
	struct out o = request(v_set, NULL, NULL);

	strcpy(child_key, o.key);
	out_free(&o);
	o = request(v_load_other_writes_then_set_x, cookie_for(child_key), NULL);
	cr_assert_eq(o.status, 200, "%s", o.text);
	cr_assert_str_eq(o.key, child_key);
	out_free(&o);
	o = request(v_dump, cookie_for(child_key), NULL);
	cr_assert_not_null(strstr(o.text, " [[\"n\",1],[\"y\",2],[\"x\",1]]"),
	    "%s", o.text);
	out_free(&o);
}

static int64_t
stored_expire(const char *key)
{
	struct cs_store *s = proc_store();
	struct cs_record rec = { 0 };
	int64_t e;

	cr_assert_eq(s->ops->load(s, key, cs_now(), &rec), CS_OK);
	e = rec.expire;
	cs_record_free(&rec);
	return e;
}

Test(lmdb, lazy_touch_moves_the_stored_expiry_once_per_interval)
{
	char *envp[] = { "CSESS_SESSION_SAVE_EVERY_REQUEST=true", NULL,
	    NULL };
	char store_var[160], key[64];
	struct out o;

	snprintf(store_var, sizeof(store_var), "CSESS_SESSION_STORE=%s/s.mdb",
	    dir);
	envp[1] = store_var;
	load_cfg(envp);
	o = request(v_set, NULL, NULL);
	strcpy(key, o.key);
	out_free(&o);
	cr_assert_eq(stored_expire(key), T + 1209600);
	csi_clock_fix(T + 59);
	o = request(v_read, cookie_for(key), NULL);
	cr_assert_eq(o.ncookies, 1, "the cookie is still sent");
	out_free(&o);
	cr_assert_eq(stored_expire(key), T + 1209600, "not written");
	csi_clock_fix(T + 61);
	o = request(v_read, cookie_for(key), NULL);
	out_free(&o);
	cr_assert_eq(stored_expire(key), T + 61 + 1209600, "touched");
}

/* ---- the signed_cookies engine ------------------------------------------ */

static void
setup_signed(void)
{
	char *envp[] = { "CSESS_SESSION_ENGINE=signed_cookies",
	    "CSESS_SECRET_KEY=s3cr3t", NULL };

	memset(&cfg, 0, sizeof(cfg));
	load_cfg(envp);
	csi_clock_fix(T);
	csi_session_store_set(NULL);
}

static void
teardown_signed(void)
{
	cs_config_free(&cfg);
	csi_clock_fix(-1);
}

TestSuite(signed, .init = setup_signed, .fini = teardown_signed);

/*
 * store.c names this engine only weakly, which does not pull its object
 * out of libcsess.a: a strong reference here links it in.
 */
cs_engine_open_fn *const signed_engine_linked = csi_store_signed_cookies_open;

#define DJANGO_A1 "eyJhIjoxfQ:1r31eq:905b6WpZHJ2u6tY9DA5PXMA2CYOBt-xPMDFAjqD2BUo"

static void
v_set_a(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "a", 1), CS_OK);
}

static void
v_get_a(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	int64_t a = -1;

	(void)q;
	cs_session_get_int(s, "a", &a);
	cs_resp_printf(r, " a=%lld", (long long)a);
}

Test(signed, cookie_is_djangos_signed_session_and_reads_back)
{
	struct out o = request(v_set_a, NULL, NULL);

	cr_assert_str_eq(o.cookie, "sessionid=" DJANGO_A1 "; expires=Tue, 28 "
	    "Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; "
	    "SameSite=Lax");
	cr_assert_str_eq(o.vary, "Cookie");
	out_free(&o);
	csi_clock_fix(T + 100);
	o = request(v_get_a, "sessionid=" DJANGO_A1, NULL);
	cr_assert_not_null(strstr(o.text, " a=1"), "%s", o.text);
	cr_assert_eq(o.ncookies, 0);
	out_free(&o);
}

Test(signed, tampered_cookie_reads_as_no_session_and_is_deleted)
{
	struct out o = request(v_get_a,
	    "sessionid=eyJhIjoyfQ:1r31eq:905b6WpZHJ2u6tY9DA5PXMA2CYOBt-xPMDFAjqD2BUo",
	    NULL);

	cr_assert_not_null(strstr(o.text, " a=-1"), "%s", o.text);
	cr_assert(strncmp(o.cookie, "sessionid=\"\"; expires=Thu, 01 Jan 1970",
	    37) == 0, "%s", o.cookie);
	out_free(&o);
}

Test(signed, logout_deletes_the_cookie)
{
	struct out o = request(v_flush, "sessionid=" DJANGO_A1, NULL);

	cr_assert(strncmp(o.cookie, "sessionid=\"\";", 13) == 0, "%s", o.cookie);
	out_free(&o);
}

Test(signed, save_every_request_re_signs_instead_of_touching)
{
	char *envp[] = { "CSESS_SESSION_ENGINE=signed_cookies",
	    "CSESS_SECRET_KEY=s3cr3t", "CSESS_SESSION_SAVE_EVERY_REQUEST=true",
	    NULL };
	struct out o;

	load_cfg(envp);
	csi_clock_fix(T + 3600);
	o = request(v_get_a, "sessionid=" DJANGO_A1, NULL);
	cr_assert_not_null(strstr(o.text, " a=1"), "%s", o.text);
	cr_assert(strncmp(o.cookie, "sessionid=eyJhIjoxfQ:", 21) == 0, "%s",
	    o.cookie);
	cr_assert_null(strstr(o.cookie, DJANGO_A1), "a fresh timestamp: %s",
	    o.cookie);
	cr_assert_str_eq(o.vary, "Cookie");
	out_free(&o);
}

/*
 * Django re-signs on every response under save-every-request: the touch
 * interval is about store writes, and this engine has none.  A request
 * seconds after the cookie was signed, or one whose custom expiry is
 * shorter than SESSION_COOKIE_AGE, still gets a fresh timestamp.
 */
static void
v_set_a_expiry_60(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_set_int(s, "a", 1), CS_OK);
	cr_assert_eq(cs_session_set_expiry(s, 60), CS_OK);
}

Test(signed, save_every_request_re_signs_within_the_touch_interval)
{
	char *envp[] = { "CSESS_SESSION_ENGINE=signed_cookies",
	    "CSESS_SECRET_KEY=s3cr3t", "CSESS_SESSION_SAVE_EVERY_REQUEST=true",
	    NULL };
	char cookie[512];
	struct out o;

	load_cfg(envp);
	csi_clock_fix(T + 10);
	o = request(v_get_a, "sessionid=" DJANGO_A1, NULL);
	/* 1r31f0 is T + 10 in base62. */
	cr_assert(strncmp(o.cookie, "sessionid=eyJhIjoxfQ:1r31f0:", 28) == 0,
	    "re-signed at T+10: %s", o.cookie);
	out_free(&o);

	csi_clock_fix(T);
	o = request(v_set_a_expiry_60, NULL, NULL);
	/* o.key is too short for a signed value: cut the cookie itself. */
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(o.cookie, ";"),
	    o.cookie);
	out_free(&o);
	csi_clock_fix(T + 30);
	o = request(v_get_a, cookie, NULL);
	cr_assert_not_null(strstr(o.text, " a=1"), "%s", o.text);
	cr_assert_not_null(strstr(o.cookie, ":1r31fK:"), "re-signed at T+30: %s",
	    o.cookie);
	cr_assert_not_null(strstr(o.cookie, "; Max-Age=60;"), "%s", o.cookie);
	out_free(&o);
}

static void
v_save_unchanged(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert(cs_session_modified(s), "signed_cookies save() sets modified");
}

/*
 * Django's signed_cookies save() re-signs and sets modified, so the
 * middleware sends the new value even when nothing else changed.
 */
Test(signed, explicit_save_marks_modified_and_sends_the_new_cookie)
{
	struct out o;

	csi_clock_fix(T + 30);
	o = request(v_save_unchanged, "sessionid=" DJANGO_A1, NULL);
	/* 1r31fK is T + 30 in base62. */
	cr_assert(strncmp(o.cookie, "sessionid=eyJhIjoxfQ:1r31fK:", 28) == 0,
	    "%s", o.cookie);
	out_free(&o);
}

static void
v_set_big(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	char big[5000];

	(void)q; (void)r;
	/* Random, so that compression cannot bring it under 4 KB. */
	cr_assert_eq(cs_random_string(big, sizeof(big) - 1,
	    "abcdefghijklmnopqrstuvwxyz0123456789"), CS_OK);
	cr_assert_eq(cs_session_set_string(s, "big", big), CS_OK);
}

/* session.h: a session too big for a cookie is a 500, never a cookie
 * the browser would silently drop. */
Test(signed, session_too_big_for_a_cookie_answers_500_without_it)
{
	struct out o = request(v_set_big, NULL, NULL);

	cr_assert_eq(o.status, 500, "%s", o.text);
	cr_assert_eq(o.ncookies, 0, "%s", o.text);
	out_free(&o);
}

/* A cookie the settings cannot make over this request (a __Host- name over
 * plain HTTP with Secure=auto): 500, and no record that no browser could
 * ever name is left in the store. */
Test(mw, an_impossible_cookie_answers_500_and_stores_nothing)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_NAME=__Host-sid",
	    "CSESS_SESSION_COOKIE_SECURE=auto", NULL };
	char *https[] = { "HTTPS=on", NULL };
	struct out o;

	load_cfg(envp);
	o = request(v_set, NULL, NULL);
	cr_assert_eq(o.status, 500);
	cr_assert_eq(o.ncookies, 0);
	cr_assert_eq(memstore_count(st), 0);
	out_free(&o);
	/* The same settings over HTTPS work. */
	o = request(v_set, NULL, https);
	cr_assert_eq(o.status, 200);
	cr_assert_eq(o.ncookies, 1);
	cr_assert_eq(memstore_count(st), 1);
	out_free(&o);
}

static char loaded_key[64];

static void
v_which(struct cs_req *q, struct cs_resp *r, struct cs_session *s)
{
	(void)q; (void)r;
	cs_session_contains(s, "n");
	snprintf(loaded_key, sizeof(loaded_key), "%s",
	    cs_session_key(s) ? cs_session_key(s) : "");
}

/* Two session cookies (a stale one at a longer path comes first): the
 * first that names a live session is used, not a dead first one. */
Test(mw, duplicate_cookies_use_the_first_live_session)
{
	char *envp[] = { NULL };
	char cookie[200], a[64], b[64];
	struct out o;

	load_cfg(envp);
	strcpy(a, stored());
	strcpy(b, stored());
	snprintf(cookie, sizeof(cookie), "sessionid=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz; "
	    "sessionid=%s", b);
	o = request(v_which, cookie, NULL);
	cr_assert_str_eq(loaded_key, b, "a stale first cookie hid the live session");
	out_free(&o);
	/* Both live: the first (most specific path) wins, as with one. */
	snprintf(cookie, sizeof(cookie), "sessionid=%s; sessionid=%s", a, b);
	o = request(v_which, cookie, NULL);
	cr_assert_str_eq(loaded_key, a);
	out_free(&o);
	/* None live: nothing is adopted. */
	o = request(v_which, "sessionid=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz; "
	    "sessionid=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", NULL);
	cr_assert_str_eq(loaded_key, "");
	out_free(&o);
}
