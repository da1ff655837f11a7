/*
 * auth_int.h -- internal: the one check that a session's user still holds,
 * shared by cs_auth_user() (pages behind the middleware) and
 * cs_gate_user() (the read-only gate).
 */
#ifndef CSESS_AUTH_INT_H
#define CSESS_AUTH_INT_H

#include "csess/config.h"

/*
 * True when user name exists, hash (the session's _auth_user_hash) equals
 * the user record's in constant time, and the SECRET_KEY that made it is
 * SECRET_KEY or one of SECRET_KEY_FALLBACKS.  False for a deleted user, a
 * changed password or revoked sessions, and a rotated key.  *err gets the
 * store's error when the user could not be read (false then too).
 */
bool	csi_auth_session_ok(const struct cs_config *, const char *name,
	    const char *hash, int *err);

#endif
