/*
 * store_cached_db.c -- the cached_db session engine: memcached in front
 * of the LMDB store, as Django's cached_db.  The LMDB store is the truth
 * (and keeps users and login throttling, as with the lmdb engine); the
 * cache only spares it reads.
 *
 * load reads the cache, falls back to LMDB and refills the cache; save
 * writes LMDB (atomic, versioned) and then the cache; delete removes the
 * cache entry first, then the record, so a failed delete never leaves a
 * cached session behind a record that is gone (a logout that could not
 * reach memcached is an error, 503, not a cookie that keeps working).
 * memcached unreachable is CS_ERR_STORE for every call, as in Django 3.2.
 * A save whose cache write fails drops the cache entry; an update that
 * meets another version drops it too, so the next read refills it.
 *
 * Operator commands (list, export, stats, revoke-user ...) are the LMDB
 * engine's; the ones that change records also drop the cache entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "memcache.h"

#define KEY_PREFIX	"csess.sessions.cached_db"

struct cdb_store {
	struct cs_store	 base;
	struct cs_store	*db;		/* the lmdb engine */
	struct cs_mc	*mc;
	char		 err[512];
};

static struct cdb_store *
cdb_of(struct cs_store *st)
{
	return (struct cdb_store *)st;
}

static bool
mkey(const char *key, char *out)
{
	return csi_mc_session_key(KEY_PREFIX, key, out);
}

/* Remember which side failed, for cs_store_error. */
static int
db_rc(struct cdb_store *c, int rc)
{
	if (rc == CS_ERR_STORE)
		snprintf(c->err, sizeof(c->err), "%s", cs_store_error(c->db));
	return rc;
}

static int
mc_rc(struct cdb_store *c, int rc)
{
	if (rc == CS_ERR_STORE)
		snprintf(c->err, sizeof(c->err), "%s", csi_mc_error(c->mc));
	return rc;
}

static int
cache_put(struct cdb_store *c, const char *key, const struct cs_record *rec)
{
	char k[CS_MC_KEY_MAX], *val;
	size_t len;
	int rc;

	if (!mkey(key, k))
		return CS_ERR_INVALID;
	if ((rc = csi_mc_value_encode(c->base.cfg, rec, &val, &len)))
		return rc;
	rc = csi_mc_set(c->mc, k, val, len, rec->expire);
	free(val);
	return mc_rc(c, rc);
}

static int
cache_drop(struct cdb_store *c, const char *key)
{
	char k[CS_MC_KEY_MAX];

	if (!mkey(key, k))
		return CS_OK;
	return mc_rc(c, csi_mc_del(c->mc, k, NULL));
}

static int
cdb_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	struct cdb_store *c = cdb_of(st);
	char k[CS_MC_KEY_MAX], *val;
	uint64_t cas;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!mkey(key, k))
		return CS_ERR_NOT_FOUND;
	rc = csi_mc_get(c->mc, k, &val, &len, &cas);
	if (rc == CS_OK) {
		rc = csi_mc_value_decode(st->cfg, val, len, out);
		free(val);
		if (rc == CS_OK && out->expire > now)
			return CS_OK;
		cs_record_free(out);
	}
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND)
		return mc_rc(c, rc);
	if ((rc = db_rc(c, cs_store_load(c->db, key, now, out))))
		return rc;
	if ((rc = cache_put(c, key, out)))
		cs_record_free(out);
	return rc;
}

static int
cdb_save(struct cs_store *st, char **keyp, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct cdb_store *c = cdb_of(st);
	int rc;

	rc = db_rc(c, cs_store_save(c->db, keyp, rec, mode));
	if (rc == CS_ERR_CONFLICT && *keyp != NULL)
		cache_drop(c, *keyp);	/* stale: the next read refills */
	if (rc)
		return rc;
	if ((rc = cache_put(c, *keyp, rec)) && rc != CS_ERR_NOMEM)
		cache_drop(c, *keyp);
	return rc;
}

/* The expiry moved in LMDB: the cached copy is dropped, not rewritten. */
static int
cdb_touch(struct cs_store *st, const char *key, int64_t expire,
    uint64_t version)
{
	struct cdb_store *c = cdb_of(st);
	int rc;

	if ((rc = cache_drop(c, key)))
		return rc;
	return db_rc(c, cs_store_touch(c->db, key, expire, version));
}

static int
cdb_del(struct cs_store *st, const char *key)
{
	struct cdb_store *c = cdb_of(st);
	int rc;

	if ((rc = cache_drop(c, key)))
		return rc;
	return db_rc(c, cs_store_del(c->db, key));
}

