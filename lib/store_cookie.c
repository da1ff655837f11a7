/*
 * store_cookie.c -- the signed_cookies session engine, byte-compatible
 * with django.contrib.sessions.backends.signed_cookies: the session "key"
 * is the cookie value itself, signing.dumps(session, compress=True,
 * salt="django.contrib.sessions.backends.signed_cookies") with SECRET_KEY,
 * and a load is signing.loads(..., max_age=SESSION_COOKIE_AGE).
 *
 * Limits, as in Django: the data is signed, not encrypted (anyone holding
 * the cookie can read it); nothing is stored server-side, so a logout
 * cannot revoke a copied cookie (only rotating SECRET_KEY does) and a
 * cookie replays until SESSION_COOKIE_AGE runs out; a custom expiry is not
 * enforced server-side.  Unlike Django, a session too big for a browser
 * cookie (name + value over 4096 bytes) is an error, CS_ERR_TOO_LARGE,
 * rather than a cookie the browser silently drops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess/sign.h"
#include "csess/store.h"
#include "engines.h"
#include "csess_test.h"

#define SESSION_SALT	"django.contrib.sessions.backends.signed_cookies"
#define COOKIE_MAX	4096	/* name + value, what browsers keep */

struct cookie_store {
	struct cs_store	 base;
	struct cs_signer signer;
};

static struct cookie_store *
cs_of(struct cs_store *st)
{
	return (struct cookie_store *)st;
}

/*
 * The signer points into cfg's strings (SECRET_KEY, fallbacks).  The
 * per-process store outlives a cfg that is freed and loaded again at the
 * same address (store_process.c), so take them afresh on every use
 * rather than keep pointers into freed memory.
 */
static int
signer_refresh(struct cookie_store *c)
{
	if (cs_signer_init(&c->signer, c->base.cfg))
		return CS_ERR_CONFIG;
	c->signer.salt = SESSION_SALT;
	c->signer.timestamp = true;
	return CS_OK;
}

static int
cookie_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	struct cookie_store *c = cs_of(st);
	struct cs_buf json = {0};
	const char *last;
	int64_t ts;
	int rc;

	memset(out, 0, sizeof(*out));
	if (key == NULL || key[0] == '\0' || strlen(key) > COOKIE_MAX)
		return CS_ERR_NOT_FOUND;
	if ((rc = signer_refresh(c)))
		return rc;
	rc = csi_loads_at(&c->signer, key, strlen(key),
	    st->cfg->session_cookie_age, now, &json);
	if (rc == CS_ERR_NOMEM || rc == CS_ERR_CRYPTO)
		return rc;
	/* Django: any failure to load is simply "no session". */
	if (rc || json.len == 0 || json.data[0] != '{') {
		cs_buf_free(&json);
		return CS_ERR_NOT_FOUND;
	}
	/* The token verified, so its layout is payload:TS:SIG. */
	last = strrchr(key, ':');
	ts = now;
	if (last && last > key) {
		const char *p = last;

		while (p > key && p[-1] != ':')
			p--;
		if (cs_base62_decode(p, (size_t)(last - p), &ts))
			ts = now;
	}
	out->data_len = json.len;
	out->data = cs_buf_steal(&json);
	out->expire = ts + st->cfg->session_cookie_age;
	out->version = 1;
	return CS_OK;
}

static int
cookie_save(struct cs_store *st, char **key, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct cookie_store *c = cs_of(st);
	struct cs_buf tok = {0};
	const char *name = st->cfg->session_cookie_name;
	int rc;

	(void)mode;	/* nothing server-side can be taken or vanish */
	if (rec->data == NULL)
		return CS_ERR_INVALID;
	if ((rc = signer_refresh(c)))
		return rc;
	if ((rc = cs_dumps(&c->signer, rec->data, rec->data_len, true, &tok)))
		goto fail;
	if (strlen(name ? name : "") + tok.len > COOKIE_MAX) {
		rc = CS_ERR_TOO_LARGE;
		goto fail;
	}
	free(*key);
	*key = cs_buf_steal(&tok);
	rec->version++;
	if (rec->version == 0)
		rec->version = 1;
	return CS_OK;
fail:
	cs_buf_free(&tok);
	return rc;
}

/*
 * The expiry lives in the signed timestamp, which only a save can move
 * (the key would change).  So touch is accepted and does nothing; callers
 * that want a sliding expiry save instead, as Django's
 * SESSION_SAVE_EVERY_REQUEST does for this engine.
 */
static int
cookie_touch(struct cs_store *st, const char *key, int64_t expire,
    uint64_t version)
{
	(void)st; (void)key; (void)expire; (void)version;
	return CS_OK;
}

/* The caller deletes the cookie; nothing is kept here to remove. */
static int
cookie_del(struct cs_store *st, const char *key)
{
	(void)st; (void)key;
	return CS_OK;
}

/* Django: exists() is always False, so a fresh key never collides. */
static int
cookie_exists(struct cs_store *st, const char *key)
{
	(void)st; (void)key;
	return CS_ERR_NOT_FOUND;
}

static int
cookie_clear_expired(struct cs_store *st, int64_t now, size_t batch,
    bool dry_run, struct cs_sweep_stats *stats)
{
	(void)st; (void)now; (void)batch; (void)dry_run;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	return CS_OK;
}

static void
cookie_close(struct cs_store *st)
{
	free(st);
}

/* Cookie values of this engine: base64url, ':' and '.', at least the 8
 * characters Django asks of any key. */
#define KEY_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:."

static bool
cookie_key_valid(const char *key)
{
	size_t n = strlen(key);

	return n >= 8 && n <= COOKIE_MAX && strspn(key, KEY_CHARS) == n;
}

/* Nothing is kept server-side: no operator operations, no sweep needed
 * (the clear_expired below only answers "nothing removed"). */
const struct cs_store_ops csi_store_signed_cookies_ops = {
	.name = "signed_cookies",
	.load = cookie_load,
	.save = cookie_save,
	.touch = cookie_touch,
	.del = cookie_del,
	.exists = cookie_exists,
	.clear_expired = cookie_clear_expired,
	.close = cookie_close,
	.caps = CS_STORE_STATELESS,
	.key_valid = cookie_key_valid,
};

int
csi_store_signed_cookies_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct cookie_store *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CS_ERR_NOMEM;
	c->base.cfg = cfg;
	if (signer_refresh(c)) {
		free(c);
		if (err && errlen)
			snprintf(err, errlen, "SECRET_KEY: required by "
			    "SESSION_ENGINE = signed_cookies");
		return CS_ERR_CONFIG;
	}
	c->base.ops = &csi_store_signed_cookies_ops;
	*out = &c->base;
	return CS_OK;
}
