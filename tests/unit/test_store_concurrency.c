/*
 * test_store_concurrency.c -- several processes on one store at once:
 * writers, readers and the sweep together; racing updates; a logout
 * racing a request.  Afterwards the indexes must agree and no committed
 * write may be missing.
 */
#include <errno.h>
#include <signal.h>

#include "store_fixture.h"
#include "csess_test.h"

#define WRITERS		3
#define READERS		2
#define PER_WRITER	1000
#define LIVE		200
#define EXPIRED		5000

static void
wait_ok(pid_t pid, const char *what)
{
	int status;

	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: status %d", what, status);
}

/*
 * Writer w creates PER_WRITER sessions then updates each once; it reports
 * a key on the pipe only after its UPDATE committed.  Exit non-zero on any
 * unexpected error.
 */
static int
writer(struct fx *f, int w, int fd)
{
	char key[CS_SESSION_KEY_LEN + 1], data[64];
	struct cs_record r;
	uint64_t v;
	char *k;
	int i, rc;

	for (i = 0; i < PER_WRITER; i++) {
		fx_key(key, (char)('p' + w), (unsigned)i);
		memset(&r, 0, sizeof(r));
		r.data = "{\"n\":0}";
		r.data_len = 7;
		r.expire = cs_now() + 3600;
		r.user = w == 0 ? "shared" : NULL;
		k = strdup(key);
		if ((rc = f->st->ops->save(f->st, &k, &r, CS_SAVE_CREATE)))
			return 10 + rc;
		v = r.version;
		snprintf(data, sizeof(data), "{\"n\":%d,\"w\":%d}", i, w);
		r.data = data;
		r.data_len = strlen(data);
		r.version = v;
		if ((rc = f->st->ops->save(f->st, &k, &r, CS_SAVE_UPDATE)))
			return 40 + rc;
		free(k);
		if (write(fd, key, CS_SESSION_KEY_LEN) != CS_SESSION_KEY_LEN)
			return 70;
	}
	return 0;
}

/* Readers load the live seeded sessions over and over: always there. */
static int
reader(struct fx *f, int rounds)
{
	char key[CS_SESSION_KEY_LEN + 1];
	struct cs_record r;
	int i, j, rc;

	for (j = 0; j < rounds; j++)
		for (i = 0; i < LIVE; i++) {
			fx_key(key, 'l', (unsigned)i);
			if ((rc = f->st->ops->load(f->st, key, cs_now(), &r)))
				return 10 + rc;
			if (strcmp(r.data, "{\"live\":true}") != 0)
				return 30;
			cs_record_free(&r);
		}
	return 0;
}

static int
sweeper(struct fx *f)
{
	struct cs_sweep_stats st;
	uint64_t removed = 0;
	int i, rc;

	for (i = 0; i < 5; i++) {
		if ((rc = f->st->ops->clear_expired(f->st, cs_now(), 100, false,
		    &st)))
			return 10 + rc;
		removed += st.removed;
	}
	return removed <= EXPIRED ? 0 : 50;
}

static void
seed(struct fx *f)
{
	char key[CS_SESSION_KEY_LEN + 1], *k;
	struct cs_record r;
	unsigned i;

	for (i = 0; i < LIVE + EXPIRED; i++) {
		memset(&r, 0, sizeof(r));
		fx_key(key, i < LIVE ? 'l' : 'e', i);
		r.data = i < LIVE ? "{\"live\":true}" : "{\"live\":false}";
		r.data_len = strlen(r.data);
		r.expire = i < LIVE ? cs_now() + 3600 : cs_now() - 10;
		r.user = i % 2 ? "shared" : NULL;
		k = strdup(key);
		cr_assert_eq(f->st->ops->save(f->st, &k, &r, CS_SAVE_CREATE), CS_OK);
		free(k);
	}
}

