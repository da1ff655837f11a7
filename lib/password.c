/*
 * password.c -- Django's PBKDF2PasswordHasher (and the SHA1 variant for
 * reading old hashes), check_password's timing rules, and the session
 * auth hash that ties a login session to the password it was made with.
 *
 * Format: pbkdf2_sha256$<iterations>$<salt>$<base64(PBKDF2(pw, salt))>,
 * standard base64 with padding.  A check re-derives with the stored salt
 * and count and compares the base64 text in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include "csess/sign.h"

#define ENCODED_MAX	1024	/* longer "hashes" are refused unparsed */
#define AUTH_HASH_SALT \
	"django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

struct parsed {
	enum cs_hash	 h;
	unsigned long	 iterations;
	const char	*salt;
	size_t		 salt_len;
	const char	*hash;
	size_t		 hash_len;
};

static int
b64_value(char c)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int)(p - abc) : -1;
}

/*
 * True when s is the one standard base64 text (with padding) of n bytes:
 * the only form a check can ever produce, so anything else never matches.
 */
static bool
b64_canonical(const char *s, size_t len, size_t n)
{
	size_t chars = (n + 2) / 3 * 4, data = (n * 8 + 5) / 6, i;
	int v = 0;

	if (len != chars)
		return false;
	for (i = 0; i < data; i++)
		if ((v = b64_value(s[i])) < 0)
			return false;
	for (; i < chars; i++)
		if (s[i] != '=')
			return false;
	/* The last character's unused low bits are zero. */
	return (v & ((1 << (data * 6 - n * 8)) - 1)) == 0;
}

/*
 * algorithm$iterations$salt$hash, as Django's split('$', 3), and only what
 * Django's encode() can produce: a decimal count without sign or leading
 * zero, a salt without '$', the digest's base64.  CS_ERR_INVALID with
 * *why otherwise.
 */
static int
parse(const char *enc, struct parsed *p, const char **why)
{
	const char *a, *b, *c;
	char *end;
	size_t alen;

	*why = "too long";
	if (enc == NULL || strnlen(enc, ENCODED_MAX + 1) > ENCODED_MAX)
		return CS_ERR_INVALID;
	*why = "expected algorithm$iterations$salt$hash";
	if ((a = strchr(enc, '$')) == NULL || (b = strchr(a + 1, '$')) == NULL ||
	    (c = strchr(b + 1, '$')) == NULL)
		return CS_ERR_INVALID;
	alen = (size_t)(a - enc);
	*why = "not pbkdf2_sha256 or pbkdf2_sha1";
	if (alen == 13 && !strncmp(enc, "pbkdf2_sha256", 13))
		p->h = CS_HASH_SHA256;
	else if (alen == 11 && !strncmp(enc, "pbkdf2_sha1", 11))
		p->h = CS_HASH_SHA1;
	else
		return CS_ERR_INVALID;
	*why = "iterations not a number from 1 to 2147483647";
	if (a[1] < '1' || a[1] > '9')
		return CS_ERR_INVALID;
	p->iterations = strtoul(a + 1, &end, 10);
	if (end != b || p->iterations == 0 || p->iterations > 0x7fffffffUL)
		return CS_ERR_INVALID;
	p->salt = b + 1;
	p->salt_len = (size_t)(c - p->salt);
	p->hash = c + 1;
	p->hash_len = strlen(p->hash);
	*why = "empty salt";
	if (p->salt_len == 0)
		return CS_ERR_INVALID;
	*why = "hash is not the base64 of a digest";
	if (!b64_canonical(p->hash, p->hash_len, cs_hash_len(p->h)))
		return CS_ERR_INVALID;
	*why = NULL;
	return CS_OK;
}

/* base64(PBKDF2-HMAC-h(pw, salt, iterations, dklen = digest size)). */
static int
derive(struct cs_buf *out, enum cs_hash h, const char *pw, size_t pwlen,
    const char *salt, size_t saltlen, unsigned long iterations)
{
	unsigned char dk[CS_HASH_MAX];
	int rc;

	if ((rc = cs_pbkdf2(h, pw, pwlen, salt, saltlen, iterations, dk,
	    cs_hash_len(h))))
		return rc;
	rc = cs_b64_encode(out, dk, cs_hash_len(h));
	explicit_bzero(dk, sizeof(dk));
	return rc;
}

int
cs_password_hash(struct cs_buf *out, const char *pw, size_t pwlen,
    long iterations, const char *salt)
{
	char rnd[CS_PASSWORD_SALT_LEN + 1];
	int rc;

	if (iterations < 1 || iterations > 0x7fffffffL)
		return CS_ERR_INVALID;
	if (salt == NULL) {
		if ((rc = cs_random_string(rnd, CS_PASSWORD_SALT_LEN,
		    CS_PASSWORD_SALT_CHARS)))
			return rc;
		salt = rnd;
	}
	if (salt[0] == '\0' || strchr(salt, '$') != NULL ||
	    strlen(salt) > ENCODED_MAX / 2)
		return CS_ERR_INVALID;
	if ((rc = cs_buf_printf(out, "pbkdf2_sha256$%ld$%s$", iterations, salt)))
		return rc;
	return derive(out, CS_HASH_SHA256, pw, pwlen, salt, strlen(salt),
	    (unsigned long)iterations);
}

/* Hash once with a throwaway salt: an unknown user costs what a known one does. */
static int
dummy_run(const char *pw, size_t pwlen, long cost)
{
	struct cs_buf junk = {0};
	int rc;

	if (cost < 1)
		cost = 1;
	rc = cs_password_hash(&junk, pw, pwlen, cost, NULL);
	cs_buf_free(&junk);
	return rc;
}

