/*
 * store_lmdb.c -- the default session engine: sessions, an expiry index
 * and a user index in one LMDB environment (layout in csess/lmdb.h).
 *
 * Every change to a session updates the record and its index entries in
 * one write transaction, so the three databases always agree.  Reads never
 * write; an expired record reads as missing whether or not the sweep
 * (clear_expired) has removed it yet.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "csess/lmdb.h"
#include "engines.h"
#include "lmdb_env.h"

#define REC_HDR		22	/* expire 8, version 8, flags 4, userlen 2 */
#define EXP_KEY_LEN	(8 + CS_SESSION_KEY_LEN)
#define USER_KEY_MAX	(CS_LMDB_USER_MAX + 1 + CS_SESSION_KEY_LEN)
#define ITER_CHUNK	1000
/* Sessions per import transaction: large, because every transaction
 * rewrites each page it touches, and a 1M-session import in batches of
 * 10,000 wrote the tree ~100 times over.  Halved on MDB_TXN_FULL. */
#define IMPORT_BATCH	100000
#define KEY_TRIES	16

struct lmdb_store {
	struct cs_store		 base;
	struct cs_lmdb_env	*env;
};

static const struct cs_store_ops lmdb_ops;

/* A decoded record; pointers into the map, valid until the txn changes
 * the sessions database or ends. */
struct rec {
	int64_t		 expire;
	uint64_t	 version;
	uint32_t	 flags;
	const char	*user;
	size_t		 userlen;
	const char	*data;
	size_t		 datalen;
};

static struct cs_lmdb_env *
env_of(struct cs_store *s)
{
	return ((struct lmdb_store *)s)->env;
}

static bool
is_lmdb(struct cs_store *s)
{
	return s != NULL && s->ops == &lmdb_ops;
}

/* --- encoding ----------------------------------------------------------- */

static int
rec_decode(const MDB_val *v, struct rec *r)
{
	const unsigned char *p = v->mv_data;
	uint16_t ulen;

	if (v->mv_size < REC_HDR)
		return CS_ERR_STORE;
	memcpy(&r->expire, p, 8);
	memcpy(&r->version, p + 8, 8);
	memcpy(&r->flags, p + 16, 4);
	memcpy(&ulen, p + 20, 2);
	if (v->mv_size - REC_HDR < ulen)
		return CS_ERR_STORE;
	r->userlen = ulen;
	r->user = ulen ? (const char *)p + REC_HDR : NULL;
	r->data = (const char *)p + REC_HDR + ulen;
	r->datalen = v->mv_size - REC_HDR - ulen;
	return CS_OK;
}

static void
be64_put(unsigned char *p, uint64_t x)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(x & 0xff);
		x >>= 8;
	}
}

static uint64_t
be64_get(const unsigned char *p)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = (x << 8) | p[i];
	return x;
}

static void
exp_key(unsigned char out[EXP_KEY_LEN], int64_t expire, const char *key)
{
	be64_put(out, (uint64_t)expire);
	memcpy(out + 8, key, CS_SESSION_KEY_LEN);
}

static size_t
user_key(unsigned char *out, const char *user, size_t ulen, const char *key)
{
	memcpy(out, user, ulen);
	out[ulen] = '\0';
	memcpy(out + ulen + 1, key, CS_SESSION_KEY_LEN);
	return ulen + 1 + CS_SESSION_KEY_LEN;
}

/* --- the record and its index entries, changed together ----------------- */

struct newrec {
	int64_t		 expire;
	uint64_t	 version;
	const char	*user;
	size_t		 userlen;
	const char	*data;
	size_t		 datalen;
};

static int
put_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct newrec *n)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	unsigned char *p;
	uint16_t ulen = (uint16_t)n->userlen;
	uint32_t flags = 0;
	int rc;

	v.mv_size = REC_HDR + n->userlen + n->datalen;
	v.mv_data = NULL;
	if ((rc = mdb_put(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v,
	    MDB_RESERVE)))
		return cs_lmdb_rc(e, rc);
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

	return cs_lmdb_rc(e, mdb_put(txn, cs_lmdb_dbi(e, which), &k, &v, 0));
}

/* Deleting an index entry that is not there is fine (a repair path). */
static int
index_del(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const void *kp, size_t klen)
{
	MDB_val k = { klen, (void *)kp };
	int rc = mdb_del(txn, cs_lmdb_dbi(e, which), &k, NULL);

	return rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

static int
expiry_put(MDB_txn *txn, struct cs_lmdb_env *e, int64_t expire, const char *key)
{
	unsigned char ek[EXP_KEY_LEN];

	exp_key(ek, expire, key);
	return index_put(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek));
}

static int
expiry_del(MDB_txn *txn, struct cs_lmdb_env *e, int64_t expire, const char *key)
{
	unsigned char ek[EXP_KEY_LEN];

	exp_key(ek, expire, key);
	return index_del(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek));
}

static int
user_put(MDB_txn *txn, struct cs_lmdb_env *e, const char *user, size_t ulen,
    const char *key)
{
	unsigned char uk[USER_KEY_MAX];

	if (ulen == 0)
		return CS_OK;
	return index_put(txn, e, CS_DBI_USER_SESSIONS, uk,
	    user_key(uk, user, ulen, key));
}

static int
user_del(MDB_txn *txn, struct cs_lmdb_env *e, const char *user, size_t ulen,
    const char *key)
{
	unsigned char uk[USER_KEY_MAX];

	if (ulen == 0)
		return CS_OK;
	return index_del(txn, e, CS_DBI_USER_SESSIONS, uk,
	    user_key(uk, user, ulen, key));
}

/* Look a session up; CS_ERR_NOT_FOUND, CS_ERR_STORE (undecodable) or OK. */
static int
get_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key, struct rec *r)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	int rc;

	if ((rc = mdb_get(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v)))
		return cs_lmdb_rc(e, rc);
	return rec_decode(&v, r);
}

/* The record under key is there but does not decode (get_record's
 * CS_ERR_STORE was not LMDB failing). */
