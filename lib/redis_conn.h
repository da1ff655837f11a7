/*
 * redis_conn.h -- internal: the connections of the redis engine and of
 * the users and throttle kept in Redis: the pool or the Sentinel-found
 * primary from the SESSION_REDIS_* settings, timeouts, one reconnect.
 */
#ifndef CSESS_REDIS_CONN_H
#define CSESS_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <pthread.h>

#include "csess/config.h"
#include "redis_url.h"

struct cs_redis_server {
	struct cs_redis_addr	 addr;
	redisContext		*ctx;		/* NULL until connected */
	bool			 down_logged;	/* the outage has had its line */
};

struct cs_redis {
	struct cs_redis_server	*servers;	/* the pool (one without) */
	size_t			 nservers;
	long			*weights;	/* the pool's, for the choice */
	struct cs_redis_addr	*sentinels;	/* NULL: no Sentinel */
	size_t			 nsentinels;
	char			*master_alias;
	struct timeval		 timeout;
	pthread_mutex_t		 lock;		/* one command at a time */
	char			 error[512];
};

/* From cfg's SESSION_REDIS_* settings; connects lazily.  CS_ERR_CONFIG
 * with err naming the setting. */
int	csi_redis_init(struct cs_redis *, const struct cs_config *cfg,
	    char *err, size_t errlen);
void	csi_redis_fini(struct cs_redis *);
/* The pool server for a session key (django-redis-sessions' POOL); 0
 * without a pool. */
size_t	csi_redis_server_for(const struct cs_redis *, const char *key);
/*
 * Run one command on server i (argv/lens as redisCommandArgv), with one
 * reconnect when the connection broke or the server turned replica.
 * CS_OK with *reply the caller's (freeReplyObject), or CS_ERR_STORE with
 * r->error set and one line on stderr per outage naming Redis and the
 * address; an error reply is CS_ERR_STORE too.
 */
int	csi_redis_cmd(struct cs_redis *, size_t i, int argc, const char **argv,
	    const size_t *lens, redisReply **reply);

/*
 * SCAN server i for keys matching the glob pattern; fn gets each name
 * (NUL-terminated) and may run commands itself.  Stops on fn's non-zero,
 * which is returned.
 */
int	csi_redis_scan(struct cs_redis *, size_t i, const char *pattern,
	    int (*fn)(void *arg, const char *name, size_t len), void *arg);

#endif
