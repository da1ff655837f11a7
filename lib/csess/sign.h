/*
 * csess/sign.h -- Django-compatible signing (django.core.signing), signed
 * cookies, and password hashes, byte for byte with a Django site that
 * shares SECRET_KEY.
 * Part of the one public header, csess.h: include that, not this file.
 *
 * SHA-1, SHA-256 and HMAC are built in (sha.c), so signing loads nothing.
 * Only PBKDF2 (password hashes) uses OpenSSL's libcrypto, which is not
 * linked: it is loaded with dlopen(3) on the first hash, so a program that
 * never hashes a password pays nothing for it.  When it cannot be loaded
 * cs_pbkdf2 fails with CS_ERR_CRYPTO and cs_crypto_error() says why.
 */
#ifndef CSESS_SIGN_H
#define CSESS_SIGN_H

#include "base.h"
#include "config.h"
#include "cookie.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

/* Forward declaration of jansson's value type (typedef'd json_t there). */
struct json_t;

enum cs_hash {
	CS_HASH_SHA256 = 0,	/* Django's algorithm since 3.1 */
	CS_HASH_SHA1		/* Django 3.2's legacy signatures, pbkdf2_sha1 */
};

#define CS_HASH_MAX	32	/* bytes of the largest digest */

/* --- primitives (crypto.c) ---------------------------------------------- */

/* Load libcrypto for cs_pbkdf2 (zlib is linked: the flag is ignored);
 * CS_OK or CS_ERR_CRYPTO. */
int	 cs_crypto_load(bool zlib);
/* Why the last load failed, or "" (static storage). */
const char *cs_crypto_error(void);
size_t	 cs_hash_len(enum cs_hash);
int	 cs_digest(enum cs_hash, const void *, size_t, unsigned char *out);
int	 cs_hmac(enum cs_hash, const void *key, size_t keylen,
	    const void *msg, size_t msglen, unsigned char *out);
int	 cs_pbkdf2(enum cs_hash, const void *pw, size_t pwlen,
	    const void *salt, size_t saltlen, unsigned long iterations,
	    unsigned char *out, size_t outlen);
/* zlib.compress(data) of Python: zlib wrapper, level 6, appended to out. */
int	 cs_zlib_compress(struct cs_buf *out, const void *, size_t);
/* Appends at most max bytes; CS_ERR_TOO_LARGE beyond (zip bombs),
 * CS_ERR_INVALID for a corrupt stream. */
int	 cs_zlib_decompress(struct cs_buf *out, const void *, size_t, size_t max);

/* --- encodings (sign.c) -------------------------------------------------- */

/* URL-safe base64 without '=' padding (Django's b64_encode). */
int	 cs_b64url_encode(struct cs_buf *out, const void *, size_t);
/* Strict: only [A-Za-z0-9_-], no padding; CS_ERR_INVALID otherwise. */
int	 cs_b64url_decode(struct cs_buf *out, const char *, size_t);
/* Standard base64 with padding (password hashes). */
int	 cs_b64_encode(struct cs_buf *out, const void *, size_t);
/* Django's base62 (0-9A-Za-z, most significant first, '-' for negatives). */
void	 cs_base62_encode(char out[16], int64_t);
int	 cs_base62_decode(const char *, size_t, int64_t *out);

/*
 * django.utils.crypto.salted_hmac: HMAC-H(H(key_salt || secret), value).
 * out must hold cs_hash_len(h) bytes.
 */
int	 cs_salted_hmac(enum cs_hash h, const char *key_salt,
	    const void *value, size_t vlen, const void *secret, size_t slen,
	    unsigned char *out);

/* --- Signer / TimestampSigner (sign.c) ------------------------------------ */

#define CS_SIGNER_SALT		"django.core.signing.Signer"
#define CS_TIMESTAMP_SIGNER_SALT "django.core.signing.TimestampSigner"
#define CS_DUMPS_SALT		"django.core.signing"
#define CS_COOKIE_KEY_PREFIX	"django.http.cookies"

/*
 * A signer.  Keys are used as key_prefix || key (get_cookie_signer prefixes
 * "django.http.cookies").  Only key signs; key and every fallback verify
 * (SECRET_KEY_FALLBACKS, Django 4.1+).  The struct only borrows its strings.
 */