static bool
undecodable(MDB_txn *txn, struct cs_lmdb_env *e, const char *key)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key }, v;
	struct rec r;

	return mdb_get(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v) == 0 &&
	    rec_decode(&v, &r) != CS_OK;
}

/* What we must remember of an old record before writing over it. */
struct oldrec {
	int64_t	 expire;
	size_t	 userlen;
	char	 user[CS_LMDB_USER_MAX + 1];
};

static void
remember(struct oldrec *o, const struct rec *r)
{
	o->expire = r->expire;
	o->userlen = r->userlen > CS_LMDB_USER_MAX ? CS_LMDB_USER_MAX : r->userlen;
	memcpy(o->user, r->user ? r->user : "", o->userlen);
}

/*
 * Write n under key, replacing old (NULL when the key is new): record,
 * expiry entry and user entry move together.
 */
static int
replace_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct oldrec *old, const struct newrec *n)
{
	bool same_user;
	int rc;

	same_user = old != NULL && old->userlen == n->userlen &&
	    (n->userlen == 0 || memcmp(old->user, n->user, n->userlen) == 0);
	if ((rc = put_record(txn, e, key, n)))
		return rc;
	if (old == NULL || old->expire != n->expire) {
		if (old != NULL && (rc = expiry_del(txn, e, old->expire, key)))
			return rc;
		if ((rc = expiry_put(txn, e, n->expire, key)))
			return rc;
	}
	if (!same_user) {
		if (old != NULL &&
		    (rc = user_del(txn, e, old->user, old->userlen, key)))
			return rc;
		if ((rc = user_put(txn, e, n->user, n->userlen, key)))
			return rc;
	}
	return CS_OK;
}

/* Remove a session and its index entries; r is its decoded record. */
static int
remove_record_but_expiry(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct rec *r, struct oldrec *o)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)key };
	int rc;

	remember(o, r);
	if ((rc = mdb_del(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, NULL)))
		return cs_lmdb_rc(e, rc);
	return user_del(txn, e, o->user, o->userlen, key);
}

static int
remove_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    const struct rec *r)
{
	struct oldrec o;
	int rc;

	if ((rc = remove_record_but_expiry(txn, e, key, r, &o)))
		return rc;
	return expiry_del(txn, e, o.expire, key);
}

/* --- engine operations -------------------------------------------------- */

struct load_arg {
	const char		*key;
	int64_t			 now;
	bool			 include_expired;
	struct cs_record	*out;
};

static int
load_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct load_arg *a = p;
	struct cs_record *out = a->out;
	struct rec r;
	int rc;

	rc = get_record(txn, e, a->key, &r);
	/* A request meeting a record it cannot decode has no session (Django:
	 * "Session data corrupted", an empty session), not a 503 until the
	 * record expires; the operator tools (include_expired) see the error. */
	if (rc == CS_ERR_STORE && !a->include_expired &&
	    undecodable(txn, e, a->key))
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
	struct load_arg a = { key, now, false, out };

	memset(out, 0, sizeof(*out));
	/* A malformed key (from a forged cookie) is simply no session. */
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return cs_lmdb_read(env_of(s), load_fn, &a);
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
newrec_from(struct newrec *n, const struct cs_record *rec)
{
	n->expire = rec->expire;
	n->user = rec->user;
	n->userlen = rec->user ? strlen(rec->user) : 0;
	n->data = rec->data;
	n->datalen = rec->data_len;
}

/* A fresh version for a new record: random, so a key deleted and
 * created again never matches a version read before the delete. */
static int
fresh_version(uint64_t *v)
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
	struct newrec		 n;
	uint64_t		 expect;	/* UPDATE: version read */
	int64_t			 now;
};

static int
create_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct save_arg *a = p;
	struct rec r;
	int rc;

	rc = get_record(txn, e, a->key, &r);
	if (rc == CS_OK)
		return CS_ERR_EXISTS;	/* even expired: create never overwrites */
	if (rc != CS_ERR_NOT_FOUND)
		return rc;
	return replace_record(txn, e, a->key, NULL, &a->n);
}

/* The record an UPDATE or touch may change: present, live, same version. */
static int
current_record(MDB_txn *txn, struct cs_lmdb_env *e, const char *key,
    uint64_t expect, int64_t now, struct rec *r)
{
	int rc = get_record(txn, e, key, r);

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
	struct oldrec o;
	struct rec r;
	int rc;

	if ((rc = current_record(txn, e, a->key, a->expect, a->now, &r)))
		return rc;
	remember(&o, &r);
	a->n.version = r.version + 1 ? r.version + 1 : 1;
	return replace_record(txn, e, a->key, &o, &a->n);
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
		if ((rc = cs_lmdb_write(env_of(s), update_fn, &a)))
			return rc;
		rec->version = a.n.version;
		return CS_OK;
	}
	if ((rc = fresh_version(&a.n.version)))
		return rc;
	if (*keyp != NULL) {
		if (!cs_session_key_valid(*keyp))
			return CS_ERR_INVALID;
		a.key = *keyp;
		if ((rc = cs_lmdb_write(env_of(s), create_fn, &a)))
			return rc;
		rec->version = a.n.version;
		return CS_OK;
	}
	/* No key: make one, as Django's create() does, until one is free. */
	for (tries = 0; tries < KEY_TRIES; tries++) {
		if ((rc = cs_session_key_new(fresh)))
			return rc;
		a.key = fresh;
		rc = cs_lmdb_write(env_of(s), create_fn, &a);
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
	struct oldrec o;
	struct newrec n;
	struct rec r;
	char *copy;
	int rc;

	if ((rc = current_record(txn, e, a->key, a->expect, a->now, &r)))
		return rc;
	if (r.expire == a->expire)
		return CS_OK;
	remember(&o, &r);
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
	rc = replace_record(txn, e, a->key, &o, &n);
	free(copy);
	return rc;
}

