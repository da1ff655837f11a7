/*
 * store_lmdb.c -- the default session engine: sessions, an expiry index
 * and a user index in one LMDB environment (layout in csess/lmdb.h).
 *
 * Every change to a session updates the record and its index entries in
 * one write transaction, so the three databases always agree (the sweep
 * alone removes expired sessions and their entries in steps).  Reads never
 * write; an expired record reads as missing whether or not the sweep
 * (clear_expired) has removed it yet.
 *
 * This file holds what a request needs (the engine operations); the sweep
 * is in store_lmdb_sweep.c, the operator commands in store_lmdb_admin.c,
 * export and import in store_lmdb_dump.c, the record encoding in
 * store_lmdb_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "store_lmdb_int.h"

#define KEY_TRIES	16

/* --- the record and its index entries, changed together ----------------- */

int
lrec_put(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct lrec_new *n)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	unsigned char *p;
	uint16_t ulen = (uint16_t)n->userlen;
	uint32_t flags = 0;
	int rc;

	v.mv_size = REC_HDR + n->userlen + n->datalen;
	v.mv_data = NULL;
	if ((rc = mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v,
	    MDB_RESERVE)))
		return csi_lmdb_rc(e, rc);
	p = v.mv_data;
	memcpy(p, &n->expire, 8);
	memcpy(p + 8, &n->version, 8);
	memcpy(p + 16, &flags, 4);
	memcpy(p + 20, &ulen, 2);
	if (n->userlen)
		memcpy(p + REC_HDR, n->user, n->userlen);
	if (n->datalen)
		memcpy(p + REC_HDR + n->userlen, n->data, n->datalen);
	return CS_OK;
}

static int
index_put(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const void *kp, size_t klen)
{
	MDB_val k = { klen, (void *)kp }, v = { 0, "" };

	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, which), &k, &v, 0));
}

/* Deleting an index entry that is not there is fine (a repair path). */
int
lrec_index_del(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const void *kp, size_t klen)
{
	MDB_val k = { klen, (void *)kp };
	int rc = mdb_del(txn, csi_lmdb_dbi(e, which), &k, NULL);

	return rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

int
lrec_expiry_put(MDB_txn *txn, struct cs_lmdb_env *e, int64_t expire,
    const char *key)
{
	unsigned char ek[EXP_KEY_LEN];

	exp_key(ek, expire, key);
	return index_put(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek));
}

int
lrec_expiry_del(MDB_txn *txn, struct cs_lmdb_env *e, int64_t expire,
    const char *key)
{
	unsigned char ek[EXP_KEY_LEN];

	exp_key(ek, expire, key);
	return lrec_index_del(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek));
}

int
lrec_user_put(MDB_txn *txn, struct cs_lmdb_env *e, const char *user,
    size_t ulen, const char *key)
{
	unsigned char uk[USER_KEY_MAX];

	if (ulen == 0)
		return CS_OK;
	return index_put(txn, e, CS_DBI_USER_SESSIONS, uk,
	    user_key(uk, user, ulen, key));
}

int
lrec_user_del(MDB_txn *txn, struct cs_lmdb_env *e, const char *user,
    size_t ulen, const char *key)
{
	unsigned char uk[USER_KEY_MAX];

	if (ulen == 0)
		return CS_OK;
	return lrec_index_del(txn, e, CS_DBI_USER_SESSIONS, uk,
	    user_key(uk, user, ulen, key));
}

/* Look a session up; CS_ERR_NOT_FOUND, CS_ERR_STORE (undecodable) or OK. */
int
lrec_get(MDB_txn *txn, struct cs_lmdb_env *e, const char *key, struct lrec *r)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	int rc;

	if ((rc = mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v)))
		return csi_lmdb_rc(e, rc);
	return lrec_decode(&v, r);
}

/* The record under key is there but does not decode (lrec_get's
 * CS_ERR_STORE was not LMDB failing). */
bool
lrec_undecodable(MDB_txn *txn, struct cs_lmdb_env *e, const char *key)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	struct lrec r;

	return mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v) == 0 &&
	    lrec_decode(&v, &r) != CS_OK;
}

