/*
 * auth.c -- login, logout and the current user (see csess/auth.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess/auth.h"
#include "csess/csrf.h"
#include "csess/http.h"
#include "csess/session.h"
#include "csess/sign.h"
#include "csess/users.h"
#include "auth_int.h"
#include "keyfp.h"
#include "users_env.h"
#include "log.h"

#define ADDR_TEXT_MAX	64	/* INET6_ADDRSTRLEN with room */

/* Per-request cache of the answer of cs_auth_user(). */
static const char user_slot;
/* Per-request cache of cs_auth_form_action(). */
static const char action_slot;

static bool
hash_matches(const char *a, const char *b)
{
	return a && b && cs_ct_equal(a, strlen(a), b, strlen(b));
}

/* A stored hash no check can use: the login fails as a wrong password
 * does; the operator learns why from one line (never the hash). */
static void
log_refused_hash(const struct cs_config *cfg, const char *name, const char *hash)
{
	const char *why = NULL;

	cs_password_hash_valid(hash, cfg->password_max_iterations, &why);
	csi_log(CS_LOG_ERROR, "login: the stored password hash of user '%s' "
	    "is refused (%s): set a new one with csess user passwd", name,
	    why ? why : "unusable");
}

/* Check the password at the same cost for every name, known or not. */
static int
check(const struct cs_config *cfg, const char *name, const char *password,
    const char *hash)
{
	long cost;
	int rc;

	if ((rc = csi_users_wrong_password_cost(cfg, &cost)) ||
	    (rc = csi_users_note_hash(cfg, hash, &cost)))
		return rc;
	rc = cs_password_check_bounded(password, strlen(password), hash, cost,
	    cfg->password_max_iterations);
	if (hash && (rc == CS_ERR_TOO_LARGE || rc == CS_ERR_INVALID))
		log_refused_hash(cfg, name, hash);
	return rc;
}

/* Verify the password; upgrade the stored hash when it is weaker. */
static enum cs_auth_result
verify(const struct cs_config *cfg, const char *name, const char *password,
    struct cs_user *u, int *err)
{
	struct cs_buf fresh = { 0 };
	char auth[65];
	int rc;

	rc = cs_user_get(cfg, name, u);
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND) {
		*err = rc;
		return CS_AUTH_ERROR;
	}
	rc = check(cfg, name, password, rc == CS_OK ? u->password_hash : NULL);
	if (rc == CS_ERR_CRYPTO || rc == CS_ERR_NOMEM || rc == CS_ERR_STORE) {
		*err = rc;
		return CS_AUTH_ERROR;
	}
	if (rc != CS_OK)
		return CS_AUTH_BAD_CREDENTIALS;
	if (cs_password_needs_rehash(u->password_hash, cfg->password_iterations) &&
	    cs_password_hash(&fresh, password, strlen(password),
	    cfg->password_iterations, NULL) == CS_OK &&
	    cs_session_auth_hash(auth, fresh.data, cfg->secret_key) == CS_OK &&
	    cs_user_put(cfg, name, fresh.data, auth, false) == CS_OK) {
		free(u->password_hash);
		u->password_hash = cs_buf_steal(&fresh);
		free(u->auth_hash);
		u->auth_hash = strdup(auth);
	}
	cs_buf_free(&fresh);
	return CS_AUTH_OK;
}

static bool
addr_valid(const char *text)
{
	unsigned char a[16];

	return inet_pton(AF_INET, text, a) == 1 || inet_pton(AF_INET6, text, a) == 1;
}

/*
 * The client's address for per-address throttling: REMOTE_ADDR, unless that
 * is one of TRUSTED_PROXIES; then the right-most X-Forwarded-For entry that
 * is not a trusted proxy.  Entries left of it are whatever the client wrote,
 * so they are never believed.  A malformed entry keeps the proxy's address.
 */
static const char *
client_addr(struct cs_req *req, char buf[ADDR_TEXT_MAX])
{
	const struct cs_config *cfg = cs_req_config(req);
	const char *addr = cs_req_remote_addr(req), *xff, *p, *tok, *end;
	size_t n;

	if (cfg->trusted_proxies == NULL ||
	    !cs_config_addr_listed(cfg->trusted_proxies, addr) ||
	    (xff = cs_req_header(req, "X-Forwarded-For")) == NULL)
		return addr;
	for (end = xff + strlen(xff);; end = p - 1) {
		for (p = end; p > xff && p[-1] != ','; p--)
			continue;
		for (tok = p; tok < end && (*tok == ' ' || *tok == '\t'); tok++)
			continue;
		for (n = (size_t)(end - tok); n && (tok[n - 1] == ' ' ||
		    tok[n - 1] == '\t'); n--)
			continue;
		if (n == 0 || n >= ADDR_TEXT_MAX)
			return addr;
		memcpy(buf, tok, n);
		buf[n] = '\0';
		if (!addr_valid(buf))
			return addr;
		if (!cs_config_addr_listed(cfg->trusted_proxies, buf))
			return buf;
		if (p == xff)
			return addr;	/* every entry is a trusted proxy */
	}
}

