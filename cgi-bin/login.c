/*
 * login -- the login page: GET shows the form, POST checks it.
 * One handler for CGI and FastCGI (cs_session_serve tells which).
 * Behaviour is fixed by the interface contract (see README "The programs").
 */
#include <stdio.h>
#include <string.h>

#include "csess.h"

#define NO_COOKIES	"Please enable cookies and try again."
#define BAD_LOGIN	"Please enter a correct username and password. " \
			"Note that both fields may be case-sensitive."
/* The optional "remember my username" cookie (signed, as Django's
 * set_signed_cookie), valid for 30 days. */
#define REMEMBER_COOKIE	"csess_username"
#define REMEMBER_SALT	"csess.login.remember"
#define REMEMBER_AGE	(30 * 86400)

/*
 * Django's set_test_cookie writes "testcookie" into the session, so every
 * anonymous visit of the form would store a session (kept two weeks): a
 * store anyone can fill.  Here the test cookie is a plain cookie, named
 * after the session cookie and set like it, so the form writes nothing.
 */
#define TEST_COOKIE_SUFFIX	"_test"

struct form {
	const char	*username;
	const char	*next;
	const char	*error;
	bool		 remember;
};

/* The username from the signed remember cookie, into buf (or ""). */
static const char *
remembered(struct cs_req *req, struct cs_buf *buf)
{
	const struct cs_config *cfg = cs_req_config(req);
	const struct cs_cookies *cookies;

	/* No cookie, no crypto: a plain GET stays cheap. */
	if (cfg->secret_key == NULL || cs_req_cookie(req, REMEMBER_COOKIE) == NULL ||
	    cs_req_cookies(req, &cookies) != CS_OK ||
	    cs_get_signed_cookie(buf, cfg, cookies, REMEMBER_COOKIE, REMEMBER_SALT,
	    REMEMBER_AGE) != CS_OK || !cs_username_valid(buf->data))
		return "";
	return buf->data;
}

/*
 * Where to go after the login: next with its non-ASCII bytes percent-encoded
 * (as Django's iri_to_uri; protected's next already comes so), when that is
 * a safe local path; else NULL.
 */
static const char *
local_next(const char *next, struct cs_buf *buf)
{
	const unsigned char *p;
	int rc = CS_OK;

	if (next == NULL)
		return NULL;
	for (p = (const unsigned char *)next; rc == CS_OK && *p; p++)
		rc = *p >= 0x80 ? cs_buf_printf(buf, "%%%02X", *p) : cs_buf_putc(buf, (char)*p);
	if (rc != CS_OK || buf->data == NULL || !cs_auth_safe_next(buf->data))
		return NULL;
	return buf->data;
}

static int
test_cookie_name(const struct cs_config *cfg, struct cs_buf *name)
{
	return cs_buf_printf(name, "%s%s", cfg->session_cookie_name, TEST_COOKIE_SUFFIX);
}

static int
set_test_cookie(struct cs_req *req, struct cs_resp *resp)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_set_cookie c = { 0 };
	struct cs_buf name = { 0 };
	int rc;

	if ((rc = test_cookie_name(cfg, &name)) == CS_OK) {
		c.name = name.data;
		c.value = CS_SESSION_TEST_COOKIE_VALUE;
		c.path = cfg->session_cookie_path;
		c.domain = cfg->session_cookie_domain;
		cs_set_cookie_session_policy(&c, req);
		rc = cs_resp_set_cookie(resp, &c);
	}
	cs_buf_free(&name);
	return rc;
}

/* The test cookie came back (or, from before it was a cookie, the
 * session holds it).  Deleted once it has served. */
static bool
test_cookie_worked(struct cs_req *req, struct cs_session *s)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_buf name = { 0 };
	const char *v = NULL;

	if (test_cookie_name(cfg, &name) == CS_OK)
		v = cs_req_cookie(req, name.data);
	cs_buf_free(&name);
	return (v && !strcmp(v, CS_SESSION_TEST_COOKIE_VALUE)) ||
	    cs_session_test_cookie_worked(s);
}

static void
delete_test_cookie(struct cs_req *req, struct cs_resp *resp, struct cs_session *s)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_buf name = { 0 };

	if (test_cookie_name(cfg, &name) == CS_OK && cs_req_cookie(req, name.data))
		cs_resp_delete_cookie(resp, name.data, cfg->session_cookie_path,
		    cfg->session_cookie_domain, cfg->session_cookie_samesite);
	cs_buf_free(&name);
	cs_session_delete_test_cookie(s);
}

static void
show_form(struct cs_req *req, struct cs_resp *resp, int code, const struct form *f)
{
	char token[CS_CSRF_TOKEN_LEN + 1];
	struct cs_buf buf = { 0 };
	const char *path = cs_auth_form_action(req), *next = local_next(f->next, &buf);
	struct cs_tvar vars[] = {
		{ "csrf_token", token },
		{ "next", next ? next : "" },
		{ "username", f->username },
		{ "error", f->error },
		{ "error_hidden", f->error ? NULL : "hidden" },
		{ "remember_checked", f->remember ? "checked" : NULL },
		{ "action", path },
	};

	if (path == NULL || cs_csrf_token(req, resp, token) != CS_OK ||
	    set_test_cookie(req, resp) != CS_OK) {
		cs_resp_error(resp, 500, NULL);
	} else {
		cs_resp_header(resp, "Cache-Control", "no-store");
		cs_template_respond(resp, cs_req_config(req), code, "login", vars,
		    sizeof(vars) / sizeof(vars[0]));
	}
	cs_buf_free(&buf);
}

