/*
 * echo.c -- a transport fixture for the server suites: one binary that
 * serves CGI or FastCGI (libfcgi tells which) and answers with what the
 * server handed it, so a suite can check the shipped server configs pass
 * the program's configuration, cookies and request bodies through.
 * It is not part of csess; the suites compile it into their temp dir.
 *
 * Body (text/plain), one "name=value" line each:
 *   mode, pid, config (CSESS_CONFIG as the process found it at start:
 *   where a FastCGI program reads its configuration; under CGI that is the
 *   request's environment), method, uri, script, query, cookie, https,
 *   content_length, body_bytes (the whole body was read), body (its first 255 bytes),
 *   remote_user (REMOTE_USER: the user a gate in front let through).
 * Sets "echo_count" to one more than the request's echo_count cookie.
 */
#include <fcgi_stdio.h>	/* before stdio users: redirects stdio to FastCGI */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
param(const char *name)
{
	const char *v = getenv(name);	/* FCGI_Accept swaps environ per request */

	return v != NULL ? v : "";
}

static long
count_cookie(const char *cookie)
{
	const char *p;

	for (p = cookie; (p = strstr(p, "echo_count=")) != NULL; p++)
		if (p == cookie || p[-1] == ' ' || p[-1] == ';')
			return strtol(p + strlen("echo_count="), NULL, 10);
	return 0;
}

static void
answer(const char *mode, const char *config)
{
	static char	 body[256];
	char		 chunk[65536];
	long		 len = strtol(param("CONTENT_LENGTH"), NULL, 10);
	size_t		 n, got = 0;

	/* Read the whole body (bounded by CONTENT_LENGTH); keep its start. */
	body[0] = '\0';
	while (len > 0 && (long)got < len) {
		n = fread(chunk, 1, sizeof(chunk), stdin);
		if (n == 0)
			break;
		if (got < sizeof(body) - 1) {
			size_t keep = sizeof(body) - 1 - got;
			memcpy(body + got, chunk, n < keep ? n : keep);
			body[got + (n < keep ? n : keep)] = '\0';
		}
		got += n;
	}

	printf("Status: 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Set-Cookie: echo_count=%ld; Path=/; SameSite=Lax\r\n\r\n",
	    count_cookie(param("HTTP_COOKIE")) + 1);
	/* libfcgi's printf knows no %zu. */
	printf("mode=%s\npid=%ld\nconfig=%s\nmethod=%s\nuri=%s\n"
	    "script=%s\nquery=%s\ncookie=%s\nhttps=%s\ncontent_length=%s\n"
	    "body_bytes=%lu\n"
	    "body=%s\nremote_user=%s\n",
	    mode, (long)getpid(), config, param("REQUEST_METHOD"),
	    param("REQUEST_URI"), param("SCRIPT_NAME"), param("QUERY_STRING"),
	    param("HTTP_COOKIE"), param("HTTPS"), param("CONTENT_LENGTH"),
	    (unsigned long)got, body, param("REMOTE_USER"));
}

int
main(void)
{
	/* Read before the first accept: under FastCGI that is the process
	 * environment, where a FastCGI program finds CSESS_CONFIG. */
	const char	*c = getenv("CSESS_CONFIG");
	char		*config = strdup(c != NULL ? c : "");
	const char	*mode = FCGX_IsCGI() ? "cgi" : "fastcgi";

	while (FCGI_Accept() >= 0)
		answer(mode, config);
	free(config);
	return 0;
}
