/*
 * csess/users.h -- users and login throttling, kept in the LMDB store
 * (SESSION_STORE) beside the sessions, so every CGI process and FastCGI
 * worker sees the same state.
 *
 * A user record holds the Django-format password hash
 * (pbkdf2_sha256$iterations$salt$hash) and the session auth hash derived
 * from it (Django's get_session_auth_hash).  A session stores that auth
 * hash at login; a page compares the two (constant time) without any
 * cryptography, so a password change logs out every other session.
 * Beside it the record names the SECRET_KEY that made it (a fingerprint:
 * 128 bits of HMAC-SHA256 keyed by it); a page whose SECRET_KEY and
 * SECRET_KEY_FALLBACKS do not include that key ends the session, as
 * Django's get_user() does after a rotation without fallbacks.
 */
#ifndef CSESS_USERS_H
#define CSESS_USERS_H

#include "base.h"
#include "config.h"

#define CS_USERNAME_MAX	150	/* Django's username max_length */

struct cs_user {
	char	*name;
	char	*password_hash;	/* Django format */
	char	*auth_hash;	/* 64 hex characters, or NULL if never computed */
	char	*key_fingerprint; /* names the SECRET_KEY that made auth_hash, or NULL (older records) */
	int64_t	 created;
	int64_t	 password_changed;
};

void	 cs_user_free(struct cs_user *);

/* A username csess accepts: 1..150 bytes of [A-Za-z0-9@.+_-] (Django's default validator, ASCII). */
bool	 cs_username_valid(const char *name);

/* CS_ERR_NOT_FOUND when there is no such user. */
int	 cs_user_get(const struct cs_config *, const char *name, struct cs_user *out);
/*
 * Create (create_only: CS_ERR_EXISTS when taken) or replace the password of
 * a user.  auth_hash may be NULL; when given, it must be made with the
 * configuration's SECRET_KEY (its fingerprint is stored with it).
 * Replacing a password revokes every session of that user; storing the
 * same hash again does not.
 */
int	 cs_user_put(const struct cs_config *, const char *name,
	    const char *password_hash, const char *auth_hash, bool create_only);
/* Store a recomputed auth hash (after a SECRET_KEY change) without revoking. */
int	 cs_user_set_auth_hash(const struct cs_config *, const char *name,
	    const char *auth_hash);
/* Delete a user and revoke their sessions. CS_ERR_NOT_FOUND when absent. */
int	 cs_user_delete(const struct cs_config *, const char *name);
/* Call fn for every user in name order; stops early when fn returns non-zero. */
int	 cs_user_each(const struct cs_config *,
	    int (*fn)(void *arg, const struct cs_user *), void *arg);

/*
 * Login throttling.  A failure counter per username and per client address,
 * each in a fixed window of LOGIN_FAILURE_WINDOW seconds from its first
 * failure.  cs_throttle_check gives CS_OK, or CS_ERR_TOO_LARGE with
 * *retry_after seconds when LOGIN_FAILURES_PER_USER or _PER_ADDRESS
 * failures are already recorded in the window.
 */
int	 cs_throttle_check(const struct cs_config *, const char *user,
	    const char *addr, int64_t *retry_after);
int	 cs_throttle_fail(const struct cs_config *, const char *user, const char *addr);
/*
 * Check and count an attempt in one write transaction, before the password
 * is hashed: CS_ERR_TOO_LARGE (with *retry_after) when either counter is
 * at its limit, nothing counted; else CS_OK with both counters bumped.  So
 * N concurrent attempts under a limit of L check at most L passwords.
 */
int	 cs_throttle_reserve(const struct cs_config *, const char *user,
	    const char *addr, int64_t *retry_after);
/* Clear the username's counter (csess user passwd, throttle reset). */
int	 cs_throttle_reset(const struct cs_config *, const char *user);
/*
 * A successful login after cs_throttle_reserve: the username's counter is
 * cleared and the attempt reserved on the address is taken back, so only
 * failures count against LOGIN_FAILURES_PER_ADDRESS (many users behind one
 * NAT address log in all day).  One write transaction.
 */
int	 cs_throttle_succeeded(const struct cs_config *, const char *user,
	    const char *addr);

struct cs_throttle_entry {
	const char	*kind;		/* "user" or "address" */
	const char	*name;		/* borrowed: valid during the call */
	uint32_t	 failures;
	int64_t		 window_end;	/* epoch seconds; may be past */
};

/* Call fn for every stored counter (addresses, then users, in key order);
 * stops early when fn returns non-zero, which is returned. */
int	 cs_throttle_each(const struct cs_config *,
	    int (*fn)(void *arg, const struct cs_throttle_entry *), void *arg);
/* Delete the counters of user and/or addr (both NULL: every counter);
 * *cleared says how many were deleted. */
int	 cs_throttle_clear(const struct cs_config *, const char *user,
	    const char *addr, size_t *cleared);

#endif