static int
lmdb_touch(struct cs_store *s, const char *key, int64_t expire, uint64_t version)
{
	struct touch_arg a = { key, expire, version, cs_now() };

	if (key == NULL || !cs_session_key_valid(key) || expire < 0)
		return CS_ERR_INVALID;
	return cs_lmdb_write(env_of(s), touch_fn, &a);
}

struct del_arg {
	const char	*key;
	bool		 found;
};

static int
del_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct del_arg *a = p;
	struct rec r;
	int rc;

	a->found = false;
	rc = get_record(txn, e, a->key, &r);
	if (rc == CS_ERR_NOT_FOUND)
		return CS_OK;
	if (rc == CS_ERR_STORE) {
		/* Undecodable record: drop it alone, indexes cannot be found. */
		MDB_val k = { CS_SESSION_KEY_LEN, (void *)a->key };

		a->found = true;
		return cs_lmdb_rc(e, mdb_del(txn,
		    cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, NULL));
	}
	if (rc)
		return rc;
	a->found = true;
	return remove_record(txn, e, a->key, &r);
}

static int
lmdb_del(struct cs_store *s, const char *key)
{
	struct del_arg a = { key, false };

	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	return cs_lmdb_write(env_of(s), del_fn, &a);
}

static int
exists_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_val k = { CS_SESSION_KEY_LEN, p }, v;

	return cs_lmdb_rc(e, mdb_get(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &k, &v));
}

static int
lmdb_exists(struct cs_store *s, const char *key)
{
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return cs_lmdb_read(env_of(s), exists_fn, (void *)key);
}

/* --- the sweep ---------------------------------------------------------- */

struct sweep_arg {
	int64_t		 now;
	size_t		 batch;
	/* per batch, reset on every (re)run of the transaction */
	size_t		 seen;		/* index entries handled */
	uint64_t	 removed;
	bool		 done;		/* reached a live entry or the end */
};

/*
 * One batch: take expired index entries from the front of the expiry
 * index.  A session goes only when its stored expiry is the entry's; an
 * entry whose session moved on (refreshed) or vanished is dropped alone.
 * Re-reading MDB_FIRST after each delete keeps us clear of cursor-after-
 * delete corner cases in older liblmdb and costs one short descent.
 */
static int
sweep_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_arg *a = p;
	MDB_cursor *c;
	MDB_val k, v;
	struct oldrec o;
	struct rec r;
	char key[CS_SESSION_KEY_LEN];
	int64_t at = 0;
	bool garbage;
	int rc = CS_OK, mrc;

	a->seen = 0;
	a->removed = 0;
	a->done = false;
	if ((mrc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return cs_lmdb_rc(e, mrc);
	while (a->seen < a->batch) {
		mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		if (mrc == MDB_NOTFOUND) {
			a->done = true;
			break;
		}
		if (mrc) {
			rc = cs_lmdb_rc(e, mrc);
			break;
		}
		garbage = k.mv_size != EXP_KEY_LEN;
		if (!garbage) {
			at = (int64_t)be64_get(k.mv_data);
			if (at > a->now) {
				a->done = true;
				break;
			}
			memcpy(key, (char *)k.mv_data + 8, CS_SESSION_KEY_LEN);
		}
		if ((mrc = mdb_cursor_del(c, 0))) {
			rc = cs_lmdb_rc(e, mrc);
			break;
		}
		a->seen++;
		if (garbage)
			continue;
		rc = get_record(txn, e, key, &r);
		if (rc == CS_ERR_NOT_FOUND || (rc == CS_OK && r.expire != at)) {
			rc = CS_OK;	/* refreshed or gone: entry was stale */
			continue;
		}
		if (rc == CS_ERR_STORE && undecodable(txn, e, key)) {
			/* Failing here would roll the batch back and meet it
			 * again on every sweep.  Drop it alone, as delete does
			 * (its user entry cannot be found). */
			MDB_val rk = { CS_SESSION_KEY_LEN, key };

			if ((mrc = mdb_del(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS),
			    &rk, NULL))) {
				rc = cs_lmdb_rc(e, mrc);
				break;
			}
			rc = CS_OK;
			a->removed++;
			continue;
		}
		if (rc)
			break;
		/* Its expiry entry is the one the cursor just deleted. */
		if ((rc = remove_record_but_expiry(txn, e, key, &r, &o)))
			break;
		a->removed++;
	}
	mdb_cursor_close(c);
	return rc;
}

/* Dry run: count what a sweep would remove, in one read transaction. */
static int
sweep_count_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_arg *a = p;
	MDB_cursor *c;
	MDB_val k, v;
	struct rec r;
	int rc, op = MDB_FIRST;

	a->removed = 0;
	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != EXP_KEY_LEN)
			continue;
		if ((int64_t)be64_get(k.mv_data) > a->now)
			break;
		if (get_record(txn, e, (char *)k.mv_data + 8, &r) == CS_OK &&
		    r.expire == (int64_t)be64_get(k.mv_data))
			a->removed++;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

static int
count_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_stat st;
	int rc;

	if ((rc = mdb_stat(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &st)))
		return cs_lmdb_rc(e, rc);
	*(uint64_t *)p = st.ms_entries;
	return CS_OK;
}

static double
elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
lmdb_clear_expired(struct cs_store *s, int64_t now, size_t batch, bool dry_run,
    struct cs_sweep_stats *st)
{
	struct sweep_arg a;
	struct timespec t0;
	uint64_t total = 0;
	int rc = CS_OK;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(st, 0, sizeof(*st));
	memset(&a, 0, sizeof(a));
	a.now = now;
	a.batch = batch ? batch : 1000;
	if (dry_run) {
		if ((rc = cs_lmdb_read(env_of(s), sweep_count_fn, &a)) == CS_OK)
			st->removed = a.removed;
		if (rc == CS_OK &&
		    (rc = cs_lmdb_read(env_of(s), count_fn, &total)) == CS_OK)
			st->remaining = total - st->removed;
		st->elapsed = elapsed_since(&t0);
		return rc;
	}
	/* Each batch is its own short write transaction: request writers
	 * get the lock between batches, and a second sweep running beside
	 * us just takes turns with this one. */
	for (;;) {
		if ((rc = cs_lmdb_write(env_of(s), sweep_fn, &a)))
			break;
		st->batches++;
		st->removed += a.removed;
		if (a.done || a.seen < a.batch)
			break;
	}
	if (cs_lmdb_read(env_of(s), count_fn, &total) == CS_OK)
		st->remaining = total;
	st->elapsed = elapsed_since(&t0);
	return rc;
}