/* The hash for this SECRET_KEY; refresh the user record if it went stale
 * (a rotated key) so protected pages keep comparing without crypto. */
static int
current_auth_hash(const struct cs_config *cfg, struct cs_user *u, char out[65])
{
	int rc;

	if ((rc = cs_session_auth_hash(out, u->password_hash, cfg->secret_key)))
		return rc;
	if (!hash_matches(out, u->auth_hash) || u->key_fingerprint == NULL)
		return cs_user_set_auth_hash(cfg, u->name, out);
	return CS_OK;
}

/*
 * csi_keyfp(key), remembered per thread: a FastCGI process checks the same
 * keys on every request, and the fingerprint is an HMAC worth sparing.
 */
static void
key_fingerprint(const char *key, char out[CS_KEY_FP_LEN + 1])
{
	static _Thread_local struct {
		char	*key;
		char	 fp[CS_KEY_FP_LEN + 1];
	} memo[4];
	static _Thread_local unsigned next;
	unsigned i;

	for (i = 0; i < 4; i++)
		if (memo[i].key != NULL && strcmp(memo[i].key, key) == 0) {
			memcpy(out, memo[i].fp, sizeof(memo[i].fp));
			return;
		}
	csi_keyfp(key, out);
	i = next++ % 4;
	free(memo[i].key);
	if ((memo[i].key = strdup(key)) != NULL)
		memcpy(memo[i].fp, out, sizeof(memo[i].fp));
}

/*
 * The key that made the record's auth hash is SECRET_KEY or one of
 * SECRET_KEY_FALLBACKS; else the key was rotated away and the session
 * ends, as in Django.  keyfp.c computes this without libcrypto.  A record
 * from before fingerprints names no key: believed until its next login.
 * A page run without SECRET_KEY (it needs none to read a session) cannot
 * tell either, and believes the record as before.
 */
static bool
key_trusted(const struct cs_config *cfg, const char *fp)
{
	char have[CS_KEY_FP_LEN + 1];
	const char *key;
	bool ok = false;
	size_t i;

	if (fp == NULL || cfg->secret_key == NULL || *cfg->secret_key == '\0')
		return true;
	for (i = 0; i <= cfg->n_secret_key_fallbacks; i++) {
		key = i == 0 ? cfg->secret_key : cfg->secret_key_fallbacks[i - 1];
		if (key == NULL || *key == '\0')
			continue;
		key_fingerprint(key, have);
		ok |= hash_matches(have, fp);
	}
	return ok;
}

bool
csi_auth_session_ok(const struct cs_config *cfg, const char *name,
    const char *hash, int *err)
{
	struct cs_user u = { 0 };
	bool ok = false;
	int rc;

	*err = CS_OK;
	if (name == NULL || hash == NULL)
		return false;
	if ((rc = cs_user_get(cfg, name, &u)) == CS_OK)
		ok = hash_matches(hash, u.auth_hash) &&
		    key_trusted(cfg, u.key_fingerprint);
	else if (rc != CS_ERR_NOT_FOUND)
		*err = rc;
	cs_user_free(&u);
	return ok;
}

/* Django's login(): flush on another user or a stale hash, else cycle. */
static int
attach(struct cs_req *req, struct cs_resp *resp, const char *name, const char *auth)
{
	struct cs_session *s = cs_session(req);
	const char *have = NULL, *have_hash = NULL;
	int rc;

	if (s == NULL)
		return CS_ERR_NOMEM;
	rc = cs_session_get_string(s, CS_AUTH_USER_KEY, &have);
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND)
		return rc;
	if (have) {
		cs_session_get_string(s, CS_AUTH_HASH_KEY, &have_hash);
		/* Same user again: Django keeps the key; csess cycles it, as
		 * after every successful login (a key seen before the login
		 * never outlives it). */
		if (strcmp(have, name) || !hash_matches(have_hash, auth))
			rc = cs_session_flush(s);
		else
			rc = cs_session_cycle_key(s);
	} else {
		rc = cs_session_cycle_key(s);
	}
	if (rc == CS_OK)
		rc = cs_session_set_string(s, CS_AUTH_USER_KEY, name);
	if (rc == CS_OK)
		rc = cs_session_set_string(s, CS_AUTH_BACKEND_KEY, CS_AUTH_BACKEND);
	if (rc == CS_OK)
		rc = cs_session_set_string(s, CS_AUTH_HASH_KEY, auth);
	if (rc == CS_OK)
		rc = cs_session_set_user(s, name);
	if (rc == CS_OK)
		rc = cs_csrf_rotate(req, resp);
	return rc;
}

