/*
 * store_lmdb_sweep.c -- clear_expired for the lmdb engine: remove the
 * sessions at the expired front of the expiry index, with their index
 * entries, in short write transactions.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_lmdb_int.h"

/*
 * The sweep lists, then deletes.  A read transaction lists the expired
 * entries at the front of the expiry index (SWEEP_PLAN_MAX at most); they
 * are sorted by session key and deleted in batches of consecutive keys,
 * each batch its own short write transaction.  Each batch so works on one
 * stretch of the sessions tree and a leaf page is rewritten by one batch
 * only, where batches taken in expiry order each scatter over the whole
 * tree and rewrite most of its pages again; and the lookups walk the tree
 * in order.  Nothing expired: no write transaction at all.
 */
struct sweep_ent {
	char	 key[CS_SESSION_KEY_LEN];
	int64_t	 at;
};
#define SWEEP_PLAN_MAX	(256 * 1024)	/* entries listed at a time: 10 MiB */
/* Index entries that are not csess's (the wrong size), dropped by the
 * first batch: a few at a time, as the index holds none of its own. */
#define SWEEP_ODD_MAX	16
/*
 * Sessions per write transaction by default: each holds the writer lock
 * for tens of milliseconds, so request writers get it between batches.
 */
#define SWEEP_BATCH	10000

struct sweep_plan {
	int64_t			 now;
	struct sweep_ent	*ents;
	size_t			 n, cap;
	unsigned char		*odd[SWEEP_ODD_MAX];
	size_t			 odd_len[SWEEP_ODD_MAX], nodd;
	bool			 more;		/* full: list again after */
};

struct sweep_batch {
	const struct sweep_plan	*plan;
	size_t			 from, to;	/* plan->ents[from, to) */
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
	bool decoded;
	int mrc;

	if ((mrc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY)) == MDB_NOTFOUND)
		return CS_OK;	/* gone: the entry was stale */
	if (mrc)
		return csi_lmdb_rc(e, mrc);
	/* An undecodable record goes alone, as delete drops it (its user
	 * entry cannot be found): failing would roll the batch back and
	 * meet it again on every sweep. */
	if ((decoded = lrec_decode(&v, &r) == CS_OK)) {
		if (r.expire != ent->at)
			return CS_OK;	/* refreshed: the entry was stale */
		lrec_remember(&o, &r);
	}
	if ((mrc = mdb_cursor_del(c, 0)))
		return csi_lmdb_rc(e, mrc);
	(*removed)++;
	return decoded ? lrec_user_del(txn, e, o.user, o.userlen, ent->key) :
	    CS_OK;
}

/*
 * One batch, in key order: each listed entry leaves the expiry index (a
 * refreshed session's writer already moved it; a stale one goes) in the
 * same transaction as its session, which goes with its user entry when it
 * is still the expired one the entry names.  So a crash at any point
 * leaves the three databases agreeing.
 */
static int
sweep_batch_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct sweep_batch *b = p;
	const struct sweep_plan *pl = b->plan;
	MDB_cursor *c;
	size_t i;
	int rc = CS_OK;

	b->removed = 0;
	for (i = 0; b->drop_odd && i < pl->nodd; i++)
		if ((rc = lrec_index_del(txn, e, CS_DBI_EXPIRY, pl->odd[i],
		    pl->odd_len[i])))
			return rc;
	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	for (i = b->from; i < b->to && rc == CS_OK; i++) {
		rc = lrec_expiry_del(txn, e, pl->ents[i].at, pl->ents[i].key);
		if (rc == CS_OK)
			rc = sweep_one(txn, e, c, &b->removed, &pl->ents[i]);
	}
	mdb_cursor_close(c);
	return rc;
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
	MDB_cursor *c;
	MDB_val k, v;
	struct lrec r;
	int rc, op = MDB_FIRST;

	a->removed = 0;
	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != EXP_KEY_LEN)
			continue;
		if ((int64_t)be64_get(k.mv_data) > a->now)
			break;
		if (lrec_get(txn, e, (char *)k.mv_data + 8, &r) == CS_OK &&
		    r.expire == (int64_t)be64_get(k.mv_data))
			a->removed++;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
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

/*
 * Delete a listed plan, sorted by key, in batches of `batch' consecutive
 * keys.  Removing an expired session is idempotent, so the batches skip
 * syncing the meta page (a crash loses at most the last ones, which the
 * next sweep redoes) and the caller syncs once at the end.  A second sweep
 * running beside this one takes turns with it and finds the sessions
 * already gone.
 */
static int
sweep_plan_run(struct cs_lmdb_env *e, struct sweep_plan *pl, size_t batch,
    struct cs_sweep_stats *st)
{
	struct sweep_batch b = { .plan = pl, .drop_odd = pl->nodd > 0 };
	int rc;

	qsort(pl->ents, pl->n, sizeof(pl->ents[0]), ent_cmp);
	do {
		b.to = pl->n - b.from > batch ? b.from + batch : pl->n;
		if ((rc = csi_lmdb_write_deferred(e, true, sweep_batch_fn, &b)))
			return rc;
		st->batches++;
		st->removed += b.removed;
		b.drop_odd = false;
		b.from = b.to;
	} while (b.from < pl->n);
	return CS_OK;
}

static int
sweep(struct cs_lmdb_env *e, int64_t now, size_t batch,
    struct cs_sweep_stats *st)
{
	struct sweep_plan pl = { .now = now, .cap = SWEEP_PLAN_MAX };
	int rc;

	if ((pl.ents = malloc(pl.cap * sizeof(*pl.ents))) == NULL)
		return CS_ERR_NOMEM;
	do {
		if ((rc = csi_lmdb_read(e, sweep_list_fn, &pl)))
			break;
		if (pl.n == 0 && pl.nodd == 0)
			break;
		if ((rc = sweep_plan_run(e, &pl, batch, st)))
			break;
	} while (pl.more);
	plan_forget_odd(&pl);
	free(pl.ents);
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