/* A hash a check can match, with at most max_iterations rounds (0: no bound). */
static int
usable(const char *encoded, long max_iterations, struct parsed *p,
    const char **why)
{
	if (parse(encoded, p, why))
		return CS_ERR_INVALID;
	if (max_iterations > 0 && p->iterations > (unsigned long)max_iterations) {
		*why = "iterations over PASSWORD_MAX_ITERATIONS";
		return CS_ERR_TOO_LARGE;
	}
	return CS_OK;
}

int
cs_password_hash_valid(const char *encoded, long max_iterations,
    const char **why)
{
	struct parsed p;
	const char *w;
	int rc;

	rc = usable(encoded, max_iterations, &p, &w);
	if (why)
		*why = w;
	return rc;
}

/*
 * harden_runtime for every hasher: after a mismatch, run SHA-256 rounds up
 * to `cost` in all, so a wrong password costs the same rounds whether the
 * stored hash is weaker, sha1, or absent (the dummy).  SHA-256 because the
 * dummy runs it: a SHA-1 round is cheaper, so a legacy hash still answers
 * a little faster, until its user's next login rehashes it.
 */
static int
harden(const struct parsed *p, const char *pw, size_t pwlen, long cost)
{
	struct cs_buf junk = {0};
	int rc;

	if (cost < 1 || (unsigned long)cost <= p->iterations)
		return CS_OK;
	rc = derive(&junk, CS_HASH_SHA256, pw, pwlen, p->salt, p->salt_len,
	    (unsigned long)cost - p->iterations);
	cs_buf_free(&junk);
	return rc;
}

int
cs_password_check_bounded(const char *pw, size_t pwlen, const char *encoded,
    long cost, long max_iterations)
{
	struct parsed p;
	struct cs_buf want = {0};
	const char *why;
	int rc, drc;

	if (encoded == NULL || encoded[0] == '!')
		rc = CS_ERR_BAD_SIGNATURE;
	else
		rc = usable(encoded, max_iterations, &p, &why);
	if (rc) {
		/* The stored hash is never derived: the cost is the dummy's. */
		drc = dummy_run(pw, pwlen, cost);
		return drc ? drc : rc;
	}
	if ((rc = derive(&want, p.h, pw, pwlen, p.salt, p.salt_len,
	    p.iterations)) == CS_OK &&
	    !cs_ct_equal(want.data, want.len, p.hash, p.hash_len))
		rc = (rc = harden(&p, pw, pwlen, cost)) ? rc : CS_ERR_BAD_SIGNATURE;
	cs_buf_free(&want);
	return rc;
}

int
cs_password_check(const char *pw, size_t pwlen, const char *encoded,
    long iterations)
{
	return cs_password_check_bounded(pw, pwlen, encoded, iterations,
	    iterations > CS_PASSWORD_MAX_ITERATIONS ? iterations :
	    CS_PASSWORD_MAX_ITERATIONS);
}

bool
cs_password_needs_rehash(const char *encoded, long iterations)
{
	struct parsed p;
	const char *why;

	if (parse(encoded, &p, &why))
		return true;
	/* Django rehashes when the count differs; csess only when it is
	 * lower, so a hash a newer Django strengthened is not weakened. */
	return p.h != CS_HASH_SHA256 ||
	    (iterations > 0 && p.iterations < (unsigned long)iterations) ||
	    p.salt_len < CS_PASSWORD_SALT_LEN;
}

static int
auth_hash_hex(char *out, enum cs_hash h, const char *password_hash,
    const char *secret)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[CS_HASH_MAX];
	size_t i, n = cs_hash_len(h);
	int rc;

	if ((rc = cs_salted_hmac(h, AUTH_HASH_SALT, password_hash,
	    strlen(password_hash), secret, strlen(secret), mac)))
		return rc;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * n] = '\0';
	return CS_OK;
}

int
cs_session_auth_hash(char out[65], const char *password_hash,
    const char *secret)
{
	if (password_hash == NULL || secret == NULL || secret[0] == '\0')
		return CS_ERR_INVALID;
	return auth_hash_hex(out, CS_HASH_SHA256, password_hash, secret);
}

int
cs_session_auth_hash_verify(const struct cs_config *cfg,
    const char *password_hash, const char *given, int *which)
{
	char want[65];
	size_t i, glen;
	int rc, found = -1, k = 0, h, nh;

	if (cfg->secret_key == NULL || cfg->secret_key[0] == '\0')
		return CS_ERR_CONFIG;
	if (password_hash == NULL || given == NULL)
		return CS_ERR_BAD_SIGNATURE;
	glen = strlen(given);
	nh = cfg->signing_accept_sha1 ? 2 : 1;
	/* Candidates in order: SECRET_KEY, each fallback (sha256), then the
	 * same with sha1 when allowed.  All are computed. */
	for (h = 0; h < nh; h++) {
		for (i = 0; i <= cfg->n_secret_key_fallbacks; i++, k++) {
			const char *key = i == 0 ? cfg->secret_key :
			    cfg->secret_key_fallbacks[i - 1];

			if (key == NULL || key[0] == '\0')
				continue;
			if ((rc = auth_hash_hex(want, (enum cs_hash)h,
			    password_hash, key)))
				return rc;
			if (cs_ct_equal(want, strlen(want), given, glen) &&
			    found < 0)
				found = k;
		}
	}
	if (found < 0)
		return CS_ERR_BAD_SIGNATURE;
	if (which)
		*which = found;
	return CS_OK;
}
