/*
 * store_lmdb_sweep.c -- clear_expired for the lmdb engine: remove the
 * sessions at the expired front of the expiry index, with their index
 * entries, in short write transactions.
 *
 * What a sweep costs is the B-tree pages it changes: a transaction copies
 * each page it changes and writes the copy at commit.  So the sweep walks
 * each tree in that tree's own order, in batches of consecutive keys, and
 * rewrites each page once:
 *  1. list the expired entries (a read transaction, SWEEP_PLAN_MAX at a
 *     time) and sort them by session key;
 *  2. look each session up, in key order (a read transaction), and note
 *     the user entry of each one still expired as listed;
 *  3. delete those user entries, in user-key order;
 *  4. delete those sessions, in key order;
 *  5. delete the listed expiry entries, in time order.
 * Deleting a session with both its index entries in one transaction, the
 * entries of a batch of consecutive session keys scattered over both
 * indexes, and every batch rewrote most of their pages again: on a store
 * of 1M sessions of 5000 users, 100k of them expired, 1.8 s against 1.1 s.
 *
 * The order keeps a sweep cut short anywhere (a crash, a failed batch)
 * from losing anything.  After step 3 an expired session may be left
 * without its user entry: an expired session can never be live again
 * (update and touch refuse it, create never overwrites a key), so
 * revoke-user has nothing to end there.  After step 4, expiry entries
 * (expired) may name sessions that are gone.  verify counts neither, and
 * the next sweep finishes both.  A live session always keeps its user
 * entry: step 4 gives it back to a record made anew under a key whose old
 * user entry step 3 took.
 *
 * Removing an expired session is idempotent, so the batches skip syncing
 * the meta page (a crash loses at most the last ones, which the next sweep
 * redoes) and the caller syncs once at the end.  A second sweep running
 * beside this one takes turns with it and finds the sessions already
 * gone.  Nothing expired: no write transaction at all.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csess_test.h"
#include "store_lmdb_int.h"

struct sweep_ent {
	char	 key[CS_SESSION_KEY_LEN];	/* first: ent_cmp */
	int64_t	 at;
	uint64_t version;	/* of the record step 2 saw */
	bool	 user_gone;	/* step 3 deletes its user entry */
};
#define SWEEP_PLAN_MAX	(256 * 1024)	/* entries listed at a time: 26 MiB */
/* Index entries that are not csess's (the wrong size), dropped by the
 * first batch: a few at a time, as the index holds none of its own. */
#define SWEEP_ODD_MAX	16
/*
 * Entries per write transaction by default: each holds the writer lock
 * for tens of milliseconds, so request writers get it between batches.
 */
#define SWEEP_BATCH	10000

struct sweep_plan {
	int64_t			 now;
	struct sweep_ent	*ents;
	unsigned char		(*exp_keys)[EXP_KEY_LEN];	/* as listed */
	size_t			 n, cap;
	unsigned char		*odd[SWEEP_ODD_MAX];
	size_t			 odd_len[SWEEP_ODD_MAX], nodd;
	bool			 more;		/* full: list again after */
};

/* The user entries step 3 deletes: keys packed in one buffer. */
struct user_ref {
	uint32_t	off;
	uint16_t	len;
};

struct sweep_users {
	struct sweep_plan	*plan;	/* step 2 marks its entries */
	unsigned char		*buf;
	size_t			 used, size;
	struct user_ref		*refs;	/* plan->cap of them */
	size_t			 n;
};

/* A batch: [from, to) of the plan's entries or of the user entries. */
struct sweep_batch {
	const struct sweep_plan	*plan;
	const struct sweep_users *users;
	size_t			 from, to;
	bool			 drop_odd;
	uint64_t		 removed;	/* reset on every (re)run */
};

static void
plan_forget_odd(struct sweep_plan *pl)
{
	while (pl->nodd > 0)
		free(pl->odd[--pl->nodd]);
}

static void
plan_keep_odd(struct sweep_plan *pl, const MDB_val *k)
{
	unsigned char *copy;

	if (pl->nodd == SWEEP_ODD_MAX || (copy = malloc(k->mv_size)) == NULL)
		return;		/* the next sweep drops it */
	memcpy(copy, k->mv_data, k->mv_size);
	pl->odd[pl->nodd] = copy;
	pl->odd_len[pl->nodd++] = k->mv_size;
}