Test(concurrency, writers_readers_and_sweep_together_lose_nothing)
{
	pid_t pids[WRITERS + READERS + 1];
	char key[CS_SESSION_KEY_LEN + 1], want[64];
	struct cs_sweep_stats st;
	struct cs_record r;
	int fds[2], i, n = 0, committed = 0;
	struct fx f;

	/* A 1 MiB map: the processes grow it under each other's feet. */
	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	seed(&f);
	cr_assert_eq(pipe(fds), 0);
	for (i = 0; i < WRITERS; i++)
		if ((pids[n++] = fork()) == 0) {
			close(fds[0]);
			_exit(writer(&f, i, fds[1]));
		}
	for (i = 0; i < READERS; i++)
		if ((pids[n++] = fork()) == 0)
			_exit(reader(&f, 10));
	if ((pids[n++] = fork()) == 0)
		_exit(sweeper(&f));
	close(fds[1]);
	while (read(fds[0], key, CS_SESSION_KEY_LEN) == CS_SESSION_KEY_LEN) {
		committed++;
	}
	close(fds[0]);
	for (i = 0; i < n; i++)
		wait_ok(pids[i], i < WRITERS ? "writer" :
		    i < WRITERS + READERS ? "reader" : "sweeper");
	cr_assert_eq(committed, WRITERS * PER_WRITER);
	/* Every committed update is there, with its data. */
	for (i = 0; i < WRITERS * PER_WRITER; i++) {
		int w = i / PER_WRITER, j = i % PER_WRITER;

		fx_key(key, (char)('p' + w), (unsigned)j);
		cr_assert_eq(f.st->ops->load(f.st, key, cs_now(), &r), CS_OK,
		    "lost %s", key);
		snprintf(want, sizeof(want), "{\"n\":%d,\"w\":%d}", j, w);
		cr_assert_str_eq(r.data, want);
		cs_record_free(&r);
	}
	cr_assert_eq(fx_problems(&f), 0);
	cr_assert_eq(f.st->ops->clear_expired(f.st, cs_now(), 1000, false, &st),
	    CS_OK);
	cr_assert_eq(st.remaining, LIVE + WRITERS * PER_WRITER);
	fx_close(&f);
}

Test(concurrency, racing_updates_of_one_version_let_exactly_one_win)
{
	struct cs_record r;
	int fds[2], i, wins = 0, round;
	pid_t pids[4];
	uint64_t v;
	char c;
	struct fx f;
	char *key;

	fx_open(&f);
	for (round = 0; round < 20; round++) {
		key = fx_create(&f, NULL, "{}", cs_now() + 100, NULL, &v);
		cr_assert_eq(pipe(fds), 0);
		for (i = 0; i < 4; i++)
			if ((pids[i] = fork()) == 0) {
				struct cs_record u = { 0 };
				char data[32], *k = strdup(key);

				close(fds[0]);
				snprintf(data, sizeof(data), "{\"by\":%d}", i);
				u.data = data;
				u.data_len = strlen(data);
				u.expire = cs_now() + 100;
				u.version = v;
				c = (char)('0' + f.st->ops->save(f.st, &k, &u,
				    CS_SAVE_UPDATE));
				_exit(write(fds[1], &c, 1) == 1 ? 0 : 1);
			}
		close(fds[1]);
		wins = 0;
		while (read(fds[0], &c, 1) == 1) {
			cr_assert(c == '0' || c == '0' + CS_ERR_CONFLICT,
			    "unexpected %c", c);
			wins += c == '0';
		}
		close(fds[0]);
		for (i = 0; i < 4; i++)
			wait_ok(pids[i], "updater");
		cr_assert_eq(wins, 1, "round %d: %d winners", round, wins);
		cr_assert_eq(f.st->ops->load(f.st, key, cs_now(), &r), CS_OK);
		cr_assert_neq(r.version, v);
		cs_record_free(&r);
		free(key);
	}
	fx_close(&f);
}

Test(concurrency, logout_in_another_process_is_never_undone_by_a_request)
{
	struct cs_record r;
	uint64_t v;
	struct fx f;
	char *key;
	pid_t pid;
	int rc;

	fx_open(&f);
	key = fx_create(&f, NULL, "{\"_auth_user_id\":\"1\"}", cs_now() + 100,
	    "alice", &v);
	/* Request A has loaded the session... */
	cr_assert_eq(f.st->ops->load(f.st, key, cs_now(), &r), CS_OK);
	cs_record_free(&r);
	/* ...when process B logs the user out. */
	if ((pid = fork()) == 0)
		_exit(f.st->ops->del(f.st, key) == CS_OK ? 0 : 1);
	wait_ok(pid, "logout");
	/* A then saves what it had: refused, and nothing comes back. */
	memset(&r, 0, sizeof(r));
	r.data = "{\"_auth_user_id\":\"1\",\"cart\":3}";
	r.data_len = strlen(r.data);
	r.expire = cs_now() + 100;
	r.user = "alice";
	r.version = v;
	rc = f.st->ops->save(f.st, &key, &r, CS_SAVE_UPDATE);
	cr_assert_eq(rc, CS_ERR_CONFLICT);
	cr_assert_eq(f.st->ops->touch(f.st, key, cs_now() + 500, v),
	    CS_ERR_CONFLICT);
	cr_assert_eq(f.st->ops->exists(f.st, key), CS_ERR_NOT_FOUND);
	cr_assert_eq(fx_problems(&f), 0);
	free(key);
	fx_close(&f);
}

