/*
 * sign.c -- django.core.signing: salted_hmac, Signer, TimestampSigner,
 * and the base64url / base62 encodings they use.
 *
 * A signature is b64url_nopad(HMAC-SHA256(SHA256(salt || "signer" || key),
 * value)); a timestamped value is value || sep || base62(now) before
 * signing.  Verification splits at the LAST separator (values may contain
 * it), recomputes with SECRET_KEY and each fallback key, and compares in
 * constant time.
 */
#include <stdlib.h>
#include <string.h>

#include "csess/sign.h"
#include "csess_test.h"

static const char b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b62_chars[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
b64_encode_with(struct cs_buf *out, const void *p, size_t n,
    const char *alpha, bool pad)
{
	const unsigned char *s = p;
	size_t i;
	char q[4];
	uint32_t v;

	if (cs_buf_reserve(out, (n + 2) / 3 * 4))
		return CS_ERR_NOMEM;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		q[0] = alpha[v >> 18];
		q[1] = alpha[(v >> 12) & 63];
		q[2] = alpha[(v >> 6) & 63];
		q[3] = alpha[v & 63];
		cs_buf_append(out, q, 4);
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		q[0] = alpha[v >> 18];
		q[1] = alpha[(v >> 12) & 63];
		q[2] = q[3] = '=';
		cs_buf_append(out, q, pad ? 4 : 2);
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		q[0] = alpha[v >> 18];
		q[1] = alpha[(v >> 12) & 63];
		q[2] = alpha[(v >> 6) & 63];
		q[3] = '=';
		cs_buf_append(out, q, pad ? 4 : 3);
	} else if (out->data == NULL)
		cs_buf_append(out, "", 0);
	return CS_OK;
}

int
cs_b64url_encode(struct cs_buf *out, const void *p, size_t n)
{
	return b64_encode_with(out, p, n, b64url_chars, false);
}

int
cs_b64_encode(struct cs_buf *out, const void *p, size_t n)
{
	return b64_encode_with(out, p, n, b64_chars, true);
}

static int
b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
cs_b64url_decode(struct cs_buf *out, const char *s, size_t n)
{
	uint32_t acc = 0;
	size_t i;
	int bits = 0, v;
	unsigned char c;

	/* A lone trailing character carries fewer than 8 bits. */
	if (n % 4 == 1)
		return CS_ERR_INVALID;
	if (cs_buf_reserve(out, n / 4 * 3 + 3))
		return CS_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((v = b64url_value(s[i])) < 0)
			return CS_ERR_INVALID;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (unsigned char)(acc >> bits);
			cs_buf_append(out, &c, 1);
			acc &= (1u << bits) - 1;
		}
	}
	if (out->data == NULL)
		cs_buf_append(out, "", 0);
	return CS_OK;
}

void
cs_base62_encode(char out[16], int64_t v)
{
	char tmp[16];
	uint64_t u;
	size_t i = 0, j = 0;

	if (v < 0) {
		out[j++] = '-';
		u = (uint64_t)0 - (uint64_t)v;
	} else
		u = (uint64_t)v;
	do {
		tmp[i++] = b62_chars[u % 62];
		u /= 62;
	} while (u);
	while (i)
		out[j++] = tmp[--i];
	out[j] = '\0';
}

int
cs_base62_decode(const char *s, size_t n, int64_t *out)
{
	const char *p;
	uint64_t u = 0, d;
	bool neg = false;
	size_t i = 0;

	if (n && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n)
		return CS_ERR_INVALID;
	for (; i < n; i++) {
		if (s[i] == '\0' || (p = strchr(b62_chars, s[i])) == NULL)
			return CS_ERR_INVALID;
		d = (uint64_t)(p - b62_chars);
		if (u > (UINT64_MAX - d) / 62)
			return CS_ERR_INVALID;
		u = u * 62 + d;
	}
	if (u > (uint64_t)INT64_MAX)
		return CS_ERR_INVALID;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return CS_OK;
}

