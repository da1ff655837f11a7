/*
 * keyfp.h -- internal: which SECRET_KEY made a user's session auth hash,
 * told without libcrypto.
 */
#ifndef CSESS_KEYFP_H
#define CSESS_KEYFP_H

#include <stddef.h>

#define CS_KEY_FP_LEN	32	/* hex digits: 128 bits of HMAC-SHA256 */

/*
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) in csess's own code, for
 * the one caller that must not load libcrypto: the protected page's check
 * of the key fingerprint.  Everything else uses cs_hmac.
 */
void	csi_keyfp_hmac_sha256(const void *key, size_t klen, const void *msg,
	    size_t mlen, unsigned char out[32]);
/*
 * The fingerprint of a SECRET_KEY: hex of the first 16 bytes of
 * HMAC-SHA256(key, "csess.session-auth-key-fingerprint").  A PRF output:
 * it names the key without telling anything about it.
 */
void	csi_keyfp(const char *secret, char out[CS_KEY_FP_LEN + 1]);

#endif
