/*
 * users_env.h -- internal: the LMDB handle shared by users.c and throttle.c.
 */
#ifndef CSESS_USERS_ENV_H
#define CSESS_USERS_ENV_H

#include "lmdb_env.h"

/* The process's handle on cfg->session_store, acquired on first use and
 * kept for the life of the process (lmdb_env reopens it after fork). */
int	cs_users_env(const struct cs_config *, struct cs_lmdb_env **);

#endif
