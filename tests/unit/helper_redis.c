/*
 * helper_redis.c -- see helper_redis.h.  redis-server comes from Debian's
 * redis-server package (scripts/deps); nothing is ever stopped by name.
 */
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_redis.h"

int
test_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int
answers(struct test_redis *r)
{
	char out[16];

	return test_redis_do(r, out, sizeof(out), "PING") == 0 &&
	    strcmp(out, "PONG") == 0;
}

static int
spawn(struct test_redis *r)
{
	char port[16], log[400];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis.log", r->dir);
	if ((r->pid = fork()) < 0)
		return -1;
	if (r->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* Dies with the test, even one that crashed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--unixsocket", r->sock,
		    "--save", "", "--appendonly", "no", "--dir", r->dir,
		    "--logfile", log, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 250; i++) {
		if (answers(r))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
test_redis_start(struct test_redis *r, int port)
{
	const char *tmp = getenv("TMPDIR");

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s/csess-redis.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(r->dir) == NULL)
		return -1;
	snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
	snprintf(r->url, sizeof(r->url), "unix://%s", r->sock);
	r->port = port;
	return spawn(r);
}

int
test_redis_restart(struct test_redis *r)
{
	return spawn(r);
}

void
test_redis_kill(struct test_redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	r->pid = 0;
	unlink(r->sock);
}

void
test_redis_stop(struct test_redis *r)
{
	char cmd[300];

	test_redis_kill(r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (r->dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", r->dir);
}

int
test_redis_do(struct test_redis *r, char *out, size_t outlen, const char *fmt,
    ...)
{
	struct timeval tv = { 1, 0 };
	redisContext *c;
	redisReply *rep;
	va_list ap;
	int rc = -1;

	out[0] = '\0';
	c = redisConnectUnixWithTimeout(r->sock, tv);
	if (c == NULL || c->err) {
		if (c)
			redisFree(c);
		return -1;
	}
	va_start(ap, fmt);
	rep = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (rep != NULL) {
		if (rep->type == REDIS_REPLY_INTEGER)
			snprintf(out, outlen, "%lld", rep->integer);
		else if (rep->str != NULL)
			snprintf(out, outlen, "%.*s", (int)rep->len, rep->str);
		rc = rep->type == REDIS_REPLY_ERROR ? -1 : 0;
		freeReplyObject(rep);
	}
	redisFree(c);
	return rc;
}
