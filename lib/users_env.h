/*
 * users_env.h -- internal: the LMDB handle shared by users.c and throttle.c.
 */
#ifndef CSESS_USERS_ENV_H
#define CSESS_USERS_ENV_H

#include "lmdb_env.h"

/* The process's handle on cfg->session_store, acquired on first use and
 * kept for the life of the process (lmdb_env reopens it after fork). */
int	csi_users_env(const struct cs_config *, struct cs_lmdb_env **);

/*
 * What a wrong password costs, in PBKDF2 rounds, for every name known or
 * not: PASSWORD_ITERATIONS, or the highest count any stored hash has had
 * when that is more (bounded by PASSWORD_MAX_ITERATIONS).  An unknown user's
 * dummy hash runs that many, and a weaker stored hash is padded to it.
 */
int	csi_users_wrong_password_cost(const struct cs_config *, long *cost);
/* A stored hash with more rounds than *cost was seen (one stored before the
 * high-water mark existed): raise the mark and *cost to its count. */
int	csi_users_note_hash(const struct cs_config *, const char *hash, long *cost);

#endif