/* Set or clear the remember cookie as the visitor asked. */
static void
remember(struct cs_req *req, struct cs_resp *resp, const char *name, bool on)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_set_cookie c = { 0 };
	struct cs_buf value = { 0 };

	if (!on) {
		if (cs_req_cookie(req, REMEMBER_COOKIE))
			cs_resp_delete_cookie(resp, REMEMBER_COOKIE, "/", NULL, CS_SAMESITE_LAX);
		return;
	}
	if (cs_signed_cookie_value(&value, cfg, REMEMBER_COOKIE, name, REMEMBER_SALT,
	    cfg->signed_cookie_salt_v2 ? CS_COOKIE_SALT_V2 : CS_COOKIE_SALT_LEGACY) == CS_OK) {
		c.name = REMEMBER_COOKIE;
		c.value = value.data;
		c.has_max_age = true;
		c.max_age = REMEMBER_AGE;
		c.path = "/";
		cs_set_cookie_session_policy(&c, req);
		cs_resp_set_cookie(resp, &c);
	}
	cs_buf_free(&value);
}

static void
throttled(struct cs_resp *resp, int64_t retry_after)
{
	char secs[32];

	snprintf(secs, sizeof(secs), "%lld", (long long)retry_after);
	cs_resp_error(resp, 429, "Too many failed login attempts. Try again later.");
	cs_resp_header(resp, "Retry-After", secs);
}

/* A form field, or an error status already answered. */
static int
field(struct cs_req *req, struct cs_resp *resp, const char *name, const char **out)
{
	int rc = cs_req_form(req, name, out);

	if (rc == CS_ERR_NOT_FOUND || (rc == CS_OK && *out == NULL)) {
		*out = "";
		return CS_OK;
	}
	if (rc)
		cs_resp_error(resp, cs_http_status_for(rc), cs_strerror(rc));
	return rc;
}

/* Cookies disabled: no Cookie header, or one that holds no cookie at all.
 * A header too large to parse is not "disabled"; CSRF refuses it. */
static bool
cookies_disabled(struct cs_req *req)
{
	const struct cs_cookies *cookies;

	if (cs_req_header(req, "Cookie") == NULL)
		return true;
	return cs_req_cookies(req, &cookies) == CS_OK && cookies->count == 0;
}

/* Why the store failed, in its words, for the log. */
static const char *
store_error(const struct cs_config *cfg)
{
	struct cs_store *st;

	if (cs_session_store(cfg, &st, NULL, 0) != CS_OK)
		return "cannot open it";
	return cs_store_error(st);
}

static void
post(struct cs_req *req, struct cs_resp *resp)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct form f = { 0 };
	const char *password, *remember_field, *next;
	struct cs_buf buf = { 0 };
	enum cs_csrf_result csrf;
	struct cs_session *s;
	int64_t retry;
	int err;

	if (cookies_disabled(req)) {
		cs_resp_error(resp, 403, NO_COOKIES);
		return;
	}
	if (field(req, resp, "username", &f.username) || field(req, resp, "password", &password) ||
	    field(req, resp, "next", &f.next) || field(req, resp, "remember", &remember_field))
		return;
	if ((csrf = cs_csrf_check(req)) != CS_CSRF_OK) {
		fprintf(stderr, "csess: login: Forbidden (%s)\n", cs_csrf_reason(csrf));
		cs_resp_error(resp, 403, "CSRF verification failed. Request aborted.");
		return;
	}
	f.remember = *remember_field != '\0';
	if ((s = cs_session(req)) == NULL || !test_cookie_worked(req, s)) {
		f.error = NO_COOKIES;
		show_form(req, resp, 200, &f);
		return;
	}
	switch (cs_auth_login(req, resp, f.username, password, &retry, &err)) {
	case CS_AUTH_OK:
		delete_test_cookie(req, resp, s);
		remember(req, resp, f.username, f.remember);
		next = local_next(f.next, &buf);
		cs_resp_redirect(resp, 302, next ? next : cfg->login_redirect_url);
		cs_buf_free(&buf);
		return;
	case CS_AUTH_BAD_CREDENTIALS:
		f.error = BAD_LOGIN;
		show_form(req, resp, 200, &f);
		return;
	case CS_AUTH_THROTTLED:
		throttled(resp, retry);
		return;
	case CS_AUTH_ERROR:
		fprintf(stderr, "csess: login: %s%s%s\n", cs_strerror(err),
		    err == CS_ERR_STORE ? ": " : "", err == CS_ERR_STORE ?
		    store_error(cfg) : "");
		cs_resp_error(resp, err == CS_ERR_STORE ? 503 : 500, NULL);
		return;
	}
}

static void
login(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const struct cs_config *cfg = cs_req_config(req);
	const char *method = cs_req_method(req);
	struct cs_buf name = { 0 };
	struct form f = { 0 };

	(void)arg;
	if (cfg->secret_key == NULL || *cfg->secret_key == '\0') {
		/* Logging in signs the session's auth hash: without a key it can
		 * never succeed, so say so once, in the server's log. */
		fprintf(stderr, "csess: login: SECRET_KEY is not set; "
		    "set CSESS_SECRET_KEY or SECRET_KEY in CSESS_CONFIG\n");
		cs_resp_error(resp, 500, NULL);
	} else if (!strcmp(method, "POST")) {
		post(req, resp);
	} else if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
		if (cs_req_query(req, "next", &f.next) != CS_OK)
			f.next = NULL;
		f.username = remembered(req, &name);
		f.remember = *f.username != '\0';
		show_form(req, resp, 200, &f);
	} else {
		cs_resp_error(resp, 405, NULL);
		cs_resp_header(resp, "Allow", "GET, HEAD, POST");
	}
	cs_buf_free(&name);
}

int
main(void)
{
	return cs_session_serve(login, NULL);
}
