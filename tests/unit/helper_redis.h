/*
 * helper_redis.h -- a real redis-server for a test: started in a private
 * directory on a unix socket (or a loopback port), stopped by its PID.
 */
#ifndef HELPER_REDIS_H
#define HELPER_REDIS_H

#include <sys/types.h>

struct test_redis {
	char	 dir[256];
	char	 sock[320];	/* unix socket path */
	char	 url[400];	/* unix://SOCK */
	int	 port;		/* 0: unix socket only */
	pid_t	 pid;
};

/* Start redis-server (port 0: unix socket only); 0 when it answers PING. */
int	test_redis_start(struct test_redis *, int port);
/* Start it again on the same socket/port and directory. */
int	test_redis_restart(struct test_redis *);
/* Stop it (SIGKILL to the PID, then reap). */
void	test_redis_kill(struct test_redis *);
/* Stop and remove the directory. */
void	test_redis_stop(struct test_redis *);
/* A free loopback TCP port (bound then released). */
int	test_free_port(void);
/* Run a redis-cli-like command on it; the reply's string or integer as
 * text in out ("" for nil).  0 on success. */
int	test_redis_do(struct test_redis *, char *out, size_t outlen,
	    const char *fmt, ...);

#endif
