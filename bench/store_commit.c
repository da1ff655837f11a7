/*
 * store_commit.c -- the protected page's write without FastCGI: load one
 * of 200 sessions and save it back (an UPDATE, its expiry moved on) through
 * the csess LMDB store, in PROCS processes on one store.  Beside
 * bench/lmdb_commit (one mdb_put + commit on the main database) it tells
 * what the store's own commit costs -- a named database, the expiry entry,
 * the version check -- apart from what serving the page over FastCGI does.
 *
 * usage: store_commit STORE full|meta|none SECONDS [PROCS]   (PROCS: 2)
 * prints: commits/s of all processes together
 * The 200 sessions are made on the first run; their keys are kept in
 * STORE.keys for the runs after it.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csess.h"
#include "bench.h"

#define SESSIONS	200

static char keys[SESSIONS][CS_SESSION_KEY_LEN + 1];

/* The sessions' keys from STORE.keys, or 200 new sessions written there. */
static int
sessions(struct cs_store *st, const char *path)
{
	char kpath[600], *key;
	struct cs_record r;
	FILE *f;
	int i;

	snprintf(kpath, sizeof(kpath), "%s.keys", path);
	if ((f = fopen(kpath, "r")) != NULL) {
		for (i = 0; i < SESSIONS; i++)
			if (fscanf(f, "%32s", keys[i]) != 1)
				break;
		fclose(f);
		return i == SESSIONS ? 0 : -1;
	}
	memset(&r, 0, sizeof(r));
	r.data = "{\"_auth_user_id\":\"1\",\"_auth_user_backend\":\"csess\","
	    "\"_auth_user_hash\":\"0123456789abcdef0123456789abcdef\",\"visits\":0}";
	r.data_len = strlen(r.data);
	r.user = "bench";
	for (i = 0; i < SESSIONS; i++) {
		key = NULL;
		r.expire = cs_now() + 3600;
		if (st->ops->save(st, &key, &r, CS_SAVE_CREATE) != CS_OK)
			return -1;
		memcpy(keys[i], key, sizeof(keys[i]));
		free(key);
	}
	if ((f = fopen(kpath, "w")) == NULL)
		return -1;
	for (i = 0; i < SESSIONS; i++)
		fprintf(f, "%s\n", keys[i]);
	return fclose(f);
}

/* One process's loop: the commits it made, or -1. */
static long
visits(struct cs_store *st, unsigned start, double secs)
{
	struct cs_record r;
	double t0 = bench_now();
	char *key;
	long n = 0;
	int rc;

	do {
		key = keys[(start + (unsigned)n * 7) % SESSIONS];
		if (st->ops->load(st, key, cs_now(), &r) != CS_OK)
			return -1;
		r.expire = cs_now() + 3600;
		rc = st->ops->save(st, &key, &r, CS_SAVE_UPDATE);
		cs_record_free(&r);
		/* Another process saved it between the load and the save. */
		if (rc != CS_OK && rc != CS_ERR_CONFLICT)
			return -1;
		n++;
	} while ((n & 15) || bench_now() - t0 < secs);
	return n;
}

int
main(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_store *st;
	int i, procs, status, fds[2];
	double secs, t0;
	long n, total = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: store_commit STORE full|meta|none SECONDS [PROCS]\n");
		return 2;
	}
	secs = atof(argv[3]);
	procs = argc == 5 ? atoi(argv[4]) : 2;
	if (procs < 1 || pipe(fds) != 0 ||
	    bench_open_store(&st, &cfg, argv[1], argv[2], "store_commit"))
		return 1;
	if (sessions(st, argv[1]) != 0) {
		fprintf(stderr, "store_commit: cannot make or read the sessions\n");
		return 1;
	}
	cs_store_close(st);
	cs_config_free(&cfg);
	t0 = bench_now();
	for (i = 0; i < procs; i++) {
		if (fork() != 0)
			continue;
		n = bench_open_store(&st, &cfg, argv[1], argv[2], "store_commit") ? -1 :
		    visits(st, (unsigned)i * 31, secs);
		if (write(fds[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(n < 0);
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total = n < 0 || total < 0 ? -1 : total + n;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			total = -1;
	if (total < 0) {
		fprintf(stderr, "store_commit: a process failed\n");
		return 1;
	}
	printf("%.0f\n", (double)total / (bench_now() - t0));
	return 0;
}
