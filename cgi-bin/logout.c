/*
 * logout -- POST (with the CSRF token) flushes the session, deletes its
 * cookie and redirects to LOGOUT_REDIRECT_URL; GET shows a logout button.
 */
#include <stdio.h>
#include <string.h>

#include "csess.h"

static void
form(struct cs_req *req, struct cs_resp *resp)
{
	char token[CS_CSRF_TOKEN_LEN + 1];
	struct cs_tvar vars[] = {
		{ "csrf_token", token },
		{ "action", cs_auth_form_action(req) },
	};

	if (vars[1].value == NULL || cs_csrf_token(req, resp, token) != CS_OK) {
		cs_resp_error(resp, 500, NULL);
		return;
	}
	cs_resp_header(resp, "Cache-Control", "no-store");
	cs_template_respond(resp, cs_req_config(req), 200, "logout", vars, 2);
}

static void
post(struct cs_req *req, struct cs_resp *resp)
{
	enum cs_csrf_result csrf = cs_csrf_check(req);
	int rc;

	if (csrf != CS_CSRF_OK) {
		fprintf(stderr, "csess: logout: Forbidden (%s)\n", cs_csrf_reason(csrf));
		cs_resp_error(resp, 403, "CSRF verification failed. Request aborted.");
		return;
	}
	if ((rc = cs_auth_logout(req))) {
		cs_resp_error(resp, cs_http_status_for(rc), NULL);
		return;
	}
	cs_resp_redirect(resp, 302, cs_req_config(req)->logout_redirect_url);
}

static void
logout(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *method = cs_req_method(req);

	(void)arg;
	if (!strcmp(method, "POST"))
		post(req, resp);
	else if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		form(req, resp);
	else {
		cs_resp_error(resp, 405, NULL);
		cs_resp_header(resp, "Allow", "GET, HEAD, POST");
	}
}

int
main(void)
{
	return cs_session_serve(logout, NULL);
}
