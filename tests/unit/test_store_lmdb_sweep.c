/*
 * test_store_lmdb_sweep.c -- the sweep at SESSION_SYNC=full as cron runs
 * it: the expired entries listed from the expiry index, their user entries
 * deleted in user-key order, the sessions in session-key order, then the
 * expiry entries in time order, leave the three databases consistent; what
 * it removed is on disk, for any other process, when it returns; and a
 * sweep cut short between its steps leaves no live session unindexed.
 */
#include "store_fixture.h"
#include "csess_test.h"
#include "lmdb_env.h"

#define T0	1800000000

/* Sessions whose expiry order is not their key order, over ten users. */
static void
seed_shuffled(struct fx *f, char fill, unsigned n, int64_t base)
{
	char key[CS_SESSION_KEY_LEN + 1], user[8];
	unsigned i;

	for (i = 0; i < n; i++) {
		fx_key(key, fill, i);
		snprintf(user, sizeof(user), "u%u", i % 10);
		free(fx_create(f, key, "{\"s\":1}", base - (int64_t)((i * 7919) % 1000),
		    i % 3 ? user : NULL, NULL));
	}
}

/* Seeding commits once per session: do it unsynced, then reopen the
 * store with the default SESSION_SYNC=full for the sweep. */
static void
open_seeded(struct fx *f, unsigned expired, unsigned live)
{
	fx_init(f);
	cr_assert_eq(fx_open_with(f, NULL, NULL, "none"), CS_OK);
	seed_shuffled(f, 'e', expired, T0 - 1);
	seed_shuffled(f, 'l', live, T0 + 2000);
	cs_store_close(f->st);
	cs_config_free(&f->cfg);
	cr_assert_eq(fx_open_with(f, NULL, NULL, "full"), CS_OK);
}

Test(lmdb_sweep, key_ordered_batches_leave_verify_clean)
{
	char key[CS_SESSION_KEY_LEN + 1];
	struct cs_sweep_stats st;
	struct cs_record r;
	struct fx f;
	unsigned i;

	open_seeded(&f, 5000, 60);
	/* 4500 per transaction: the 3333 user entries in one batch, the
	 * 5000 sessions in two, their expiry entries in two. */
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 4500, false, &st), CS_OK);
	cr_assert_eq(st.removed, 5000);
	cr_assert_eq(st.remaining, 60);
	cr_assert_eq(st.batches, 5);
	cr_assert_eq(fx_problems(&f), 0, "records, expiry and user index agree");
	for (i = 0; i < 60; i++) {
		fx_key(key, 'l', i);
		cr_assert_eq(f.st->ops->load(f.st, key, T0, &r), CS_OK);
		cs_record_free(&r);
	}
	fx_close(&f);
}

Test(lmdb_sweep, batch_zero_is_the_engine_default_of_ten_thousand)
{
	struct cs_sweep_stats st;
	struct fx f;

	open_seeded(&f, 300, 5);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st), CS_OK);
	cr_assert_eq(st.removed, 300);
	cr_assert_eq(st.batches, 3, "one each for the 200 user entries, the "
	    "sessions and their expiry entries");
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

/*
 * The batches skip syncing LMDB's meta page; the sweep syncs once before
 * it returns.  The sync is counted, and a process that opens the store
 * afresh finds every removed session gone.
 */
