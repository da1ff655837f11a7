/*
 * bench_redis.c -- session load and save (UPDATE) per engine, side by
 * side: lmdb (SESSION_SYNC=none and full) and redis over a unix socket and
 * over loopback TCP, each redis-server started here in a temp directory
 * (no persistence) and stopped by its PID.  A typical logged-in session
 * (~200 bytes of JSON).  Prints microseconds per operation.
 *
 * usage: bench_redis [OPS]   (default 20000)
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csess.h"

#define DATA "{\"_auth_user_id\":\"alice\",\"_auth_user_backend\":" \
	"\"django.contrib.auth.backends.ModelBackend\",\"_auth_user_hash\":" \
	"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"," \
	"\"cart\":[1,2,3]}"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t
redis_start(const char *dir, int port, const char *sock)
{
	char p[16];
	pid_t pid;

	snprintf(p, sizeof(p), "%d", port);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execlp("redis-server", "redis-server", "--port", p, "--bind",
		    "127.0.0.1", "--unixsocket", sock, "--save", "",
		    "--appendonly", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Open the engine (retrying while redis-server starts) and measure. */
static int
bench(const char *label, char **env, int ops)
{
	struct cs_config cfg;
	struct cs_store *st = NULL;
	struct cs_record rec = { 0 }, out;
	char err[256], *key = NULL;
	double t0, tl, ts;
	int i, rc = 1;

	if (cs_config_load_env(&cfg, env, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", label, err);
		return 1;
	}
	if (cs_store_open(&st, &cfg, err, sizeof(err)))
		goto out;
	rec.data = DATA;
	rec.data_len = strlen(DATA);
	rec.expire = cs_now() + 3600;
	for (i = 0; i < 200; i++) {
		if (cs_store_save(st, &key, &rec, CS_SAVE_CREATE) == CS_OK)
			break;
		usleep(20000);
	}
	if (key == NULL) {
		fprintf(stderr, "%s: %s\n", label, cs_store_error(st));
		goto out;
	}
	t0 = now_s();
	for (i = 0; i < ops; i++) {
		if (cs_store_load(st, key, cs_now(), &out))
			goto out;
		cs_record_free(&out);
	}
	tl = (now_s() - t0) / ops * 1e6;
	t0 = now_s();
	for (i = 0; i < ops; i++)
		if (cs_store_save(st, &key, &rec, CS_SAVE_UPDATE))
			goto out;
	ts = (now_s() - t0) / ops * 1e6;
	printf("%-22s load %8.1f us   save %8.1f us\n", label, tl, ts);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: failed: %s\n", label, cs_store_error(st));
	free(key);
	cs_store_close(st);
	cs_config_free(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	char dir[256], sock[320], store[400], url[400], tcp[400], cmd[300];
	char *lmdb_none[] = { "CSESS_SECRET_KEY=bench", store,
	    "CSESS_SESSION_SYNC=none", NULL };
	char *lmdb_full[] = { "CSESS_SECRET_KEY=bench", store,
	    "CSESS_SESSION_SYNC=full", NULL };
	char *redis_unix[] = { "CSESS_SECRET_KEY=bench",
	    "CSESS_SESSION_ENGINE=redis", url, NULL };
	char *redis_tcp[] = { "CSESS_SECRET_KEY=bench",
	    "CSESS_SESSION_ENGINE=redis", tcp, NULL };
	const char *tmp = getenv("TMPDIR");
	int ops = argc > 1 ? atoi(argv[1]) : 20000, port, rc = 0;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/csess-bench.XXXXXX", tmp ? tmp : "/tmp");
	if (ops <= 0 || mkdtemp(dir) == NULL)
		return 2;
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s/s.mdb", dir);
	snprintf(url, sizeof(url), "CSESS_SESSION_REDIS_URL=unix://%s", sock);
	port = free_port();
	snprintf(tcp, sizeof(tcp), "CSESS_SESSION_REDIS_URL=redis://127.0.0.1:%d/0",
	    port);
	printf("session load / save (UPDATE), %d operations each\n", ops);
	rc |= bench("lmdb (sync none)", lmdb_none, ops);
	rc |= bench("lmdb (sync full)", lmdb_full, ops / 10 ? ops / 10 : 1);
	pid = redis_start(dir, port, sock);
	for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
		usleep(10000);
	rc |= bench("redis (unix socket)", redis_unix, ops);
	rc |= bench("redis (loopback TCP)", redis_tcp, ops);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
