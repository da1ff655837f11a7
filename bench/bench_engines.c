/*
 * bench_engines.c -- session load and save (UPDATE) per stored engine,
 * side by side: lmdb, file, redis, cache and cached_db (a redis-server
 * and a memcached on loopback ephemeral ports, started here and stopped by
 * their PIDs; an engine is skipped when its server is missing).  Each engine gets the same
 * sessions (about 200 bytes of data) and the same access pattern; the
 * ratio column is against lmdb.
 *
 * usage: bench_engines [SESSIONS]   (default 2000)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csess.h"
#include "bench.h"

#define DATA	"{\"_auth_user_id\":\"alice\",\"_auth_user_backend\":" \
	"\"django.contrib.auth.backends.ModelBackend\",\"_auth_user_hash\":" \
	"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"," \
	"\"views\":1}"

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &len))
		return -1;
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static bool
listening(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(s);
	return ok;
}

/* Start server (argv[0] its path) and wait for port: its PID, or -1. */
static pid_t
server_start(char *const argv[], int port)
{
	pid_t pid;
	int i;

	if (access(argv[0], X_OK) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 300 && !listening(port); i++)
		usleep(10000);
	return listening(port) ? pid : -1;
}

static pid_t
memcached_start(int port)
{
	char p[16];
	char *argv[] = { "/usr/bin/memcached", "-l", "127.0.0.1", "-p", p,
	    "-U", "0", "-m", "64", "-u", geteuid() == 0 ? "root" : "nobody", NULL };

	snprintf(p, sizeof(p), "%d", port);
	return server_start(argv, port);
}

static pid_t
redis_start(int port, const char *dir)
{
	char p[16], d[300];
	char *argv[] = { "/usr/bin/redis-server", "--port", p, "--bind",
	    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d,
	    "--logfile", "/dev/null", NULL };

	snprintf(p, sizeof(p), "%d", port);
	snprintf(d, sizeof(d), "%s", dir);
	return server_start(argv, port);
}

static void
server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

struct result {
	double	load_us, save_us;
};

static int
run(const char *engine, const char *dir, int port, int rport, size_t n,
    struct result *res)
{
	char e1[64], e2[300], e3[300], e4[80], e5[80], err[256];
	char *envp[] = { "CSESS_SECRET_KEY=bench", e1, e2, e3, e4, e5,
	    "CSESS_SESSION_SYNC=none", NULL };
	struct cs_config cfg;
	struct cs_store *st;
	struct cs_record r;
	char (*keys)[CS_SESSION_KEY_LEN + 1];
	uint64_t *ver;
	double t0;
	size_t i;
	char *k;
	int rc = 1;

	snprintf(e1, sizeof(e1), "CSESS_SESSION_ENGINE=%s", engine);
	snprintf(e2, sizeof(e2), "CSESS_SESSION_STORE=%s/%s.mdb", dir, engine);
	snprintf(e3, sizeof(e3), "CSESS_SESSION_FILE_PATH=%s", dir);
	snprintf(e4, sizeof(e4), "CSESS_SESSION_CACHE_URL=memcached://"
	    "127.0.0.1:%d", port);
	snprintf(e5, sizeof(e5), "CSESS_SESSION_REDIS_URL=redis://127.0.0.1:%d/0",
	    rport);
	if (cs_config_load_env(&cfg, envp, err, sizeof(err)) ||
	    cs_store_open(&st, &cfg, err, sizeof(err))) {
		fprintf(stderr, "bench_engines: %s: %s\n", engine, err);
		return 1;
	}
	keys = calloc(n, sizeof(*keys));
	ver = calloc(n, sizeof(*ver));
	for (i = 0; keys && ver && i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.data = DATA;
		r.data_len = strlen(DATA);
		r.expire = cs_now() + 3600;
		r.user = "alice";
		k = NULL;
		if (cs_store_save(st, &k, &r, CS_SAVE_CREATE))
			goto out;
		memcpy(keys[i], k, sizeof(keys[i]));
		ver[i] = r.version;
		free(k);
	}
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (cs_store_load(st, keys[i], cs_now(), &r))
			goto out;
		ver[i] = r.version;
		cs_record_free(&r);
	}
	res->load_us = (bench_now() - t0) * 1e6 / (double)n;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.data = DATA;
		r.data_len = strlen(DATA);
		r.expire = cs_now() + 3600;
		r.user = "alice";
		r.version = ver[i];
		k = keys[i];
		if (cs_store_save(st, &k, &r, CS_SAVE_UPDATE))
			goto out;
	}
	res->save_us = (bench_now() - t0) * 1e6 / (double)n;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_engines: %s failed: %s\n", engine,
		    cs_store_error(st));
	free(keys);
	free(ver);
	cs_store_close(st);
	cs_config_free(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char *engines[] = { "lmdb", "file", "redis", "cache",
	    "cached_db" };
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000, i;
	const char *tmp = getenv("TMPDIR");
	struct result res[5], base = { 0, 0 };
	char dir[256], cmd[300];
	int port = free_port(), rport = free_port(), status = 0;
	pid_t mc = memcached_start(port), rs = -1;

	snprintf(dir, sizeof(dir), "%s/csess-bench-eng.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (n == 0 || mkdtemp(dir) == NULL)
		return 1;
	printf("%-10s %14s %8s %14s %8s   (%zu sessions)\n", "engine",
	    "load us", "x lmdb", "save us", "x lmdb", n);
	rs = redis_start(rport, dir);
	for (i = 0; i < 5; i++) {
		if ((i == 2 && rs < 0) || (i >= 3 && mc < 0)) {
			printf("%-10s skipped: no %s\n", engines[i],
			    i == 2 ? "redis-server" : "memcached");
			continue;
		}
		if (run(engines[i], dir, port, rport, n, &res[i])) {
			status = 1;
			continue;
		}
		if (i == 0)
			base = res[0];
		printf("%-10s %14.2f %8.1f %14.2f %8.1f\n", engines[i],
		    res[i].load_us, res[i].load_us / base.load_us,
		    res[i].save_us, res[i].save_us / base.save_us);
	}
	server_stop(mc);
	server_stop(rs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		status = 1;
	return status;
}
