/*
 * users_fixture.h -- a private LMDB store and configuration for the users,
 * throttling, auth and CSRF tests, built from an envp as a program gets it.
 */
#ifndef USERS_FIXTURE_H
#define USERS_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csess.h"

struct ufx {
	char			 dir[256];
	char			 vars[8][512];
	char			*envp[9];
	int			 nvars;
	struct cs_config	 cfg;
};

static inline void
ufx_set(struct ufx *f, const char *name, const char *value)
{
	snprintf(f->vars[f->nvars], sizeof(f->vars[0]), "CSESS_%s=%s", name, value);
	f->envp[f->nvars] = f->vars[f->nvars];
	f->nvars++;
	f->envp[f->nvars] = NULL;
}

/* Call after any ufx_set()s. */
static inline void
ufx_load(struct ufx *f)
{
	char err[256];

	cr_assert_eq(cs_config_load_env(&f->cfg, f->envp, err, sizeof(err)), CS_OK,
	    "config: %s", err);
}

static inline void
ufx_init(struct ufx *f)
{
	char path[400];
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/csess-users.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/sessions.mdb", f->dir);
	ufx_set(f, "SESSION_STORE", path);
	ufx_set(f, "SESSION_SYNC", "none");
	ufx_set(f, "SECRET_KEY", "users-fixture-secret-key-users-fixture-secret-key");
	ufx_set(f, "PASSWORD_ITERATIONS", "1000");
}

static inline void
ufx_add_user(struct ufx *f, const char *name, const char *password)
{
	struct cs_buf hash = { 0 };
	char auth[65];

	cr_assert_eq(cs_password_hash(&hash, password, strlen(password),
	    f->cfg.password_iterations, NULL), CS_OK);
	cr_assert_eq(cs_session_auth_hash(auth, hash.data, f->cfg.secret_key), CS_OK);
	cr_assert_eq(cs_user_put(&f->cfg, name, hash.data, auth, false), CS_OK);
	cs_buf_free(&hash);
}

#endif
