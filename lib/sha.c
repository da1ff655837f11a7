/*
 * sha.c -- SHA-1 and SHA-256 (FIPS 180-4) and HMAC (RFC 2104): the
 * digests behind every signature (cs_digest, cs_hmac).
 *
 * Why not libcrypto: checking a signed cookie, a Redis or file session or a
 * cache value is a dozen compression rounds (microseconds), while mapping
 * and relocating libcrypto.so.3 costs a CGI process about a millisecond,
 * and a statically linked program (cgi-bin/gate) cannot load it safely at
 * all.  So signing needs no library; only PBKDF2 (crypto.c), which runs
 * hundreds of thousands of rounds and wants OpenSSL's SHA-NI code, still
 * loads libcrypto.  Both digests are checked against OpenSSL and the
 * FIPS/RFC vectors (tests/unit/test_sha.c).
 *
 * Nothing here branches on or indexes by secret data, and key material is
 * wiped before returning.
 */
#include <stdint.h>
#include <string.h>

#include "csess/sign.h"
#include "sha.h"

#define BLOCK	64

static inline uint32_t
ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t
rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static inline uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static const uint32_t K256[64] = {
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
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void
sha256_block(uint32_t s[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		    (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		    (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s[0], b = s[1], c = s[2], d = s[3];
	e = s[4], f = s[5], g = s[6], h = s[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		    ((e & f) ^ (~e & g)) + K256[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s[0] += a, s[1] += b, s[2] += c, s[3] += d;
	s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

static void
sha1_block(uint32_t s[8], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s[0], b = s[1], c = s[2], d = s[3], e = s[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e;
}

void
csi_sha_init(struct csi_sha *c, enum cs_hash h)
{
	static const uint32_t iv256[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	static const uint32_t iv1[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0,
	};

	memset(c, 0, sizeof(*c));
	c->sha1 = h == CS_HASH_SHA1;
	if (c->sha1)
		memcpy(c->s, iv1, sizeof(iv1));
	else
		memcpy(c->s, iv256, sizeof(iv256));
}

static void
block(struct csi_sha *c, const unsigned char *p)
{
	if (c->sha1)
		sha1_block(c->s, p);
	else
		sha256_block(c->s, p);
}

void
csi_sha_update(struct csi_sha *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	c->total += n;
	if (c->used) {
		take = BLOCK - c->used < n ? BLOCK - c->used : n;
		memcpy(c->buf + c->used, p, take);
		c->used += take, p += take, n -= take;
		if (c->used < BLOCK)
			return;
		block(c, c->buf);
		c->used = 0;
	}
	for (; n >= BLOCK; p += BLOCK, n -= BLOCK)
		block(c, p);
	memcpy(c->buf, p, n);
	c->used = n;
}

void
csi_sha_final(struct csi_sha *c, unsigned char *out)
{
	uint64_t bits = c->total * 8;
	size_t i, words = c->sha1 ? 5 : 8;

	c->buf[c->used++] = 0x80;
	if (c->used > BLOCK - 8) {
		memset(c->buf + c->used, 0, BLOCK - c->used);
		block(c, c->buf);
		c->used = 0;
	}
	memset(c->buf + c->used, 0, BLOCK - 8 - c->used);
	put_be32(c->buf + BLOCK - 8, (uint32_t)(bits >> 32));
	put_be32(c->buf + BLOCK - 4, (uint32_t)bits);
	block(c, c->buf);
	for (i = 0; i < words; i++)
		put_be32(out + 4 * i, c->s[i]);
	explicit_bzero(c, sizeof(*c));
}

size_t
cs_hash_len(enum cs_hash h)
{
	return h == CS_HASH_SHA1 ? 20 : 32;
}

int
cs_digest(enum cs_hash h, const void *p, size_t n, unsigned char *out)
{
	struct csi_sha c;

	csi_sha_init(&c, h);
	csi_sha_update(&c, p, n);
	csi_sha_final(&c, out);
	return CS_OK;
}

int
cs_hmac(enum cs_hash h, const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char *out)
{
	unsigned char k[BLOCK], pad[BLOCK], inner[CS_HASH_MAX];
	struct csi_sha c;
	size_t i;

	/* A key longer than a block is replaced by its digest (RFC 2104). */
	memset(k, 0, sizeof(k));
	if (keylen > BLOCK)
		cs_digest(h, key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	csi_sha_init(&c, h);
	csi_sha_update(&c, pad, BLOCK);
	csi_sha_update(&c, msg, msglen);
	csi_sha_final(&c, inner);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	csi_sha_init(&c, h);
	csi_sha_update(&c, pad, BLOCK);
	csi_sha_update(&c, inner, cs_hash_len(h));
	csi_sha_final(&c, out);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
	return CS_OK;
}