void
lrec_remember(struct lrec_old *o, const struct lrec *r)
{
	o->expire = r->expire;
	/* lrec_decode bounds userlen by CS_LMDB_USER_MAX. */
	o->userlen = r->userlen;
	memcpy(o->user, r->user ? r->user : "", o->userlen);
}

/*
 * Write n under key, replacing old (NULL when the key is new): record,
 * expiry entry and user entry move together.
 */
int
lrec_replace(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct lrec_old *old, const struct lrec_new *n)
{
	bool same_user;
	int rc;

	same_user = old != NULL && old->userlen == n->userlen &&
	    (n->userlen == 0 || memcmp(old->user, n->user, n->userlen) == 0);
	if ((rc = lrec_put(txn, e, key, n)))
		return rc;
	if (old == NULL || old->expire != n->expire) {
		if (old != NULL &&
		    (rc = lrec_expiry_del(txn, e, old->expire, key)))
			return rc;
		if ((rc = lrec_expiry_put(txn, e, n->expire, key)))
			return rc;
	}
	if (!same_user) {
		if (old != NULL &&
		    (rc = lrec_user_del(txn, e, old->user, old->userlen, key)))
			return rc;
		if ((rc = lrec_user_put(txn, e, n->user, n->userlen, key)))
			return rc;
	}
	return CS_OK;
}

/* Remove a session and its index entries; r is its decoded record. */
static int
lrec_remove_but_expiry(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct lrec *r, struct lrec_old *o)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key };
	int rc;

	lrec_remember(o, r);
	if ((rc = mdb_del(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, NULL)))
		return csi_lmdb_rc(e, rc);
	return lrec_user_del(txn, e, o->user, o->userlen, key);
}

int
lrec_remove(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct lrec *r)
{
	struct lrec_old o;
	int rc;

	if ((rc = lrec_remove_but_expiry(txn, e, key, r, &o)))
		return rc;
	return lrec_expiry_del(txn, e, o.expire, key);
}

/* --- engine operations -------------------------------------------------- */

int
lstore_load_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct lstore_load_arg *a = p;
	struct cs_record *out = a->out;
	struct lrec r;
	int rc;

	rc = lrec_get(txn, e, a->key, &r);
	/* A request meeting a record it cannot decode has no session (Django:
	 * "Session data corrupted", an empty session), not a 503 until the
	 * record expires; the operator tools (include_expired) see the error. */
	if (rc == CS_ERR_STORE && !a->include_expired &&
	    lrec_undecodable(txn, e, a->key))
		return CS_ERR_NOT_FOUND;
	if (rc)
		return rc;
	if (!a->include_expired && r.expire <= a->now)
		return CS_ERR_NOT_FOUND;
	if ((out->data = malloc(r.datalen + 1)) == NULL)
		return CS_ERR_NOMEM;
	memcpy(out->data, r.data, r.datalen);
	out->data[r.datalen] = '\0';
	out->data_len = r.datalen;
	out->expire = r.expire;
	out->version = r.version;
	out->user = NULL;
	if (r.userlen && (out->user = strndup(r.user, r.userlen)) == NULL) {
		free(out->data);
		out->data = NULL;
		return CS_ERR_NOMEM;
	}
	return CS_OK;
}

static int
lmdb_load(struct cs_store *s, const char *key, int64_t now, struct cs_record *out)
{
	struct lstore_load_arg a = { key, now, false, out };

	memset(out, 0, sizeof(*out));
	/* A malformed key (from a forged cookie) is simply no session. */
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return csi_lmdb_read(lstore_env(s), lstore_load_fn, &a);
}

static int
check_record(const struct cs_record *rec)
{
	size_t ulen = rec->user ? strlen(rec->user) : 0;

	if (rec->expire < 0 || (rec->data == NULL && rec->data_len != 0))
		return CS_ERR_INVALID;
	if (ulen > CS_LMDB_USER_MAX)
		return CS_ERR_INVALID;
	if (rec->data_len > CS_LMDB_DATA_MAX)
		return CS_ERR_TOO_LARGE;
	return CS_OK;
}

