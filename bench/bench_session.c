/*
 * bench_session.c -- whole requests (cs_run_once) through the session
 * middleware on an LMDB store, side by side in one run:
 *   read      a page that reads an existing session (never writes)
 *   lazy      SESSION_SAVE_EVERY_REQUEST, unchanged session, within the
 *             touch interval: cookie refreshed, store not written
 *   touch     the same with every request moving the expiry past the
 *             interval: one touch (a commit) per request
 *   modify    the session changes on every request: one UPDATE each
 * The point: with lazy touch, save-every-request costs what a read costs.
 * SESSION_SYNC as in the environment (default full).  The store lives
 * under $TMPDIR (default /tmp) and is removed afterwards.
 *
 * usage: bench_session [REQUESTS]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csess.h"
#include "bench.h"
#include "csess_test.h"

#define T0	1700000000

static void
view_read(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)arg;
	cs_session_middleware(req);
	cs_session_contains(cs_session(req), "n");
	cs_resp_puts(resp, "ok");
}

static void
view_modify(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s;
	int64_t n = 0;

	(void)arg;
	cs_session_middleware(req);
	s = cs_session(req);
	cs_session_get_int(s, "n", &n);
	cs_session_set_int(s, "n", n + 1);
	cs_resp_puts(resp, "ok");
}

struct run {
	const char	*name;
	cs_handler_fn	*view;
	bool		 every;
	int		 tick;		/* seconds the clock moves per request */
	double		 us;
};

static int
load_cfg(struct cs_config *cfg, const char *store, bool every)
{
	const char *sync = getenv("CSESS_SESSION_SYNC");
	char v1[300], v2[64], err[256];
	char *envp[4] = { v1, v2, NULL, NULL };

	snprintf(v1, sizeof(v1), "CSESS_SESSION_STORE=%s", store);
	snprintf(v2, sizeof(v2), "CSESS_SESSION_SYNC=%s", sync ? sync : "full");
	if (every)
		envp[2] = "CSESS_SESSION_SAVE_EVERY_REQUEST=true";
	if (cs_config_load_env(cfg, envp, err, sizeof(err))) {
		fprintf(stderr, "bench_session: %s\n", err);
		return -1;
	}
	return 0;
}

static int
measure(struct run *r, const char *store, const char *cookie, int n)
{
	struct cs_config cfg;
	struct cs_buf out = { 0 };
	char *envp[] = { "REQUEST_METHOD=GET", (char *)cookie, NULL };
	double t;
	int i;

	memset(&cfg, 0, sizeof(cfg));
	if (load_cfg(&cfg, store, r->every))
		return -1;
	csi_clock_fix(T0);
	t = bench_now();
	for (i = 0; i < n; i++) {
		if (r->tick)
			csi_clock_fix(T0 + (int64_t)(i + 1) * r->tick);
		cs_buf_reset(&out);
		if (cs_run_once(&cfg, envp, NULL, 0, r->view, NULL, &out) ||
		    strncmp(out.data, "Status: 200", 11) != 0) {
			fprintf(stderr, "bench_session: %s: bad response\n%s\n",
			    r->name, out.data);
			return -1;
		}
	}
	r->us = (bench_now() - t) / n * 1e6;
	cs_buf_free(&out);
	cs_config_free(&cfg);
	csi_clock_fix(-1);
	return 0;
}

/* One session to run against; its cookie as an HTTP_COOKIE variable. */
static int
seed(const char *store, char *cookie, size_t len)
{
	struct cs_config cfg;
	struct cs_session *s;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	if (load_cfg(&cfg, store, false))
		return -1;
	csi_clock_fix(T0);
	if ((rc = cs_session_new(&s, NULL, &cfg, NULL)) == CS_OK) {
		cs_session_set_int(s, "n", 0);
		if ((rc = cs_session_save(s)) == CS_OK)
			snprintf(cookie, len, "HTTP_COOKIE=sessionid=%s",
			    cs_session_key(s));
		cs_session_free(s);
	}
	cs_config_free(&cfg);
	return rc ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct run runs[] = {
		{ "read", view_read, false, 0, 0 },
		{ "lazy", view_read, true, 0, 0 },
		{ "touch", view_read, true, 61, 0 },
		{ "modify", view_modify, false, 0, 0 },
	};
	const char *tmp = getenv("TMPDIR");
	char dir[256], store[300], cookie[128], cmd[300];
	int n = argc > 1 ? atoi(argv[1]) : 2000, rc = 0;
	size_t i;

	if (n <= 0)
		n = 2000;
	snprintf(dir, sizeof(dir), "%s/bench-session-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench_session: mkdtemp");
		return 1;
	}
	snprintf(store, sizeof(store), "%s/sessions.mdb", dir);
	if (seed(store, cookie, sizeof(cookie)))
		rc = 1;
	/* Warm up: first open, page faults, a pending periodic sync. */
	if (rc == 0 && measure(&runs[0], store, cookie, n / 4 + 1))
		rc = 1;
	for (i = 0; rc == 0 && i < sizeof(runs) / sizeof(runs[0]); i++)
		if (measure(&runs[i], store, cookie, n))
			rc = 1;
	if (rc == 0) {
		printf("session requests (%d each, SESSION_SYNC=%s)\n", n,
		    getenv("CSESS_SESSION_SYNC") ? getenv("CSESS_SESSION_SYNC") :
		    "full");
		for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
			printf("  %-7s %9.1f us/request  %5.2fx read\n",
			    runs[i].name, runs[i].us, runs[i].us / runs[0].us);
		printf("  save-every-request: lazy touch is %.1fx faster than a "
		    "touch per request\n", runs[2].us / runs[1].us);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
