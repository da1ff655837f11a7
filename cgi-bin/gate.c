/*
 * gate -- protects any URL (static files, a CGI script, another app) with
 * the csess login, for the three ways servers ask "may this request pass":
 *
 *  - FastCGI Authorizer (FCGI_ROLE=AUTHORIZER: Apache mod_fcgid's
 *    FcgidAuthorizer / FcgidAccessChecker, lighttpd mod_fastcgi's
 *    "mode" => "authorizer"): logged in, 200 with
 *    "Variable-REMOTE_USER: name" (the server hands the protected program
 *    REMOTE_USER); anonymous, 302 to LOGIN_URL?next=<REQUEST_URI>.
 *  - nginx auth_request (a subrequest carrying X-Original-URI): logged in,
 *    200 with "X-Remote-User: name"; anonymous, 401 with the login URL in
 *    "X-Login-URL", which the shipped nginx-example.conf turns into the
 *    redirect (auth_request only knows 2xx, 401 and 403).
 *  - anything else (a plain visit, Apache's ErrorDocument 401): as the
 *    authorizer, 302 to the login with next=<REQUEST_URI>, or 200 with
 *    X-Remote-User.
 * The same under CGI and FastCGI.
 *
 * Read only: the user is found as the protected page finds it (the same
 * check of the session's auth hash against the user's, so a password
 * change or `csess sessions revoke-user` ends access at once), but the
 * session is never saved, touched (not even under
 * SESSION_SAVE_EVERY_REQUEST: the pages that use the session refresh it)
 * or flushed, no cookie is set and no Vary is added: see cs_gate_user().
 * No cryptography is loaded.
 */
#include <stdlib.h>
#include <string.h>

#include "csess.h"

/* 302 (or 401 with X-Login-URL when nginx asks) to the login. */
static void
deny(struct cs_req *req, struct cs_resp *resp, const char *uri, bool subrequest)
{
	struct cs_buf url = { 0 };

	if (cs_login_url(cs_req_config(req), uri, &url) != CS_OK)
		cs_resp_error(resp, 500, NULL);
	else if (!subrequest)
		cs_resp_redirect(resp, 302, url.data);
	else if (cs_resp_header(resp, "X-Login-URL", url.data) != CS_OK)
		cs_resp_error(resp, 500, NULL);
	else
		cs_resp_status(resp, 401);
	cs_buf_free(&url);
}

static void
gate(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char *role = cs_req_env(req, "FCGI_ROLE");
	const char *original = cs_req_header(req, "X-Original-URI");
	bool authorizer = role && strcmp(role, "AUTHORIZER") == 0;
	char *user = NULL;
	int rc;

	(void)arg;
	/* An Authorizer always asks about the request itself. */
	if (authorizer)
		original = NULL;
	rc = cs_gate_user(req, &user);
	if (rc == CS_ERR_NOT_FOUND)
		deny(req, resp, original ? original : cs_req_env(req, "REQUEST_URI"),
		    original != NULL);
	else if (rc != CS_OK)
		cs_resp_error(resp, cs_http_status_for(rc), NULL);
	else if (cs_resp_header(resp, authorizer ? "Variable-REMOTE_USER" :
	    "X-Remote-User", user) != CS_OK)
		cs_resp_error(resp, 500, NULL);
	free(user);
}

int
main(void)
{
	return cs_serve(gate, NULL);
}
