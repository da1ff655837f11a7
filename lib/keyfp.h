/*
 * keyfp.h -- internal: which SECRET_KEY made a user's session auth hash,
 * told without libcrypto (csess's own HMAC-SHA256, sha.c).
 */
#ifndef CSESS_KEYFP_H
#define CSESS_KEYFP_H

#include <stddef.h>

#define CS_KEY_FP_LEN	32	/* hex digits: 128 bits of HMAC-SHA256 */

/*
 * The fingerprint of a SECRET_KEY: hex of the first 16 bytes of
 * HMAC-SHA256(key, "csess.session-auth-key-fingerprint").  A PRF output:
 * it names the key without telling anything about it.
 */
void	csi_keyfp(const char *secret, char out[CS_KEY_FP_LEN + 1]);

#endif
