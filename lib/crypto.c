/*
 * crypto.c -- digests, HMAC, PBKDF2 and zlib, loaded on first use.
 *
 * Why dlopen: mapping and relocating libcrypto.so.3 at start-up costs a CGI
 * process several times the CPU of a hello-world, and most requests (a
 * protected page with an LMDB session) never sign anything.  So neither
 * libcrypto nor zlib is linked; the few functions used are resolved here
 * the first time one is needed.  The prototypes come from the real OpenSSL
 * and zlib headers (__typeof__), so a mismatch is a compile error, not a
 * crash.  Loading happens once per process under pthread_once.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "csess/sign.h"
#include "crypto_int.h"
#include "csess_test.h"

#define LIBCRYPTO	"libcrypto.so.3"
#define LIBZ		"libz.so.1"

static struct {
	__typeof__(&EVP_sha256)		sha256;
	__typeof__(&EVP_sha1)		sha1;
	__typeof__(&EVP_Digest)		digest;
	__typeof__(&HMAC)		hmac;
	__typeof__(&PKCS5_PBKDF2_HMAC)	pbkdf2;
} ssl;

static struct {
	__typeof__(&compressBound)	bound;
	__typeof__(&compress2)		compress2;
	__typeof__(&inflateInit_)	inflate_init;
	__typeof__(&inflate)		inflate;
	__typeof__(&inflateEnd)		inflate_end;
} z;

static const char *crypto_name = LIBCRYPTO;
static const char *z_name = LIBZ;
static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;
static pthread_once_t z_once = PTHREAD_ONCE_INIT;
static int ssl_rc = CS_ERR_CRYPTO;
static int z_rc = CS_ERR_CRYPTO;
static char load_error[256];

/* Resolve one symbol into *slot; false (and a message) when missing. */
static bool
resolve(void *h, const char *lib, const char *name, void *slot)
{
	void *p;

	if ((p = dlsym(h, name)) == NULL) {
		snprintf(load_error, sizeof(load_error),
		    "%s lacks %s", lib, name);
		return false;
	}
	memcpy(slot, &p, sizeof(p));
	return true;
}

void
csi_crypto_use(const char *libcrypto, const char *libz)
{
	if (libcrypto)
		crypto_name = libcrypto;
	if (libz)
		z_name = libz;
}

static void
load_ssl(void)
{
	const char *n = crypto_name;
	void *h;

	if ((h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_error, sizeof(load_error),
		    "cannot load %s (OpenSSL 3's libcrypto): %s", n, dlerror());
		return;
	}
	if (!resolve(h, n, "EVP_sha256", &ssl.sha256) ||
	    !resolve(h, n, "EVP_sha1", &ssl.sha1) ||
	    !resolve(h, n, "EVP_Digest", &ssl.digest) ||
	    !resolve(h, n, "HMAC", &ssl.hmac) ||
	    !resolve(h, n, "PKCS5_PBKDF2_HMAC", &ssl.pbkdf2))
		return;		/* keep the handle: unloading buys nothing */
	ssl_rc = CS_OK;
}

static void
load_z(void)
{
	const char *n = z_name;
	void *h;

	if ((h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_error, sizeof(load_error),
		    "cannot load %s (zlib): %s", n, dlerror());
		return;
	}
	if (!resolve(h, n, "compressBound", &z.bound) ||
	    !resolve(h, n, "compress2", &z.compress2) ||
	    !resolve(h, n, "inflateInit_", &z.inflate_init) ||
	    !resolve(h, n, "inflate", &z.inflate) ||
	    !resolve(h, n, "inflateEnd", &z.inflate_end))
		return;
	z_rc = CS_OK;
}

int
cs_crypto_load(bool zlib)
{
	pthread_once(&ssl_once, load_ssl);
	if (ssl_rc)
		return ssl_rc;
	if (zlib) {
		pthread_once(&z_once, load_z);
		return z_rc;
	}
	return CS_OK;
}

const char *
cs_crypto_error(void)
{
	return load_error;
}

size_t
cs_hash_len(enum cs_hash h)
{
	return h == CS_HASH_SHA1 ? 20 : 32;
}

static const EVP_MD *
md(enum cs_hash h)
{
	return h == CS_HASH_SHA1 ? ssl.sha1() : ssl.sha256();
}

