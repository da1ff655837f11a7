/*
 * store_cache.c -- the cache session engine: sessions in memcached only,
 * as Django's cache backend (SESSION_CACHE_URL, consistent hashing over
 * the servers), and the value format it shares with cached_db.
 *
 * Not byte-compatible with Django's cache backend, on purpose: Django
 * keeps the session dict pickled under ":1:django.contrib.sessions.cache"
 * + key, and reading a pickle from a shared cache is code execution for
 * whoever can write to it.  csess keeps its own signed value (memcache.h)
 * under "csess.sessions.cache" + key, so a Django site and csess can share
 * one memcached without reading each other's keys.  Share sessions with
 * Django through the file or redis engines.
 *
 * A session may be evicted (memcached drops items under memory pressure
 * or on restart): the user is then logged out.  memcached cannot list its
 * keys, so there is no list/export; it expires items itself.  Create is
 * memcached "add" (never overwrites), update a "cas" on the version read
 * (never resurrects a deleted session, never loses a concurrent write).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/sign.h"
#include "engines.h"
#include "memcache.h"

#define VALUE_SALT	"csess.sessions.cache"
#define KEY_PREFIX	"csess.sessions.cache"
#define KEY_TRIES	16
#define DATA_MAX	(1024 * 1024)	/* memcached's default item limit */

/* ---- the value ------------------------------------------------------- */

static int
value_signer(const struct cs_config *cfg, struct cs_signer *s)
{
	if (cs_signer_init(s, cfg))
		return CS_ERR_CONFIG;
	s->salt = VALUE_SALT;
	return CS_OK;
}

int
csi_mc_value_encode(const struct cs_config *cfg, const struct cs_record *rec,
    char **out, size_t *len)
{
	struct cs_signer s;
	struct cs_buf tok = {0};
	json_t *o, *d;
	char *j;
	int rc;

	*out = NULL;
	if ((rc = value_signer(cfg, &s)))
		return rc;
	if ((d = json_loadb(rec->data, rec->data_len, 0, NULL)) == NULL)
		return CS_ERR_INVALID;
	o = json_pack("{s:o, s:I, s:s?, s:I}", "d", d, "e",
	    (json_int_t)rec->expire, "u", rec->user, "v",
	    (json_int_t)rec->version);
	if (o == NULL)
		return CS_ERR_NOMEM;
	j = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (j == NULL)
		return CS_ERR_NOMEM;
	rc = cs_dumps(&s, j, strlen(j), true, &tok);
	free(j);
	if (rc)
		return rc;
	*len = tok.len;
	*out = cs_buf_steal(&tok);
	return CS_OK;
}

int
csi_mc_value_decode(const struct cs_config *cfg, const char *val, size_t len,
    struct cs_record *out)
{
	struct cs_signer s;
	struct cs_buf j = {0};
	json_t *o, *d, *e, *u, *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = value_signer(cfg, &s)))
		return rc;
	if ((rc = cs_loads(&s, val, len, -1, &j)))
		return rc == CS_ERR_NOMEM || rc == CS_ERR_CRYPTO ? rc :
		    CS_ERR_NOT_FOUND;
	o = json_loadb(j.data, j.len, 0, NULL);
	cs_buf_free(&j);
	d = json_object_get(o, "d");
	e = json_object_get(o, "e");
	u = json_object_get(o, "u");
	v = json_object_get(o, "v");
	rc = CS_ERR_NOT_FOUND;
	if (!json_is_object(d) || !json_is_integer(e) || !json_is_integer(v) ||
	    !(json_is_null(u) || json_is_string(u)))
		goto out;
	rc = CS_ERR_NOMEM;
	if ((out->data = json_dumps(d, JSON_COMPACT)) == NULL)
		goto out;
	if (json_is_string(u) &&
	    (out->user = strdup(json_string_value(u))) == NULL)
		goto out;
	out->data_len = strlen(out->data);
	out->expire = (int64_t)json_integer_value(e);
	out->version = (uint64_t)json_integer_value(v);
	rc = CS_OK;
out:
	json_decref(o);
	if (rc)
		cs_record_free(out);
	return rc;
}

/* ---- the engine ------------------------------------------------------ */

struct cache_store {
	struct cs_store	 base;
	struct cs_mc	*mc;
};

bool
csi_mc_session_key(const char *prefix, const char *key, char *out)
{
	size_t n = strlen(prefix);

	if (key == NULL || !cs_session_key_valid(key) ||
	    n + CS_SESSION_KEY_LEN >= CS_MC_KEY_MAX)
		return false;
	memcpy(out, prefix, n);
	memcpy(out + n, key, CS_SESSION_KEY_LEN + 1);
	return true;
}

static bool
mkey(const char *key, char *out)
{
	return csi_mc_session_key(KEY_PREFIX, key, out);
}

int
csi_mc_need_secret(const struct cs_config *cfg, char *err, size_t errlen)
{
	struct cs_signer s;

	if (value_signer(cfg, &s) == CS_OK)
		return CS_OK;
	if (err && errlen)
		snprintf(err, errlen, "SECRET_KEY: required by "
		    "SESSION_ENGINE = %s", cfg->session_engine);
	return CS_ERR_CONFIG;
}

