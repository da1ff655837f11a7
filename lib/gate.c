/*
 * gate.c -- the request's user, read only, and the login URL that carries
 * the page asked for.  See csess/gate.h.
 *
 * The gate answers for every request to every protected URL, so it does
 * the least that gives the same answer as a protected page: one session
 * read, one user read, no middleware (nothing saved, touched or set), no
 * libcrypto: the same check as cs_auth_user() (csi_auth_session_ok).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess.h"
#include "auth_int.h"
#include "lmdb_env.h"
#include "session_impl.h"

/*
 * The login fields of a session's data, remembered by the data's exact
 * bytes: a FastCGI gate sees the same few hundred sessions over and over,
 * and parsing their JSON was a fifth of its work.  Equal bytes hold equal
 * fields, whichever key they are stored under; a session that changes
 * (a new login, a flush) changes its bytes.
 */
#define SCACHE_SLOTS	16
#define SCACHE_MAX	2048	/* larger data is parsed every time */

static struct scache_slot {
	size_t	 len;		/* 0: empty */
	char	*data, *name, *hash;
} scache[SCACHE_SLOTS];
static unsigned scache_next;
static pthread_mutex_t scache_mu = PTHREAD_MUTEX_INITIALIZER;

static void
slot_clear(struct scache_slot *sl)
{
	free(sl->data);
	free(sl->name);
	free(sl->hash);
	memset(sl, 0, sizeof(*sl));
}

/* Copies of two strings; CS_ERR_NOMEM (nothing kept) or CS_OK. */
static int
dup_pair(const char *a, const char *b, char **da, char **db)
{
	*da = strdup(a);
	*db = strdup(b);
	if (*da != NULL && *db != NULL)
		return CS_OK;
	free(*da);
	free(*db);
	*da = *db = NULL;
	return CS_ERR_NOMEM;
}

static int
scache_get(const char *data, size_t len, char **name, char **hash)
{
	int rc = CS_ERR_NOT_FOUND, i;

	pthread_mutex_lock(&scache_mu);
	for (i = 0; i < SCACHE_SLOTS; i++)
		if (scache[i].len == len && memcmp(scache[i].data, data, len) == 0) {
			rc = dup_pair(scache[i].name, scache[i].hash, name, hash);
			break;
		}
	pthread_mutex_unlock(&scache_mu);
	return rc;
}

static void
scache_put(const char *data, size_t len, const char *name, const char *hash)
{
	struct scache_slot *sl;

	pthread_mutex_lock(&scache_mu);
	sl = &scache[scache_next++ % SCACHE_SLOTS];
	slot_clear(sl);
	if ((sl->data = malloc(len)) != NULL &&
	    dup_pair(name, hash, &sl->name, &sl->hash) == CS_OK) {
		memcpy(sl->data, data, len);
		sl->len = len;
	} else
		slot_clear(sl);
	pthread_mutex_unlock(&scache_mu);
}

/*
 * The user name and auth hash of a session's data, as the session reads
 * them (csi_session_fetch: data that is no JSON object is an empty
 * session): CS_OK, CS_ERR_NOT_FOUND when either is missing or no string.
 */
static int
auth_fields(const char *data, size_t len, char **name, char **hash)
{
	json_t *obj;
	const char *n, *h;
	int rc;

	*name = *hash = NULL;
	if (data == NULL || len == 0)
		return CS_ERR_NOT_FOUND;
	if (len <= SCACHE_MAX &&
	    (rc = scache_get(data, len, name, hash)) != CS_ERR_NOT_FOUND)
		return rc;
	if ((obj = json_loadb(data, len, 0, NULL)) == NULL)
		return CS_ERR_NOT_FOUND;
	n = json_string_value(json_object_get(obj, CS_AUTH_USER_KEY));
	h = json_string_value(json_object_get(obj, CS_AUTH_HASH_KEY));
	rc = n && h ? dup_pair(n, h, name, hash) : CS_ERR_NOT_FOUND;
	if (rc == CS_OK && len <= SCACHE_MAX)
		scache_put(data, len, n, h);
	json_decref(obj);
	return rc;
}

/*
 * The user of one session key: CS_OK with *user, CS_ERR_NOT_FOUND when the
 * key names no live session (*live false) or an anonymous or stale one
 * (*live true), or the store's error.  The record is read as a session's
 * load reads it (the same store, key check and expiry), its data through
 * auth_fields().
 */
static int
user_of(const struct cs_config *cfg, const char *key, bool *live, char **user)
{
	struct cs_session *s = NULL;
	struct cs_record rec = { 0 };
	struct cs_store *st;
	char *name = NULL, *hash = NULL;
	int rc;

	*live = false;
	if ((rc = cs_session_new(&s, NULL, cfg, key)))
		return rc;
	rc = CS_ERR_NOT_FOUND;
	/* A key no engine could have made names no session. */
	if (cs_session_key(s) == NULL ||
	    (rc = csi_session_store_of(s, &st)) != CS_OK ||
	    (rc = cs_store_load(st, key, cs_now(), &rec)) != CS_OK)
		goto out;
	*live = true;
	if ((rc = auth_fields(rec.data, rec.data_len, &name, &hash)))
		goto out;
	/* Deleted user, changed password, revoked sessions, rotated key. */
	if (!csi_auth_session_ok(cfg, name, hash, &rc))
		rc = rc != CS_OK ? rc : CS_ERR_NOT_FOUND;
	else if ((*user = strdup(name)) == NULL)
		rc = CS_ERR_NOMEM;
out:
	free(name);
	free(hash);
	cs_record_free(&rec);
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