static void
lmdb_close(struct cs_store *s)
{
	struct lmdb_store *ls = (struct lmdb_store *)s;

	cs_lmdb_env_release(ls->env);
	free(ls);
}

static const struct cs_store_ops lmdb_ops = {
	.name = "lmdb",
	.load = lmdb_load,
	.save = lmdb_save,
	.touch = lmdb_touch,
	.del = lmdb_del,
	.exists = lmdb_exists,
	.clear_expired = lmdb_clear_expired,
	.close = lmdb_close,
};

int
cs_store_lmdb_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct lmdb_store *ls;
	int rc;

	*out = NULL;
	if ((ls = calloc(1, sizeof(*ls))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CS_ERR_NOMEM;
	}
	if ((rc = cs_lmdb_env_acquire(&ls->env, cfg, err, errlen))) {
		free(ls);
		return rc;
	}
	ls->base.ops = &lmdb_ops;
	ls->base.cfg = cfg;
	*out = &ls->base;
	return CS_OK;
}

void
cs_store_lmdb_maybe_sync(struct cs_store *s)
{
	if (is_lmdb(s))
		cs_lmdb_env_maybe_sync(env_of(s));
}

const char *
cs_lmdb_error(struct cs_store *s)
{
	return is_lmdb(s) ? cs_lmdb_env_error(env_of(s)) : "";
}

/* --- operator tools ----------------------------------------------------- */

