/*
 * gate.c -- the request's user, read only, and the login URL that carries
 * the page asked for.  See csess/gate.h.
 *
 * The gate answers for every request to every protected URL, so it does
 * the least that gives the same answer as a protected page: one session
 * read, one user read, no middleware (nothing saved, touched or set), no
 * libcrypto: the same check as cs_auth_user() (csi_auth_session_ok).
 */
#include <stdlib.h>
#include <string.h>

#include "csess.h"
#include "auth_int.h"
#include "lmdb_env.h"

/*
 * The user of one session key: CS_OK with *user, CS_ERR_NOT_FOUND when the
 * key names no live session (*live false) or an anonymous or stale one
 * (*live true), or the store's error.
 */
static int
user_of(const struct cs_config *cfg, const char *key, bool *live, char **user)
{
	struct cs_session *s = NULL;
	const char *name = NULL, *hash = NULL;
	int rc;

	*live = false;
	if ((rc = cs_session_new(&s, NULL, cfg, key)))
		return rc;
	if ((rc = cs_session_load(s)))
		goto out;
	rc = CS_ERR_NOT_FOUND;
	/* A key the store did not know is forgotten by the load. */
	if ((*live = cs_session_key(s) != NULL) == false)
		goto out;
	if (cs_session_get_string(s, CS_AUTH_USER_KEY, &name) != CS_OK ||
	    cs_session_get_string(s, CS_AUTH_HASH_KEY, &hash) != CS_OK)
		goto out;
	/* Deleted user, changed password, revoked sessions, rotated key. */
	if (!csi_auth_session_ok(cfg, name, hash, &rc))
		rc = rc != CS_OK ? rc : CS_ERR_NOT_FOUND;
	else if ((*user = strdup(name)) == NULL)
		rc = CS_ERR_NOMEM;
out:
	cs_session_free(s);
	return rc;
}

int
cs_gate_user(struct cs_req *req, char **user)
{
	const struct cs_config *cfg = cs_req_config(req);
	const struct cs_cookies *cookies;
	const struct cs_cookie_pair *p;
	size_t i, n;
	bool live;
	int rc;

	*user = NULL;
	/* The gate only reads: an LMDB store it opens first is opened
	 * read-only, the cheaper start for a CGI process (a later write in
	 * the same process reopens it read-write). */
	csi_lmdb_env_prefer_readonly();
	if (cfg == NULL || cs_req_cookies(req, &cookies) != CS_OK)
		return CS_ERR_NOT_FOUND;
	n = cs_cookies_count(cookies, cfg->session_cookie_name);
	for (i = 0; i < n; i++) {
		if ((p = cs_cookies_get_nth(cookies, cfg->session_cookie_name, i)) == NULL)
			continue;
		rc = user_of(cfg, p->value, &live, user);
		if (rc != CS_ERR_NOT_FOUND || live)
			return rc;
	}
	return CS_ERR_NOT_FOUND;
}

/*
 * One byte of next, percent-encoded for the query string.  A byte that
 * cs_auth_safe_next() refuses (a raw space, control, backslash or non-ASCII
 * byte, which some clients send unencoded) is encoded twice, so next comes
 * back as "%XX": the same page to a browser, and a safe next.
 */
static int
put_next_byte(struct cs_buf *url, unsigned char c)
{
	if (strchr("/-._~", c) || (c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c >= '0' && c <= '9'))
		return cs_buf_putc(url, (char)c);
	if (c <= ' ' || c >= 0x7f || c == '\\')
		return cs_buf_printf(url, "%%25%02X", c);
	return cs_buf_printf(url, "%%%02X", c);
}

int
cs_login_url(const struct cs_config *cfg, const char *uri, struct cs_buf *out)
{
	const unsigned char *p = (const unsigned char *)uri;
	int rc;

	/* A relative or absolute-form URI is no local page to come back to. */
	if (uri == NULL || uri[0] != '/' || strlen(uri) > CS_LOGIN_NEXT_MAX)
		return cs_buf_puts(out, cfg->login_url);
	rc = cs_buf_printf(out, "%s%cnext=", cfg->login_url,
	    strchr(cfg->login_url, '?') ? '&' : '?');
	for (; rc == CS_OK && *p; p++)
		rc = put_next_byte(out, *p);
	return rc;
}
