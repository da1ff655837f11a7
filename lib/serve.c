/*
 * serve.c -- the two transports behind one handler.
 *
 * CGI (RFC 3875): the request is the process environment and stdin, the
 * response goes to stdout, one request per process.  FastCGI: libfcgi's
 * FCGX_Accept_r loop hands us params (as an envp), an input stream and an
 * output stream, many requests per process.  FCGX_IsCGI() tells them apart
 * at run time, so one binary serves both.
 *
 * The configuration is loaded once per process from the process
 * environment and CSESS_CONFIG -- never from FastCGI params, so no request
 * can change it.  Under FastCGI set CSESS_CONFIG in the process manager's
 * environment (lighttpd: bin-environment).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "http_int.h"
#include "log.h"
#include "static_twin.h"

extern char **environ;

/* ---- one request ----------------------------------------------------- */

static int
set_default(struct cs_resp *resp, const char *name, const char *value)
{
	if (value == NULL || cs_resp_get_header(resp, name) != NULL)
		return CS_OK;
	return cs_resp_header(resp, name, value);
}

/*
 * Django's XFrameOptionsMiddleware and SecurityMiddleware, on every
 * response: no page of the site may be framed by another (clickjacking),
 * also said as CSP frame-ancestors for browsers that only read that;
 * no MIME sniffing; no full URL in the Referer to other sites; no window
 * reference across origins.  A header the handler set itself wins.
 */
static int
security_headers(const struct cs_config *cfg, struct cs_resp *resp)
{
	bool same = cfg->x_frame_options == CS_FRAME_SAMEORIGIN;
	int rc;

	if ((rc = set_default(resp, "X-Frame-Options", same ? "SAMEORIGIN" : "DENY")) ||
	    (rc = set_default(resp, "Content-Security-Policy",
	    same ? "frame-ancestors 'self'" : "frame-ancestors 'none'")) ||
	    (rc = set_default(resp, "X-Content-Type-Options",
	    cfg->secure_content_type_nosniff ? "nosniff" : NULL)) ||
	    (rc = set_default(resp, "Referrer-Policy", cfg->secure_referrer_policy)))
		return rc;
	return set_default(resp, "Cross-Origin-Opener-Policy",
	    cfg->secure_cross_origin_opener_policy);
}