static struct cs_mc *
mc_of(struct cs_store *st)
{
	return ((struct cache_store *)st)->mc;
}

/* The record under key, with its CAS token; expired reads as missing
 * when now >= 0. */
static int
fetch(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out, uint64_t *cas)
{
	char k[CS_MC_KEY_MAX], *val;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!mkey(key, k))
		return CS_ERR_NOT_FOUND;
	if ((rc = csi_mc_get(mc_of(st), k, &val, &len, cas)))
		return rc;
	rc = csi_mc_value_decode(st->cfg, val, len, out);
	free(val);
	if (rc == CS_OK && now >= 0 && out->expire <= now) {
		cs_record_free(out);
		rc = CS_ERR_NOT_FOUND;
	}
	return rc;
}

static int
cache_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	uint64_t cas;

	return fetch(st, key, now, out, &cas);
}

static int
cache_get(struct cs_store *st, const char *key, struct cs_record *out)
{
	uint64_t cas;

	return fetch(st, key, -1, out, &cas);
}

/* Write rec under key: CREATE adds, UPDATE swaps the version read. */
static int
put(struct cs_store *st, const char *key, struct cs_record *rec,
    enum cs_save_mode mode)
{
	char k[CS_MC_KEY_MAX], *val;
	struct cs_record cur;
	uint64_t cas = 0, version;
	size_t len;
	int rc;

	if (!mkey(key, k))
		return CS_ERR_INVALID;
	if (mode == CS_SAVE_UPDATE) {
		rc = fetch(st, key, cs_now(), &cur, &cas);
		version = cur.version;
		cs_record_free(&cur);
		if (rc == CS_ERR_NOT_FOUND ||
		    (rc == CS_OK && version != rec->version))
			return CS_ERR_CONFLICT;
		if (rc)
			return rc;
		version = rec->version + 1 ? rec->version + 1 : 1;
	} else {
		do {
			if ((rc = cs_random_bytes(&version, sizeof(version))))
				return rc;
		} while (version == 0);
	}
	{
		struct cs_record w = *rec;

		w.version = version;
		if ((rc = csi_mc_value_encode(st->cfg, &w, &val, &len)))
			return rc;
	}
	rc = mode == CS_SAVE_UPDATE ?
	    csi_mc_cas(mc_of(st), k, val, len, rec->expire, cas) :
	    csi_mc_add(mc_of(st), k, val, len, rec->expire);
	free(val);
	if (rc == CS_OK)
		rec->version = version;
	return rc;
}

static int
cache_save(struct cs_store *st, char **keyp, struct cs_record *rec,
    enum cs_save_mode mode)
{
	char fresh[CS_SESSION_KEY_LEN + 1];
	int rc, tries;

	if (rec->data == NULL || rec->expire < 0)
		return CS_ERR_INVALID;
	if (rec->data_len > DATA_MAX)
		return CS_ERR_TOO_LARGE;
	if (*keyp != NULL)
		return put(st, *keyp, rec, mode);
	if (mode == CS_SAVE_UPDATE)
		return CS_ERR_INVALID;
	for (tries = 0; tries < KEY_TRIES; tries++) {
		if ((rc = cs_session_key_new(fresh)))
			return rc;
		if ((rc = put(st, fresh, rec, mode)) == CS_ERR_EXISTS)
			continue;
		if (rc == CS_OK && (*keyp = strdup(fresh)) == NULL)
			return CS_ERR_NOMEM;
		return rc;
	}
	return CS_ERR_STORE;
}

static int
remove_key(struct cs_store *st, const char *key, bool *found)
{
	char k[CS_MC_KEY_MAX];

	*found = false;
	if (!mkey(key, k))
		return CS_OK;
	return csi_mc_del(mc_of(st), k, found);
}

static int
cache_del(struct cs_store *st, const char *key)
{
	bool found;

	return remove_key(st, key, &found);
}

static int
cache_remove(struct cs_store *st, const char *key)
{
	bool found;
	int rc = remove_key(st, key, &found);

	return rc ? rc : found ? CS_OK : CS_ERR_NOT_FOUND;
}

static int
cache_exists(struct cs_store *st, const char *key)
{
	struct cs_record r;
	int rc = cache_get(st, key, &r);

	cs_record_free(&r);
	return rc;
}

static const char *
cache_error(struct cs_store *st)
{
	return csi_mc_error(mc_of(st));
}

static void
cache_close(struct cs_store *st)
{
	csi_mc_close(mc_of(st));
	free(st);
}

const struct cs_store_ops csi_store_cache_ops = {
	.name = "cache",
	.load = cache_load,
	.save = cache_save,
	.del = cache_del,
	.exists = cache_exists,
	.close = cache_close,
	.caps = CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC,
	.get = cache_get,
	.remove = cache_remove,
	.error = cache_error,
};

int
csi_store_cache_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct cache_store *c;
	int rc;

	*out = NULL;
	if ((rc = csi_mc_need_secret(cfg, err, errlen)))
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CS_ERR_NOMEM;
	if ((rc = csi_mc_open(&c->mc, cfg->session_cache_url, err, errlen))) {
		free(c);
		return rc;
	}
	c->base.ops = &csi_store_cache_ops;
	c->base.cfg = cfg;
	*out = &c->base;
	return CS_OK;
}