int
cs_lmdb_get(struct cs_store *s, const char *key, struct cs_record *out)
{
	struct load_arg a = { key, 0, true, out };

	memset(out, 0, sizeof(*out));
	if (!is_lmdb(s) || key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	return cs_lmdb_read(env_of(s), load_fn, &a);
}

int
cs_lmdb_delete(struct cs_store *s, const char *key)
{
	struct del_arg a = { key, false };
	int rc;

	if (!is_lmdb(s) || key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	if ((rc = cs_lmdb_write(env_of(s), del_fn, &a)))
		return rc;
	return a.found ? CS_OK : CS_ERR_NOT_FOUND;
}

static void
session_view(struct cs_lmdb_session *sv, const char *key, const struct rec *r,
    char *userbuf)
{
	memcpy(sv->key, key, CS_SESSION_KEY_LEN);
	sv->key[CS_SESSION_KEY_LEN] = '\0';
	sv->expire = r->expire;
	sv->version = r->version;
	sv->user = NULL;
	if (r->userlen) {
		memcpy(userbuf, r->user, r->userlen);
		userbuf[r->userlen] = '\0';
		sv->user = userbuf;
	}
	sv->data = r->data;
	sv->data_len = r->datalen;
}

struct iter_arg {
	cs_lmdb_session_fn	*fn;
	void			*arg;
	char			 last[CS_SESSION_KEY_LEN];
	bool			 started;
	bool			 done;
	int			 stop;
};

/* Up to ITER_CHUNK sessions after `last', in one read transaction. */
static int
iter_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct iter_arg *a = p;
	struct cs_lmdb_session sv;
	char userbuf[CS_LMDB_USER_MAX + 1];
	MDB_cursor *c;
	MDB_val k = { CS_SESSION_KEY_LEN, a->last }, v;
	struct rec r;
	int rc, n = 0, op;

	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return cs_lmdb_rc(e, rc);
	op = a->started ? MDB_SET_RANGE : MDB_FIRST;
	rc = mdb_cursor_get(c, &k, &v, op);
	if (rc == 0 && a->started && k.mv_size == CS_SESSION_KEY_LEN &&
	    memcmp(k.mv_data, a->last, CS_SESSION_KEY_LEN) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < ITER_CHUNK; n++) {
		if (k.mv_size == CS_SESSION_KEY_LEN && rec_decode(&v, &r) == 0) {
			session_view(&sv, k.mv_data, &r, userbuf);
			if ((a->stop = a->fn(a->arg, &sv)) != 0)
				break;
		}
		if (k.mv_size == CS_SESSION_KEY_LEN) {
			memcpy(a->last, k.mv_data, CS_SESSION_KEY_LEN);
			a->started = true;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		a->done = true;
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

int
cs_lmdb_foreach(struct cs_store *s, cs_lmdb_session_fn *fn, void *arg)
{
	struct iter_arg a;
	int rc;

	if (!is_lmdb(s))
		return CS_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.arg = arg;
	while (!a.done && a.stop == 0)
		if ((rc = cs_lmdb_read(env_of(s), iter_fn, &a)))
			return rc;
	return a.stop;
}

struct user_arg {
	const char		*user;
	size_t			 ulen;
	cs_lmdb_session_fn	*fn;
	void			*arg;
	uint64_t		 count;
	int			 stop;
};

/* Position c on the first user_sessions entry of a->user; the key of the
 * session is then the entry's last CS_SESSION_KEY_LEN bytes. */
static int
user_first(MDB_cursor *c, const struct user_arg *a, MDB_val *k, int op)
{
	MDB_val v;
	int rc;

	if (op == MDB_SET_RANGE) {
		k->mv_size = a->ulen + 1;
		k->mv_data = (void *)a->user;	/* user + its NUL */
	}
	if ((rc = mdb_cursor_get(c, k, &v, op)))
		return rc;
	if (k->mv_size != a->ulen + 1 + CS_SESSION_KEY_LEN ||
	    memcmp(k->mv_data, a->user, a->ulen + 1) != 0)
		return MDB_NOTFOUND;
	return 0;
}

static int
user_iter_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct user_arg *a = p;
	struct cs_lmdb_session sv;
	char userbuf[CS_LMDB_USER_MAX + 1];
	MDB_cursor *c;
	MDB_val k;
	struct rec r;
	const char *key;
	int rc, op = MDB_SET_RANGE;

	a->stop = 0;
	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = user_first(c, a, &k, op)) == 0) {
		op = MDB_NEXT;
		key = (const char *)k.mv_data + a->ulen + 1;
		if (get_record(txn, e, key, &r) != CS_OK)
			continue;
		session_view(&sv, key, &r, userbuf);
		if ((a->stop = a->fn(a->arg, &sv)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

static int
check_user(const char *user)
{
	size_t n;

	if (user == NULL || (n = strlen(user)) == 0 || n > CS_LMDB_USER_MAX)
		return CS_ERR_INVALID;
	return CS_OK;
}

int
cs_lmdb_foreach_user(struct cs_store *s, const char *user,
    cs_lmdb_session_fn *fn, void *arg)
{
	struct user_arg a = { user, 0, fn, arg, 0, 0 };
	int rc;

	if (!is_lmdb(s) || check_user(user))
		return CS_ERR_INVALID;
	a.ulen = strlen(user);
	if ((rc = cs_lmdb_read(env_of(s), user_iter_fn, &a)))
		return rc;
	return a.stop;
}

static int
revoke_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct user_arg *a = p;
	MDB_cursor *c;
	MDB_val k;
	struct rec r;
	char key[CS_SESSION_KEY_LEN + 1];
	int rc = CS_OK, mrc;

	a->count = 0;
	if ((mrc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return cs_lmdb_rc(e, mrc);
	while ((mrc = user_first(c, a, &k, MDB_SET_RANGE)) == 0) {
		memcpy(key, (const char *)k.mv_data + a->ulen + 1,
		    CS_SESSION_KEY_LEN);
		key[CS_SESSION_KEY_LEN] = '\0';
		if ((mrc = mdb_cursor_del(c, 0)))
			break;
		rc = get_record(txn, e, key, &r);
		if (rc == CS_ERR_NOT_FOUND) {
			rc = CS_OK;
			continue;
		}
		if (rc)
			break;
		if (r.userlen != a->ulen || memcmp(r.user, a->user, a->ulen))
			continue;	/* stale entry: the session is another's */
		if ((rc = remove_record(txn, e, key, &r)))
			break;
		a->count++;
	}
	mdb_cursor_close(c);
	if (rc)
		return rc;
	return mrc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, mrc);
}

int
cs_lmdb_revoke_user(struct cs_store *s, const char *user, uint64_t *count)
{
	struct user_arg a = { user, 0, NULL, NULL, 0, 0 };
	int rc;

	*count = 0;
	if (!is_lmdb(s) || check_user(user))
		return CS_ERR_INVALID;
	a.ulen = strlen(user);
	if ((rc = cs_lmdb_write(env_of(s), revoke_fn, &a)))
		return rc;
	*count = a.count;
	return CS_OK;
}

struct stats_arg {
	int64_t			 now;
	struct cs_lmdb_stats	*st;
};

static int
stats_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct stats_arg *a = p;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_stat ms;
	struct rec r;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_stat(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &ms)))
		return cs_lmdb_rc(e, rc);
	a->st->sessions = ms.ms_entries;
	if ((rc = mdb_stat(txn, cs_lmdb_dbi(e, CS_DBI_EXPIRY), &ms)))
		return cs_lmdb_rc(e, rc);
	a->st->expiry_entries = ms.ms_entries;
	if ((rc = mdb_stat(txn, cs_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &ms)))
		return cs_lmdb_rc(e, rc);
	a->st->user_entries = ms.ms_entries;
	/* Expired-not-swept: the front of the expiry index, nothing more. */
	a->st->expired = 0;
	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != EXP_KEY_LEN)
			continue;
		if ((int64_t)be64_get(k.mv_data) > a->now)
			break;
		/* Count sessions, not stale entries (as the dry run does). */
		if (get_record(txn, e, (char *)k.mv_data + 8, &r) == CS_OK &&
		    r.expire == (int64_t)be64_get(k.mv_data))
			a->st->expired++;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

int
cs_lmdb_stats(struct cs_store *s, int64_t now, struct cs_lmdb_stats *st)
{
	struct stats_arg a = { now, st };
	struct cs_lmdb_env_info info;
	struct stat sb;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!is_lmdb(s))
		return CS_ERR_INVALID;
	if ((rc = cs_lmdb_read(env_of(s), stats_fn, &a)))
		return rc;
	if ((rc = cs_lmdb_env_info(env_of(s), &info)))
		return rc;
	st->map_size = info.map_size;
	st->max_size = info.max_size;
	st->map_used = info.used;
	st->readers = info.readers;
	st->max_readers = info.max_readers;
	if (stat(info.path, &sb) == 0)
		st->file_size = (size_t)sb.st_size;
	return CS_OK;
}

struct verify_arg {
	void		(*report)(void *, const char *);
	void		*arg;
	uint64_t	 problems;
};

static void
problem(struct verify_arg *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct verify_arg *a, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->problems++;
	if (a->report)
		a->report(a->arg, line);
}

static bool
has_entry(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const void *kp, size_t klen)
{
	MDB_val k = { klen, (void *)kp }, v;

	return mdb_get(txn, cs_lmdb_dbi(e, which), &k, &v) == 0;
}

static bool
printable_key(const MDB_val *k, char out[CS_SESSION_KEY_LEN + 1])
{
	if (k->mv_size != CS_SESSION_KEY_LEN)
		return false;
	memcpy(out, k->mv_data, CS_SESSION_KEY_LEN);
	out[CS_SESSION_KEY_LEN] = '\0';
	return cs_session_key_valid(out);
}

/* Every session has its expiry entry and (if it has a user) user entry. */
static int
verify_sessions(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	unsigned char ek[EXP_KEY_LEN], uk[USER_KEY_MAX];
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v;
	struct rec r;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (!printable_key(&k, key)) {
			problem(a, "session with a malformed key (%zu bytes)",
			    k.mv_size);
			continue;
		}
		if (rec_decode(&v, &r) != CS_OK) {
			problem(a, "session %s: undecodable record", key);
			continue;
		}
		exp_key(ek, r.expire, key);
		if (!has_entry(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek)))
			problem(a, "session %s: no expiry index entry for %lld",
			    key, (long long)r.expire);
		if (r.userlen && r.userlen <= CS_LMDB_USER_MAX &&
		    !has_entry(txn, e, CS_DBI_USER_SESSIONS, uk,
		    user_key(uk, r.user, r.userlen, key)))
			problem(a, "session %s: no user index entry", key);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

/* Every expiry entry names a session with that expiry. */
static int
verify_expiry(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v, sk;
	struct rec r;
	int64_t at;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		sk.mv_size = k.mv_size - 8;
		sk.mv_data = (char *)k.mv_data + 8;
		if (k.mv_size != EXP_KEY_LEN || !printable_key(&sk, key)) {
			problem(a, "expiry index: malformed entry (%zu bytes)",
			    k.mv_size);
			continue;
		}
		at = (int64_t)be64_get(k.mv_data);
		if (get_record(txn, e, key, &r) != CS_OK)
			problem(a, "expiry index: entry %lld for missing session %s",
			    (long long)at, key);
		else if (r.expire != at)
			problem(a, "expiry index: stale entry %lld for session %s "
			    "(expires %lld)", (long long)at, key,
			    (long long)r.expire);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

/* Every user entry names a session of that user. */
static int
verify_users(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v, sk;
	struct rec r;
	size_t ulen;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, cs_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return cs_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		ulen = k.mv_size > CS_SESSION_KEY_LEN + 1 ?
		    k.mv_size - CS_SESSION_KEY_LEN - 1 : 0;
		sk.mv_size = CS_SESSION_KEY_LEN;
		sk.mv_data = (char *)k.mv_data + ulen + 1;
		if (ulen == 0 || ((char *)k.mv_data)[ulen] != '\0' ||
		    memchr(k.mv_data, '\0', ulen) != NULL ||
		    !printable_key(&sk, key)) {
			problem(a, "user index: malformed entry (%zu bytes)",
			    k.mv_size);
			continue;
		}
		if (get_record(txn, e, key, &r) != CS_OK)
			problem(a, "user index: entry of %.*s for missing "
			    "session %s", (int)ulen, (char *)k.mv_data, key);
		else if (r.userlen != ulen || memcmp(r.user, k.mv_data, ulen))
			problem(a, "user index: entry of %.*s for session %s "
			    "of another user", (int)ulen, (char *)k.mv_data, key);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : cs_lmdb_rc(e, rc);
}

static int
verify_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct verify_arg *a = p;
	int rc;

	a->problems = 0;
	if ((rc = verify_sessions(txn, e, a)) ||
	    (rc = verify_expiry(txn, e, a)) ||
	    (rc = verify_users(txn, e, a)))
		return rc;
	return CS_OK;
}

int
cs_lmdb_verify(struct cs_store *s, void (*report)(void *, const char *),
    void *arg, uint64_t *problems)
{
	struct verify_arg a = { report, arg, 0 };
	int rc;

	*problems = 0;
	if (!is_lmdb(s))
		return CS_ERR_INVALID;
	rc = cs_lmdb_read(env_of(s), verify_fn, &a);
	*problems = a.problems;
	return rc;
}

/* --- export and import -------------------------------------------------- */

static void
json_put_string(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ch;
	size_t i;

	putc('"', f);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			putc('\\', f);
			putc(ch, f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
		} else
			putc(ch, f);
	}
	putc('"', f);
}