static int
run(const struct cs_config *cfg, char *const *envp, const struct cs_body_src *src,
    cs_handler_fn *handler, void *arg, struct cs_buf *out)
{
	struct cs_req *req = NULL;
	struct cs_resp *resp = NULL;
	size_t start = out->len;
	bool head;
	int rc;

	if ((rc = csi_req_new(&req, cfg, envp, src)) || (rc = csi_resp_new(&resp)))
		goto out;
	handler(req, resp, arg);
	csi_req_finish(req, resp);
	csi_req_drain(req);
	head = strcmp(cs_req_method(req), "HEAD") == 0;
	if ((rc = security_headers(cfg, resp)) == CS_OK)
		rc = csi_resp_serialize(resp, head, out);
out:
	if (rc) {
		/* Out of memory: drop what was half written, answer a bare 500. */
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		cs_buf_puts(out, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
	}
	csi_resp_free(resp);
	csi_req_free(req);
	return rc;
}

struct mem_src {
	const char	*p;
	size_t		 left;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct mem_src *m = ctx;

	if (n > m->left)
		n = m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

int
cs_run_once(const struct cs_config *cfg, char *const *envp, const void *body,
    size_t body_len, cs_handler_fn *handler, void *arg, struct cs_buf *out)
{
	struct cs_config defaults;
	struct mem_src m = { body, body ? body_len : 0 };
	struct cs_body_src src = { mem_read, &m, body ? body_len : 0, true };
	char err[256];
	int rc;

	if (cfg != NULL)
		return run(cfg, envp, &src, handler, arg, out);
	/* No configuration given: the built-in defaults, nothing from the environment. */
	if ((rc = cs_config_load_env(&defaults, NULL, err, sizeof(err))) == CS_OK)
		rc = run(&defaults, envp, &src, handler, arg, out);
	cs_config_free(&defaults);
	return rc;
}

/* A configuration error answers every request 500 (details go to the log only). */
static void
config_error(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	cs_resp_error(resp, 500, "The server is misconfigured.");
}

/* ---- CGI -------------------------------------------------------------- */

static ssize_t
fd_read(void *ctx, void *buf, size_t n)
{
	ssize_t k;

	do
		k = read(*(int *)ctx, buf, n);
	while (k < 0 && errno == EINTR);
	return k;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return CS_ERR_IO;
		p += k;
		n -= (size_t)k;
	}
	return CS_OK;
}

static int
serve_cgi(const struct cs_config *cfg, cs_handler_fn *handler, void *arg)
{
	int fd = STDIN_FILENO;
	struct cs_body_src src = { fd_read, &fd, 0, false };
	struct cs_buf out = { 0 };
	int rc;

	run(cfg, environ, &src, handler, arg, &out);
	rc = write_all(STDOUT_FILENO, out.data, out.len);
	cs_buf_free(&out);
	return rc == CS_OK ? 0 : 1;
}

/* ---- FastCGI ------------------------------------------------------------ */

static ssize_t
fcgx_read(void *ctx, void *buf, size_t n)
{
	int k;

	if (n > 1 << 30)
		n = 1 << 30;
	k = FCGX_GetStr(buf, (int)n, ctx);
	return k < 0 ? -1 : (ssize_t)k;
}

static int
fcgx_write_all(FCGX_Stream *s, const char *p, size_t n)
{
	int chunk;

	while (n > 0) {
		chunk = n > (1 << 30) ? (1 << 30) : (int)n;
		if (FCGX_PutStr(p, chunk, s) != chunk)
			return CS_ERR_IO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return CS_OK;
}

/*
 * The request body of a FastCGI request.  An Authorizer (FCGI_AUTHORIZER:
 * mod_fcgid's FcgidAuthorizer and FcgidAccessChecker, lighttpd's "mode" =>
 * "authorizer") gets none: FastCGI 1.0, 6.3 has the server send no
 * CONTENT_LENGTH and no stdin, yet a server may pass the original
 * request's CONTENT_LENGTH on, and waiting for that body would hang the
 * request.  So an Authorizer reads nothing, whatever the params say.
 */
static struct cs_body_src
fcgx_body(FCGX_Request *fr)
{
	struct cs_body_src src = { fcgx_read, fr->in, 0, false };

	if (fr->role == FCGI_AUTHORIZER)
		src.read = NULL;
	return src;
}

/*
 * libfcgi closes a connection gracefully: shutdown(), then it waits for
 * the server to close its side (up to 2 s), so that data the server still
 * sends cannot turn the close into a reset that loses the response.  A
 * responder whose stdin has been read to its end has nothing more coming
 * (FastCGI 1.0, the Responder role: the empty FCGI_STDIN record ends what
 * the server sends for the request): it may close at once, sparing a
 * sleep, a wake-up and three system calls per request.  Its stdin is read
 * to the end here when no more than a small body is left; an Authorizer
 * (no stdin) and a large unread body keep libfcgi's graceful close.
 */
#define FCGI_DRAIN_MAX	(64 * 1024)

static void
fcgi_finish(FCGX_Request *fr)
{
	const char *len = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	char trash[4096];

	if (fr->role == FCGI_RESPONDER && !fr->keepConnection &&
	    (len == NULL || strtoll(len, NULL, 10) <= FCGI_DRAIN_MAX)) {
		while (FCGX_GetStr(trash, sizeof(trash), fr->in) > 0)
			continue;
		if (FCGX_HasSeenEOF(fr->in) == EOF && FCGX_GetError(fr->in) == 0)
			FCGX_Detach(fr);
	}
	FCGX_Finish_r(fr);
}

static void
on_term(int sig)
{
	(void)sig;
	/* Finish the request in hand, then leave the accept loop. */
	FCGX_ShutdownPending();
}

static int
serve_fcgi(const struct cs_config *cfg, cs_handler_fn *handler, void *arg)
{
	struct sigaction sa;
	FCGX_Request fr;
	struct cs_buf out = { 0 };

	/* No SA_RESTART: accept() must return so the loop sees the shutdown. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Ctrl-C on a server run in a terminal reaches its FastCGI processes too. */
	sigaction(SIGINT, &sa, NULL);
	/* A client that went away must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return 1;
	while (FCGX_Accept_r(&fr) >= 0) {
		struct cs_body_src src = fcgx_body(&fr);

		cs_buf_reset(&out);
		run(cfg, fr.envp, &src, handler, arg, &out);
		/* A failed write means the client or server went away: keep serving. */
		(void)fcgx_write_all(fr.out, out.data, out.len);
		fcgi_finish(&fr);
	}
	FCGX_Free(&fr, 1);
	cs_buf_free(&out);
	return 0;
}

/*
 * systemd socket activation (sd_listen_fds(3)): a socket unit hands the
 * listening socket over as fd 3 with LISTEN_PID/LISTEN_FDS set; libfcgi
 * listens on fd 0.  Only a socket meant for this very process is taken,
 * and the variables are dropped so a child never takes it for its own.
 */
static void
adopt_activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long p;

	if (pid == NULL || fds == NULL || strcmp(fds, "1") != 0)
		return;
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno != 0 || *end != '\0' || p != (long)getpid())
		return;
	if (dup2(3, 0) == 0)
		close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

int
cs_serve(cs_handler_fn *handler, void *arg)
{
	struct cs_config cfg;
	char err[512];
	const char *why;
	int rc, status;

	if ((rc = cs_config_load(&cfg, err, sizeof(err))) != CS_OK) {
		csi_log(CS_LOG_ERROR, "configuration: %s", err[0] ? err : cs_strerror(rc));
		handler = config_error;
		arg = NULL;
	} else if (csi_static_program() &&
	    (why = csi_config_loads_libraries(&cfg)) != NULL)
		csi_static_twin_exec(why);	/* returns only when it cannot */
	adopt_activated_socket();
	if (FCGX_IsCGI())
		status = serve_cgi(&cfg, handler, arg);
	else
		status = serve_fcgi(&cfg, handler, arg);
	cs_config_free(&cfg);
	return status;
}
