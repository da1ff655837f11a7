/*
 * The built-in SHA-1 / SHA-256 / HMAC (lib/sha.c) that every signature
 * rests on: the FIPS 180 and RFC 4231 / RFC 2202 vectors, and the same
 * bytes as OpenSSL for every message length around the block boundaries
 * and every key length around the block size.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "csess.h"
#include "sha.h"

static const char *
hex(const unsigned char *p, size_t n)
{
	static char s[2 * CS_HASH_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	return s;
}

static const char *
digest_hex(enum cs_hash h, const void *p, size_t n)
{
	unsigned char d[CS_HASH_MAX];

	cr_assert_eq(cs_digest(h, p, n, d), CS_OK);
	return hex(d, cs_hash_len(h));
}

static const char *
hmac_hex(enum cs_hash h, const void *k, size_t kn, const void *m, size_t mn)
{
	unsigned char d[CS_HASH_MAX];

	cr_assert_eq(cs_hmac(h, k, kn, m, mn, d), CS_OK);
	return hex(d, cs_hash_len(h));
}

#define ABC448	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

Test(sha, fips_180_vectors)
{
	static char million[1000000];

	memset(million, 'a', sizeof(million));
	cr_expect_str_eq(digest_hex(CS_HASH_SHA256, "", 0),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA256, "abc", 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA256, ABC448, strlen(ABC448)),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA256, million, sizeof(million)),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA1, "", 0),
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA1, "abc", 3),
	    "a9993e364706816aba3e25717850c26c9cd0d89d");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA1, ABC448, strlen(ABC448)),
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	cr_expect_str_eq(digest_hex(CS_HASH_SHA1, million, sizeof(million)),
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

Test(sha, hmac_rfc_4231_and_2202_vectors)
{
	unsigned char k0b[20], kaa[131];
	const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
	const char *jefe = "what do ya want for nothing?";

	memset(k0b, 0x0b, sizeof(k0b));
	memset(kaa, 0xaa, sizeof(kaa));
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA256, k0b, 20, "Hi There", 8),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA256, "Jefe", 4, jefe, strlen(jefe)),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA256, kaa, 131, big, strlen(big)),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA1, k0b, 20, "Hi There", 8),
	    "b617318655057264e28bc0b6fb378c8ef146be00");
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA1, "Jefe", 4, jefe, strlen(jefe)),
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	cr_expect_str_eq(hmac_hex(CS_HASH_SHA1, kaa, 80, big, strlen(big)),
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

static const EVP_MD *
md(enum cs_hash h)
{
	return h == CS_HASH_SHA1 ? EVP_sha1() : EVP_sha256();
}

/* Deterministic bytes: a failure reproduces. */
static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

Test(sha, same_bytes_as_openssl_for_every_length)
{
	unsigned char msg[300], key[200], a[CS_HASH_MAX], b[CS_HASH_MAX];
	enum cs_hash hs[] = { CS_HASH_SHA256, CS_HASH_SHA1 };
	unsigned int blen;
	size_t n, k, i;

	fill(msg, sizeof(msg), 1);
	fill(key, sizeof(key), 2);
	for (i = 0; i < 2; i++) {
		for (n = 0; n <= sizeof(msg); n++) {
			cr_assert_eq(cs_digest(hs[i], msg, n, a), CS_OK);
			cr_assert_eq(EVP_Digest(msg, n, b, &blen, md(hs[i]), NULL), 1);
			cr_assert_eq(memcmp(a, b, blen), 0, "digest %d of %zu bytes", (int)i, n);
			cr_assert_eq(cs_hmac(hs[i], key, n % 150, msg, n, a), CS_OK);
			cr_assert_not_null(HMAC(md(hs[i]), key, (int)(n % 150), msg, n, b, &blen));
			cr_assert_eq(memcmp(a, b, blen), 0, "hmac %d of %zu bytes", (int)i, n);
		}
		for (k = 0; k <= sizeof(key); k++) {
			cr_assert_eq(cs_hmac(hs[i], key, k, msg, 77, a), CS_OK);
			cr_assert_not_null(HMAC(md(hs[i]), key, (int)k, msg, 77, b, &blen));
			cr_assert_eq(memcmp(a, b, blen), 0, "hmac %d with a %zu-byte key", (int)i, k);
		}
	}
}

Test(sha, pieces_hash_as_the_whole)
{
	unsigned char msg[300], whole[CS_HASH_MAX], parts[CS_HASH_MAX];
	struct csi_sha c;
	size_t cut1, cut2;

	fill(msg, sizeof(msg), 3);
	cr_assert_eq(cs_digest(CS_HASH_SHA256, msg, sizeof(msg), whole), CS_OK);
	for (cut1 = 0; cut1 <= 130; cut1 += 13)
		for (cut2 = cut1; cut2 <= 300; cut2 += 29) {
			csi_sha_init(&c, CS_HASH_SHA256);
			csi_sha_update(&c, msg, cut1);
			csi_sha_update(&c, msg + cut1, cut2 - cut1);
			csi_sha_update(&c, msg + cut2, sizeof(msg) - cut2);
			csi_sha_final(&c, parts);
			cr_assert_eq(memcmp(whole, parts, 32), 0, "cuts %zu %zu", cut1, cut2);
		}
}
