/*
 * store_lmdb_int.h -- internal to the lmdb engine: the sessions record
 * encoding, its one decoder, and the record-and-index primitives shared
 * by the engine (store_lmdb.c), the operator commands (store_lmdb_admin.c)
 * and import/export (store_lmdb_dump.c).  Not installed.
 *
 * A record (layout in csess/lmdb.h) is read from a file that other
 * processes, other versions and damage may have written: every length in
 * it is bounded by lrec_decode() before anything is copied, and nothing
 * else in the engine parses a record.
 */
#ifndef CSESS_STORE_LMDB_INT_H
#define CSESS_STORE_LMDB_INT_H

#include <string.h>

#include "csess/lmdb.h"
#include "engines.h"
#include "lmdb_env.h"

/* Internal cross-file symbols stay out of libcsess.so's exports. */
#pragma GCC visibility push(hidden)

#define REC_HDR		22	/* expire 8, version 8, flags 4, userlen 2 */
#define EXP_KEY_LEN	(8 + CS_SESSION_KEY_LEN)
#define USER_KEY_MAX	(CS_LMDB_USER_MAX + 1 + CS_SESSION_KEY_LEN)

struct lmdb_store {
	struct cs_store		 base;
	struct cs_lmdb_env	*env;
};

static inline struct cs_lmdb_env *
lstore_env(struct cs_store *s)
{
	return ((struct lmdb_store *)s)->env;
}

/* The lmdb functions of csess/lmdb.h refuse any other engine's store. */
static inline bool
lstore_is(struct cs_store *s)
{
	return s != NULL && s->ops == &csi_store_lmdb_ops;
}

/* A decoded record; pointers into the map, valid until the txn changes
 * the sessions database or ends.  userlen <= CS_LMDB_USER_MAX and
 * datalen <= CS_LMDB_DATA_MAX always hold. */
struct lrec {
	int64_t		 expire;
	uint64_t	 version;
	uint32_t	 flags;
	const char	*user;		/* NULL when userlen is 0; no NUL inside */
	size_t		 userlen;
	const char	*data;
	size_t		 datalen;
};

/*
 * The one decoder of a sessions record: CS_OK, or CS_ERR_STORE for a
 * record that is not one csess could have written (short header, a user
 * length past the value or over CS_LMDB_USER_MAX, a NUL in the user, data
 * over CS_LMDB_DATA_MAX).  Inline: the load path runs it per request.
 */
static inline int
lrec_decode(const MDB_val *v, struct lrec *r)
{
	const unsigned char *p = v->mv_data;
	uint16_t ulen;

	if (v->mv_size < REC_HDR)
		return CS_ERR_STORE;
	memcpy(&r->expire, p, 8);
	memcpy(&r->version, p + 8, 8);
	memcpy(&r->flags, p + 16, 4);
	memcpy(&ulen, p + 20, 2);
	if (ulen > CS_LMDB_USER_MAX || v->mv_size - REC_HDR < ulen)
		return CS_ERR_STORE;
	if (v->mv_size - REC_HDR - ulen > CS_LMDB_DATA_MAX)
		return CS_ERR_STORE;
	if (ulen && memchr(p + REC_HDR, '\0', ulen) != NULL)
		return CS_ERR_STORE;
	r->userlen = ulen;
	r->user = ulen ? (const char *)p + REC_HDR : NULL;
	r->data = (const char *)p + REC_HDR + ulen;
	r->datalen = v->mv_size - REC_HDR - ulen;
	return CS_OK;
}

static inline void
be64_put(unsigned char *p, uint64_t x)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(x & 0xff);
		x >>= 8;
	}
}

static inline uint64_t
be64_get(const unsigned char *p)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = (x << 8) | p[i];
	return x;
}

/* The expiry index key: be64(expire) || key. */
static inline void
exp_key(unsigned char out[EXP_KEY_LEN], int64_t expire, const char *key)
{
	be64_put(out, (uint64_t)expire);
	memcpy(out + 8, key, CS_SESSION_KEY_LEN);
}

/* The user index key: user || NUL || key; returns its length. */
static inline size_t
user_key(unsigned char *out, const char *user, size_t ulen, const char *key)
{
	memcpy(out, user, ulen);
	out[ulen] = '\0';
	memcpy(out + ulen + 1, key, CS_SESSION_KEY_LEN);
	return ulen + 1 + CS_SESSION_KEY_LEN;
}

/* A record to write (userlen <= CS_LMDB_USER_MAX: checked by callers). */
struct lrec_new {
	int64_t		 expire;
	uint64_t	 version;
	const char	*user;
	size_t		 userlen;
	const char	*data;
	size_t		 datalen;
};

/* What we must remember of an old record before writing over it. */
struct lrec_old {
	int64_t	 expire;
	size_t	 userlen;
	char	 user[CS_LMDB_USER_MAX + 1];
};

/* store_lmdb.c: the record and its index entries, changed together. */
int	lrec_get(MDB_txn *, struct cs_lmdb_env *, const char *key,
	    struct lrec *);
bool	lrec_undecodable(MDB_txn *, struct cs_lmdb_env *, const char *key);
void	lrec_remember(struct lrec_old *, const struct lrec *);
int	lrec_put(MDB_txn *, struct cs_lmdb_env *, const char *key,
	    const struct lrec_new *);
int	lrec_replace(MDB_txn *, struct cs_lmdb_env *, const char *key,
	    const struct lrec_old *, const struct lrec_new *);
int	lrec_remove(MDB_txn *, struct cs_lmdb_env *, const char *key,
	    const struct lrec *);
int	lrec_expiry_put(MDB_txn *, struct cs_lmdb_env *, int64_t expire,
	    const char *key);
int	lrec_expiry_del(MDB_txn *, struct cs_lmdb_env *, int64_t expire,
	    const char *key);
int	lrec_user_put(MDB_txn *, struct cs_lmdb_env *, const char *user,
	    size_t ulen, const char *key);
int	lrec_user_del(MDB_txn *, struct cs_lmdb_env *, const char *user,
	    size_t ulen, const char *key);
/* Delete one index entry; one that is not there is fine. */
int	lrec_index_del(MDB_txn *, struct cs_lmdb_env *, enum cs_dbi,
	    const void *key, size_t klen);
/* A fresh version for a new record (random, never 0). */
int	lrec_fresh_version(uint64_t *);

/* store_lmdb_sweep.c: the engine's clear_expired. */
int	lstore_clear_expired(struct cs_store *, int64_t now, size_t batch,
	    bool dry_run, struct cs_sweep_stats *);
/* store_lmdb_sweep.c: how many sessions a sweep at now would remove. */
int	lrec_count_expired(MDB_txn *, struct cs_lmdb_env *, int64_t now,
	    uint64_t *);

/* store_lmdb.c: read one record into a cs_record (load and get). */
struct lstore_load_arg {
	const char		*key;
	int64_t			 now;
	bool			 include_expired;
	struct cs_record	*out;
};
cs_lmdb_txn_fn	lstore_load_fn;

/* store_lmdb.c: delete one record and its entries (del and delete). */
struct lstore_del_arg {
	const char	*key;
	bool		 found;
};
cs_lmdb_txn_fn	lstore_del_fn;

/* store_lmdb_admin.c: cs_lmdb_stats as the ops table's stats. */
int	lstore_stats(struct cs_store *, int64_t now, cs_store_stat_fn *,
	    void *arg);

#pragma GCC visibility pop

#endif
