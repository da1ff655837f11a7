/*
 * csrf.c -- Django-compatible CSRF tokens (see csess/csrf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess/csrf.h"
#include "csess/http.h"

#define CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define NCHARS	62
/* Django's CSRF_COOKIE_AGE: one year (52 weeks). */
#define CSRF_COOKIE_AGE	31449600

static const char *const reasons[CS_CSRF__MAX] = {
	[CS_CSRF_OK] = "ok",
	[CS_CSRF_NO_COOKIE] = "CSRF cookie not set.",
	[CS_CSRF_NO_TOKEN] = "CSRF token missing.",
	[CS_CSRF_BAD_TOKEN] = "CSRF token incorrect.",
	[CS_CSRF_BAD_ORIGIN] = "Origin checking failed - does not match any trusted origins.",
	[CS_CSRF_NO_REFERER] = "Referer checking failed - no Referer.",
	[CS_CSRF_BAD_REFERER] = "Referer checking failed - does not match any trusted origins.",
};

/* Per-request slot key: the secret chosen for this response. */
static const char slot_key;

const char *
cs_csrf_reason(enum cs_csrf_result r)
{
	return (r >= 0 && r < CS_CSRF__MAX) ? reasons[r] : "unknown";
}

static int
char_index(char c)
{
	const char *p = (c != '\0') ? strchr(CHARS, c) : NULL;

	return p ? (int)(p - CHARS) : -1;
}

static bool
all_token_chars(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (char_index(s[i]) < 0)
			return false;
	return true;
}

int
cs_csrf_mask(const char *secret, char *out)
{
	char mask[CS_CSRF_SECRET_LEN + 1];
	int i, rc;

	if (strlen(secret) != CS_CSRF_SECRET_LEN || !all_token_chars(secret, CS_CSRF_SECRET_LEN))
		return CS_ERR_INVALID;
	if ((rc = cs_random_string(mask, CS_CSRF_SECRET_LEN, CHARS)))
		return rc;
	memcpy(out, mask, CS_CSRF_SECRET_LEN);
	for (i = 0; i < CS_CSRF_SECRET_LEN; i++)
		out[CS_CSRF_SECRET_LEN + i] =
		    CHARS[(char_index(secret[i]) + char_index(mask[i])) % NCHARS];
	out[CS_CSRF_TOKEN_LEN] = '\0';
	return CS_OK;
}

int
cs_csrf_unmask(const char *token, char *out)
{
	size_t n = strlen(token);
	int i, t, m;

	if (n == CS_CSRF_SECRET_LEN && all_token_chars(token, n)) {
		memcpy(out, token, n + 1);
		return CS_OK;
	}
	if (n != CS_CSRF_TOKEN_LEN || !all_token_chars(token, n))
		return CS_ERR_INVALID;
	for (i = 0; i < CS_CSRF_SECRET_LEN; i++) {
		m = char_index(token[i]);
		t = char_index(token[CS_CSRF_SECRET_LEN + i]);
		out[i] = CHARS[(t - m + NCHARS) % NCHARS];
	}
	out[CS_CSRF_SECRET_LEN] = '\0';
	return CS_OK;
}

static int
set_secret(struct cs_req *req, struct cs_resp *resp, const char *secret)
{
	struct cs_set_cookie c = { 0 };
	char *copy;
	int rc;

	c.name = cs_req_config(req)->csrf_cookie_name;
	c.value = secret;
	c.has_max_age = true;
	c.max_age = CSRF_COOKIE_AGE;
	c.path = "/";
	/* Not HttpOnly, as Django's CSRF_COOKIE_HTTPONLY default: scripts
	 * read it to send X-CSRFToken. */
	c.secure = cs_req_cookie_secure(req);
	c.samesite = CS_SAMESITE_LAX;
	if ((rc = cs_resp_set_cookie(resp, &c)))
		return rc;
	if ((copy = strdup(secret)) == NULL)
		return CS_ERR_NOMEM;
	if ((rc = cs_req_set_slot(req, &slot_key, copy, free)))
		free(copy);
	if (rc == CS_OK)
		cs_resp_vary(resp, "Cookie");
	return rc;
}

int
cs_csrf_rotate(struct cs_req *req, struct cs_resp *resp)
{
	char secret[CS_CSRF_SECRET_LEN + 1];
	int rc;

	if ((rc = cs_random_string(secret, CS_CSRF_SECRET_LEN, CHARS)))
		return rc;
	return set_secret(req, resp, secret);
}

