/*
 * test_serve.c -- one request end to end: cs_run_once's whole output,
 * finish hooks, HEAD; then cs_serve itself in a child process, once as a
 * CGI program (environ, stdin, stdout) and once as a FastCGI server
 * answering a small FastCGI client over a Unix socket.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <malloc.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* From libasan; GCC ships no allocator_interface.h. */
size_t	__sanitizer_get_current_allocated_bytes(void);
#endif

#include "http_int.h"

/* Bytes the program has allocated and not freed. */
static size_t
heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static struct cs_buf out;

/* What every response carries by default (Django's security middleware). */
#define SECURITY_HEADERS "X-Frame-Options: DENY\r\n" \
	"Content-Security-Policy: frame-ancestors 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n"

static void
teardown(void)
{
	cs_buf_free(&out);
}

TestSuite(serve, .fini = teardown);

/* ---- handlers ----------------------------------------------------------- */

static void
hello(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *name = NULL;
	int *calls = arg;

	if (calls)
		++*calls;
	cs_req_query(req, "name", &name);
	cs_resp_puts(resp, "Hello, ");
	cs_resp_puts_html(resp, name ? name : "world");
}

static void
echo_form(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *v = NULL;
	int rc;

	(void)arg;
	if ((rc = cs_req_form(req, "v", &v)) != CS_OK && rc != CS_ERR_NOT_FOUND) {
		cs_resp_error(resp, cs_http_status_for(rc), cs_strerror(rc));
		return;
	}
	cs_resp_header(resp, "Content-Type", "text/plain");
	cs_resp_printf(resp, "v=%s", v ? v : "(none)");
}

Test(serve, run_once_writes_a_whole_cgi_response)
{
	char *env[] = { "REQUEST_METHOD=GET", "QUERY_STRING=name=%3Cb%3E", NULL };
	int calls = 0;

	cr_assert_eq(cs_run_once(NULL, env, NULL, 0, hello, &calls, &out), CS_OK);
	cr_assert_eq(calls, 1);
	cr_assert_str_eq(out.data, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n" SECURITY_HEADERS
	    "Content-Length: 16\r\n\r\nHello, &lt;b&gt;");
}

Test(serve, run_once_appends_to_out)
{
	char *env[] = { NULL };

	cs_buf_puts(&out, "before|");
	cr_assert_eq(cs_run_once(NULL, env, NULL, 0, hello, NULL, &out), CS_OK);
	cr_assert(strncmp(out.data, "before|Status: 200 OK\r\n", 23) == 0);
}

Test(serve, head_request_gets_no_body)
{
	char *env[] = { "REQUEST_METHOD=HEAD", NULL };

	cr_assert_eq(cs_run_once(NULL, env, NULL, 0, hello, NULL, &out), CS_OK);
	cr_assert_str_eq(out.data, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n" SECURITY_HEADERS
	    "Content-Length: 12\r\n\r\n");
}

Test(serve, body_without_content_length_is_all_of_body_len)
{
	char *env[] = { "REQUEST_METHOD=POST",
		"CONTENT_TYPE=application/x-www-form-urlencoded", NULL };

	cr_assert_eq(cs_run_once(NULL, env, "v=a+b", 5, echo_form, NULL, &out), CS_OK);
	cr_assert(strstr(out.data, "\r\n\r\nv=a b"), "%s", out.data);
}

Test(serve, oversized_body_answers_413_through_the_handler)
{
	struct cs_config cfg;
	char err[128];
	char *env[] = { "REQUEST_METHOD=POST",
		"CONTENT_TYPE=application/x-www-form-urlencoded", "CONTENT_LENGTH=6", NULL };

	cr_assert_eq(cs_config_load_env(&cfg, NULL, err, sizeof(err)), CS_OK);
	cfg.data_upload_max_memory_size = 5;
	cr_assert_eq(cs_run_once(&cfg, env, "v=abcd", 6, echo_form, NULL, &out), CS_OK);
	cr_assert(strncmp(out.data, "Status: 413 Content Too Large\r\n", 31) == 0, "%s", out.data);
	cs_config_free(&cfg);
}

/* ---- finish hooks ------------------------------------------------------- */

static char trace[64];

