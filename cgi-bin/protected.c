/*
 * protected -- a page only a logged-in user sees: the username, the
 * session's contents and the request's cookies (all HTML-escaped, secrets
 * masked), a visit counter kept in the session, and a logout button.
 * Anonymous visitors are sent to LOGIN_URL?next=<this path and query>.
 * Needs no cryptography: the session is checked against its user by
 * comparing stored hashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"

#define VISITS_KEY	"visits"

/* LOGIN_URL?next=<path and query, percent-encoded>, as Django's
 * redirect_to_login(request.get_full_path()). */
static int
login_redirect(struct cs_req *req, struct cs_resp *resp)
{
	const char *q = cs_req_query_string(req);
	struct cs_buf uri = { 0 }, url = { 0 };
	int rc;

	rc = cs_buf_printf(&uri, "%s%s%s", cs_req_path(req), *q ? "?" : "", q);
	if (rc == CS_OK)
		rc = cs_login_url(cs_req_config(req), uri.data, &url);
	if (rc == CS_OK)
		rc = cs_resp_redirect(resp, 302, url.data);
	cs_buf_free(&uri);
	cs_buf_free(&url);
	return rc;
}

/*
 * What HttpOnly hides from scripts must not be printed where a same-site
 * script reads it: secrets are shown as Django's error pages show them.
 */
#define MASK		"********************"
/* login's remember cookie: HttpOnly, so not for scripts either. */
#define REMEMBER_COOKIE	"csess_username"

/* A name whose value is secret: as Django's SafeExceptionReporterFilter
 * (API, TOKEN, KEY, SECRET, PASS, SIGNATURE), and HASH for the session's
 * _auth_user_hash. */
static bool
secret_name(const char *name)
{
	static const char *const words[] = {
		"API", "TOKEN", "KEY", "SECRET", "PASS", "SIGNATURE", "HASH", NULL
	};
	int i;

	for (i = 0; words[i]; i++)
		if (strcasestr(name, words[i]))
			return true;
	return false;
}

/* The session as indented JSON, in insertion order, secrets masked. */
static char *
session_text(struct cs_session *s)
{
	struct cs_session_iter it = CS_SESSION_ITER_INIT;
	json_t *all = json_object(), *value;
	const char *name;
	char *text;

	if (all == NULL)
		return NULL;
	while (cs_session_next(s, &it, &name, &value))
		if (secret_name(name))
			json_object_set_new(all, name, json_string(MASK));
		else
			json_object_set(all, name, value);
	text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(all);
	return text;
}

static bool
secret_cookie(const struct cs_config *cfg, const char *name)
{
	return !strcmp(name, cfg->session_cookie_name) || !strcmp(name, cfg->csrf_cookie_name) ||
	    !strcmp(name, REMEMBER_COOKIE) || secret_name(name);
}

/* One "name=value" line per cookie, in header order, secrets masked. */
static int
cookies_text(struct cs_req *req, struct cs_buf *out)
{
	const struct cs_config *cfg = cs_req_config(req);
	const struct cs_cookies *c;
	size_t i;
	int rc;

	if ((rc = cs_req_cookies(req, &c)))
		return rc;
	for (i = 0; rc == CS_OK && i < c->count; i++)
		rc = cs_buf_printf(out, "%s=%s\n", c->pairs[i].name,
		    secret_cookie(cfg, c->pairs[i].name) ? MASK : c->pairs[i].value);
	return rc == CS_OK ? cs_buf_append(out, "", 0) : rc;
}

/*
 * The logout program next to this one.  Relative ("logout") the browser
 * resolves it against the page's path: /protected posts to /logout and
 * /cgi-bin/protected to /cgi-bin/logout.  With a PATH_INFO after the
 * program's name ("/cgi-bin/protected/" or "/protected/x") that would be
 * the program itself, so the URL is built from the path without it, made
 * a same-origin path ("//host/..." or "/\\host/..." must not name a host).
 */
static int
logout_url(struct cs_req *req, struct cs_buf *out)
{
	const char *path = cs_req_path(req), *info = cs_req_env(req, "PATH_INFO");
	size_t n = strlen(path), k = info ? strlen(info) : 0;
	int rc;

	if (k == 0 || k >= n || strcmp(path + n - k, info))
		return cs_buf_puts(out, "logout");
	for (n -= k; n > 0 && path[n - 1] != '/'; n--)
		continue;
	if ((rc = cs_auth_local_path(out, path, n)))
		return rc;
	return cs_buf_puts(out, "logout");
}

static void
page(struct cs_req *req, struct cs_resp *resp, const char *user)
{
	struct cs_session *s = cs_session(req);
	char token[CS_CSRF_TOKEN_LEN + 1], visits[32], *session = NULL;
	struct cs_buf cookies = { 0 }, logout = { 0 };
	int64_t n = 0;
	int rc;

	/* The store may be shared with another site: a counter that is not
	 * a count (a string, negative, at its limit) starts again. */
	rc = cs_session_get_int(s, VISITS_KEY, &n);
	if (rc == CS_ERR_INVALID || n < 0 || n == INT64_MAX) {
		n = 0;
		rc = CS_OK;
	}
	if (rc == CS_OK || rc == CS_ERR_NOT_FOUND)
		rc = cs_session_set_int(s, VISITS_KEY, ++n);
	if (rc == CS_OK)
		rc = cs_csrf_token(req, resp, token);
	if (rc == CS_OK && (session = session_text(s)) == NULL)
		rc = CS_ERR_NOMEM;
	if (rc == CS_OK)
		rc = cookies_text(req, &cookies);
	if (rc == CS_OK)
		rc = logout_url(req, &logout);
	if (rc == CS_OK) {
		snprintf(visits, sizeof(visits), "%lld", (long long)n);
		struct cs_tvar vars[] = {
			{ "username", user },
			{ "visits", visits },
			{ "session", session },
			{ "cookies", cookies.data },
			{ "csrf_token", token },
			{ "logout_url", logout.data },
		};
		cs_resp_header(resp, "Cache-Control", "no-store");
		cs_template_respond(resp, cs_req_config(req), 200, "protected", vars,
		    sizeof(vars) / sizeof(vars[0]));
	} else {
		cs_resp_error(resp, cs_http_status_for(rc), NULL);
	}
	free(session);
	cs_buf_free(&cookies);
	cs_buf_free(&logout);
}

static void
protected(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *method = cs_req_method(req), *user;

	(void)arg;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		cs_resp_error(resp, 405, NULL);
		cs_resp_header(resp, "Allow", "GET, HEAD");
		return;
	}
	if ((user = cs_auth_user(req)) == NULL) {
		if (cs_session_error(cs_session(req)) == CS_ERR_STORE)
			cs_resp_error(resp, 503, NULL);
		else
			login_redirect(req, resp);
		return;
	}
	page(req, resp, user);
}

int
main(void)
{
	return cs_session_serve(protected, NULL);
}