struct cs_signer {
	const char		*key;		/* required */
	const char *const	*fallback_keys;	/* may be NULL */
	size_t			 n_fallback_keys;
	const char		*key_prefix;	/* NULL: none */
	const char		*salt;		/* NULL or "": the class default */
	const char		*sep;		/* NULL: ":" */
	bool			 timestamp;	/* TimestampSigner */
	bool			 accept_sha1;	/* Django 3.2 legacy signatures */
};

/*
 * Fill s from cfg: SECRET_KEY, SECRET_KEY_FALLBACKS, SIGNING_ACCEPT_SHA1;
 * the rest zero.  CS_ERR_CONFIG when SECRET_KEY is unset.
 */
int	 cs_signer_init(struct cs_signer *s, const struct cs_config *cfg);

/* Append value || sep || [base62(now) || sep ||] signature to out. */
int	 cs_sign(const struct cs_signer *, const char *value, size_t len,
	    struct cs_buf *out);
/*
 * Verify and append the original value to out.  max_age < 0: the age is
 * not checked; otherwise now - timestamp > max_age is CS_ERR_EXPIRED
 * (timestamp signers only).  CS_ERR_BAD_SIGNATURE for anything that does
 * not verify, CS_ERR_INVALID for an unsafe separator.
 */
int	 cs_unsign(const struct cs_signer *, const char *signed_value, size_t len,
	    int64_t max_age, struct cs_buf *out);

/* --- dumps / loads (dumps.c, pyjson.c) ------------------------------------- */

/*
 * Python's json.dumps(v, separators=(',', ':')) of a jansson value, byte for
 * byte (ensure_ascii, insertion order, float repr).  Appends to out.
 */
int	 cs_pyjson_dump(struct cs_buf *out, const struct json_t *v);
/* Parse JSON text (any value) and re-emit it as above; CS_ERR_INVALID when
 * it is not JSON that both jansson and Python accept. */
int	 cs_pyjson_normalize(struct cs_buf *out, const char *text, size_t len);

/*
 * signing.dumps(obj, salt=salt, compress=compress) of the value that json
 * (any JSON text) denotes; s->salt NULL means "django.core.signing" and
 * s->timestamp is implied.  Appends the token to out.
 */
int	 cs_dumps(const struct cs_signer *s, const char *json, size_t len,
	    bool compress, struct cs_buf *out);
/*
 * signing.loads: appends the value as compact JSON text (the Python form).
 * Errors as cs_unsign, plus CS_ERR_INVALID for a payload that verifies but
 * does not decode, CS_ERR_TOO_LARGE for one that inflates beyond 1 MiB.
 */
int	 cs_loads(const struct cs_signer *s, const char *token, size_t len,
	    int64_t max_age, struct cs_buf *out);

#define CS_LOADS_MAX_INFLATE	(1024 * 1024)

/* --- signed cookies (signed_cookie.c) -------------------------------------- */

/*
 * Which salt a signed cookie is written with.  LEGACY is Django <= 5.2.14's
 * name || salt, readable by every Django version.  V2 is Django 5.2.15+'s
 * "django.http.cookies.v2:<len(salt)>:<salt><name>" (CVE-2026-6873: the
 * legacy concatenation lets "ab"+"c" collide with "a"+"bc"), readable only
 * by Django 5.2.15+ (and csess).  Reading always accepts both.
 */
enum cs_cookie_salt {
	CS_COOKIE_SALT_LEGACY = 0,
	CS_COOKIE_SALT_V2
};

/* HttpResponse.set_signed_cookie's value: appends value:TS:SIG to out. */
int	 cs_signed_cookie_value(struct cs_buf *out, const struct cs_config *cfg,
	    const char *name, const char *value, const char *salt,
	    enum cs_cookie_salt mode);

/*
 * HttpRequest.get_signed_cookie: appends the verified value to out.
 * CS_ERR_NOT_FOUND (no such cookie), CS_ERR_BAD_SIGNATURE, CS_ERR_EXPIRED
 * (max_age >= 0 and older), CS_ERR_CONFIG (no SECRET_KEY).  Every cookie
 * named name is tried in header order and the first that verifies wins,
 * so a planted bad duplicate cannot mask the real one.
 */