static void
hook(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	char tag[16];

	(void)req;
	snprintf(tag, sizeof(tag), "%s%d,", (const char *)arg, cs_resp_get_status(resp));
	strcat(trace, tag);
}

static void
hook_sets_418(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	strcat(trace, "S,");
	cs_resp_status(resp, 418);
}

static void
hook_adds_hook(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)resp;
	(void)arg;
	strcat(trace, "N,");
	cs_req_on_finish(req, hook, "late");
}

static void
with_hooks(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	strcat(trace, "H,");
	cs_req_on_finish(req, hook, "a");
	cs_req_on_finish(req, hook_adds_hook, NULL);
	cs_req_on_finish(req, hook_sets_418, NULL);
	cs_req_on_finish(req, hook, "b");
	if (arg)
		cs_resp_error(resp, 403, "no");
}

Test(serve, hooks_run_once_after_the_handler_in_order_and_may_change_status)
{
	char *env[] = { NULL };

	trace[0] = '\0';
	cr_assert_eq(cs_run_once(NULL, env, NULL, 0, with_hooks, NULL, &out), CS_OK);
	cr_assert_str_eq(trace, "H,a200,N,S,b418,late418,");
	cr_assert(strncmp(out.data, "Status: 418 Unknown\r\n", 21) == 0, "%s", out.data);
}

Test(serve, hooks_run_on_error_statuses_too)
{
	char *env[] = { NULL };

	trace[0] = '\0';
	cr_assert_eq(cs_run_once(NULL, env, NULL, 0, with_hooks, "error", &out), CS_OK);
	cr_assert_str_eq(trace, "H,a403,N,S,b418,late418,");
}

Test(serve, hooks_see_headers_set_by_the_handler_and_add_their_own)
{
	char *env[] = { NULL };
	struct cs_req *req;
	struct cs_resp *resp;
	struct cs_buf b = { 0 };

	trace[0] = '\0';
	cr_assert_eq(csi_req_new(&req, NULL, env, NULL), CS_OK);
	cr_assert_eq(csi_resp_new(&resp), CS_OK);
	cs_req_on_finish(req, hook, "x");
	csi_req_finish(req, resp);
	csi_req_finish(req, resp);
	cr_assert_str_eq(trace, "x200,", "finish runs hooks once");
	csi_resp_serialize(resp, false, &b);
	cs_buf_free(&b);
	csi_resp_free(resp);
	csi_req_free(req);
}

/* ---- Django's security middleware headers ------------------------------ */

static void
own_headers(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	cs_resp_header(resp, "X-Frame-Options", "SAMEORIGIN");
	cs_resp_header(resp, "Content-Security-Policy", "default-src 'self'");
	cs_resp_header(resp, "Referrer-Policy", "no-referrer");
	cs_resp_puts(resp, "x");
}

static void
fails(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	cs_resp_error(resp, 403, NULL);
}

