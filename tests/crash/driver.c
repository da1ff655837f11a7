/*
 * driver.c -- writers for tests/crash/kill.sh, which SIGKILLs them at
 * random points.  The store and settings come from CSESS_* as for every
 * program.  A writer prints a line only after the write it names returned
 * CS_OK, so the last line printed is the last acknowledged write.
 *
 *   driver save USER       one session, counter "n" = 1, 2, ... saved in a
 *                          loop: "acked N" after each save
 *   driver cycle USER      as save, with cs_session_cycle_key before each
 *                          save: "acked N KEY"
 *   driver fill N USER AGE N sessions of USER expiring AGE seconds from
 *                          now (AGE < 0: already expired), then "filled N"
 *   driver max USER        the largest "n" over USER's stored sessions
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csess.h"
#include "csess_test.h"

static struct cs_config cfg;

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "driver: %s: %s\n", what, cs_strerror(rc));
	return 1;
}

/* Saves (cycling the key first when asked) until killed. */
static int
writer(const char *user, int cycle)
{
	struct cs_session *s;
	int64_t n;
	int rc;

	if ((rc = cs_session_new(&s, NULL, &cfg, NULL)) != CS_OK)
		return fail("new session", rc);
	if ((rc = cs_session_set_user(s, user)) != CS_OK)
		return fail("set user", rc);
	for (n = 1;; n++) {
		if (cycle && n > 1 && (rc = cs_session_cycle_key(s)) != CS_OK)
			return fail("cycle key", rc);
		if ((rc = cs_session_set_int(s, "n", n)) != CS_OK ||
		    (rc = cs_session_save(s)) != CS_OK)
			return fail("save", rc);
		if (cycle)
			printf("acked %lld %s\n", (long long)n,
			    cs_session_key(s));
		else
			printf("acked %lld\n", (long long)n);
		fflush(stdout);
	}
}

/* Sessions dated so that they expire age seconds from now. */
static int
fill(long count, const char *user, long age)
{
	struct cs_session *s;
	int64_t now = (int64_t)time(NULL);
	long i;
	int rc;

	/* An expired session cannot be saved at the real time: save it at a
	 * pinned clock an hour before, with the expiry it needs. */
	if (age < 0)
		csi_clock_fix(now - 3600);
	for (i = 0; i < count; i++) {
		if ((rc = cs_session_new(&s, NULL, &cfg, NULL)) != CS_OK)
			return fail("new session", rc);
		if ((rc = cs_session_set_user(s, user)) != CS_OK ||
		    (rc = cs_session_set_int(s, "n", 0)) != CS_OK ||
		    (rc = cs_session_set_expiry(s, age < 0 ? 3600 + age : age))
		    != CS_OK || (rc = cs_session_save(s)) != CS_OK) {
			cs_session_free(s);
			return fail("fill", rc);
		}
		cs_session_free(s);
	}
	csi_clock_fix(-1);
	printf("filled %ld\n", count);
	return 0;
}

static int
max_n(void *arg, const struct cs_store_session *ss)
{
	long long *best = arg;
	json_t *data, *n;

	if ((data = json_loadb(ss->data, ss->data_len, 0, NULL)) == NULL)
		return 0;
	n = json_object_get(data, "n");
	if (json_is_integer(n) && json_integer_value(n) > *best)
		*best = json_integer_value(n);
	json_decref(data);
	return 0;
}

static int
print_max(const char *user)
{
	struct cs_store *store;
	long long best = 0;
	char err[256];
	int rc;

	if ((rc = cs_session_store(&cfg, &store, err, sizeof(err))) != CS_OK) {
		fprintf(stderr, "driver: %s\n", err);
		return 1;
	}
	if ((rc = cs_store_foreach_user(store, user, max_n, &best)) != CS_OK)
		return fail("foreach", rc);
	printf("%lld\n", best);
	return 0;
}

int
main(int argc, char **argv)
{
	char err[256];
	int rc;

	if ((rc = cs_config_load(&cfg, err, sizeof(err))) != CS_OK) {
		fprintf(stderr, "driver: %s\n", err);
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "save") == 0)
		rc = writer(argv[2], 0);
	else if (argc == 3 && strcmp(argv[1], "cycle") == 0)
		rc = writer(argv[2], 1);
	else if (argc == 5 && strcmp(argv[1], "fill") == 0)
		rc = fill(atol(argv[2]), argv[3], atol(argv[4]));
	else if (argc == 3 && strcmp(argv[1], "max") == 0)
		rc = print_max(argv[2]);
	else {
		fprintf(stderr, "usage: driver save|cycle USER | "
		    "fill N USER AGE | max USER\n");
		rc = 2;
	}
	cs_config_free(&cfg);
	return rc;
}