static int
export_one(void *arg, const struct cs_lmdb_session *sv)
{
	FILE *f = arg;

	fprintf(f, "{\"key\":\"%s\",\"expire\":%lld", sv->key,
	    (long long)sv->expire);
	if (sv->user) {
		fputs(",\"user\":", f);
		json_put_string(f, sv->user, strlen(sv->user));
	}
	fputs(",\"data\":", f);
	/* The data is stored as JSON object text; written as is. */
	if (sv->data_len)
		fwrite(sv->data, 1, sv->data_len, f);
	else
		fputs("{}", f);
	fputs("}\n", f);
	return ferror(f) ? CS_ERR_IO : 0;
}

int
cs_lmdb_export(struct cs_store *s, FILE *f)
{
	int rc;

	if ((rc = cs_lmdb_foreach(s, export_one, f)))
		return rc;
	return fflush(f) == 0 ? CS_OK : CS_ERR_IO;
}

struct import_rec {
	char		 key[CS_SESSION_KEY_LEN + 1];
	size_t		 seq;		/* input order: the later line wins */
	int64_t		 expire;
	char		*user;		/* NULL when none */
	char		*data;
	size_t		 datalen;
	uint64_t	 version;
};

/* Parse and check one line; with out == NULL only validate. */
static int
import_parse(const char *line, size_t len, struct import_rec *out,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *jk, *je2, *ju, *jd;
	const char *key = NULL, *user = NULL;
	size_t ulen = 0;
	int rc = CS_ERR_INVALID;

	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return CS_ERR_INVALID;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	jk = json_object_get(o, "key");
	je2 = json_object_get(o, "expire");
	ju = json_object_get(o, "user");
	jd = json_object_get(o, "data");
	if (jk != NULL && !json_is_null(jk)) {
		if (!json_is_string(jk) ||
		    !cs_session_key_valid(key = json_string_value(jk))) {
			snprintf(err, errlen, "\"key\" is not a session key "
			    "(32 characters a-z0-9)");
			goto out;
		}
	}
	if (!json_is_integer(je2) || json_integer_value(je2) < 0) {
		snprintf(err, errlen, "\"expire\" must be a non-negative integer "
		    "(epoch seconds)");
		goto out;
	}
	if (ju != NULL && !json_is_null(ju)) {
		if (!json_is_string(ju) ||
		    (ulen = json_string_length(ju)) == 0 ||
		    ulen > CS_LMDB_USER_MAX ||
		    memchr(user = json_string_value(ju), '\0', ulen) != NULL) {
			snprintf(err, errlen, "\"user\" must be a non-empty "
			    "string of at most %d bytes", CS_LMDB_USER_MAX);
			goto out;
		}
	}
	if (!json_is_object(jd)) {
		snprintf(err, errlen, "\"data\" must be a JSON object");
		goto out;
	}
	if (out == NULL) {
		rc = CS_OK;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->expire = (int64_t)json_integer_value(je2);
	if (key)
		memcpy(out->key, key, CS_SESSION_KEY_LEN + 1);
	else if ((rc = cs_session_key_new(out->key)))
		goto out;
	rc = CS_ERR_NOMEM;
	if (user && (out->user = strdup(user)) == NULL)
		goto out;
	if ((out->data = json_dumps(jd, JSON_COMPACT)) == NULL)
		goto out;
	out->datalen = strlen(out->data);
	if (out->datalen > CS_LMDB_DATA_MAX) {
		snprintf(err, errlen, "\"data\" over %d bytes", CS_LMDB_DATA_MAX);
		rc = CS_ERR_INVALID;
		goto out;
	}
	rc = CS_OK;
out:
	json_decref(o);
	return rc;
}

struct import_batch {
	struct import_rec	*recs;		/* sorted by key, then input order */
	struct import_rec	**by;		/* scratch: index order */
	size_t			 n;
	size_t			 off, len;	/* the slice a transaction writes */
};

static int
by_expiry(const void *a, const void *b)
{
	const struct import_rec *x = *(struct import_rec *const *)a;
	const struct import_rec *y = *(struct import_rec *const *)b;

	if (x->expire != y->expire)
		return x->expire < y->expire ? -1 : 1;
	return memcmp(x->key, y->key, CS_SESSION_KEY_LEN);
}

static int
by_user(const void *a, const void *b)
{
	const struct import_rec *x = *(struct import_rec *const *)a;
	const struct import_rec *y = *(struct import_rec *const *)b;
	int c = strcmp(x->user, y->user);

	return c ? c : memcmp(x->key, y->key, CS_SESSION_KEY_LEN);
}

/* The same key later in the batch replaces this line entirely. */
static bool
superseded(const struct import_batch *b, size_t i)
{
	return i + 1 < b->off + b->len &&
	    memcmp(b->recs[i].key, b->recs[i + 1].key, CS_SESSION_KEY_LEN) == 0;
}

/*
 * One slice, database by database, each in its own key order: records
 * (sorted by key), then expiry entries (by time), then user entries (by
 * user).  Walking each B-tree in order keeps the pages in cache and
 * touches each once; interleaving the three made every put a cache miss.
 */
static int
import_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct import_batch *b = p;
	struct import_rec *ir;
	struct oldrec o;
	struct newrec n;
	struct rec r;
	size_t i, k = 0, u;
	int rc;

	for (i = b->off; i < b->off + b->len; i++) {
		ir = &b->recs[i];
		if (superseded(b, i))
			continue;
		n.expire = ir->expire;
		n.version = ir->version;
		n.user = ir->user;
		n.userlen = ir->user ? strlen(ir->user) : 0;
		n.data = ir->data;
		n.datalen = ir->datalen;
		rc = get_record(txn, e, ir->key, &r);
		if (rc == CS_OK) {
			/* Replacing: the old index entries go now. */
			remember(&o, &r);
			if ((rc = expiry_del(txn, e, o.expire, ir->key)) ||
			    (rc = user_del(txn, e, o.user, o.userlen, ir->key)))
				return rc;
		} else if (rc != CS_ERR_NOT_FOUND)
			return rc;
		if ((rc = put_record(txn, e, ir->key, &n)))
			return rc;
		b->by[k++] = ir;
	}
	qsort(b->by, k, sizeof(*b->by), by_expiry);
	for (i = 0; i < k; i++)
		if ((rc = expiry_put(txn, e, b->by[i]->expire, b->by[i]->key)))
			return rc;
	for (i = u = 0; i < k; i++)
		if (b->by[i]->user != NULL)
			b->by[u++] = b->by[i];
	qsort(b->by, u, sizeof(*b->by), by_user);
	for (i = 0; i < u; i++)
		if ((rc = user_put(txn, e, b->by[i]->user,
		    strlen(b->by[i]->user), b->by[i]->key)))
			return rc;
	return CS_OK;
}

