/*
 * store_fixture.h -- shared by the store tests: a private store under
 * $TMPDIR configured through an envp array, as a program would get it.
 * Criterion runs each test in its own process, so each test gets a fresh
 * per-process LMDB environment too.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csess.h"

struct fx {
	char			 dir[256];
	char			 path[320];
	struct cs_config	 cfg;
	struct cs_store		*st;
};

static inline void
fx_config(struct fx *f, const char *map, const char *max, const char *sync)
{
	char store[400], mapv[64], maxv[64], syncv[64], err[256];
	char *envp[] = { store, mapv, maxv, syncv, NULL };

	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s", f->path);
	snprintf(mapv, sizeof(mapv), "CSESS_SESSION_STORE_MAP_SIZE=%s",
	    map ? map : "67108864");
	snprintf(maxv, sizeof(maxv), "CSESS_SESSION_STORE_MAX_SIZE=%s",
	    max ? max : "4294967296");
	snprintf(syncv, sizeof(syncv), "CSESS_SESSION_SYNC=%s",
	    sync ? sync : "none");
	cr_assert_eq(cs_config_load_env(&f->cfg, envp, err, sizeof(err)), CS_OK,
	    "config: %s", err);
}

/* A fresh directory; the store file goes in a "db" subdirectory that the
 * engine has to create. */
static inline void
fx_init(struct fx *f)
{
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/csess-store.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/db/sessions.mdb", f->dir);
}

static inline int
fx_open_with(struct fx *f, const char *map, const char *max, const char *sync)
{
	char err[256];
	int rc;

	fx_config(f, map, max, sync);
	rc = cs_store_open(&f->st, &f->cfg, err, sizeof(err));
	return rc;
}

static inline void
fx_open(struct fx *f)
{
	fx_init(f);
	cr_assert_eq(fx_open_with(f, NULL, NULL, NULL), CS_OK);
}

static inline void
fx_close(struct fx *f)
{
	char cmd[400];

	cs_store_close(f->st);
	f->st = NULL;
	cs_config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
}

/* Save a new session under key (NULL: generated, returned malloc'd). */
static inline char *
fx_create(struct fx *f, const char *key, const char *data, int64_t expire,
    const char *user, uint64_t *version)
{
	struct cs_record r = { 0 };
	char *k = key ? strdup(key) : NULL;
	int rc;

	r.data = (char *)data;
	r.data_len = strlen(data);
	r.expire = expire;
	r.user = (char *)user;
	rc = f->st->ops->save(f->st, &k, &r, CS_SAVE_CREATE);
	cr_assert_eq(rc, CS_OK, "create: %s", cs_strerror(rc));
	if (version)
		*version = r.version;
	return k;
}

static inline void
fx_key(char out[CS_SESSION_KEY_LEN + 1], char fill, unsigned n)
{
	char num[16];

	memset(out, fill, CS_SESSION_KEY_LEN);
	snprintf(num, sizeof(num), "%08u", n % 100000000u);
	memcpy(out + CS_SESSION_KEY_LEN - 8, num, 9);
}

static inline uint64_t
fx_problems(struct fx *f)
{
	uint64_t n = 0;

	cr_assert_eq(cs_lmdb_verify(f->st, NULL, NULL, &n), CS_OK);
	return n;
}

#endif