static void
newrec_from(struct lrec_new *n, const struct cs_record *rec)
{
	n->expire = rec->expire;
	n->user = rec->user;
	n->userlen = rec->user ? strlen(rec->user) : 0;
	n->data = rec->data;
	n->datalen = rec->data_len;
}

/* A fresh version for a new record: random, so a key deleted and
 * created again never matches a version read before the delete. */
int
lrec_fresh_version(uint64_t *v)
{
	int rc;

	do {
		if ((rc = cs_random_bytes(v, sizeof(*v))))
			return rc;
	} while (*v == 0);
	return CS_OK;
}

struct save_arg {
	const char		*key;
	struct lrec_new		 n;
	uint64_t		 expect;	/* UPDATE: version read */
	int64_t			 now;
};

static int
create_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct save_arg *a = p;
	struct lrec r;
	int rc;

	rc = lrec_get(txn, e, a->key, &r);
	if (rc == CS_OK)
		return CS_ERR_EXISTS;	/* even expired: create never overwrites */
	if (rc != CS_ERR_NOT_FOUND)
		return rc;
	return lrec_replace(txn, e, a->key, NULL, &a->n);
}

/* The record an UPDATE or touch may change: present, live, same version. */
static int
current_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    uint64_t expect, int64_t now, struct lrec *r)
{
	int rc = lrec_get(txn, e, key, r);

	if (rc == CS_ERR_NOT_FOUND)
		return CS_ERR_CONFLICT;
	if (rc)
		return rc;
	if (r->expire <= now || r->version != expect)
		return CS_ERR_CONFLICT;
	return CS_OK;
}

static int
update_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct save_arg *a = p;
	struct lrec_old o;
	struct lrec r;
	int rc;

	if ((rc = current_record(txn, e, a->key, a->expect, a->now, &r)))
		return rc;
	lrec_remember(&o, &r);
	a->n.version = r.version + 1 ? r.version + 1 : 1;
	return lrec_replace(txn, e, a->key, &o, &a->n);
}

static int
lmdb_save(struct cs_store *s, char **keyp, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct save_arg a;
	char fresh[CS_SESSION_KEY_LEN + 1];
	int rc, tries;

	if ((rc = check_record(rec)))
		return rc;
	memset(&a, 0, sizeof(a));
	newrec_from(&a.n, rec);
	a.now = cs_now();
	if (mode == CS_SAVE_UPDATE) {
		if (*keyp == NULL || !cs_session_key_valid(*keyp))
			return CS_ERR_INVALID;
		a.key = *keyp;
		a.expect = rec->version;
		if ((rc = csi_lmdb_write(lstore_env(s), update_fn, &a)))
			return rc;
		rec->version = a.n.version;
		return CS_OK;
	}
	if ((rc = lrec_fresh_version(&a.n.version)))
		return rc;
	if (*keyp != NULL) {
		if (!cs_session_key_valid(*keyp))
			return CS_ERR_INVALID;
		a.key = *keyp;
		if ((rc = csi_lmdb_write(lstore_env(s), create_fn, &a)))
			return rc;
		rec->version = a.n.version;
		return CS_OK;
	}
	/* No key: make one, as Django's create() does, until one is free. */
	for (tries = 0; tries < KEY_TRIES; tries++) {
		if ((rc = cs_session_key_new(fresh)))
			return rc;
		a.key = fresh;
		rc = csi_lmdb_write(lstore_env(s), create_fn, &a);
		if (rc == CS_ERR_EXISTS)
			continue;
		if (rc)
			return rc;
		if ((*keyp = strdup(fresh)) == NULL)
			return CS_ERR_NOMEM;
		rec->version = a.n.version;
		return CS_OK;
	}
	return CS_ERR_STORE;
}

struct touch_arg {
	const char	*key;
	int64_t		 expire;
	uint64_t	 expect;
	int64_t		 now;
};