static void
run_with(char **settings, cs_handler_fn *handler)
{
	struct cs_config cfg;
	char *env[] = { "REQUEST_METHOD=GET", NULL };
	char err[256];

	cs_buf_reset(&out);
	cr_assert_eq(cs_config_load_env(&cfg, settings, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_eq(cs_run_once(&cfg, env, NULL, 0, handler, NULL, &out), CS_OK);
	cs_config_free(&cfg);
}

Test(serve, every_response_forbids_framing_and_sniffing_as_django)
{
	char *env[] = { NULL };

	run_with(env, hello);
	cr_assert(strstr(out.data, "\r\n" SECURITY_HEADERS), "%s", out.data);
	run_with(env, fails);
	cr_assert(strncmp(out.data, "Status: 403", 11) == 0);
	cr_assert(strstr(out.data, "\r\n" SECURITY_HEADERS), "an error too: %s", out.data);
}

Test(serve, a_handlers_own_security_header_wins)
{
	char *env[] = { NULL };

	run_with(env, own_headers);
	cr_assert(strstr(out.data, "\r\nX-Frame-Options: SAMEORIGIN\r\n"), "%s", out.data);
	cr_assert(strstr(out.data, "\r\nContent-Security-Policy: default-src 'self'\r\n"));
	cr_assert(strstr(out.data, "\r\nReferrer-Policy: no-referrer\r\n"));
	cr_assert_null(strstr(out.data, "DENY"), "one header each: %s", out.data);
	cr_assert_null(strstr(out.data, "frame-ancestors"));
	cr_assert_null(strstr(out.data, "same-origin\r\nCross"));
	cr_assert(strstr(out.data, "\r\nX-Content-Type-Options: nosniff\r\n"));
}

Test(serve, security_headers_follow_the_settings)
{
	char *same[] = { "CSESS_X_FRAME_OPTIONS=SAMEORIGIN",
		"CSESS_SECURE_REFERRER_POLICY=no-referrer,strict-origin",
		"CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=same-origin-allow-popups", NULL };
	char *off[] = { "CSESS_SECURE_CONTENT_TYPE_NOSNIFF=false", "CSESS_SECURE_REFERRER_POLICY=",
		"CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=", NULL };

	run_with(same, hello);
	cr_assert(strstr(out.data, "\r\nX-Frame-Options: SAMEORIGIN\r\n"
	    "Content-Security-Policy: frame-ancestors 'self'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer,strict-origin\r\n"
	    "Cross-Origin-Opener-Policy: same-origin-allow-popups\r\n"), "%s", out.data);
	run_with(off, hello);
	cr_assert(strstr(out.data, "\r\nX-Frame-Options: DENY\r\n"
	    "Content-Security-Policy: frame-ancestors 'none'\r\nContent-Length"), "%s", out.data);
	cr_assert_null(strstr(out.data, "nosniff"));
	cr_assert_null(strstr(out.data, "Referrer-Policy"));
	cr_assert_null(strstr(out.data, "Cross-Origin-Opener-Policy"));
}

/* ---- many requests: nothing kept between them ------------------------- */

static void
busy(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	static const char key;
	struct cs_set_cookie c = { .name = "n", .value = "1", .path = "/" };
	const char *v;

	(void)arg;
	cs_req_cookie(req, "a");
	cs_req_path(req);
	cs_req_header(req, "Cookie");
	cs_req_query(req, "q", &v);
	cs_req_form(req, "v", &v);
	cs_req_set_slot(req, &key, strdup("slot"), free);
	cs_req_on_finish(req, hook_sets_418, NULL);
	cs_resp_vary(resp, "Cookie");
	cs_resp_set_cookie(resp, &c);
	cs_resp_header(resp, "X-A", "1");
	cs_resp_puts_html(resp, "<x>");
}

Test(serve, thousands_of_requests_leave_nothing_behind)
{
	char *env[] = { "REQUEST_METHOD=POST", "HTTP_COOKIE=a=1; b=2",
		"QUERY_STRING=q=%41&r=2", "CONTENT_TYPE=application/x-www-form-urlencoded",
		"CONTENT_LENGTH=5", NULL };
	struct cs_config cfg;
	char err[128];
	int i, failed = 0;
	size_t before = 0;

	cr_assert_eq(cs_config_load_env(&cfg, NULL, err, sizeof(err)), CS_OK);
	/*
	 * glibc's per-thread cache keeps up to 7 freed chunks of each small
	 * size, and mallinfo counts them as in use: the count drifts by up to
	 * a few hundred KiB as requests touch new sizes, then stops.  A leak
	 * does not stop: one lost chunk per request (32 bytes at least) is
	 * 640,000 bytes over the 20,000 measured requests, twice the bound.
	 */
	for (i = 0; i < 25000; i++) {
		if (i == 5000)
			before = heap_in_use();
		cs_buf_reset(&out);
		trace[0] = '\0';
		if (cs_run_once(&cfg, env, "v=abc", 5, busy, NULL, &out) != CS_OK)
			failed++;
	}
	cr_assert_eq(failed, 0, "every request answered");
	cr_assert_lt(heap_in_use(), before + 20000 * 16,
	    "bytes in use grew over 20000 requests: %zu -> %zu", before, heap_in_use());
	cr_assert(strncmp(out.data, "Status: 418", 11) == 0);
	cs_config_free(&cfg);
}

/* ---- cs_serve as a CGI program ----------------------------------------- */

static pid_t
spawn(int in_fd, int out_fd, char **env, cs_handler_fn *h)
{
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* Never outlive a failed test (it would hold Criterion's pipes). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in_fd, STDIN_FILENO);
		if (out_fd >= 0)
			dup2(out_fd, STDOUT_FILENO);
		clearenv();
		for (; env && *env; env++)
			putenv(*env);
		int st = cs_serve(h, NULL);
#if defined(__SANITIZE_ADDRESS__)
		/* _exit skips LeakSanitizer's exit check: run it here. */
		if (__lsan_do_recoverable_leak_check())
			st = 99;
#endif
		_exit(st);
	}
	return pid;
}

static void
read_all(int fd, struct cs_buf *b)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		cs_buf_append(b, chunk, (size_t)n);
}

static int
wait_exit(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "child died by signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

Test(serve, cgi_reads_environ_and_exactly_content_length_from_stdin)
{
	char *env[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=application/x-www-form-urlencoded",
		"CONTENT_LENGTH=7", "GATEWAY_INTERFACE=CGI/1.1", NULL };
	int in[2], outp[2];
	pid_t pid;

	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(outp), 0);
	pid = spawn(in[0], outp[1], env, echo_form);
	close(in[0]);
	close(outp[1]);
	/* More than CONTENT_LENGTH, and stdin left open: reading past it would hang. */
	cr_assert_eq(write(in[1], "v=hello&extra=1", 15), 15);
	read_all(outp[0], &out);
	close(in[1]);
	close(outp[0]);
	cr_assert_eq(wait_exit(pid), 0);
	cr_assert_str_eq(out.data, "Status: 200 OK\r\nContent-Type: text/plain\r\n"
	    SECURITY_HEADERS "Content-Length: 7\r\n\r\nv=hello");
}

static void
refuse_unread(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	cs_resp_error(resp, 403, "no");
}

/* A gateway that pipes the body in (fcgiwrap) fails with a 502 when the
 * program exits before reading it: an unread body is drained. */
Test(serve, cgi_drains_a_body_the_handler_never_read)
{
	static char body[300000];
	char *env[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=application/x-www-form-urlencoded",
		"CONTENT_LENGTH=300000", "GATEWAY_INTERFACE=CGI/1.1", NULL };
	int in[2], outp[2];
	size_t sent = 0;
	ssize_t n;
	pid_t pid;

	memset(body, 'a', sizeof(body));
	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(outp), 0);
	pid = spawn(in[0], outp[1], env, refuse_unread);
	close(in[0]);
	close(outp[1]);
	/* Far more than a pipe holds: this blocks until the program reads it all. */
	while (sent < sizeof(body) && (n = write(in[1], body + sent, sizeof(body) - sent)) > 0)
		sent += (size_t)n;
	cr_assert_eq(sent, sizeof(body), "the program stopped reading (EPIPE)");
	close(in[1]);
	read_all(outp[0], &out);
	close(outp[0]);
	cr_assert_eq(wait_exit(pid), 0);
	cr_assert(strncmp(out.data, "Status: 403", 11) == 0);
}

