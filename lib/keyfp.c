/*
 * keyfp.c -- the SECRET_KEY fingerprint kept beside a user's session auth
 * hash (see keyfp.h).
 *
 * Why a SHA-256 of csess's own: a protected page compares the session's
 * auth hash with the user record's without cryptography, so it must not
 * load libcrypto (that costs a CGI process about three times its work).
 * Yet a page must notice that SECRET_KEY was rotated away from the key that
 * made the record's hash, as Django's get_user() does by recomputing.  The
 * record names its key by fingerprint; the page computes the fingerprints
 * of SECRET_KEY and SECRET_KEY_FALLBACKS: a few SHA-256 blocks, here.  The
 * test suite checks this code against libcrypto's HMAC.
 */
#include <stdint.h>
#include <string.h>

#include "keyfp.h"

#define FP_MESSAGE	"csess.session-auth-key-fingerprint"

struct sha256 {
	uint32_t	h[8];
	unsigned char	block[64];
	size_t		used;
	uint64_t	bytes;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
compress(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		    (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		    (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) +
		    ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
		    ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void
sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof(iv));
	s->used = 0;
	s->bytes = 0;
}

static void
sha_update(struct sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	s->bytes += n;
	while (n > 0) {
		take = 64 - s->used < n ? 64 - s->used : n;
		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used == 64) {
			compress(s, s->block);
			s->used = 0;
		}
	}
}

static void
sha_final(struct sha256 *s, unsigned char out[32])
{
	unsigned char len[8];
	uint64_t bits = s->bytes * 8;
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(s, "\x80", 1);
	while (s->used != 56)
		sha_update(s, "", 1);
	sha_update(s, len, 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
csi_keyfp_hmac_sha256(const void *key, size_t klen, const void *msg,
    size_t mlen, unsigned char out[32])
{
	unsigned char k[64] = { 0 }, pad[64], inner[32];
	struct sha256 s;
	int i;

	if (klen > sizeof(k)) {
		sha_init(&s);
		sha_update(&s, key, klen);
		sha_final(&s, k);
	} else if (klen > 0) {
		memcpy(k, key, klen);
	}
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(&s);
	sha_update(&s, pad, sizeof(pad));
	sha_update(&s, msg, mlen);
	sha_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(&s);
	sha_update(&s, pad, sizeof(pad));
	sha_update(&s, inner, sizeof(inner));
	sha_final(&s, out);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(&s, sizeof(s));
}

void
csi_keyfp(const char *secret, char out[CS_KEY_FP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	int i;

	csi_keyfp_hmac_sha256(secret, strlen(secret), FP_MESSAGE,
	    sizeof(FP_MESSAGE) - 1, mac);
	for (i = 0; i < CS_KEY_FP_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CS_KEY_FP_LEN] = '\0';
	explicit_bzero(mac, sizeof(mac));
}