/* List the expired entries at the front of the expiry index. */
static int
sweep_list_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_plan *pl = p;
	MDB_cursor *c;
	MDB_val k, v;
	int64_t at;
	int mrc, op = MDB_FIRST;

	pl->n = 0;
	pl->more = false;
	plan_forget_odd(pl);
	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return csi_lmdb_rc(e, mrc);
	while ((mrc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != EXP_KEY_LEN) {
			plan_keep_odd(pl, &k);
			continue;
		}
		if ((at = (int64_t)be64_get(k.mv_data)) > pl->now)
			break;
		if (pl->n == pl->cap) {
			pl->more = true;
			break;
		}
		pl->ents[pl->n].at = at;
		memcpy(pl->ents[pl->n].key, (char *)k.mv_data + 8,
		    CS_SESSION_KEY_LEN);
		memcpy(pl->exp_keys[pl->n], k.mv_data, EXP_KEY_LEN);
		pl->n++;
	}
	mdb_cursor_close(c);
	return mrc == 0 || mrc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, mrc);
}

static int
ent_cmp(const void *x, const void *y)
{
	return memcmp(x, y, CS_SESSION_KEY_LEN);
}

/*
 * Delete the keys of [b->from, b->to) from one database, in their order,
 * with one cursor (the next key is often on the page it stands on); a key
 * that is gone is fine.  key_at gives the i-th key.
 */
static int
del_keys(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const struct sweep_batch *b, MDB_val (*key_at)(const struct sweep_batch *,
    size_t))
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t i;
	int mrc;

	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, which), &c)))
		return csi_lmdb_rc(e, mrc);
	for (i = b->from; i < b->to; i++) {
		k = key_at(b, i);
		mrc = mdb_cursor_get(c, &k, &v, MDB_SET);
		if (mrc == 0)
			mrc = mdb_cursor_del(c, 0);
		if (mrc && mrc != MDB_NOTFOUND)
			break;
		mrc = 0;
	}
	mdb_cursor_close(c);
	return csi_lmdb_rc(e, mrc);
}

/* --- steps 2 and 3: the user entries ------------------------------------- */

static int
users_add(struct sweep_users *u, const struct lrec *r, const char *key)
{
	size_t need = r->userlen + 1 + CS_SESSION_KEY_LEN;
	unsigned char *nb;
	size_t size;

	if (u->size - u->used < need) {
		size = u->size ? u->size * 2 : 64 * 1024;
		while (size - u->used < need)
			size *= 2;
		if ((nb = realloc(u->buf, size)) == NULL)
			return CS_ERR_NOMEM;
		u->buf = nb;
		u->size = size;
	}
	u->refs[u->n].off = (uint32_t)u->used;
	u->refs[u->n].len = (uint16_t)user_key(u->buf + u->used, r->user,
	    r->userlen, key);
	u->used += u->refs[u->n++].len;
	return CS_OK;
}

/* Step 2: in key order, the listed sessions still expired as listed. */
static int
sweep_users_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_users *u = p;
	struct sweep_plan *pl = u->plan;
	struct sweep_ent *ent;
	MDB_cursor *c;
	MDB_val k, v;
	struct lrec r;
	int rc = CS_OK, mrc = 0;

	u->n = u->used = 0;
	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return csi_lmdb_rc(e, mrc);
	for (ent = pl->ents; ent < pl->ents + pl->n && rc == CS_OK; ent++) {
		ent->user_gone = false;
		k.mv_size = CS_SESSION_KEY_LEN;
		k.mv_data = ent->key;
		if ((mrc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY))) {
			if (mrc != MDB_NOTFOUND)
				break;
			mrc = 0;
			continue;
		}
		if (lrec_decode(&v, &r) != CS_OK || r.expire != ent->at ||
		    r.userlen == 0)
			continue;
		if ((rc = users_add(u, &r, ent->key)) == CS_OK) {
			ent->version = r.version;
			ent->user_gone = true;
		}
	}
	mdb_cursor_close(c);
	return mrc ? csi_lmdb_rc(e, mrc) : rc;
}

/* User index order: bytes, then the shorter first (LMDB's default). */
static int
user_ref_cmp(const void *x, const void *y, void *buf)
{
	const struct user_ref *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int d = memcmp((unsigned char *)buf + a->off,
	    (unsigned char *)buf + b->off, n);

	return d ? d : (int)a->len - (int)b->len;
}

static MDB_val
user_key_at(const struct sweep_batch *b, size_t i)
{
	const struct sweep_users *u = b->users;
	MDB_val k = { u->refs[i].len, u->buf + u->refs[i].off };

	return k;
}

/* Step 3: one batch of user entries, in key order. */
static int
sweep_user_batch_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	return del_keys(txn, e, CS_DBI_USER_SESSIONS, p, user_key_at);
}