Test(lmdb_sweep, removals_are_synced_once_and_seen_by_a_fresh_open)
{
	struct csi_lmdb_env_info before, after;
	char key[CS_SESSION_KEY_LEN + 1], err[256];
	struct cs_sweep_stats st;
	struct cs_lmdb_env *e;
	struct fx f;
	int status, bad = 0;
	unsigned i;
	pid_t pid;

	open_seeded(&f, 700, 20);
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_env_info(e, &before), CS_OK);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 100, false, &st), CS_OK);
	cr_assert_eq(st.batches, 5 + 7 + 7,
	    "466 user entries, 700 sessions, 700 expiry entries, 100 a batch");
	cr_assert_eq(csi_lmdb_env_info(e, &after), CS_OK);
	cr_assert_eq(after.flushes, before.flushes + 1,
	    "one forced sync for %llu batches", (unsigned long long)st.batches);
	csi_lmdb_env_release(e);
	if ((pid = fork()) == 0) {
		struct cs_store *s;

		/* The inherited handle dropped, the store opened afresh. */
		cs_store_close(f.st);
		if (cs_store_open(&s, &f.cfg, err, sizeof(err)) != CS_OK)
			_exit(2);
		for (i = 0; i < 700; i++) {
			fx_key(key, 'e', i);
			bad += s->ops->exists(s, key) != CS_ERR_NOT_FOUND;
		}
		for (i = 0; i < 20; i++) {
			fx_key(key, 'l', i);
			bad += s->ops->exists(s, key) != CS_OK;
		}
		_exit(bad ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child saw the sweep's result: status %d", status);
	fx_close(&f);
}

static uint64_t
user_entries(struct fx *f)
{
	struct cs_lmdb_stats ls;

	cr_assert_eq(cs_lmdb_stats(f->st, T0, &ls), CS_OK);
	return ls.user_entries;
}

static int
stop_after(void *arg, int step)
{
	return step == *(int *)arg ? CS_ERR_STORE : CS_OK;
}

static uint64_t
expiry_entries(struct fx *f)
{
	struct cs_lmdb_stats ls;

	cr_assert_eq(cs_lmdb_stats(f->st, T0, &ls), CS_OK);
	return ls.expiry_entries;
}

/*
 * Cut short after its user entries, as by a crash: the expired sessions
 * are left without them.  verify is clean (no one can use an expired
 * session), revoke-user still ends every live session of a user, and the
 * next sweep removes the rest.
 */
Test(lmdb_sweep, cut_short_after_the_user_entries_leaves_no_live_session_unindexed)
{
	struct cs_sweep_stats st;
	struct cs_record r;
	char key[CS_SESSION_KEY_LEN + 1];
	uint64_t revoked;
	struct fx f;
	unsigned i;
	int step = 3;

	csi_clock_fix(T0);		/* verify's now */
	open_seeded(&f, 300, 30);	/* 200 and 20 with users, u0..u9 */
	cr_assert_eq(user_entries(&f), 220);
	csi_sweep_after_step(stop_after, &step);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st),
	    CS_ERR_STORE);
	csi_sweep_after_step(NULL, NULL);
	cr_assert_eq(st.removed, 0, "no session deleted yet");
	cr_assert_eq(user_entries(&f), 20, "the live sessions' entries kept");
	cr_assert_eq(fx_problems(&f), 0);
	/* u1: the live l1, l7, l11, l13, l17, l19 ... with i % 10 == 1 and
	 * i % 3 != 0, of 30: 1, 11 (21 is a multiple of 3). */
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "u1", &revoked), CS_OK);
	cr_assert_eq(revoked, 2);
	for (i = 1; i < 30; i += 10) {
		fx_key(key, 'l', i);
		cr_assert_eq(f.st->ops->load(f.st, key, T0, &r),
		    i % 3 ? CS_ERR_NOT_FOUND : CS_OK, "l%u", i);
		if (i % 3 == 0)
			cs_record_free(&r);
	}
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st), CS_OK);
	cr_assert_eq(st.removed, 300);
	cr_assert_eq(st.remaining, 28);
	cr_assert_eq(user_entries(&f), 18);
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

struct remake {
	struct fx	*f;
	const char	*key;
	int		 step;
};

/* After the given step, the expired session is deleted and a live one
 * made under its key for the same user (create with a key given). */
static int
remake_session(void *arg, int step)
{
	struct remake *m = arg;

	if (step != m->step)
		return 0;
	cr_assert_eq(m->f->st->ops->del(m->f->st, m->key), CS_OK);
	free(fx_create(m->f, m->key, "{\"n\":2}", T0 + 100, "carol", NULL));
	return 0;
}

/*
 * Made anew after step 2, the session loses its user entry to step 3 (it
 * was the expired one's); step 4 finds another record under the key and
 * puts the entry back.  After step 3, its creator's entry stays.
 */
static void
remade_at(int step)
{
	char key[CS_SESSION_KEY_LEN + 1];
	struct remake m = { NULL, key, step };
	struct cs_sweep_stats st;
	uint64_t revoked;
	struct fx f;

	csi_clock_fix(T0);
	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, NULL, NULL, "full"), CS_OK);
	m.f = &f;
	fx_key(key, 'c', 1);
	free(fx_create(&f, key, "{\"n\":1}", T0 - 5, "carol", NULL));
	csi_sweep_after_step(remake_session, &m);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st), CS_OK);
	csi_sweep_after_step(NULL, NULL);
	cr_assert_eq(st.removed, 0, "the new session is not the expired one");
	cr_assert_eq(st.remaining, 1);
	cr_assert_eq(user_entries(&f), 1);
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "carol", &revoked), CS_OK);
	cr_assert_eq(revoked, 1, "revoke-user finds it");
	fx_close(&f);
}

Test(lmdb_sweep, a_session_made_anew_before_its_user_entry_goes_gets_it_back)
{
	remade_at(2);
}

Test(lmdb_sweep, a_session_made_anew_after_its_user_entry_went_keeps_its_own)
{
	remade_at(3);
}

struct retouch {
	struct fx	*f;
	const char	*key;
	uint64_t	 version;
};

static int
touch_session(void *arg, int step)
{
	struct retouch *t = arg;

	if (step == 3)
		cr_assert_eq(t->f->st->ops->touch(t->f->st, t->key, T0 + 100,
		    t->version), CS_OK);
	return 0;
}

/*
 * The sweep's now ahead of a writer's clock (a sweep given a later now,
 * or a clock stepped back): a session the sweep counts as expired is live
 * to the writer, which touches it (a touch keeps the version) after step
 * 3 took its user entry.  Step 4 finds it moved on and gives it back.
 */
