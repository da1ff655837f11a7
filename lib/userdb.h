/*
 * userdb.h -- internal: where users and login-throttling counters live.
 *
 * With SESSION_ENGINE = redis they live in the same Redis as the sessions
 * (every host shares them: a user added on one host logs in on another,
 * failures on every host count together); otherwise in the LMDB store
 * (users.c, throttle.c).  users.c and throttle.c call the functions below
 * when csi_userdb_redis() says so; the record format (users: the same JSON
 * as in LMDB) is shared, only the storage differs.
 *
 * Redis layout, beside the sessions (PREFIX: as SESSION_REDIS_PREFIX):
 *   PREFIX:csess:users               hash  name -> user JSON, "#iterations"
 *   PREFIX:csess:throttle:u:NAME     counter, TTL = the rest of the window
 *   PREFIX:csess:throttle:a:ADDRESS  counter, TTL = the rest of the window
 */
#ifndef CSESS_USERDB_H
#define CSESS_USERDB_H

#include "csess/users.h"

/* True when users and counters are in Redis (SESSION_ENGINE = redis). */
bool	csi_userdb_redis(const struct cs_config *);

/* Users: the JSON record (malloc'd) of name, or CS_ERR_NOT_FOUND. */
int	csi_rusers_get(const struct cs_config *, const char *name, char **json);
/* Store json under name; create_only: CS_ERR_EXISTS when taken. */
int	csi_rusers_put(const struct cs_config *, const char *name,
	    const char *json, bool create_only);
int	csi_rusers_del(const struct cs_config *, const char *name);
int	csi_rusers_each(const struct cs_config *,
	    int (*fn)(void *, const char *name, const char *json), void *arg);
/* The wrong-password cost's high-water mark (0 when none) / raise it. */
int	csi_rusers_cost(const struct cs_config *, unsigned long *high);
int	csi_rusers_raise_cost(const struct cs_config *, unsigned long n);

/* Throttle: the operations of csess/users.h, same contracts. */
enum cs_rthrottle_op {
	CS_RTHROTTLE_CHECK,	/* retry only */
	CS_RTHROTTLE_FAIL,	/* count, whatever the limits */
	CS_RTHROTTLE_RESERVE	/* count unless blocked */
};
int	csi_rthrottle(const struct cs_config *, enum cs_rthrottle_op,
	    const char *user, const char *addr, int64_t *retry);
int	csi_rthrottle_succeeded(const struct cs_config *, const char *user,
	    const char *addr);
int	csi_rthrottle_each(const struct cs_config *,
	    int (*fn)(void *, const struct cs_throttle_entry *), void *arg);
int	csi_rthrottle_clear(const struct cs_config *, const char *user,
	    const char *addr, size_t *cleared);

#endif
