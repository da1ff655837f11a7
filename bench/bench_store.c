/*
 * bench_store.c -- the LMDB session engine against its targets:
 *   warm load                                  <= 2 us
 *   save (UPDATE) with SESSION_SYNC=none       <= 20 us   (full, meta beside it)
 *   clear-expired, 1,000,000 sessions, 100,000 expired   <= 1 s
 *   clear-expired, 1,000,000 sessions, 0 expired         <= 5 ms
 * both at the default settings (SESSION_SYNC=full), as cron runs it; the
 * first again with SESSION_SYNC=none for comparison.
 * The stores live under $TMPDIR (default /tmp) and are removed afterwards.
 * Seeding goes through cs_lmdb_import (batched transactions), timed too.
 *
 * usage: bench_store [SESSIONS]   (default 1000000; expired = SESSIONS/10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csess.h"
#include "bench.h"

/* Bench data only: a fast PRNG for keys, not the CSPRNG. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One of 5000 users, independent of the session's expiry (i % 1000): a
 * user's sessions expire at unrelated times, as on a real site. */
static size_t
user_of(size_t i)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return (size_t)(x % 5000);
}

static void
make_key(char out[CS_SESSION_KEY_LEN + 1])
{
	static const char al[] = CS_SESSION_KEY_CHARS;
	uint64_t r = 0;
	int i;

	for (i = 0; i < CS_SESSION_KEY_LEN; i++) {
		if (i % 12 == 0)
			r = next_rand();
		out[i] = al[r % 36];
		r /= 36;
	}
	out[CS_SESSION_KEY_LEN] = '\0';
}

