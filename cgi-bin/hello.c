/*
 * hello.c -- the smallest csess program: a page that counts your visits in
 * a plain cookie, greets you by the name you give (query or form) and
 * shows back the note you POST.
 * One handler; cs_serve runs it as a CGI program or a FastCGI server,
 * whichever way it was started.  (A plain cookie can be edited by the
 * visitor: fine for a counter, never for anything that matters -- that is
 * what sessions are for.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"

/* Requests this process has served: always 1 under CGI, counting up under FastCGI. */
static unsigned long served;

/* The visits cookie as a number; anything that is not a small count is 0. */
static long
visits_from(const char *v)
{
	char *end;
	long n;

	if (v == NULL || *v < '0' || *v > '9' || strlen(v) > 9)
		return 0;
	n = strtol(v, &end, 10);
	return *end == '\0' ? n : 0;
}

static int
count_visit(struct cs_req *req, struct cs_resp *resp, long visits)
{
	const struct cs_config *cfg = cs_req_config(req);
	char value[24];
	struct cs_set_cookie c = {
		.name = "visits",
		.value = value,
		.has_max_age = true,
		.max_age = cfg->session_cookie_age,
		.path = "/",
		.secure = cs_req_is_https(req),
		.httponly = true,
		.samesite = CS_SAMESITE_LAX,
	};

	snprintf(value, sizeof(value), "%ld", visits);
	return cs_resp_set_cookie(resp, &c);
}

static void
hello(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *method = cs_req_method(req), *name = NULL, *note = NULL;
	bool post = strcmp(method, "POST") == 0;
	long visits;
	int rc;

	(void)arg;
	served++;
	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		cs_resp_header(resp, "Allow", "GET, HEAD, POST");
		cs_resp_error(resp, 405, "Use GET or POST.");
		return;
	}
	rc = post ? cs_req_form(req, "name", &name) : cs_req_query(req, "name", &name);
	if (post && (rc == CS_OK || rc == CS_ERR_NOT_FOUND))
		rc = cs_req_form(req, "note", &note);
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND) {
		cs_resp_error(resp, cs_http_status_for(rc), cs_strerror(rc));
		return;
	}
	visits = visits_from(cs_req_cookie(req, "visits")) + 1;
	if (count_visit(req, resp, visits) != CS_OK) {
		cs_resp_error(resp, 500, "Could not set the cookie.");
		return;
	}
	/* The page depends on the cookie: no shared cache may keep it. */
	cs_resp_vary(resp, "Cookie");
	cs_resp_header(resp, "Cache-Control", "private, no-store");

	cs_resp_puts(resp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Hello</title></head>\n<body>\n<h1>Hello, ");
	cs_resp_puts_html(resp, name && *name ? name : "world");
	cs_resp_printf(resp, "!</h1>\n<p id=\"visits\">You have visited this page %ld time%s.</p>\n",
	    visits, visits == 1 ? "" : "s");
	cs_resp_printf(resp, "<p id=\"served\">This process has served %lu request%s.</p>\n",
	    served, served == 1 ? "" : "s");
	if (note) {
		cs_resp_puts(resp, "<p id=\"note\">Your note: ");
		cs_resp_puts_html(resp, note);
		cs_resp_puts(resp, "</p>\n");
	}
	cs_resp_puts(resp, "<p>");
	cs_resp_puts_html(resp, method);
	cs_resp_puts(resp, " ");
	cs_resp_puts_html(resp, cs_req_path(req));
	cs_resp_puts(resp, cs_req_is_https(req) ? " over HTTPS" : " over HTTP");
	cs_resp_puts(resp, "</p>\n<form method=\"post\"><label>Name <input name=\"name\"></label> "
	    "<label>Note <input name=\"note\"></label> <button>Send</button></form>\n"
	    "</body></html>\n");
}

int
main(void)
{
	return cs_serve(hello, NULL);
}