Test(concurrency, killed_reader_does_not_block_or_leak_reader_slots)
{
	struct cs_lmdb_stats st;
	struct cs_record r;
	struct fx f;
	char *key;
	pid_t pid;
	int i, status;

	fx_open(&f);
	key = fx_create(&f, NULL, "{}", cs_now() + 100, NULL, NULL);
	for (i = 0; i < 20; i++) {
		if ((pid = fork()) == 0) {
			struct cs_record cr;

			/* Take a reader slot, then die without closing. */
			f.st->ops->load(f.st, key, cs_now(), &cr);
			raise(SIGKILL);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		cr_assert(WIFSIGNALED(status));
	}
	/* Each opener (every child reopens after fork) clears the slots of
	 * the dead, so they never pile up: ours, and the last victim's. */
	cr_assert_eq(cs_lmdb_stats(f.st, cs_now(), &st), CS_OK);
	cr_assert_leq(st.readers, 2, "%u slots held", st.readers);
	/* A new opener clears dead slots; writes and reads go on. */
	if ((pid = fork()) == 0) {
		struct cs_store *st2;
		char err[256];

		cs_store_close(f.st);
		if (cs_store_open(&st2, &f.cfg, err, sizeof(err)))
			_exit(1);
		_exit(st2->ops->load(st2, key, cs_now(), &r) == CS_OK ? 0 : 2);
	}
	wait_ok(pid, "reopen");
	free(fx_create(&f, NULL, "{}", cs_now() + 100, NULL, NULL));
	cr_assert_eq(cs_lmdb_stats(f.st, cs_now(), &st), CS_OK);
	cr_assert_leq(st.readers, 2, "%u slots held", st.readers);
	free(key);
	fx_close(&f);
}

/*
 * Requests of several processes on a shared pool of sessions through the
 * session API, with the clock of each process apart, a map that starts at
 * 1 MiB, logouts, key cycling, owners and short expiries, and a sweep
 * beside them.  Each process only ever counts up its own field "cN" of a
 * session and reports each count after its save committed; at the end a
 * session still there holds every process's last committed count (no
 * lost update, whoever else wrote meanwhile), no session logged out or
 * cycled away has come back, and the indexes agree.
 */
#define T		1700000000
#define POOL		64
#define PROCS		4
#define REQUESTS	2000

struct report {
	int	 proc;		/* -1: the key was deleted (flush, cycle) */
	int	 key;
	int	 count;
};

static int
session_requests(struct fx *f, int p, int fd, unsigned seed)
{
	char keys[POOL][CS_SESSION_KEY_LEN + 1], field[16], user[16];
	int counts[POOL] = { 0 }, i, k, rc, op;
	struct report rep;
	struct cs_session *s;
	int64_t c;

	snprintf(field, sizeof(field), "c%d", p);
	snprintf(user, sizeof(user), "u%d", p % 2);
	for (k = 0; k < POOL; k++)
		fx_key(keys[k], 'k', (unsigned)k);
	srand(seed);
	for (i = 0; i < REQUESTS; i++) {
		csi_clock_fix(T + i + rand() % 5);
		k = rand() % POOL;
		op = rand() % 1000;
		if (cs_session_new(&s, f->st, &f->cfg, keys[k]))
			return 10;
		if (op == 0) {
			/* logout */
			if ((rc = cs_session_flush(s)))
				return 20 + rc;
			rep = (struct report){ -1, k, 0 };
			if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
				return 30;
			cs_session_free(s);
			continue;
		}
		c = 0;
		cs_session_get_int(s, field, &c);
		if (cs_session_error(s))
			return 40;
		if (c == 0 && cs_session_key(s) == NULL)
			/* Gone for this process's clock.  The clocks of the
			 * processes are apart, so another may still see it
			 * live and extend it: until it is seen again, our
			 * count in it is unknown. */
			counts[k] = -1;
		else if (counts[k] < 0 && c != 0)
			counts[k] = c;		/* back: it is what we saved */
		else if (c != 0 && c != counts[k])
			/* Our own count, if there, is the last we saved. */
			return 50;
		if (counts[k] < 0 && cs_session_key(s) != NULL)
			counts[k] = 0;
		cs_session_set_int(s, field, (counts[k] < 0 ? 0 : counts[k]) + 1);
		if (op >= 2 && op < 52)
			/* now and then one that runs out at once */
			cs_session_set_expiry(s, op < 5 ? 1 + rand() % 3 : 3600);
		if (op >= 52 && op < 152)
			cs_session_set_user(s, user);
		if (op == 1 && cs_session_key(s) != NULL) {
			/* cycle_key: the pool's key is gone for good */
			if ((rc = cs_session_cycle_key(s)))
				return 60 + rc;
			rep = (struct report){ -1, k, 0 };
			if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
				return 30;
			cs_session_free(s);
			continue;
		}
		/* Only a save under the pool key counts (not a fresh one). */
		if (cs_session_key(s) == NULL ||
		    strcmp(cs_session_key(s), keys[k]) != 0) {
			cs_session_free(s);
			continue;
		}
		rc = cs_session_save(s);
		if (rc == CS_OK) {
			counts[k] = (counts[k] < 0 ? 0 : counts[k]) + 1;
			rep = (struct report){ p, k, counts[k] };
			if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
				return 30;
		} else if (rc != CS_ERR_CONFLICT)
			return 70 + rc;
		cs_session_free(s);
	}
	return 0;
}

static int
session_sweeper(struct fx *f)
{
	struct cs_sweep_stats st;
	int i, rc;

	for (i = 0; i < 200; i++) {
		csi_clock_fix(T + 2 * i);
		if ((rc = f->st->ops->clear_expired(f->st, cs_now(), 7, false,
		    &st)))
			return 10 + rc;
	}
	return 0;
}

Test(concurrency, session_requests_of_many_processes_lose_no_committed_change)
{
	int last[POOL][PROCS], gone_at[POOL], fds[2], i, k, n = 0, seq = 0;
	char key[CS_SESSION_KEY_LEN + 1], field[16];
	pid_t pids[PROCS + 1];
	struct cs_session *s;
	struct report rep;
	int64_t c;
	struct fx f;

	fx_init(&f);
	cr_assert_eq(fx_open_with(&f, "1048576", NULL, "none"), CS_OK);
	csi_clock_fix(T);
	for (k = 0; k < POOL; k++) {
		char data[4096];

		fx_key(key, 'k', (unsigned)k);
		/* Fat records, so that the map has to grow. */
		snprintf(data, sizeof(data), "{\"pad\":\"%0*d\"}", 3000, k);
		free(fx_create(&f, key, data, T + 1209600, k % 3 ? "u0" : NULL,
		    NULL));
		gone_at[k] = -1;
		for (i = 0; i < PROCS; i++)
			last[k][i] = 0;
	}
	cr_assert_eq(pipe(fds), 0);
	for (i = 0; i < PROCS; i++)
		if ((pids[n++] = fork()) == 0) {
			close(fds[0]);
			_exit(session_requests(&f, i, fds[1], 1000 + i));
		}
	if ((pids[n++] = fork()) == 0)
		_exit(session_sweeper(&f));
	close(fds[1]);
	while (read(fds[0], &rep, sizeof(rep)) == sizeof(rep)) {
		seq++;
		if (rep.proc < 0)
			gone_at[rep.key] = seq;
		else
			last[rep.key][rep.proc] = rep.count;
	}
	close(fds[0]);
	for (i = 0; i < n; i++)
		wait_ok(pids[i], i < PROCS ? "requests" : "sweeper");
	/* The run did what it is for: many commits, some logouts. */
	cr_assert_gt(seq, PROCS * REQUESTS / 4, "%d reports", seq);
	for (k = 0, i = 0; k < POOL; k++)
		i += gone_at[k] >= 0;
	cr_assert_gt(i, 0);
	cr_assert_lt(i, POOL, "every session logged out: nothing checked");
	cr_assert_eq(fx_problems(&f), 0);
	csi_clock_fix(T);
	for (k = 0; k < POOL; k++) {
		fx_key(key, 'k', (unsigned)k);
		if (gone_at[k] >= 0) {
			/* Deleted once: saves never re-create a record. */
			cr_assert_eq(f.st->ops->exists(f.st, key), CS_ERR_NOT_FOUND,
			    "session %d came back after a logout", k);
			continue;
		}
		cr_assert_eq(cs_session_new(&s, f.st, &f.cfg, key), CS_OK);
		if (cs_session_len(s) == 0 || cs_session_key(s) == NULL) {
			/* expired (short custom expiry): nothing to check */
			cs_session_free(s);
			continue;
		}
		for (i = 0; i < PROCS; i++) {
			snprintf(field, sizeof(field), "c%d", i);
			c = 0;
			cs_session_get_int(s, field, &c);
			cr_assert_eq(c, last[k][i], "session %d, process %d: %lld "
			    "stored, %d committed", k, i, (long long)c,
			    last[k][i]);
		}
		cs_session_free(s);
	}
	fx_close(&f);
}
