/*
 * bench.h -- what the bench programs share (each is one .c file linked
 * with libcsess): a monotonic clock, the order of doubles for medians, and
 * an LMDB store opened by its path and SESSION_SYNC mode.
 */
#ifndef CSESS_BENCH_H
#define CSESS_BENCH_H

#include <stdio.h>
#include <time.h>

#include "csess.h"

/* Seconds on the monotonic clock. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort(3) order of doubles, for the medians the bench programs print. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The store at path with SESSION_SYNC=sync; on failure prog names the
 * program in the message on stderr, and -1. */
static inline int
bench_open_store(struct cs_store **st, struct cs_config *cfg, const char *path,
    const char *sync, const char *prog)
{
	char e1[512], e2[64], err[256];
	char *envp[] = { e1, e2, NULL };

	snprintf(e1, sizeof(e1), "CSESS_SESSION_STORE=%s", path);
	snprintf(e2, sizeof(e2), "CSESS_SESSION_SYNC=%s", sync);
	if (cs_config_load_env(cfg, envp, err, sizeof(err)) ||
	    cs_store_open(st, cfg, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	return 0;
}

#endif