static int
touch_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct touch_arg *a = p;
	struct lrec_old o;
	struct lrec_new n;
	struct lrec r;
	char *copy;
	int rc;

	if ((rc = current_record(txn, e, a->key, a->expect, a->now, &r)))
		return rc;
	if (r.expire == a->expire)
		return CS_OK;
	lrec_remember(&o, &r);
	/* The record is rewritten from a copy: the put may move its page. */
	if ((copy = malloc(r.datalen + 1)) == NULL)
		return CS_ERR_NOMEM;
	memcpy(copy, r.data, r.datalen);
	n.expire = a->expire;
	n.version = r.version;		/* touch is not a data change */
	n.user = o.user;
	n.userlen = o.userlen;
	n.data = copy;
	n.datalen = r.datalen;
	rc = lrec_replace(txn, e, a->key, &o, &n);
	free(copy);
	return rc;
}

static int
lmdb_touch(struct cs_store *s, const char *key, int64_t expire, uint64_t version)
{
	struct touch_arg a = { key, expire, version, cs_now() };

	if (key == NULL || !cs_session_key_valid(key) || expire < 0)
		return CS_ERR_INVALID;
	return csi_lmdb_write(lstore_env(s), touch_fn, &a);
}

int
lstore_del_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct lstore_del_arg *a = p;
	struct lrec r;
	int rc;

	a->found = false;
	rc = lrec_get(txn, e, a->key, &r);
	if (rc == CS_ERR_NOT_FOUND)
		return CS_OK;
	if (rc == CS_ERR_STORE) {
		/* Undecodable record: drop it alone, indexes cannot be found. */
		MDB_val k = { CS_SESSION_KEY_LEN, (void *)a->key };

		a->found = true;
		return csi_lmdb_rc(e, mdb_del(txn,
		    csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, NULL));
	}
	if (rc)
		return rc;
	a->found = true;
	return lrec_remove(txn, e, a->key, &r);
}

static int
lmdb_del(struct cs_store *s, const char *key)
{
	struct lstore_del_arg a = { key, false };

	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	return csi_lmdb_write(lstore_env(s), lstore_del_fn, &a);
}

static int
exists_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_val k = { CS_SESSION_KEY_LEN, p }, v;

	return csi_lmdb_rc(e, mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v));
}

static int
lmdb_exists(struct cs_store *s, const char *key)
{
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return csi_lmdb_read(lstore_env(s), exists_fn, (void *)key);
}

static void
lmdb_close(struct cs_store *s)
{
	struct lmdb_store *ls = (struct lmdb_store *)s;

	csi_lmdb_env_release(ls->env);
	free(ls);
}

const struct cs_store_ops csi_store_lmdb_ops = {
	.name = "lmdb",
	.load = lmdb_load,
	.save = lmdb_save,
	.touch = lmdb_touch,
	.del = lmdb_del,
	.exists = lmdb_exists,
	.clear_expired = lstore_clear_expired,
	.close = lmdb_close,
	.caps = CS_STORE_ENUMERATE | CS_STORE_USER_INDEX | CS_STORE_ATOMIC,
	.get = cs_lmdb_get,
	.remove = cs_lmdb_delete,
	.foreach = cs_lmdb_foreach,
	.foreach_user = cs_lmdb_foreach_user,
	.revoke_user = cs_lmdb_revoke_user,
	.stats = lstore_stats,
	.verify = cs_lmdb_verify,
	.export_jsonl = cs_lmdb_export,
	.import_jsonl = cs_lmdb_import,
	.sync = cs_store_lmdb_maybe_sync,
	.error = cs_lmdb_error,
};

int
csi_store_lmdb_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct lmdb_store *ls;
	int rc;

	*out = NULL;
	if ((ls = calloc(1, sizeof(*ls))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CS_ERR_NOMEM;
	}
	if ((rc = csi_lmdb_env_acquire(&ls->env, cfg, err, errlen))) {
		free(ls);
		return rc;
	}
	ls->base.ops = &csi_store_lmdb_ops;
	ls->base.cfg = cfg;
	*out = &ls->base;
	return CS_OK;
}

void
cs_store_lmdb_maybe_sync(struct cs_store *s)
{
	if (lstore_is(s))
		csi_lmdb_env_maybe_sync(lstore_env(s));
}

const char *
cs_lmdb_error(struct cs_store *s)
{
	return lstore_is(s) ? csi_lmdb_env_error(lstore_env(s)) : "";
}