static void
import_batch_clear(struct import_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->recs[i].user);
		free(b->recs[i].data);
	}
	b->n = 0;
}

/* A line longer than this cannot hold a valid record. */
#define IMPORT_LINE_MAX	(4 * (size_t)CS_LMDB_DATA_MAX)

static bool
blank(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 0;
}

/*
 * Pass 1 parses and checks every line and writes the records, already
 * in binary form, to an anonymous spool file; nothing reaches the store
 * unless every line is valid.  Pass 2 reads the spool back in batches.
 * Each line is parsed once, and the input may be a pipe.
 * Spool record: key[32] expire[8] version[8] userlen[2] datalen[4] user data
 */
#define SPOOL_HDR	(CS_SESSION_KEY_LEN + 8 + 8 + 2 + 4)

static int
spool_put(FILE *t, const struct import_rec *ir)
{
	unsigned char h[SPOOL_HDR];
	uint16_t ulen = (uint16_t)(ir->user ? strlen(ir->user) : 0);
	uint32_t dlen = (uint32_t)ir->datalen;

	memcpy(h, ir->key, CS_SESSION_KEY_LEN);
	memcpy(h + 32, &ir->expire, 8);
	memcpy(h + 40, &ir->version, 8);
	memcpy(h + 48, &ulen, 2);
	memcpy(h + 50, &dlen, 4);
	if (fwrite(h, 1, sizeof(h), t) != sizeof(h) ||
	    (ulen && fwrite(ir->user, 1, ulen, t) != ulen) ||
	    fwrite(ir->data, 1, dlen, t) != dlen)
		return CS_ERR_IO;
	return CS_OK;
}