Test(lmdb_sweep, a_session_touched_after_its_user_entry_went_gets_it_back)
{
	char key[CS_SESSION_KEY_LEN + 1];
	struct retouch t = { NULL, key, 0 };
	struct cs_sweep_stats st;
	uint64_t revoked;
	struct fx f;

	csi_clock_fix(T0 - 100);	/* the writers' clock */
	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, NULL, NULL, "full"), CS_OK);
	t.f = &f;
	fx_key(key, 't', 1);
	free(fx_create(&f, key, "{}", T0 - 5, "carol", &t.version));
	csi_sweep_after_step(touch_session, &t);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st), CS_OK);
	csi_sweep_after_step(NULL, NULL);
	cr_assert_eq(st.removed, 0);
	cr_assert_eq(user_entries(&f), 1);
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(cs_lmdb_revoke_user(f.st, "carol", &revoked), CS_OK);
	cr_assert_eq(revoked, 1);
	fx_close(&f);
}

static int
drop_user_entry_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	unsigned char uk[64];
	MDB_val k = { 6 + CS_SESSION_KEY_LEN, uk };

	memcpy(uk, "carol", 6);			/* with its NUL */
	memcpy(uk + 6, p, CS_SESSION_KEY_LEN);
	return csi_lmdb_rc(e, mdb_del(txn,
	    csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &k, NULL));
}

static void
drop_user_entry(struct fx *f, const char *key)
{
	struct cs_lmdb_env *e;
	char err[256];

	cr_assert_eq(csi_lmdb_env_acquire(&e, &f->cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, drop_user_entry_fn, (void *)key), CS_OK);
	csi_lmdb_env_release(e);
}

/* What verify allows an expired session it still reports of a live one. */
Test(lmdb_sweep, verify_reports_a_live_session_without_its_user_entry)
{
	char live[CS_SESSION_KEY_LEN + 1], old[CS_SESSION_KEY_LEN + 1];
	struct fx f;

	fx_open(&f);
	fx_key(live, 'v', 1);
	fx_key(old, 'v', 2);
	free(fx_create(&f, live, "{}", cs_now() + 3600, "carol", NULL));
	free(fx_create(&f, old, "{}", cs_now() - 5, "carol", NULL));
	drop_user_entry(&f, old);
	cr_assert_eq(fx_problems(&f), 0, "expired: the sweep's business");
	drop_user_entry(&f, live);
	cr_assert_eq(fx_problems(&f), 1, "live: revoke-user would miss it");
	fx_close(&f);
}

/*
 * Cut short after the sessions: their expiry entries are left, naming
 * sessions that are gone.  verify is clean (they are expired), the next
 * sweep drops them, and removes nothing else.
 */
Test(lmdb_sweep, cut_short_after_the_sessions_leaves_only_expired_entries)
{
	struct cs_sweep_stats st;
	struct fx f;
	int step = 4;

	csi_clock_fix(T0);
	open_seeded(&f, 300, 30);
	csi_sweep_after_step(stop_after, &step);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st),
	    CS_ERR_STORE);
	csi_sweep_after_step(NULL, NULL);
	cr_assert_eq(st.removed, 300);
	cr_assert_eq(st.remaining, 30);
	cr_assert_eq(user_entries(&f), 20);
	cr_assert_eq(expiry_entries(&f), 330, "the sessions' entries left");
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 0, false, &st), CS_OK);
	cr_assert_eq(st.removed, 0);
	cr_assert_eq(st.remaining, 30);
	cr_assert_eq(expiry_entries(&f), 30);
	cr_assert_eq(fx_problems(&f), 0);
	fx_close(&f);
}

static int
drop_session_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	MDB_val k = { CS_SESSION_KEY_LEN, p };

	return csi_lmdb_rc(e, mdb_del(txn,
	    csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k, NULL));
}

/* An expiry entry for a missing session: a sweep's leftover when it has
 * expired, damage when it has not. */
Test(lmdb_sweep, verify_reports_a_live_expiry_entry_without_its_session)
{
	char live[CS_SESSION_KEY_LEN + 1], old[CS_SESSION_KEY_LEN + 1];
	struct cs_lmdb_env *e;
	char err[256];
	struct fx f;

	fx_open(&f);
	fx_key(live, 'w', 1);
	fx_key(old, 'w', 2);
	free(fx_create(&f, live, "{}", cs_now() + 3600, NULL, NULL));
	free(fx_create(&f, old, "{}", cs_now() - 5, NULL, NULL));
	cr_assert_eq(csi_lmdb_env_acquire(&e, &f.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, drop_session_fn, old), CS_OK);
	cr_assert_eq(fx_problems(&f), 0, "expired: the sweep's business");
	cr_assert_eq(csi_lmdb_write(e, drop_session_fn, live), CS_OK);
	cr_assert_eq(fx_problems(&f), 1, "live: damage");
	csi_lmdb_env_release(e);
	fx_close(&f);
}