int
cs_csrf_token(struct cs_req *req, struct cs_resp *resp, char *out)
{
	char secret[CS_CSRF_SECRET_LEN + 1];
	const char *have = cs_req_slot(req, &slot_key), *cookie;
	int rc;

	if (have == NULL) {
		cookie = cs_req_cookie(req, cs_req_config(req)->csrf_cookie_name);
		if (cookie == NULL || cs_csrf_unmask(cookie, secret) != CS_OK) {
			if ((rc = cs_random_string(secret, CS_CSRF_SECRET_LEN, CHARS)))
				return rc;
		}
		/* Re-set even a known secret: it refreshes the cookie's age. */
		if ((rc = set_secret(req, resp, secret)))
			return rc;
		have = secret;
	}
	return cs_csrf_mask(have, out);
}

/*
 * Does url start with this request's "scheme://host[:port]" (and end there,
 * or continue with a path when path_ok)?  The host comes from HTTP_HOST.
 * Some servers (Debian's nginx: HTTP_HOST is $host) drop the port from it;
 * then "host:SERVER_PORT" is this origin too.
 */
static bool
same_origin(struct cs_req *req, const char *url, bool path_ok)
{
	const char *host = cs_req_header(req, "Host");
	const char *port = cs_req_env(req, "SERVER_PORT");
	const char *scheme = cs_req_is_https(req) ? "https" : "http";
	char own[2][600];
	size_t i, n;

	if (host == NULL || *host == '\0' || strlen(host) > 512)
		return false;
	snprintf(own[0], sizeof(own[0]), "%s://%s", scheme, host);
	own[1][0] = '\0';
	if (strchr(host, ':') == NULL && port && *port && strlen(port) < 8)
		snprintf(own[1], sizeof(own[1]), "%s://%s:%s", scheme, host, port);
	for (i = 0; i < 2; i++) {
		n = strlen(own[i]);
		if (n && !strncmp(url, own[i], n) &&
		    (url[n] == '\0' || (path_ok && url[n] == '/')))
			return true;
	}
	return false;
}

static enum cs_csrf_result
check_origin(struct cs_req *req)
{
	const char *origin = cs_req_header(req, "Origin");
	const char *referer;

	if (origin != NULL)
		return same_origin(req, origin, false) ? CS_CSRF_OK : CS_CSRF_BAD_ORIGIN;
	if (!cs_req_is_https(req))
		return CS_CSRF_OK;
	/* Over HTTPS without Origin, Django insists on a same-origin Referer:
	 * a man in the middle of plain HTTP could otherwise plant the cookie. */
	if ((referer = cs_req_header(req, "Referer")) == NULL || *referer == '\0')
		return CS_CSRF_NO_REFERER;
	return same_origin(req, referer, true) ? CS_CSRF_OK : CS_CSRF_BAD_REFERER;
}

enum cs_csrf_result
cs_csrf_check(struct cs_req *req)
{
	const char *method = cs_req_method(req), *cookie, *token = NULL;
	char want[CS_CSRF_SECRET_LEN + 1], got[CS_CSRF_SECRET_LEN + 1];
	enum cs_csrf_result r;

	if (!strcmp(method, "GET") || !strcmp(method, "HEAD") ||
	    !strcmp(method, "OPTIONS") || !strcmp(method, "TRACE"))
		return CS_CSRF_OK;
	if ((r = check_origin(req)) != CS_CSRF_OK)
		return r;
	cookie = cs_req_cookie(req, cs_req_config(req)->csrf_cookie_name);
	if (cookie == NULL || cs_csrf_unmask(cookie, want) != CS_OK)
		return CS_CSRF_NO_COOKIE;
	if (cs_req_form(req, CS_CSRF_FIELD, &token) != CS_OK || token == NULL)
		token = cs_req_header(req, CS_CSRF_HEADER);
	if (token == NULL || *token == '\0')
		return CS_CSRF_NO_TOKEN;
	if (cs_csrf_unmask(token, got) != CS_OK)
		return CS_CSRF_BAD_TOKEN;
	return cs_ct_equal(want, CS_CSRF_SECRET_LEN, got, CS_CSRF_SECRET_LEN) ?
	    CS_CSRF_OK : CS_CSRF_BAD_TOKEN;
}
