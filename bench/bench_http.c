/*
 * bench_http.c -- in-process cost of one request through cs_run_once:
 * building the request from an environment, the handler's reads (cookies,
 * query, form), the response and its serialization, and freeing it all.
 *
 *   build/rel/bench/bench_http [rounds]
 *
 * Side by side, in interleaved rounds: a floor that formats the same kind
 * of response with snprintf alone, then three requests of growing weight.
 * Prints the median ns/request of each and its ratio to the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "csess.h"

#define INNER	20000

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *v = NULL;

	(void)arg;
	cs_req_cookie(req, "sessionid");
	cs_req_query(req, "next", &v);
	if (strcmp(cs_req_method(req), "POST") == 0)
		cs_req_form(req, "username", &v);
	cs_resp_vary(resp, "Cookie");
	cs_resp_puts(resp, "<!DOCTYPE html><p>Hello, ");
	cs_resp_puts_html(resp, v ? v : "world");
	cs_resp_puts(resp, "</p>\n");
}

static char *env_get[] = {
	"REQUEST_METHOD=GET", "REQUEST_URI=/hello", "QUERY_STRING=", NULL
};
static char *env_cookies[] = {
	"REQUEST_METHOD=GET", "REQUEST_URI=/protected?next=%2Fa%2Fb",
	"QUERY_STRING=next=%2Fa%2Fb&x=1&y=2",
	"HTTP_COOKIE=csrftoken=Xk3vQ9pL2mN8rT5wY7zA1bC4dE6fG0hJ; "
	    "sessionid=q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6; _ga=GA1.2.123456789.1700000000; "
	    "theme=dark; lang=en",
	"HTTP_HOST=example.com", "HTTP_USER_AGENT=Mozilla/5.0", "REMOTE_ADDR=192.0.2.1",
	"SERVER_PROTOCOL=HTTP/1.1", "GATEWAY_INTERFACE=CGI/1.1", NULL
};
static char body[] = "username=alice&password=correct+horse+battery+staple"
    "&csrfmiddlewaretoken=Xk3vQ9pL2mN8rT5wY7zA1bC4dE6fG0hJXk3vQ9pL2mN8rT5wY7zA1bC4dE6fG0hJ"
    "&next=%2Fprotected";
static char clen[32];
static char *env_post[] = {
	"REQUEST_METHOD=POST", "REQUEST_URI=/login",
	"CONTENT_TYPE=application/x-www-form-urlencoded", clen,
	"HTTP_COOKIE=csrftoken=Xk3vQ9pL2mN8rT5wY7zA1bC4dE6fG0hJ; sessionid=q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6",
	"HTTP_HOST=example.com", "REMOTE_ADDR=192.0.2.1", NULL
};

/* The floor: the same shape of output with nothing parsed or checked. */
static void
floor_once(struct cs_buf *out)
{
	char page[64];
	int n = snprintf(page, sizeof(page), "<!DOCTYPE html><p>Hello, %s</p>\n", "world");

	cs_buf_printf(out, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Vary: Cookie\r\nContent-Length: %d\r\n\r\n%s", n, page);
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "floor (snprintf only)", "GET, no cookies",
		"GET, 5 cookies + query", "POST login form" };
	char *const *envs[] = { NULL, env_get, env_cookies, env_post };
	int rounds = argc > 1 ? atoi(argv[1]) : 15, r, c, i;
	double *t[4], t0, med[4];
	struct cs_config cfg;
	struct cs_buf out = { 0 };
	char err[256];

	if (rounds < 1)
		rounds = 15;
	snprintf(clen, sizeof(clen), "CONTENT_LENGTH=%zu", strlen(body));
	if (cs_config_load_env(&cfg, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench_http: %s\n", err);
		return 2;
	}
	for (c = 0; c < 4; c++)
		t[c] = calloc((size_t)rounds, sizeof(double));
	for (r = 0; r < rounds; r++) {
		for (c = 0; c < 4; c++) {
			t0 = bench_now() * 1e9;
			for (i = 0; i < INNER; i++) {
				cs_buf_reset(&out);
				if (c == 0)
					floor_once(&out);
				else
					cs_run_once(&cfg, envs[c], c == 3 ? body : NULL,
					    c == 3 ? strlen(body) : 0, handler, NULL, &out);
			}
			t[c][r] = (bench_now() * 1e9 - t0) / INNER;
		}
	}
	printf("%-26s %12s %8s\n", "request", "ns/request", "x floor");
	for (c = 0; c < 4; c++) {
		qsort(t[c], (size_t)rounds, sizeof(double), bench_cmp_double);
		med[c] = t[c][rounds / 2];
		printf("%-26s %12.0f %8.1f\n", names[c], med[c], med[c] / med[0]);
		free(t[c]);
	}
	cs_buf_free(&out);
	cs_config_free(&cfg);
	return 0;
}
