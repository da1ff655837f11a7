/*
 * store.c -- choosing the session engine, what all engines share (session
 * key shape and generation, record lifetime), and the calls that reach an
 * engine's capabilities and optional operations (csess/store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "error.h"

/*
 * Every engine is a strong reference: a static archive only contributes
 * the objects a program references, so a weak one would leave an engine
 * out of every program linked against libcsess.a.  (signed_cookies pulls
 * in the signing code, not libcrypto: that is loaded on first use.)
 */
static const struct engine {
	const char		*name;
	cs_engine_open_fn	*open;
	const struct cs_store_ops *ops;
} engines[] = {
	{ "lmdb", csi_store_lmdb_open, &csi_store_lmdb_ops },
	{ "signed_cookies", csi_store_signed_cookies_open,
	    &csi_store_signed_cookies_ops },
	{ "redis", csi_store_redis_open, &csi_store_redis_ops },
	{ "file", csi_store_file_open, &csi_store_file_ops },
	{ "cache", csi_store_cache_open, &csi_store_cache_ops },
	{ "cached_db", csi_store_cached_db_open, &csi_store_cached_db_ops },
};

static const struct engine *
engine_of(const struct cs_config *cfg)
{
	const char *name = cfg->session_engine ? cfg->session_engine : "lmdb";
	size_t i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(name, engines[i].name) == 0)
			return &engines[i];
	return NULL;
}

int
cs_store_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	const struct engine *e = engine_of(cfg);

	char why[512] = "";
	int rc;

	*out = NULL;
	if (e != NULL)
		rc = e->open(out, cfg, why, sizeof(why));
	else {
		snprintf(why, sizeof(why), "SESSION_ENGINE: engine '%s' is not built in",
		    cfg->session_engine);
		rc = CS_ERR_CONFIG;
	}
	if (rc != CS_OK)
		csi_error("%s", why);
	if (errlen)
		snprintf(err, errlen, "%s", rc != CS_OK ? why : "");
	return rc;
}

const struct cs_store_ops *
cs_store_engine(const struct cs_config *cfg)
{
	const struct engine *e = engine_of(cfg);

	return e != NULL ? e->ops : NULL;
}

void
cs_store_close(struct cs_store *s)
{
	if (s != NULL && s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s);
}

void
cs_record_free(struct cs_record *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->user);
	r->data = NULL;
	r->user = NULL;
	r->data_len = 0;
}

bool
cs_session_key_valid(const char *key)
{
	size_t i;

	if (key == NULL)
		return false;
	/* CS_SESSION_KEY_CHARS is exactly a-z and 0-9; ranges, not strchr,
	 * because this runs on every request that carries a cookie. */
	for (i = 0; i < CS_SESSION_KEY_LEN; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= '0' && key[i] <= '9')))
			return false;
	return key[CS_SESSION_KEY_LEN] == '\0';
}

int
cs_session_key_new(char out[CS_SESSION_KEY_LEN + 1])
{
	return cs_random_string(out, CS_SESSION_KEY_LEN, CS_SESSION_KEY_CHARS);
}

bool
cs_store_key_ok(const struct cs_store_ops *ops, const char *key)
{
	if (ops != NULL && ops->key_valid != NULL)
		return key != NULL && ops->key_valid(key);
	return cs_session_key_valid(key);
}

unsigned
cs_store_caps(const struct cs_store *st)
{
	return st->ops->caps;
}

bool
cs_store_ops_has(const struct cs_store_ops *ops, unsigned want)
{
	return ops != NULL && (ops->caps & want) == want;
}

bool
cs_store_has(const struct cs_store *st, unsigned want)
{
	return cs_store_ops_has(st->ops, want);
}

const char *
cs_store_name(const struct cs_store *st)
{
	return st->ops->name ? st->ops->name : "(unnamed)";
}

/* ---- optional operations: CS_ERR_UNSUPPORTED when the engine has none */

int
cs_store_clear_expired(struct cs_store *st, int64_t now, size_t batch,
    bool dry_run, struct cs_sweep_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (st->ops->clear_expired != NULL)
		return st->ops->clear_expired(st, now, batch ? batch : 1000,
		    dry_run, stats);
	/* Nothing of ours to sweep: the server does it, or nothing is kept. */
	if (st->ops->caps & (CS_STORE_SELF_EXPIRE | CS_STORE_STATELESS))
		return CS_OK;
	return CS_ERR_UNSUPPORTED;
}

int
cs_store_get(struct cs_store *st, const char *key, struct cs_record *out)
{
	memset(out, 0, sizeof(*out));
	if (st->ops->get == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->get(st, key, out);
}

int
cs_store_delete(struct cs_store *st, const char *key)
{
	if (st->ops->remove == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->remove(st, key);
}

int
cs_store_foreach(struct cs_store *st, cs_store_session_fn *fn, void *arg)
{
	if (st->ops->foreach == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->foreach(st, fn, arg);
}

int
cs_store_foreach_user(struct cs_store *st, const char *user,
    cs_store_session_fn *fn, void *arg)
{
	if (st->ops->foreach_user == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->foreach_user(st, user, fn, arg);
}

int
cs_store_revoke_user(struct cs_store *st, const char *user, uint64_t *count)
{
	*count = 0;
	if (st->ops->revoke_user == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->revoke_user(st, user, count);
}

int
cs_store_stats(struct cs_store *st, int64_t now, cs_store_stat_fn *fn,
    void *arg)
{
	if (st->ops->stats == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->stats(st, now, fn, arg);
}

int
cs_store_verify(struct cs_store *st, cs_store_report_fn *report, void *arg,
    uint64_t *problems)
{
	*problems = 0;
	if (st->ops->verify == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->verify(st, report, arg, problems);
}

int
cs_store_export(struct cs_store *st, FILE *f)
{
	if (st->ops->export_jsonl == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->export_jsonl(st, f);
}

int
cs_store_import(struct cs_store *st, FILE *f, uint64_t *count,
    size_t *bad_line, char *err, size_t errlen)
{
	*count = 0;
	*bad_line = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (st->ops->import_jsonl == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->import_jsonl(st, f, count, bad_line, err, errlen);
}

void
cs_store_sync(struct cs_store *st)
{
	if (st != NULL && st->ops->sync != NULL)
		st->ops->sync(st);
}

const char *
cs_store_error(struct cs_store *st)
{
	if (st == NULL || st->ops->error == NULL)
		return "";
	return st->ops->error(st);
}