/* --- step 4: the sessions ----------------------------------------------- */

/*
 * The session of one listed entry goes only when its stored expiry is the
 * entry's; a session that moved on (refreshed) or vanished stays.  c is a
 * cursor on the sessions database: in key order, the next key is often
 * on the page it stands on, which MDB_SET_KEY then finds without a
 * descent from the root.
 */
static int
sweep_one(MDB_txn *txn, struct cs_lmdb_env *e, MDB_cursor *c,
    uint64_t *removed, const struct sweep_ent *ent)
{
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)ent->key }, v;
	struct lrec_old o = { 0 };
	struct lrec r;
	bool decoded, seen = false;
	int mrc;

	if ((mrc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY)) == MDB_NOTFOUND)
		return CS_OK;	/* gone: the entry was stale */
	if (mrc)
		return csi_lmdb_rc(e, mrc);
	/* An undecodable record goes alone, as delete drops it (its user
	 * entry cannot be found): failing would roll the batch back and
	 * meet it again on every sweep. */
	if ((decoded = lrec_decode(&v, &r) == CS_OK)) {
		/*
		 * It stays when it moved on: made anew under the key, or
		 * touched by a writer whose clock is behind the sweep's now
		 * (same version).  Either way it gets back the user entry
		 * step 3 took, if step 3 took one.
		 */
		if (r.expire != ent->at)
			return ent->user_gone ?
			    lrec_user_put(txn, e, r.user, r.userlen, ent->key) :
			    CS_OK;
		/* The record step 2 saw, whose user entry step 3 took. */
		seen = ent->user_gone && r.version == ent->version;
		lrec_remember(&o, &r);
	}
	if ((mrc = mdb_cursor_del(c, 0)))
		return csi_lmdb_rc(e, mrc);
	(*removed)++;
	return decoded && !seen ?
	    lrec_user_del(txn, e, o.user, o.userlen, ent->key) : CS_OK;
}

/* Step 4: one batch of sessions, in key order. */
static int
sweep_batch_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_batch *b = p;
	const struct sweep_plan *pl = b->plan;
	MDB_cursor *c;
	size_t i;
	int rc = CS_OK;

	b->removed = 0;
	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	for (i = b->from; i < b->to && rc == CS_OK; i++)
		rc = sweep_one(txn, e, c, &b->removed, &pl->ents[i]);
	mdb_cursor_close(c);
	return rc;
}

/* --- step 5: the expiry entries ------------------------------------------ */

/*
 * One batch of listed entries, in index order: each goes, whether its
 * session went in step 4, had gone before (a stale entry) or moved on (its
 * writer put a new entry).  The first batch drops the odd entries too.
 */
static MDB_val
expiry_key_at(const struct sweep_batch *b, size_t i)
{
	MDB_val k = { EXP_KEY_LEN, b->plan->exp_keys[i] };

	return k;
}

static int
sweep_expiry_batch_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_batch *b = p;
	const struct sweep_plan *pl = b->plan;
	size_t i;
	int rc;

	for (i = 0; b->drop_odd && i < pl->nodd; i++)
		if ((rc = lrec_index_del(txn, e, CS_DBI_EXPIRY, pl->odd[i],
		    pl->odd_len[i])))
			return rc;
	return del_keys(txn, e, CS_DBI_EXPIRY, b, expiry_key_at);
}

/*
 * The sessions a sweep at now would remove: those at the expired front of
 * the expiry index whose expiry is still the entry's (stale entries and
 * odd ones are not sessions).  The dry run's count and stats' "expired".
 */
int
lrec_count_expired(MDB_txn *txn, struct cs_lmdb_env *e, int64_t now,
    uint64_t *n)
{
	MDB_cursor *c;
	MDB_val k, v;
	struct lrec r;
	int rc, op = MDB_FIRST;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != EXP_KEY_LEN)
			continue;
		if ((int64_t)be64_get(k.mv_data) > now)
			break;
		if (lrec_get(txn, e, (char *)k.mv_data + 8, &r) == CS_OK &&
		    r.expire == (int64_t)be64_get(k.mv_data))
			(*n)++;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

/* Dry run: count what a sweep would remove, in one read transaction. */
struct sweep_count {
	int64_t		 now;
	uint64_t	 removed;
};

static int
sweep_count_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_count *a = p;

	return lrec_count_expired(txn, e, a->now, &a->removed);
}

static int
count_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_stat st;
	int rc;

	if ((rc = mdb_stat(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &st)))
		return csi_lmdb_rc(e, rc);
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