enum cs_auth_result
cs_auth_login(struct cs_req *req, struct cs_resp *resp, const char *name,
    const char *password, int64_t *retry_after, int *err)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_user u = { 0 };
	enum cs_auth_result r;
	char auth[65], addr[ADDR_TEXT_MAX];
	const char *who;
	int rc;

	*err = CS_OK;
	*retry_after = 0;
	/* Counted before the hash is spent: concurrent guesses cannot all
	 * pass a check made before any of them failed. */
	who = client_addr(req, addr);
	rc = cs_throttle_reserve(cfg, name, who, retry_after);
	if (rc == CS_ERR_TOO_LARGE)
		return CS_AUTH_THROTTLED;
	if (rc) {
		*err = rc;
		return CS_AUTH_ERROR;
	}
	r = verify(cfg, name, password, &u, err);
	if (r == CS_AUTH_OK) {
		if ((rc = current_auth_hash(cfg, &u, auth)) ||
		    (rc = attach(req, resp, u.name, auth)) ||
		    (rc = cs_throttle_succeeded(cfg, u.name, who))) {
			*err = rc;
			r = CS_AUTH_ERROR;
		}
	}
	cs_user_free(&u);
	return r;
}

const char *
cs_auth_user(struct cs_req *req)
{
	struct cs_session *s = cs_session(req);
	const char *name = cs_req_slot(req, &user_slot), *hash = NULL;
	char *copy;
	int err;

	if (name || s == NULL)
		return name;
	if (cs_session_get_string(s, CS_AUTH_USER_KEY, &name) != CS_OK)
		return NULL;
	cs_session_get_string(s, CS_AUTH_HASH_KEY, &hash);
	if (!csi_auth_session_ok(cs_req_config(req), name, hash, &err)) {
		/* Deleted user, changed password or rotated SECRET_KEY:
		 * this session is over. */
		cs_session_flush(s);
		return NULL;
	}
	if ((copy = strdup(name)) == NULL ||
	    cs_req_set_slot(req, &user_slot, copy, free) != CS_OK) {
		free(copy);
		return NULL;
	}
	return copy;
}

int
cs_auth_logout(struct cs_req *req)
{
	struct cs_session *s = cs_session(req);

	if (s == NULL)
		return CS_ERR_NOMEM;
	cs_req_set_slot(req, &user_slot, NULL, NULL);
	return cs_session_flush(s);
}

bool
cs_auth_safe_next(const char *next)
{
	const unsigned char *p;

	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return false;
	if (strlen(next) > 2048)
		return false;
	for (p = (const unsigned char *)next; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '\\')
			return false;
	return true;
}

/*
 * Bytes kept as they are in a form action: RFC 3986 pchar and '/'.  '%'
 * stays, as the path is mostly REQUEST_URI, already percent-encoded.
 * Everything else -- a backslash (a slash to browsers), whitespace and
 * controls (dropped by browsers: "/\t/host" is "//host"), quotes, '?',
 * '#', non-ASCII -- is percent-encoded.
 */
static bool
path_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("/%-._~!$&'()*+,;=:@", c));
}

int
cs_auth_local_path(struct cs_buf *out, const char *path, size_t len)
{
	const unsigned char *p = (const unsigned char *)path, *end = p + len;
	int rc;

	/* One leading slash: extra slashes and backslashes would make the
	 * rest a host ("//host", "/\\host"). */
	while (p < end && (*p == '/' || *p == '\\'))
		p++;
	for (rc = cs_buf_putc(out, '/'); rc == CS_OK && p < end; p++)
		rc = path_byte(*p) ? cs_buf_putc(out, (char)*p) :
		    cs_buf_printf(out, "%%%02X", *p);
	return rc;
}

static void
buf_free(void *p)
{
	cs_buf_free(p);
	free(p);
}

const char *
cs_auth_form_action(struct cs_req *req)
{
	const char *path = cs_req_path(req);
	struct cs_buf *b = cs_req_slot(req, &action_slot);

	if (b)
		return b->data;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if (cs_auth_local_path(b, path, strlen(path)) ||
	    cs_req_set_slot(req, &action_slot, b, buf_free)) {
		buf_free(b);
		return NULL;
	}
	return b->data;
}
