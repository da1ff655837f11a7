/*
 * engine_fixture.h -- one stored session engine, named, configured as a
 * program would get it, in a private temp directory; for cache and
 * cached_db a real memcached (Debian's) started on a loopback ephemeral
 * port and stopped by its PID.  Tests take the engine as a Criterion
 * parameter (ENGINE_PARAMS), so each behaviour runs against every engine.
 */
#ifndef ENGINE_FIXTURE_H
#define ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
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

#define MEMCACHED	"/usr/bin/memcached"

struct eng {
	const char		*name;
	char			 dir[256];
	struct cs_config	 cfg;
	struct cs_store		*st;
	pid_t			 mc_pid;
	int			 mc_port;
};

/* An engine name as a Criterion parameter: parameters are copied into
 * the worker process, so they hold no pointer. */
struct eng_param {
	char	name[16];
};

/* The stored engines every behaviour runs against. */
#define ENGINE_PARAMS						\
	static struct eng_param engines[] = {			\
		{ "lmdb" }, { "file" }, { "cache" },		\
		{ "cached_db" } };				\
	return cr_make_param_array(struct eng_param, engines,	\
	    sizeof(engines) / sizeof(engines[0]))

static inline bool
eng_uses_memcached(const char *name)
{
	return strcmp(name, "cache") == 0 || strcmp(name, "cached_db") == 0;
}

/* A free loopback port (the kernel's pick, released for memcached). */
static inline int
eng_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static inline bool
eng_port_open(int port)
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

static inline void
eng_memcached_start(struct eng *e)
{
	char port[16];
	int i;

	e->mc_port = eng_free_port();
	snprintf(port, sizeof(port), "%d", e->mc_port);
	fflush(NULL);
	if ((e->mc_pid = fork()) == 0) {
		/* Dies with the test even when an assertion ends it early;
		 * its output would hold the runner's pipe open. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		/* memcached refuses root unless told which user to be. */
		execl(MEMCACHED, "memcached", "-l", "127.0.0.1", "-p", port,
		    "-U", "0", "-m", "16", "-t", "1", "-u",
		    geteuid() == 0 ? "root" : "nobody", (char *)NULL);
		_exit(127);
	}
	cr_assert_gt(e->mc_pid, 0);
	for (i = 0; i < 500 && !eng_port_open(e->mc_port); i++) {
		cr_assert_eq(waitpid(e->mc_pid, NULL, WNOHANG), 0,
		    "memcached exited");
		usleep(10000);
	}
	cr_assert(eng_port_open(e->mc_port), "memcached did not listen");
}

static inline void
eng_memcached_stop(struct eng *e)
{
	if (e->mc_pid <= 0)
		return;
	kill(e->mc_pid, SIGTERM);
	waitpid(e->mc_pid, NULL, 0);
	e->mc_pid = 0;
}

/* Configure e->name in a fresh directory; extra: "NAME=value" or NULL. */
static inline void
eng_config(struct eng *e, const char *extra)
{
	char engine[64], store[320], files[320], url[64], err[256];
	char *envp[] = { "CSESS_SECRET_KEY=s3cr3t", engine, store, files, url,
	    "CSESS_SESSION_SYNC=none", (char *)extra, NULL };

	snprintf(engine, sizeof(engine), "CSESS_SESSION_ENGINE=%s", e->name);
	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s/db/s.mdb",
	    e->dir);
	snprintf(files, sizeof(files), "CSESS_SESSION_FILE_PATH=%s", e->dir);
	snprintf(url, sizeof(url), "CSESS_SESSION_CACHE_URL=memcached://"
	    "127.0.0.1:%d", e->mc_port ? e->mc_port : 1);
	cs_config_free(&e->cfg);
	memset(&e->cfg, 0, sizeof(e->cfg));
	cr_assert_eq(cs_config_load_env(&e->cfg, envp, err, sizeof(err)),
	    CS_OK, "config: %s", err);
}

/* Start what the engine needs and configure it (not opened). */
static inline void
eng_init(struct eng *e, const char *name, const char *extra)
{
	const char *tmp = getenv("TMPDIR");

	memset(e, 0, sizeof(*e));
	e->name = name;
	snprintf(e->dir, sizeof(e->dir), "%s/csess-eng.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(e->dir));
	if (eng_uses_memcached(name))
		eng_memcached_start(e);
	eng_config(e, extra);
}

static inline void
eng_open(struct eng *e, const char *name)
{
	char err[256];

	eng_init(e, name, NULL);
	cr_assert_eq(cs_store_open(&e->st, &e->cfg, err, sizeof(err)), CS_OK,
	    "%s: %s", name, err);
}

static inline void
eng_close(struct eng *e)
{
	char cmd[400];

	cs_store_close(e->st);
	e->st = NULL;
	eng_memcached_stop(e);
	cs_config_free(&e->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
}

/* Send stderr to a file in e->dir, to count the lines logged. */
static inline void
eng_stderr_capture(struct eng *e)
{
	char path[300];

	snprintf(path, sizeof(path), "%s.stderr", e->dir);
	fflush(stderr);
	cr_assert_not_null(freopen(path, "w", stderr));
}

/* Lines logged since eng_stderr_capture that contain needle. */
static inline int
eng_stderr_lines(struct eng *e, const char *needle)
{
	char path[300], line[1024];
	int n = 0;
	FILE *f;

	fflush(stderr);
	snprintf(path, sizeof(path), "%s.stderr", e->dir);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	unlink(path);
	return n;
}

/* Save a new record under key (NULL: generated; returned malloc'd). */
static inline char *
eng_create(struct eng *e, const char *key, const char *data, int64_t expire,
    const char *user, uint64_t *version)
{
	struct cs_record r = { 0 };
	char *k = key ? strdup(key) : NULL;
	int rc;

	r.data = (char *)data;
	r.data_len = strlen(data);
	r.expire = expire;
	r.user = (char *)user;
	rc = cs_store_save(e->st, &k, &r, CS_SAVE_CREATE);
	cr_assert_eq(rc, CS_OK, "%s: create: %s (%s)", e->name,
	    cs_strerror(rc), cs_store_error(e->st));
	if (version)
		*version = r.version;
	return k;
}

#endif
