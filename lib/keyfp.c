/*
 * keyfp.c -- the SECRET_KEY fingerprint kept beside a user's session auth
 * hash (see keyfp.h).
 *
 * A protected page compares the session's auth hash with the user record's
 * without cryptography, and must not load libcrypto (that costs a CGI
 * process about three times its work).  Yet a page must notice that
 * SECRET_KEY was rotated away from the key that made the record's hash, as
 * Django's get_user() does by recomputing.  The record names its key by
 * fingerprint; the page computes the fingerprints of SECRET_KEY and
 * SECRET_KEY_FALLBACKS: a few SHA-256 blocks of csess's own HMAC (sha.c),
 * which never loads libcrypto.
 */
#include <string.h>

#include "csess.h"
#include "keyfp.h"

#define FP_MESSAGE	"csess.session-auth-key-fingerprint"

void
csi_keyfp(const char *secret, char out[CS_KEY_FP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[CS_HASH_MAX];
	int i;

	/* Cannot fail: SHA-256 is built in (sha.c). */
	(void)cs_hmac(CS_HASH_SHA256, secret, strlen(secret), FP_MESSAGE,
	    sizeof(FP_MESSAGE) - 1, mac);
	for (i = 0; i < CS_KEY_FP_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CS_KEY_FP_LEN] = '\0';
	explicit_bzero(mac, sizeof(mac));
}