int
cs_salted_hmac(enum cs_hash h, const char *key_salt, const void *value,
    size_t vlen, const void *secret, size_t slen, unsigned char *out)
{
	struct cs_buf k = {0};
	unsigned char key[CS_HASH_MAX];
	int rc;

	if (cs_buf_puts(&k, key_salt) || cs_buf_append(&k, secret, slen)) {
		cs_buf_free(&k);
		return CS_ERR_NOMEM;
	}
	rc = cs_digest(h, k.data, k.len, key);
	explicit_bzero(k.data, k.len);
	cs_buf_free(&k);
	if (rc == CS_OK)
		rc = cs_hmac(h, key, cs_hash_len(h), value, vlen, out);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
cs_signer_init(struct cs_signer *s, const struct cs_config *cfg)
{
	memset(s, 0, sizeof(*s));
	if (cfg->secret_key == NULL || cfg->secret_key[0] == '\0')
		return CS_ERR_CONFIG;
	s->key = cfg->secret_key;
	s->fallback_keys = (const char *const *)cfg->secret_key_fallbacks;
	s->n_fallback_keys = cfg->n_secret_key_fallbacks;
	s->accept_sha1 = cfg->signing_accept_sha1;
	return CS_OK;
}

static const char *
signer_sep(const struct cs_signer *s)
{
	return s->sep ? s->sep : ":";
}

static const char *
signer_salt(const struct cs_signer *s)
{
	if (s->salt && s->salt[0])
		return s->salt;
	return s->timestamp ? CS_TIMESTAMP_SIGNER_SALT : CS_SIGNER_SALT;
}

/* Django refuses separators matching ^[A-z0-9-_=]*$ (A-z spans [\]^_`). */
static bool
sep_safe(const char *sep)
{
	const char *p;

	for (p = sep; *p; p++)
		if (!((*p >= 'A' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '='))
			return true;
	return false;
}

/* b64url(salted_hmac(salt + "signer", value, prefix + key, h)) into out. */
static int
signature(const struct cs_signer *s, const char *key, enum cs_hash h,
    const char *value, size_t len, struct cs_buf *out)
{
	struct cs_buf salt = {0}, secret = {0};
	unsigned char mac[CS_HASH_MAX];
	int rc = CS_ERR_NOMEM;

	if (cs_buf_puts(&salt, signer_salt(s)) || cs_buf_puts(&salt, "signer"))
		goto done;
	if ((s->key_prefix && cs_buf_puts(&secret, s->key_prefix)) ||
	    cs_buf_puts(&secret, key))
		goto done;
	if ((rc = cs_salted_hmac(h, salt.data, value, len, secret.data,
	    secret.len, mac)))
		goto done;
	rc = cs_b64url_encode(out, mac, cs_hash_len(h));
done:
	if (secret.data)
		explicit_bzero(secret.data, secret.len);
	cs_buf_free(&salt);
	cs_buf_free(&secret);
	return rc;
}

int
csi_sign_at(const struct cs_signer *s, const char *value, size_t len,
    int64_t now, struct cs_buf *out)
{
	const char *sep = signer_sep(s);
	struct cs_buf v = {0};
	char ts[16];
	int rc;

	if (s->key == NULL)
		return CS_ERR_CONFIG;
	if (!sep_safe(sep))
		return CS_ERR_INVALID;
	if (cs_buf_append(&v, value, len))
		return CS_ERR_NOMEM;
	if (s->timestamp) {
		cs_base62_encode(ts, now);
		if (cs_buf_puts(&v, sep) || cs_buf_puts(&v, ts)) {
			cs_buf_free(&v);
			return CS_ERR_NOMEM;
		}
	}
	rc = CS_ERR_NOMEM;
	if (cs_buf_append(out, v.data, v.len) || cs_buf_puts(out, sep))
		goto done;
	rc = signature(s, s->key, CS_HASH_SHA256, v.data, v.len, out);
done:
	cs_buf_free(&v);
	return rc;
}

int
cs_sign(const struct cs_signer *s, const char *value, size_t len,
    struct cs_buf *out)
{
	return csi_sign_at(s, value, len, cs_now(), out);
}

/* Last occurrence of sep in [p, p+n), or NULL. */
static const char *
last_sep(const char *p, size_t n, const char *sep)
{
	size_t k = strlen(sep), i;

	if (k == 0 || k > n)
		return NULL;
	for (i = n - k + 1; i-- > 0;)
		if (memcmp(p + i, sep, k) == 0)
			return p + i;
	return NULL;
}

/* Does sig match value under key with hash h? */
static int
sig_matches(const struct cs_signer *s, const char *key, enum cs_hash h,
    const char *value, size_t len, const char *sig, size_t siglen,
    bool *ok)
{
	struct cs_buf want = {0};
	int rc;

	if ((rc = signature(s, key, h, value, len, &want)) == CS_OK)
		*ok = cs_ct_equal(want.data, want.len, sig, siglen) || *ok;
	cs_buf_free(&want);
	return rc;
}

/* Check sig with SECRET_KEY and every fallback (and sha1 if allowed).
 * Every candidate is computed, so timing does not tell which key. */
static int
verify(const struct cs_signer *s, const char *value, size_t len,
    const char *sig, size_t siglen)
{
	bool ok = false;
	size_t i;
	int h, nh = s->accept_sha1 ? 2 : 1, rc;

	for (h = 0; h < nh; h++) {
		if ((rc = sig_matches(s, s->key, (enum cs_hash)h, value, len,
		    sig, siglen, &ok)))
			return rc;
		for (i = 0; s->fallback_keys && i < s->n_fallback_keys; i++) {
			if (s->fallback_keys[i] == NULL)
				break;
			if ((rc = sig_matches(s, s->fallback_keys[i],
			    (enum cs_hash)h, value, len, sig, siglen, &ok)))
				return rc;
		}
	}
	return ok ? CS_OK : CS_ERR_BAD_SIGNATURE;
}

/* Django's age check: age = now - ts; age > max_age fails (strictly). */
static int
check_age(int64_t ts, int64_t max_age, int64_t now)
{
	int64_t age;

	if (max_age < 0)
		return CS_OK;
	if (__builtin_sub_overflow(now, ts, &age))
		return ts > now ? CS_OK : CS_ERR_EXPIRED;
	return age > max_age ? CS_ERR_EXPIRED : CS_OK;
}

int
csi_unsign_at(const struct cs_signer *s, const char *sv, size_t len,
    int64_t max_age, int64_t now, struct cs_buf *out)
{
	const char *sep = signer_sep(s), *at, *tsat;
	size_t k = strlen(sep), vlen;
	int64_t ts;
	int rc;

	if (s->key == NULL)
		return CS_ERR_CONFIG;
	if (!sep_safe(sep))
		return CS_ERR_INVALID;
	if ((at = last_sep(sv, len, sep)) == NULL)
		return CS_ERR_BAD_SIGNATURE;
	vlen = (size_t)(at - sv);
	if ((rc = verify(s, sv, vlen, at + k, len - vlen - k)))
		return rc;
	if (s->timestamp) {
		/* Signed but without a readable timestamp: only a
		 * non-timestamp signer with the same salt makes these. */
		if ((tsat = last_sep(sv, vlen, sep)) == NULL ||
		    cs_base62_decode(tsat + k, (size_t)(sv + vlen - tsat) - k,
		    &ts))
			return CS_ERR_BAD_SIGNATURE;
		if ((rc = check_age(ts, max_age, now)))
			return rc;
		vlen = (size_t)(tsat - sv);
	}
	return cs_buf_append(out, sv, vlen);
}

int
cs_unsign(const struct cs_signer *s, const char *sv, size_t len,
    int64_t max_age, struct cs_buf *out)
{
	return csi_unsign_at(s, sv, len, max_age, cs_now(), out);
}