/* n sessions: the first `expired' already expired, the rest live. */
static double
seed(struct cs_store *st, size_t n, size_t expired, int64_t now,
    char (*keep)[CS_SESSION_KEY_LEN + 1], size_t nkeep)
{
	char key[CS_SESSION_KEY_LEN + 1], err[256];
	uint64_t count;
	size_t i, bad;
	double t0, t;
	FILE *f = tmpfile();

	for (i = 0; i < n; i++) {
		make_key(key);
		if (i >= expired && i - expired < nkeep)
			memcpy(keep[i - expired], key, sizeof(key));
		fprintf(f, "{\"key\":\"%s\",\"expire\":%lld,\"user\":\"user%zu\","
		    "\"data\":{\"_auth_user_id\":\"%zu\",\"_auth_user_backend\":"
		    "\"csess\",\"_auth_user_hash\":\"0123456789abcdef0123456789"
		    "abcdef\"}}\n", key, (long long)(i < expired ? now - 10 - (int64_t)(i % 1000) :
		    now + 3600 + (int64_t)(i % 1000)), user_of(i), i);
	}
	rewind(f);
	t0 = bench_now();
	if (cs_lmdb_import(st, f, &count, &bad, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_store: import: %s (line %zu)\n", err, bad);
		exit(1);
	}
	t = bench_now() - t0;
	fclose(f);
	return t;
}

static void
verdict(const char *what, double value, double target, const char *unit)
{
	printf("%-46s %10.3f %-3s target %8.3f %-3s  %5.2fx of target  %s\n",
	    what, value, unit, target, unit, value / target,
	    value <= target ? "ok" : "OVER");
}

/*
 * Loads of sessions whose pages are in the page cache, cycling over
 * working sets of three sizes: the cost is memory latency in the B-tree
 * descent, so it grows with how many distinct sessions are hot.
 */
static void
bench_load(struct cs_store *st, char (*keys)[CS_SESSION_KEY_LEN + 1],
    size_t nkeys, int64_t now)
{
	static const size_t sets[] = { 100, 1000, 10000 };
	struct cs_record r;
	size_t i, j, n = 1000000, w;
	char label[96];
	double t0, t;

	for (j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
		w = sets[j] < nkeys ? sets[j] : nkeys;
		for (i = 0; i < w; i++) {		/* warm the pages */
			if (st->ops->load(st, keys[i], now, &r) != CS_OK) {
				fprintf(stderr, "bench_store: seeded key missing\n");
				exit(1);
			}
			cs_record_free(&r);
		}
		t0 = bench_now();
		for (i = 0; i < n; i++) {
			st->ops->load(st, keys[i % w], now, &r);
			cs_record_free(&r);
		}
		t = bench_now() - t0;
		snprintf(label, sizeof(label), "load, warm, %zu hot sessions", w);
		verdict(label, t / (double)n * 1e6, 2.0, "us");
	}
}

static void
bench_save(const char *dir, const char *sync, size_t n, double target)
{
	struct cs_config cfg;
	struct cs_store *st;
	struct cs_record r;
	char path[512], label[96], *key = NULL;
	double t0, t;
	size_t i;

	snprintf(path, sizeof(path), "%s/save-%s.mdb", dir, sync);
	if (bench_open_store(&st, &cfg, path, sync, "bench_store"))
		exit(1);
	memset(&r, 0, sizeof(r));
	r.data = "{\"_auth_user_id\":\"1\",\"n\":0}";
	r.data_len = strlen(r.data);
	r.expire = cs_now() + 3600;
	r.user = "alice";
	if (st->ops->save(st, &key, &r, CS_SAVE_CREATE) != CS_OK)
		exit(1);
	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (st->ops->save(st, &key, &r, CS_SAVE_UPDATE) != CS_OK) {
			fprintf(stderr, "bench_store: save failed\n");
			exit(1);
		}
	t = bench_now() - t0;
	snprintf(label, sizeof(label), "save (UPDATE), SESSION_SYNC=%s, %zu saves",
	    sync, n);
	if (target > 0)
		verdict(label, t / (double)n * 1e6, target, "us");
	else
		printf("%-46s %10.3f us (%.0f commits/s)\n", label,
		    t / (double)n * 1e6, (double)n / t);
	free(key);
	cs_store_close(st);
	cs_config_free(&cfg);
	unlink(path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "-lock");
	unlink(path);
}

/* Seconds of one sweep (batches of SWEEP_BATCH, default the library's, as
 * cron runs `csess sessions clear-expired'), which must remove `removed'
 * and leave `remaining'. */
static double
sweep(struct cs_store *st, int64_t now, size_t removed, size_t remaining,
    uint64_t *batches)
{
	struct cs_sweep_stats sw;
	double t = bench_now();

	const char *b = getenv("SWEEP_BATCH");

	if (st->ops->clear_expired(st, now, b ? strtoul(b, NULL, 10) : 0, false,
	    &sw) != CS_OK) {
		fprintf(stderr, "bench_store: sweep failed\n");
		exit(1);
	}
	t = bench_now() - t;
	if (sw.removed != removed || sw.remaining != remaining) {
		fprintf(stderr, "bench_store: sweep removed %llu, left %llu\n",
		    (unsigned long long)sw.removed,
		    (unsigned long long)sw.remaining);
		exit(1);
	}
	*batches = sw.batches;
	return t;
}

static void
reopen(struct cs_store **st, struct cs_config *cfg, const char *path,
    const char *sync)
{
	cs_store_close(*st);
	cs_config_free(cfg);
	if (bench_open_store(st, cfg, path, sync, "bench_store"))
		exit(1);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t expired = n / 10, nkeys = 10000;
	char (*keys)[CS_SESSION_KEY_LEN + 1] = calloc(nkeys, sizeof(*keys));
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[512], cmd[600];
	struct cs_config cfg;
	uint64_t batches;
	char label[96];
	struct cs_store *st;
	int64_t now = cs_now();
	double t;

	snprintf(dir, sizeof(dir), "%s/csess-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL || keys == NULL || n < 2 * nkeys)
		return 1;
	printf("bench_store: %zu sessions (%zu expired), store in %s\n", n,
	    expired, dir);

	/* Save latency side by side per durability mode. */
	bench_save(dir, "full", 2000, 0);
	bench_save(dir, "meta", 2000, 0);
	bench_save(dir, "none", 200000, 20.0);

	snprintf(path, sizeof(path), "%s/big.mdb", dir);
	if (bench_open_store(&st, &cfg, path, "none", "bench_store"))
		return 1;
	t = seed(st, n, expired, now, keys, nkeys);
	printf("%-46s %10.3f s  (%.0f sessions/s)\n", "seed: import of all sessions",
	    t, (double)n / t);

	/* Let the seed's writeback finish: a cron sweep does not run in the
	 * shadow of a million-session import. */
	sync();
	bench_load(st, keys, nkeys, now);

	/* The sweep as cron runs it: the default settings, SESSION_SYNC=full. */
	reopen(&st, &cfg, path, "full");
	snprintf(label, sizeof(label), "clear-expired, %zu of %zu, SESSION_SYNC=full",
	    expired, n);
	verdict(label, sweep(st, now, expired, n - expired, &batches), 1.0, "s");
	printf("%-46s %10llu\n", "  batches (write transactions)",
	    (unsigned long long)batches);
	snprintf(label, sizeof(label), "clear-expired, 0 of %zu, SESSION_SYNC=full", n);
	seed(st, expired, 0, now, keys, 0);	/* back to n, none expired */
	sync();
	verdict(label, sweep(st, now, 0, n, &batches) * 1e3, 5.0, "ms");

	/* For comparison: the same sweep without syncing. */
	seed(st, expired, expired, now, keys, 0);
	reopen(&st, &cfg, path, "none");
	sync();
	snprintf(label, sizeof(label), "clear-expired, %zu of %zu, SESSION_SYNC=none",
	    expired, n + expired);
	printf("%-46s %10.3f s   (for comparison)\n", label,
	    sweep(st, now, expired, n, &batches));

	cs_store_close(st);
	cs_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(keys);
	return system(cmd) == 0 ? 0 : 1;
}