Test(serve, cgi_configuration_error_answers_500_and_logs_the_setting)
{
	char *env[] = { "REQUEST_METHOD=GET", "CSESS_SESSION_COOKIE_AGE=soon", NULL };
	int in[2], outp[2], errp[2], saved;
	struct cs_buf err = { 0 };
	pid_t pid;

	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(outp), 0);
	cr_assert_eq(pipe(errp), 0);
	saved = dup(STDERR_FILENO);
	dup2(errp[1], STDERR_FILENO);
	pid = spawn(in[0], outp[1], env, hello);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(errp[1]);
	close(in[0]);
	close(in[1]);
	close(outp[1]);
	read_all(outp[0], &out);
	read_all(errp[0], &err);
	close(outp[0]);
	close(errp[0]);
	wait_exit(pid);
	cr_assert(strncmp(out.data, "Status: 500 Internal Server Error\r\n", 35) == 0, "%s", out.data);
	cr_assert_null(strstr(out.data, "SESSION_COOKIE_AGE"), "no details to the client");
	cr_assert(err.data && strstr(err.data, "SESSION_COOKIE_AGE"), "%s", err.data);
	cs_buf_free(&err);
}

/* ---- cs_serve as a FastCGI server ------------------------------------ */

enum { FCGI_BEGIN = 1, FCGI_END = 3, FCGI_PARAMS = 4, FCGI_STDIN = 5, FCGI_STDOUT = 6 };

