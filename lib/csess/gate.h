/*
 * csess/gate.h -- the request's user, read only: what a gate in front of
 * other programs and files needs (cgi-bin/gate.c: FastCGI Authorizer,
 * nginx auth_request target).
 *
 * Where cs_auth_user() goes through the session middleware (which may save
 * the session, touch it under SESSION_SAVE_EVERY_REQUEST, set or delete the
 * cookie, and flushes a session whose user changed), these functions never
 * write anything: the store is only read, and the response is not touched.
 */
#ifndef CSESS_GATE_H
#define CSESS_GATE_H

#include "base.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

struct cs_req;
struct cs_config;

/*
 * The user the request's session cookie is logged in as, checked as
 * cs_auth_user() checks it: the session's _auth_user_hash must equal the
 * user record's (constant-time), so a password change, a deleted user or
 * `csess sessions revoke-user` ends access at once.  With several session
 * cookies (browsers send the most specific path first) the first that
 * names a live session decides, as the middleware chooses.
 * Returns CS_OK with *user (new, free(3) it); CS_ERR_NOT_FOUND when
 * anonymous (no cookie, unknown, expired or forged key, no user, stale
 * hash); CS_ERR_STORE when the store cannot be read; CS_ERR_NOMEM.
 * Nothing is written: not the session, not its expiry, not the response.
 */
int	 cs_gate_user(struct cs_req *, char **user);

/* Longest original URI carried over as next (bytes, before encoding). */
#define CS_LOGIN_NEXT_MAX	2048

/*
 * LOGIN_URL?next=<uri> (or &next= when LOGIN_URL has a query) into out, as
 * Django's redirect_to_login(request.get_full_path()): uri is the path and
 * query of the page asked for, percent-encoded byte by byte; a byte that
 * cs_auth_safe_next() refuses (space, control, backslash, non-ASCII) is
 * encoded twice, so that next comes back as "%XX" and stays safe.  A NULL,
 * empty, relative or over-long (CS_LOGIN_NEXT_MAX) uri gives LOGIN_URL
 * alone: the login then goes to LOGIN_REDIRECT_URL.  Appends to out;
 * CS_OK or CS_ERR_NOMEM.
 */
int	 cs_login_url(const struct cs_config *, const char *uri, struct cs_buf *out);


#pragma GCC visibility pop
#endif
