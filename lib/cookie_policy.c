/*
 * cookie_policy.c -- the session cookie's Secure, HttpOnly and SameSite
 * from the settings, in one place for every cookie that follows them
 * (the session middleware, the CSRF cookie, the login program's own).
 */
#include "csess/http.h"

bool
cs_req_cookie_secure(const struct cs_req *req)
{
	switch (cs_req_config(req)->session_cookie_secure) {
	case CS_SECURE_ON:
		return true;
	case CS_SECURE_AUTO:
		return cs_req_is_https(req);
	default:
		return false;
	}
}

void
cs_set_cookie_session_policy(struct cs_set_cookie *c, const struct cs_req *req)
{
	const struct cs_config *cfg = cs_req_config(req);

	c->secure = cs_req_cookie_secure(req);
	c->httponly = cfg->session_cookie_httponly;
	c->samesite = cfg->session_cookie_samesite;
}