/* Run fn over [0, n) in batches of `batch', each its own transaction;
 * once at least (the odd index entries may be all there is to drop). */
static int
in_batches(struct cs_lmdb_env *e, cs_lmdb_txn_fn *fn, struct sweep_batch *b,
    size_t n, size_t batch, struct cs_sweep_stats *st)
{
	int rc;

	b->from = 0;
	do {
		b->to = n - b->from > batch ? b->from + batch : n;
		b->removed = 0;
		if ((rc = csi_lmdb_write_deferred(e, true, fn, b)))
			return rc;
		st->batches++;
		st->removed += b->removed;
		b->drop_odd = false;
		b->from = b->to;
	} while (b->from < n);
	return CS_OK;
}

/* csess_test.h: what runs after steps 2, 3 and 4 (non-zero: stop). */
static int	(*after_step)(void *, int step);
static void	*after_step_arg;

void
csi_sweep_after_step(int (*fn)(void *, int step), void *arg)
{
	after_step = fn;
	after_step_arg = arg;
}

static int
step_done(int step)
{
	return after_step != NULL ? after_step(after_step_arg, step) : CS_OK;
}

/* Steps 2 to 5 for one listed plan. */
static int
sweep_plan_run(struct cs_lmdb_env *e, struct sweep_plan *pl,
    struct sweep_users *u, size_t batch, struct cs_sweep_stats *st)
{
	struct sweep_batch b = { .plan = pl, .users = u };
	int rc;

	qsort(pl->ents, pl->n, sizeof(pl->ents[0]), ent_cmp);
	if ((rc = csi_lmdb_read(e, sweep_users_fn, u)) || (rc = step_done(2)))
		return rc;
	qsort_r(u->refs, u->n, sizeof(u->refs[0]), user_ref_cmp, u->buf);
	if (u->n > 0 &&
	    (rc = in_batches(e, sweep_user_batch_fn, &b, u->n, batch, st)))
		return rc;
	if ((rc = step_done(3)))
		return rc;
	if (pl->n > 0 &&
	    (rc = in_batches(e, sweep_batch_fn, &b, pl->n, batch, st)))
		return rc;
	if ((rc = step_done(4)))
		return rc;
	b.drop_odd = pl->nodd > 0;
	return in_batches(e, sweep_expiry_batch_fn, &b, pl->n, batch, st);
}

static int
sweep(struct cs_lmdb_env *e, int64_t now, size_t batch,
    struct cs_sweep_stats *st)
{
	struct sweep_plan pl = { .now = now, .cap = SWEEP_PLAN_MAX };
	struct sweep_users u = { .plan = &pl };
	int rc = CS_ERR_NOMEM;

	pl.ents = malloc(pl.cap * sizeof(*pl.ents));
	pl.exp_keys = malloc(pl.cap * sizeof(*pl.exp_keys));
	u.refs = malloc(pl.cap * sizeof(*u.refs));
	while (pl.ents != NULL && pl.exp_keys != NULL && u.refs != NULL) {
		if ((rc = csi_lmdb_read(e, sweep_list_fn, &pl)))
			break;
		if (pl.n == 0 && pl.nodd == 0)
			break;
		if ((rc = sweep_plan_run(e, &pl, &u, batch, st)) || !pl.more)
			break;
	}
	plan_forget_odd(&pl);
	free(pl.ents);
	free(pl.exp_keys);
	free(u.refs);
	free(u.buf);
	return rc;
}

int
lstore_clear_expired(struct cs_store *s, int64_t now, size_t batch, bool dry_run,
    struct cs_sweep_stats *st)
{
	struct cs_lmdb_env *e = lstore_env(s);
	struct sweep_count a = { .now = now };
	struct timespec t0;
	uint64_t total = 0;
	int rc, frc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(st, 0, sizeof(*st));
	if (dry_run) {
		if ((rc = csi_lmdb_read(e, sweep_count_fn, &a)) == CS_OK)
			st->removed = a.removed;
		if (rc == CS_OK &&
		    (rc = csi_lmdb_read(e, count_fn, &total)) == CS_OK)
			st->remaining = total - st->removed;
		st->elapsed = elapsed_since(&t0);
		return rc;
	}
	rc = sweep(e, now, batch ? batch : SWEEP_BATCH, st);
	if (st->batches > 0 && (frc = csi_lmdb_env_flush(e)) && rc == CS_OK)
		rc = frc;
	if (csi_lmdb_read(e, count_fn, &total) == CS_OK)
		st->remaining = total;
	st->elapsed = elapsed_since(&t0);
	return rc;
}

