/*
 * csess/csrf.h -- cross-site request forgery protection, as Django does it.
 *
 * A per-browser secret of 32 characters of [a-zA-Z0-9] lives in the CSRF
 * cookie (CSRF_COOKIE_NAME).  Forms carry it *masked*: 32 random mask
 * characters followed by the secret shifted by the mask, 64 characters in
 * all, fresh for every page so the token in the HTML never repeats (BREACH).
 * A POST is accepted when the unmasked form token (field
 * csrfmiddlewaretoken, or the X-CSRFToken header) equals the cookie's
 * secret, compared in constant time; over HTTPS, Origin (or, without it,
 * Referer) must also name this host.
 *
 * Django 3.2 keeps a masked 64-character value in the cookie and 4.1+ the
 * bare secret: both are read, so a csess program and a Django site can
 * share the cookie.  csess writes the bare secret (4.1+ format).
 */
#ifndef CSESS_CSRF_H
#define CSESS_CSRF_H

#include "base.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

#define CS_CSRF_SECRET_LEN	32
#define CS_CSRF_TOKEN_LEN	64
#define CS_CSRF_FIELD		"csrfmiddlewaretoken"
#define CS_CSRF_HEADER		"X-CSRFToken"

struct cs_req;
struct cs_resp;

/* Why a request was refused (Django's reason strings, for logs only). */
enum cs_csrf_result {
	CS_CSRF_OK = 0,
	CS_CSRF_NO_COOKIE,		/* "CSRF cookie not set." */
	CS_CSRF_NO_TOKEN,		/* "CSRF token missing." */
	CS_CSRF_BAD_TOKEN,		/* "CSRF token incorrect." */
	CS_CSRF_BAD_ORIGIN,		/* "Origin checking failed" */
	CS_CSRF_NO_REFERER,		/* "Referer checking failed - no Referer." */
	CS_CSRF_BAD_REFERER,		/* "Referer checking failed - does not match" */
	CS_CSRF__MAX
};

const char *cs_csrf_reason(enum cs_csrf_result);

/*
 * The masked token to put in a form for this request.  Reads the secret
 * from the CSRF cookie or makes a new one; either way the response (at the
 * finish of the request) sets the cookie.  out must hold
 * CS_CSRF_TOKEN_LEN + 1 bytes.
 */
int	 cs_csrf_token(struct cs_req *, struct cs_resp *, char *out);

/* A new secret (login rotates it, as Django's rotate_token). */
int	 cs_csrf_rotate(struct cs_req *, struct cs_resp *);

/* Check an unsafe request (POST...).  Safe methods are always CS_CSRF_OK. */
enum cs_csrf_result cs_csrf_check(struct cs_req *);

/* Pure helpers (exposed for tests and other front ends). */
int	 cs_csrf_mask(const char *secret, char *out);	/* 64 + NUL */
/* Secret behind a cookie or form value (32 bare or 64 masked), or
 * CS_ERR_INVALID for anything else. out: 33 bytes. */
int	 cs_csrf_unmask(const char *token, char *out);

#pragma GCC visibility pop
#endif