int
cs_digest(enum cs_hash h, const void *p, size_t n, unsigned char *out)
{
	int rc;

	if ((rc = cs_crypto_load(false)))
		return rc;
	if (ssl.digest(p, n, out, NULL, md(h), NULL) != 1)
		return CS_ERR_CRYPTO;
	return CS_OK;
}

int
cs_hmac(enum cs_hash h, const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char *out)
{
	static const unsigned char empty[1];
	int rc;

	if ((rc = cs_crypto_load(false)))
		return rc;
	if (keylen > INT_MAX)
		return CS_ERR_INVALID;
	/* OpenSSL wants non-NULL pointers even for empty input. */
	if (ssl.hmac(md(h), keylen ? key : empty, (int)keylen,
	    msglen ? msg : empty, msglen, out, NULL) == NULL)
		return CS_ERR_CRYPTO;
	return CS_OK;
}

static uint64_t pbkdf2_rounds;

uint64_t
csi_crypto_pbkdf2_rounds(void)
{
	return pbkdf2_rounds;
}

int
cs_pbkdf2(enum cs_hash h, const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, unsigned long iterations, unsigned char *out,
    size_t outlen)
{
	int rc;

	if ((rc = cs_crypto_load(false)))
		return rc;
	if (pwlen > INT_MAX || saltlen > INT_MAX || outlen > INT_MAX ||
	    iterations == 0 || iterations > INT_MAX)
		return CS_ERR_INVALID;
	if (ssl.pbkdf2(pwlen ? pw : "", (int)pwlen, salt, (int)saltlen,
	    (int)iterations, md(h), (int)outlen, out) != 1)
		return CS_ERR_CRYPTO;
	pbkdf2_rounds += iterations;
	return CS_OK;
}

int
cs_zlib_compress(struct cs_buf *out, const void *p, size_t n)
{
	uLongf dlen;
	int rc;

	if ((rc = cs_crypto_load(true)))
		return rc;
	if (n > ULONG_MAX / 2)
		return CS_ERR_TOO_LARGE;
	dlen = z.bound(n);
	if (cs_buf_reserve(out, dlen))
		return CS_ERR_NOMEM;
	/* Python's zlib.compress(data): Z_DEFAULT_COMPRESSION (6), wbits 15,
	 * memLevel 8, which is what compress2 uses. */
	if (z.compress2((Bytef *)out->data + out->len, &dlen, p, n,
	    Z_DEFAULT_COMPRESSION) != Z_OK)
		return CS_ERR_CRYPTO;
	out->len += dlen;
	out->data[out->len] = '\0';
	return CS_OK;
}

int
cs_zlib_decompress(struct cs_buf *out, const void *p, size_t n, size_t max)
{
	z_stream s;
	unsigned char chunk[16384];
	size_t got = 0, have;
	int rc, zr;

	if ((rc = cs_crypto_load(true)))
		return rc;
	if (n > UINT_MAX)
		return CS_ERR_TOO_LARGE;
	memset(&s, 0, sizeof(s));
	if (z.inflate_init(&s, ZLIB_VERSION, (int)sizeof(s)) != Z_OK)
		return CS_ERR_NOMEM;
	s.next_in = (Bytef *)(uintptr_t)p;
	s.avail_in = (uInt)n;
	rc = CS_OK;
	do {
		s.next_out = chunk;
		s.avail_out = sizeof(chunk);
		zr = z.inflate(&s, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = zr == Z_MEM_ERROR ? CS_ERR_NOMEM : CS_ERR_INVALID;
			break;
		}
		have = sizeof(chunk) - s.avail_out;
		if (have > max - got) {
			rc = CS_ERR_TOO_LARGE;
			break;
		}
		got += have;
		if (cs_buf_append(out, chunk, have)) {
			rc = CS_ERR_NOMEM;
			break;
		}
		/* Input exhausted without the end marker: truncated. */
		if (zr == Z_OK && s.avail_in == 0 && have == 0) {
			rc = CS_ERR_INVALID;
			break;
		}
	} while (zr != Z_STREAM_END);
	/* Python's zlib.decompress ignores bytes after the stream end; no
	 * Django-made payload has any, so csess refuses them. */
	if (rc == CS_OK && s.avail_in != 0)
		rc = CS_ERR_INVALID;
	z.inflate_end(&s);
	return rc;
}
