/*
 * crypto.c -- PBKDF2 through a libcrypto loaded on first use, and zlib.
 *
 * Why dlopen: mapping and relocating libcrypto.so.3 at start-up costs a CGI
 * process several times the CPU of a hello-world, and only password
 * hashing needs it (signatures use sha.c).  So libcrypto is not linked;
 * the few functions used are resolved here the first time a password is
 * hashed.  The prototypes come from the real OpenSSL header (__typeof__),
 * so a mismatch is a compile error, not a crash.  Loading happens once per
 * process under pthread_once.
 *
 * zlib is linked (statically into the programs): it is small, has almost
 * nothing to relocate, and a static program cannot dlopen it safely.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "csess/sign.h"
#include "crypto_int.h"
#include "static_twin.h"
#include "csess_test.h"

#define LIBCRYPTO	"libcrypto.so.3"

static struct {
	__typeof__(&EVP_sha256)		sha256;
	__typeof__(&EVP_sha1)		sha1;
	__typeof__(&PKCS5_PBKDF2_HMAC)	pbkdf2;
} ssl;

static const char *crypto_name = LIBCRYPTO;
static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;
static int ssl_rc = CS_ERR_CRYPTO;
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
csi_crypto_use(const char *libcrypto)
{
	crypto_name = libcrypto;
}

static void
load_ssl(void)
{
	const char *n = crypto_name;
	void *h;

	if (csi_static_program()) {
		snprintf(load_error, sizeof(load_error), "a statically linked "
		    "program cannot load %s (lib/static_twin.c)", n);
		return;
	}
	if ((h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_error, sizeof(load_error),
		    "cannot load %s (OpenSSL 3's libcrypto): %s", n, dlerror());
		return;
	}
	if (!resolve(h, n, "EVP_sha256", &ssl.sha256) ||
	    !resolve(h, n, "EVP_sha1", &ssl.sha1) ||
	    !resolve(h, n, "PKCS5_PBKDF2_HMAC", &ssl.pbkdf2))
		return;		/* keep the handle: unloading buys nothing */
	ssl_rc = CS_OK;
}

/* zlib is linked: the flag is kept for callers written when it was not. */
int
cs_crypto_load(bool zlib)
{
	(void)zlib;
	pthread_once(&ssl_once, load_ssl);
	return ssl_rc;
}

const char *
cs_crypto_error(void)
{
	return load_error;
}

static const EVP_MD *
md(enum cs_hash h)
{
	return h == CS_HASH_SHA1 ? ssl.sha1() : ssl.sha256();
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

	if (n > ULONG_MAX / 2)
		return CS_ERR_TOO_LARGE;
	dlen = compressBound(n);
	if (cs_buf_reserve(out, dlen))
		return CS_ERR_NOMEM;
	/* Python's zlib.compress(data): Z_DEFAULT_COMPRESSION (6), wbits 15,
	 * memLevel 8, which is what compress2 uses. */
	if (compress2((Bytef *)out->data + out->len, &dlen, p, n,
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

	if (n > UINT_MAX)
		return CS_ERR_TOO_LARGE;
	memset(&s, 0, sizeof(s));
	if (inflateInit_(&s, ZLIB_VERSION, (int)sizeof(s)) != Z_OK)
		return CS_ERR_NOMEM;
	s.next_in = (Bytef *)(uintptr_t)p;
	s.avail_in = (uInt)n;
	rc = CS_OK;
	do {
		s.next_out = chunk;
		s.avail_out = sizeof(chunk);
		zr = inflate(&s, Z_NO_FLUSH);
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
	inflateEnd(&s);
	return rc;
}
