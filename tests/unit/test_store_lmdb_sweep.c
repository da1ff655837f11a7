/*
 * test_store_lmdb_sweep.c -- the sweep at SESSION_SYNC=full as cron runs
 * it: the expired entries listed from the expiry index and deleted with
 * their sessions in key-ordered batches leave the three databases
 * consistent, and what it removed is on disk, for any other process, when
 * it returns.
 */
#include "store_fixture.h"
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
	/* 4500 per transaction: 2 batches. */
	cr_assert_eq(f.st->ops->clear_expired(f.st, T0, 4500, false, &st), CS_OK);
	cr_assert_eq(st.removed, 5000);
	cr_assert_eq(st.remaining, 60);
	cr_assert_eq(st.batches, 2);
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
	cr_assert_eq(st.batches, 1);
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
	cr_assert_eq(st.batches, 7, "700 sessions, 100 a batch");
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