static void
record(struct cs_buf *b, int type, const void *p, size_t n)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8),
		(unsigned char)n, 0, 0 };

	cs_buf_append(b, h, 8);
	cs_buf_append(b, p, n);
}

static void
param(struct cs_buf *b, const char *nv)
{
	const char *eq = strchr(nv, '=');
	size_t nl = (size_t)(eq - nv), vl = strlen(eq + 1);
	unsigned char l[2] = { (unsigned char)nl, (unsigned char)vl };

	/* Short lengths (< 128) are one byte each. */
	cs_buf_append(b, l, 2);
	cs_buf_append(b, nv, nl);
	cs_buf_append(b, eq + 1, vl);
}

/* One request on a new connection; appends the STDOUT stream to resp. */
static void
fcgi_request(const char *sock, char **params, const char *body, struct cs_buf *resp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	struct cs_buf req = { 0 }, p = { 0 }, in = { 0 };
	unsigned char h[8];
	size_t n, pad;
	int fd;

	cr_assert_lt(strlen(sock), sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	cr_assert_neq(fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	record(&req, FCGI_BEGIN, begin, 8);
	for (; *params; params++)
		param(&p, *params);
	record(&req, FCGI_PARAMS, p.data, p.len);
	record(&req, FCGI_PARAMS, "", 0);
	if (body && *body)
		record(&req, FCGI_STDIN, body, strlen(body));
	record(&req, FCGI_STDIN, "", 0);
	cr_assert_eq(write(fd, req.data, req.len), (ssize_t)req.len);
	read_all(fd, &in);
	close(fd);
	/* Walk the records: keep STDOUT, stop at END_REQUEST. */
	for (n = 0; n + 8 <= in.len; n += 8 + ((size_t)h[4] << 8 | h[5]) + pad) {
		memcpy(h, in.data + n, 8);
		pad = h[6];
		if (h[1] == FCGI_STDOUT)
			cs_buf_append(resp, in.data + n + 8, (size_t)h[4] << 8 | h[5]);
		if (h[1] == FCGI_END)
			break;
	}
	cr_assert(n + 8 <= in.len && h[1] == FCGI_END, "no END_REQUEST record");
	cs_buf_free(&req);
	cs_buf_free(&p);
	cs_buf_free(&in);
}

static void
counter(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	static int served;	/* a FastCGI process keeps state across requests */
	const char *v = NULL;

	(void)arg;
	cs_req_form(req, "v", &v);
	cs_resp_header(resp, "Content-Type", "text/plain");
	cs_resp_printf(resp, "n=%d path=%s v=%s", ++served, cs_req_path(req), v ? v : "-");
}

Test(serve, fastcgi_serves_many_requests_from_one_process_and_stops_on_sigterm)
{
	char dir[] = "/tmp/csess-fcgi.XXXXXX", sock[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *params[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/app?x=1",
		"CONTENT_TYPE=application/x-www-form-urlencoded", "CONTENT_LENGTH=5", NULL };
	char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct cs_buf resp = { 0 };
	char want[512];
	pid_t pid;
	int lfd, i;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s", dir);
	strcpy(sa.sun_path, sock);
	cr_assert_neq(lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 16), 0);
	/* As a process manager does: the listening socket is the child's fd 0. */
	pid = spawn(lfd, -1, env, counter);
	close(lfd);
	for (i = 1; i <= 50; i++) {
		cs_buf_reset(&resp);
		fcgi_request(sock, params, "v=abc", &resp);
		snprintf(want, sizeof(want), "Status: 200 OK\r\nContent-Type: text/plain\r\n"
		    SECURITY_HEADERS "Content-Length: %d\r\n\r\nn=%d path=/app v=abc",
		    19 + (i >= 10), i);
		cr_assert_str_eq(resp.data, want);
	}
	kill(pid, SIGTERM);
	cr_assert_eq(wait_exit(pid), 0, "clean exit (and, under SAN=1, no leaks)");
	cs_buf_free(&resp);
	unlink(sock);
	rmdir(dir);
}
