/*
 * lmdb_commit.c -- the ceiling for pages that write: one mdb_put of a
 * session-sized record and one commit per iteration, in one process, with
 * the environment flags lib/lmdb_env.c uses for each SESSION_SYNC mode
 * (full: none; meta: MDB_NOMETASYNC; none: MDB_NOSYNC).  No page that
 * writes its session on every visit can commit faster than this on the
 * same disk.
 *
 * usage: lmdb_commit STORE full|meta|none SECONDS
 * prints: commits/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "bench.h"

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_commit: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

int
main(int argc, char **argv)
{
	char key[33], value[256];
	unsigned flags = MDB_NOSUBDIR;
	double t0, secs;
	unsigned long n = 0;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: lmdb_commit STORE full|meta|none SECONDS\n");
		return 2;
	}
	if (strcmp(argv[2], "meta") == 0)
		flags |= MDB_NOMETASYNC;
	else if (strcmp(argv[2], "none") == 0)
		flags |= MDB_NOSYNC;
	else if (strcmp(argv[2], "full") != 0)
		return 2;
	secs = atof(argv[3]);
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, 64 << 20)) ||
	    (rc = mdb_env_open(env, argv[1], flags, 0600)))
		return fail("open", rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) || (rc = mdb_txn_commit(txn)))
		return fail("dbi", rc);
	/* 200 sessions of about the size the protected page writes. */
	memset(value, 'x', sizeof(value));
	t0 = bench_now();
	do {
		snprintf(key, sizeof(key), "bench%027lu", n % 200);
		k.mv_data = key;
		k.mv_size = 32;
		v.mv_data = value;
		v.mv_size = sizeof(value);
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
		    (rc = mdb_put(txn, dbi, &k, &v, 0)) || (rc = mdb_txn_commit(txn)))
			return fail("commit", rc);
		n++;
	} while ((n & 63) || bench_now() - t0 < secs);
	printf("%.0f\n", (double)n / (bench_now() - t0));
	mdb_env_close(env);
	return 0;
}