int	 cs_get_signed_cookie(struct cs_buf *out, const struct cs_config *cfg,
	    const struct cs_cookies *cookies, const char *name,
	    const char *salt, int64_t max_age);

/* --- passwords (password.c) ------------------------------------------------ */

#define CS_PASSWORD_SALT_LEN	22	/* Django: ceil(128 / log2(62)) */
#define CS_PASSWORD_SALT_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/*
 * make_password(pw, salt, 'pbkdf2_sha256'): appends
 * "pbkdf2_sha256$<iterations>$<salt>$<base64 hash>".  salt NULL: 22 random
 * [a-zA-Z0-9]; a given salt must be non-empty and free of '$'.
 */
int	 cs_password_hash(struct cs_buf *out, const char *pw, size_t pwlen,
	    long iterations, const char *salt);

/*
 * PASSWORD_MAX_ITERATIONS' default: the most rounds a stored hash may ask
 * for.  Ten times Django 5.2's 1,000,000, so the next decade of Django
 * defaults still fits, while one check stays within seconds (a hash of
 * 2,000,000,000 rounds made one login run for minutes).
 */
#define CS_PASSWORD_MAX_ITERATIONS	10000000L

/*
 * check_password: CS_OK when pw matches encoded (pbkdf2_sha256 or
 * pbkdf2_sha1), CS_ERR_BAD_SIGNATURE when it does not.  encoded NULL (no
 * such user), unusable ("!...") or malformed still runs one hash of
 * `iterations` rounds before answering, so the answer takes as long as for
 * a real user; malformed answers CS_ERR_INVALID, NULL/unusable
 * CS_ERR_BAD_SIGNATURE.  On a mismatch against a hash of fewer rounds,
 * SHA-256 rounds are run up to `iterations` in all (Django's
 * harden_runtime, for sha1 hashes too).  A stored count over
 * CS_PASSWORD_MAX_ITERATIONS (or over `iterations` when that is larger)
 * is never derived: CS_ERR_TOO_LARGE after the dummy hash.
 */
int	 cs_password_check(const char *pw, size_t pwlen, const char *encoded,
	    long iterations);
/*
 * The same with the bound given: a wrong password costs `cost` rounds,
 * and a stored count over max_iterations (PASSWORD_MAX_ITERATIONS; 0: no
 * bound) answers CS_ERR_TOO_LARGE without deriving it.
 */
int	 cs_password_check_bounded(const char *pw, size_t pwlen,
	    const char *encoded, long cost, long max_iterations);
/*
 * CS_OK when encoded is a hash a check can match: pbkdf2_sha256 or
 * pbkdf2_sha1, a decimal count without sign or leading zero, a non-empty
 * salt, the base64 of the digest, as Django writes them.  CS_ERR_INVALID
 * otherwise, CS_ERR_TOO_LARGE for a count over max_iterations (0: no
 * bound); *why (may be NULL) then says what is wrong (static text).
 */
int	 cs_password_hash_valid(const char *encoded, long max_iterations,
	    const char **why);
/* True when encoded should be replaced after a successful check: not
 * pbkdf2_sha256, fewer than iterations rounds, or a salt under 128 bits. */
bool	 cs_password_needs_rehash(const char *encoded, long iterations);

/*
 * AbstractBaseUser.get_session_auth_hash(): 64 hex digits of
 * salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
 * password_hash, secret, sha256).  out holds 65 bytes.
 */
int	 cs_session_auth_hash(char out[65], const char *password_hash,
	    const char *secret);
/*
 * Verify a stored session auth hash against SECRET_KEY, then each
 * SECRET_KEY_FALLBACKS key (and, with SIGNING_ACCEPT_SHA1, Django 3.2's
 * sha1 form).  CS_OK and *which = 0 for the current key, > 0 when only an
 * older key (or sha1) matched: the caller should cycle the session key and
 * store a fresh hash, as Django 4.1+ does.  CS_ERR_BAD_SIGNATURE otherwise.
 */
int	 cs_session_auth_hash_verify(const struct cs_config *cfg,
	    const char *password_hash, const char *given, int *which);

#pragma GCC visibility pop
#endif