/* 1 on a record, 0 at the end, a cs_err (negated) on failure. */
static int
spool_get(FILE *t, struct import_rec *ir)
{
	unsigned char h[SPOOL_HDR];
	uint16_t ulen;
	uint32_t dlen;
	size_t got;

	memset(ir, 0, sizeof(*ir));
	if ((got = fread(h, 1, sizeof(h), t)) == 0)
		return 0;
	if (got != sizeof(h))
		return -CS_ERR_IO;
	memcpy(ir->key, h, CS_SESSION_KEY_LEN);
	ir->key[CS_SESSION_KEY_LEN] = '\0';
	memcpy(&ir->expire, h + 32, 8);
	memcpy(&ir->version, h + 40, 8);
	memcpy(&ulen, h + 48, 2);
	memcpy(&dlen, h + 50, 4);
	if (ulen && ((ir->user = malloc((size_t)ulen + 1)) == NULL))
		return -CS_ERR_NOMEM;
	if ((ir->data = malloc((size_t)dlen + 1)) == NULL) {
		free(ir->user);
		ir->user = NULL;
		return -CS_ERR_NOMEM;
	}
	if ((ulen && fread(ir->user, 1, ulen, t) != ulen) ||
	    fread(ir->data, 1, dlen, t) != dlen) {
		free(ir->user);
		free(ir->data);
		ir->user = ir->data = NULL;
		return -CS_ERR_IO;
	}
	if (ir->user)
		ir->user[ulen] = '\0';
	ir->data[dlen] = '\0';
	ir->datalen = dlen;
	return 1;
}

static int
import_parse_all(FILE *in, FILE *t, size_t *bad_line, char *err, size_t errlen)
{
	struct import_rec ir;
	uint64_t version;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc;

	/* Versions: a random base per import, then consecutive. */
	if ((rc = fresh_version(&version)))
		return rc;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (blank(line, (size_t)len))
			continue;
		if ((size_t)len > IMPORT_LINE_MAX) {
			snprintf(err, errlen, "line too long");
			rc = CS_ERR_INVALID;
		} else
			rc = import_parse(line, (size_t)len, &ir, err, errlen);
		if (rc) {
			*bad_line = lineno;
			break;
		}
		if (++version == 0)
			version = 1;
		ir.version = version;
		rc = spool_put(t, &ir);
		free(ir.user);
		free(ir.data);
		if (rc) {
			snprintf(err, errlen, "temporary file: %s", strerror(errno));
			break;
		}
	}
	if (rc == CS_OK && ferror(in)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		rc = CS_ERR_IO;
	}
	free(line);
	return rc;
}

static int
import_rec_cmp(const void *a, const void *b)
{
	const struct import_rec *x = a, *y = b;
	int c = memcmp(x->key, y->key, CS_SESSION_KEY_LEN);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Write a full batch, in key order (neighbouring keys share pages), in as
 * few transactions as LMDB's dirty-page limit allows.
 */
static int
import_commit(struct cs_store *s, struct import_batch *b, uint64_t *count)
{
	size_t len = b->n;
	int rc;

	qsort(b->recs, b->n, sizeof(*b->recs), import_rec_cmp);
	b->off = 0;
	while (b->off < b->n) {
		b->len = len < b->n - b->off ? len : b->n - b->off;
		rc = cs_lmdb_write(env_of(s), import_fn, b);
		if (rc == CS_ERR_TOO_LARGE && b->len > 1) {
			len = b->len / 2;
			continue;
		}
		if (rc)
			return rc;
		*count += b->len;
		b->off += b->len;
	}
	return CS_OK;
}

/* Pass 2: the spooled records, in batches of up to IMPORT_BATCH. */
static int
import_write(struct cs_store *s, FILE *t, uint64_t *count, char *err,
    size_t errlen)
{
	struct import_batch b = { NULL, NULL, 0, 0, 0 };
	size_t seq = 0;
	int rc = CS_OK, got;

	if ((b.recs = calloc(IMPORT_BATCH, sizeof(*b.recs))) == NULL ||
	    (b.by = calloc(IMPORT_BATCH, sizeof(*b.by))) == NULL) {
		free(b.recs);
		return CS_ERR_NOMEM;
	}
	while ((got = spool_get(t, &b.recs[b.n])) == 1) {
		b.recs[b.n].seq = seq++;
		if (++b.n == IMPORT_BATCH) {
			if ((rc = import_commit(s, &b, count)))
				break;
			import_batch_clear(&b);
		}
	}
	if (got < 0)
		rc = -got;
	if (rc == CS_OK && b.n > 0)
		rc = import_commit(s, &b, count);
	if (rc == CS_ERR_STORE || rc == CS_ERR_TOO_LARGE)
		snprintf(err, errlen, "%s", cs_lmdb_env_error(env_of(s)));
	else if (rc == CS_ERR_IO)
		snprintf(err, errlen, "reading the temporary file back");
	import_batch_clear(&b);
	free(b.recs);
	free(b.by);
	return rc;
}

int
cs_lmdb_import(struct cs_store *s, FILE *in, uint64_t *count, size_t *bad_line,
    char *err, size_t errlen)
{
	FILE *t;
	int rc;

	*count = 0;
	*bad_line = 0;
	if (errlen)
		err[0] = '\0';
	if (!is_lmdb(s))
		return CS_ERR_INVALID;
	if ((t = tmpfile()) == NULL) {
		snprintf(err, errlen, "temporary file: %s", strerror(errno));
		return CS_ERR_IO;
	}
	if ((rc = import_parse_all(in, t, bad_line, err, errlen)) == CS_OK) {
		if (fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
			snprintf(err, errlen, "temporary file: %s",
			    strerror(errno));
			rc = CS_ERR_IO;
		} else
			rc = import_write(s, t, count, err, errlen);
	}
	fclose(t);
	return rc;
}