static int
cdb_remove(struct cs_store *st, const char *key)
{
	struct cdb_store *c = cdb_of(st);
	int rc;

	if ((rc = cache_drop(c, key)))
		return rc;
	return db_rc(c, cs_store_delete(c->db, key));
}

/* Django: exists() is cache or db; the db has every cached session. */
static int
cdb_exists(struct cs_store *st, const char *key)
{
	struct cdb_store *c = cdb_of(st);

	return db_rc(c, cs_store_exists(c->db, key));
}

/* ---- operators: the LMDB engine's ------------------------------------ */

static int
cdb_clear_expired(struct cs_store *st, int64_t now, size_t batch,
    bool dry_run, struct cs_sweep_stats *stats)
{
	/* memcached drops the cached copies at the same expiry. */
	return cs_store_clear_expired(cdb_of(st)->db, now, batch, dry_run,
	    stats);
}

static int
cdb_get(struct cs_store *st, const char *key, struct cs_record *out)
{
	return cs_store_get(cdb_of(st)->db, key, out);
}

static int
cdb_foreach(struct cs_store *st, cs_store_session_fn *fn, void *arg)
{
	return cs_store_foreach(cdb_of(st)->db, fn, arg);
}

static int
cdb_foreach_user(struct cs_store *st, const char *user,
    cs_store_session_fn *fn, void *arg)
{
	return cs_store_foreach_user(cdb_of(st)->db, user, fn, arg);
}

static int
drop_one(void *arg, const struct cs_store_session *sv)
{
	return cache_drop(arg, sv->key);
}

/* The cached copies go first: a revocation must hold on every read. */
static int
cdb_revoke_user(struct cs_store *st, const char *user, uint64_t *count)
{
	struct cdb_store *c = cdb_of(st);
	int rc;

	if ((rc = cs_store_foreach_user(c->db, user, drop_one, c)))
		return rc;
	return cs_store_revoke_user(c->db, user, count);
}

static int
cdb_stats(struct cs_store *st, int64_t now, cs_store_stat_fn *fn, void *arg)
{
	return cs_store_stats(cdb_of(st)->db, now, fn, arg);
}

static int
cdb_verify(struct cs_store *st, cs_store_report_fn *fn, void *arg,
    uint64_t *problems)
{
	return cs_store_verify(cdb_of(st)->db, fn, arg, problems);
}

static int
cdb_export(struct cs_store *st, FILE *f)
{
	return cs_store_export(cdb_of(st)->db, f);
}

static void
cdb_sync(struct cs_store *st)
{
	cs_store_sync(cdb_of(st)->db);
}

static const char *
cdb_error(struct cs_store *st)
{
	return cdb_of(st)->err;
}

static void
cdb_close(struct cs_store *st)
{
	struct cdb_store *c = cdb_of(st);

	cs_store_close(c->db);
	csi_mc_close(c->mc);
	free(c);
}

/* No import: replacing records in bulk would leave their cached copies
 * stale (import with SESSION_ENGINE = lmdb while the cache is empty). */
const struct cs_store_ops csi_store_cached_db_ops = {
	.name = "cached_db",
	.load = cdb_load,
	.save = cdb_save,
	.touch = cdb_touch,
	.del = cdb_del,
	.exists = cdb_exists,
	.clear_expired = cdb_clear_expired,
	.close = cdb_close,
	.caps = CS_STORE_ENUMERATE | CS_STORE_USER_INDEX | CS_STORE_ATOMIC,
	.get = cdb_get,
	.remove = cdb_remove,
	.foreach = cdb_foreach,
	.foreach_user = cdb_foreach_user,
	.revoke_user = cdb_revoke_user,
	.stats = cdb_stats,
	.verify = cdb_verify,
	.export_jsonl = cdb_export,
	.sync = cdb_sync,
	.error = cdb_error,
};

int
csi_store_cached_db_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct cdb_store *c;
	int rc;

	*out = NULL;
	if ((rc = csi_mc_need_secret(cfg, err, errlen)))
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CS_ERR_NOMEM;
	c->base.ops = &csi_store_cached_db_ops;
	c->base.cfg = cfg;
	if ((rc = csi_store_lmdb_open(&c->db, cfg, err, errlen)) ||
	    (rc = csi_mc_open(&c->mc, cfg->session_cache_url, err, errlen))) {
		cs_store_close(c->db);
		free(c);
		return rc;
	}
	*out = &c->base;
	return CS_OK;
}
