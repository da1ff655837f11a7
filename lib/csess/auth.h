/*
 * csess/auth.h -- logging users in and out of the request's session, as
 * django.contrib.auth's login(), logout() and get_user() do.
 *
 * The session holds _auth_user_id (the username), _auth_user_backend and
 * _auth_user_hash (Django's get_session_auth_hash of the password hash).
 * cs_auth_user() compares that hash with the one kept in the user record,
 * in constant time and without cryptography, so a protected page costs no
 * crypto start-up; a password change makes every other session anonymous.
 */
#ifndef CSESS_AUTH_H
#define CSESS_AUTH_H

#include "base.h"

struct cs_req;
struct cs_resp;

#define CS_AUTH_USER_KEY	"_auth_user_id"
#define CS_AUTH_BACKEND_KEY	"_auth_user_backend"
#define CS_AUTH_HASH_KEY	"_auth_user_hash"
#define CS_AUTH_BACKEND		"csess.auth"

enum cs_auth_result {
	CS_AUTH_OK = 0,
	CS_AUTH_BAD_CREDENTIALS,	/* unknown user or wrong password: one answer */
	CS_AUTH_THROTTLED,		/* too many failures: 429, see retry_after */
	CS_AUTH_ERROR			/* store or crypto failure: see err */
};

/*
 * Check name/password (throttling first, a dummy hash for unknown users so
 * timing does not tell), and on success log the user in: a different user
 * or a stale hash in the session flushes it, otherwise the session key is
 * cycled (no fixation); the CSRF secret is rotated; a hash weaker than
 * PASSWORD_ITERATIONS is upgraded.  Failures are counted.
 */
enum cs_auth_result cs_auth_login(struct cs_req *, struct cs_resp *,
	    const char *name, const char *password, int64_t *retry_after, int *err);

/* The logged-in username, or NULL (anonymous).  A session whose hash no
 * longer matches the user's is flushed, as Django's get_user() does. */
const char *cs_auth_user(struct cs_req *);

/* Flush the session (record deleted, cookie deleted at the finish). */
int	 cs_auth_logout(struct cs_req *);

/*
 * True when next is safe to redirect to after login: a local path
 * ("/..."), never "//host", "/\\host", a scheme, a backslash, whitespace or
 * a control character anywhere (browsers drop tabs and newlines inside
 * URLs, turning "/\t/evil" into "//evil").
 */
bool	 cs_auth_safe_next(const char *next);

/*
 * This page's own path as a form action, one that can only post to this
 * site: see cs_auth_local_path.  Kept with the request; NULL when out of
 * memory.
 */
const char *cs_auth_form_action(struct cs_req *);

/*
 * Append path (len bytes, no NUL needed) to out as a same-origin path:
 * one leading '/' (extra leading slashes and backslashes dropped, so
 * "//host/x" and "/\\host/x" are "/host/x"), and every byte that is not
 * an RFC 3986 path character or '%' percent-encoded -- backslashes,
 * whitespace, controls, quotes, '?', '#', non-ASCII -- so no URL parser
 * reads another host into it.  On error out may hold part of the path.
 */
int	 cs_auth_local_path(struct cs_buf *out, const char *path, size_t len);

#endif
