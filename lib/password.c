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

/* algorithm$iterations$salt$hash, as Django's split('$', 3). */
static int
parse(const char *enc, struct parsed *p)
{
	const char *a, *b, *c;
	char *end;
	size_t alen;

	if (enc == NULL || strnlen(enc, ENCODED_MAX + 1) > ENCODED_MAX)
		return CS_ERR_INVALID;
	if ((a = strchr(enc, '$')) == NULL || (b = strchr(a + 1, '$')) == NULL ||
	    (c = strchr(b + 1, '$')) == NULL)
		return CS_ERR_INVALID;
	alen = (size_t)(a - enc);
	if (alen == 13 && !strncmp(enc, "pbkdf2_sha256", 13))
		p->h = CS_HASH_SHA256;
	else if (alen == 11 && !strncmp(enc, "pbkdf2_sha1", 11))
		p->h = CS_HASH_SHA1;
	else
		return CS_ERR_INVALID;
	if (a[1] < '1' || a[1] > '9')
		return CS_ERR_INVALID;
	p->iterations = strtoul(a + 1, &end, 10);
	if (end != b || p->iterations == 0 || p->iterations > 0x7fffffffUL)
		return CS_ERR_INVALID;
	p->salt = b + 1;
	p->salt_len = (size_t)(c - p->salt);
	p->hash = c + 1;
	p->hash_len = strlen(p->hash);
	if (p->salt_len == 0 || p->hash_len == 0)
		return CS_ERR_INVALID;
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
dummy_run(const char *pw, size_t pwlen, long iterations)
{
	struct cs_buf junk = {0};
	int rc;

	if (iterations < 1)
		iterations = 1;
	rc = cs_password_hash(&junk, pw, pwlen, iterations, NULL);
	cs_buf_free(&junk);
	return rc;
}

int
cs_password_check(const char *pw, size_t pwlen, const char *encoded,
    long iterations)
{
	struct parsed p;
	struct cs_buf want = {0};
	bool ok;
	int rc;

	if (encoded == NULL || encoded[0] == '!') {
		if ((rc = dummy_run(pw, pwlen, iterations)))
			return rc;
		return CS_ERR_BAD_SIGNATURE;
	}
	if (parse(encoded, &p)) {
		if ((rc = dummy_run(pw, pwlen, iterations)))
			return rc;
		return CS_ERR_INVALID;
	}
	if ((rc = derive(&want, p.h, pw, pwlen, p.salt, p.salt_len,
	    p.iterations)))
		goto done;
	ok = cs_ct_equal(want.data, want.len, p.hash, p.hash_len);
	rc = ok ? CS_OK : CS_ERR_BAD_SIGNATURE;
	/* harden_runtime: a wrong password against a weaker hash takes as
	 * long as against a current one, so hash strength does not leak. */
	if (!ok && p.h == CS_HASH_SHA256 && iterations > 0 &&
	    (unsigned long)iterations > p.iterations) {
		cs_buf_reset(&want);
		if (derive(&want, p.h, pw, pwlen, p.salt, p.salt_len,
		    (unsigned long)iterations - p.iterations) != CS_OK)
			rc = CS_ERR_CRYPTO;
	}
done:
	cs_buf_free(&want);
	return rc;
}

bool
cs_password_needs_rehash(const char *encoded, long iterations)
{
	struct parsed p;

	if (parse(encoded, &p))
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
