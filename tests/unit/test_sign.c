/*
 * test_sign.c -- Signer / TimestampSigner against values Django 3.2 made
 * with SECRET_KEY='s3cr3t' at time 1700000000.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "csess_test.h"

#define T	1700000000

static struct cs_signer
signer(const char *salt, bool ts)
{
	struct cs_signer s = { .key = "s3cr3t", .salt = salt, .timestamp = ts };

	return s;
}

static char *
sign(const struct cs_signer *s, const char *v)
{
	struct cs_buf b = {0};

	cr_assert_eq(csi_sign_at(s, v, strlen(v), T, &b), CS_OK);
	return cs_buf_steal(&b);
}

static int
unsign(const struct cs_signer *s, const char *v, int64_t max_age,
    int64_t now, char **out)
{
	struct cs_buf b = {0};
	int rc = csi_unsign_at(s, v, strlen(v), max_age, now, &b);

	*out = cs_buf_steal(&b);
	return rc;
}

static void
expect_sign(struct cs_signer s, const char *v, const char *want)
{
	char *got = sign(&s, v), *back;

	cr_expect_str_eq(got, want);
	cr_expect_eq(unsign(&s, want, -1, T, &back), CS_OK, "%s", want);
	cr_expect_str_eq(back, v);
	free(got);
	free(back);
}

Test(signer, default_salt_matches_django)
{
	expect_sign(signer(NULL, false), "hello",
	    "hello:l2f8K5rQ595PYpS1_yLbRESMa6ctFhkjTr0lDieVxnk");
}

Test(signer, custom_salt_matches_django)
{
	expect_sign(signer("x", false), "hello",
	    "hello:5fKPv5rsBB1vFSdP0he4nE9SmOVafkQcFXOczsnAtAc");
}

Test(signer, empty_salt_means_default)
{
	expect_sign(signer("", false), "hello",
	    "hello:l2f8K5rQ595PYpS1_yLbRESMa6ctFhkjTr0lDieVxnk");
}

Test(signer, other_separator_and_value_containing_colon)
{
	struct cs_signer s = signer(NULL, false);

	s.sep = "/";
	expect_sign(s, "a:b", "a:b/c5lG1iA9YQ9_n8UQaIETxhjFT6AhubYTbeduhcNomro");
}

Test(signer, unsign_splits_at_last_separator)
{
	struct cs_signer s = signer(NULL, false);
	char *signed_v = sign(&s, "a:b:c"), *back;

	cr_assert_eq(unsign(&s, signed_v, -1, T, &back), CS_OK);
	cr_expect_str_eq(back, "a:b:c");
	free(signed_v);
	free(back);
}

Test(signer, timestamp_signer_matches_django)
{
	expect_sign(signer(NULL, true), "hello",
	    "hello:1r31eq:WO_nL_Ev0H52km-MtKbQdxrgi0_a72kaQQs8AZBkirc");
	expect_sign(signer("x", true), "hello",
	    "hello:1r31eq:Ol9r-ka5gtrngTyPwnPmzCjVENF6_DvGEJtThLamC4E");
}

Test(signer, cookie_signer_prefixes_the_key)
{
	/* get_cookie_signer()'s own default salt. */
	struct cs_signer s = signer("django.core.signing.get_cookie_signer", true);

	s.key_prefix = CS_COOKIE_KEY_PREFIX;
	expect_sign(s, "hello",
	    "hello:1r31eq:9ZXKGcOILy6y6t1RbJIMHIgh8llsIcQG3ZADWQ7P430");
}

Test(signer, tampered_value_or_signature_is_refused)
{
	struct cs_signer s = signer(NULL, false);
	char *out;

	cr_expect_eq(unsign(&s, "hellO:l2f8K5rQ595PYpS1_yLbRESMa6ctFhkjTr0lDieVxnk",
	    -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(unsign(&s, "hello:l2f8K5rQ595PYpS1_yLbRESMa6ctFhkjTr0lDieVxnK",
	    -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(unsign(&s, "hello:", -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(unsign(&s, "hello", -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(unsign(&s, "", -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
}

Test(signer, wrong_key_or_salt_is_refused)
{
	struct cs_signer s = signer("y", false);
	char *out;

	cr_expect_eq(unsign(&s, "hello:5fKPv5rsBB1vFSdP0he4nE9SmOVafkQcFXOczsnAtAc",
	    -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	s = signer("x", false);
	s.key = "s3cr3T";
	cr_expect_eq(unsign(&s, "hello:5fKPv5rsBB1vFSdP0he4nE9SmOVafkQcFXOczsnAtAc",
	    -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
}

Test(signer, unsafe_separators_are_refused_like_django)
{
	const char *bad[] = { "-", "_", "=", "[", "^", "`", "", "a" };
	const char *good[] = { ":", ".", "/", "!", "a:" };
	struct cs_signer s = signer(NULL, false);
	struct cs_buf b = {0};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.sep = bad[i];
		cr_expect_eq(csi_sign_at(&s, "v", 1, T, &b), CS_ERR_INVALID,
		    "sep '%s'", bad[i]);
		cr_expect_eq(csi_unsign_at(&s, "v-x", 3, -1, T, &b),
		    CS_ERR_INVALID, "sep '%s'", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s.sep = good[i];
		cr_expect_eq(csi_sign_at(&s, "v", 1, T, &b), CS_OK, "sep '%s'",
		    good[i]);
	}
	cs_buf_free(&b);
}

Test(signer, sha1_legacy_only_when_enabled)
{
	struct cs_signer s = signer("x", false);
	char *out;

	cr_expect_eq(unsign(&s, "hello:waJogGc3GTn-gbcOEKnQYuSMOoc", -1, T,
	    &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	s.accept_sha1 = true;
	cr_expect_eq(unsign(&s, "hello:waJogGc3GTn-gbcOEKnQYuSMOoc", -1, T,
	    &out), CS_OK);
	cr_expect_str_eq(out, "hello");
	free(out);
	s = signer(NULL, false);
	s.accept_sha1 = true;
	cr_expect_eq(unsign(&s, "hello:chgn3T6wbqHCV5VY7wdYLxIzzhc", -1, T,
	    &out), CS_OK);
	free(out);
	/* Signing never produces sha1. */
	out = sign(&s, "hello");
	cr_expect_str_eq(out, "hello:l2f8K5rQ595PYpS1_yLbRESMa6ctFhkjTr0lDieVxnk");
	free(out);
}

Test(timestamp, max_age_is_strict)
{
	struct cs_signer s = signer(NULL, true);
	const char *v = "hello:1r31eq:WO_nL_Ev0H52km-MtKbQdxrgi0_a72kaQQs8AZBkirc";
	char *out;

	cr_expect_eq(unsign(&s, v, 10, T + 10, &out), CS_OK);
	free(out);
	cr_expect_eq(unsign(&s, v, 9, T + 10, &out), CS_ERR_EXPIRED);
	free(out);
	cr_expect_eq(unsign(&s, v, 0, T, &out), CS_OK);
	free(out);
	/* Without max_age the timestamp is not checked. */
	cr_expect_eq(unsign(&s, v, -1, T + 100000000, &out), CS_OK);
	free(out);
	/* A timestamp in the future is a negative age: accepted. */
	cr_expect_eq(unsign(&s, v, 5, T - 1000, &out), CS_OK);
	free(out);
}

Test(timestamp, uses_the_pinned_clock)
{
	struct cs_signer s = signer(NULL, true);
	struct cs_buf b = {0};

	csi_clock_fix(T);
	cr_assert_eq(cs_sign(&s, "hello", 5, &b), CS_OK);
	cr_expect_str_eq(b.data,
	    "hello:1r31eq:WO_nL_Ev0H52km-MtKbQdxrgi0_a72kaQQs8AZBkirc");
	cs_buf_reset(&b);
	csi_clock_fix(T + 11);
	cr_expect_eq(cs_unsign(&s, "hello:1r31eq:WO_nL_Ev0H52km-MtKbQdxrgi0_a72kaQQs8AZBkirc",
	    56, 10, &b), CS_ERR_EXPIRED);
	csi_clock_fix(-1);
	cs_buf_free(&b);
}

Test(timestamp, plain_signature_without_timestamp_is_refused)
{
	struct cs_signer plain = signer("same", false), ts = signer("same", true);
	char *v = sign(&plain, "notimestamp"), *out;

	cr_expect_eq(unsign(&ts, v, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	free(v);
}

Test(rotation, newest_key_signs_and_fallbacks_verify)
{
	const char *fallbacks[] = { "old-key-1", "old-key-2" };
	struct cs_signer cur = signer(NULL, true), old = signer(NULL, true);
	char *by_new, *by_old, *by_cur_alone, *out;

	cur.key = "new-key";
	cur.fallback_keys = fallbacks;
	cur.n_fallback_keys = 2;
	by_new = sign(&cur, "v");
	cur.fallback_keys = NULL;
	cur.n_fallback_keys = 0;
	by_cur_alone = sign(&cur, "v");
	cr_expect_str_eq(by_new, by_cur_alone);

	old.key = "old-key-2";
	by_old = sign(&old, "v");
	cr_expect_eq(unsign(&old, by_new, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(unsign(&cur, by_old, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cur.fallback_keys = fallbacks;
	cur.n_fallback_keys = 2;
	cr_expect_eq(unsign(&cur, by_old, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "v");
	free(out);
	free(by_new);
	free(by_old);
	free(by_cur_alone);
}

Test(signer, init_requires_secret_key)
{
	struct cs_config cfg;
	struct cs_signer s;
	char err[256];
	char *env_none[] = { NULL };
	char *env_key[] = { "CSESS_SECRET_KEY=s3cr3t",
	    "CSESS_SECRET_KEY_FALLBACKS=a,b", NULL };

	cr_assert_eq(cs_config_load_env(&cfg, env_none, err, sizeof(err)), CS_OK);
	cr_expect_eq(cs_signer_init(&s, &cfg), CS_ERR_CONFIG);
	cs_config_free(&cfg);
	cr_assert_eq(cs_config_load_env(&cfg, env_key, err, sizeof(err)), CS_OK);
	cr_expect_eq(cs_signer_init(&s, &cfg), CS_OK);
	cr_expect_str_eq(s.key, "s3cr3t");
	cr_expect_eq(s.n_fallback_keys, 2);
	cr_expect_not(s.accept_sha1);
	cs_config_free(&cfg);
}

Test(encoding, base62_matches_django)
{
	char b[16];
	int64_t v;

	cs_base62_encode(b, 0);
	cr_expect_str_eq(b, "0");
	cs_base62_encode(b, 61);
	cr_expect_str_eq(b, "z");
	cs_base62_encode(b, 62);
	cr_expect_str_eq(b, "10");
	cs_base62_encode(b, T);
	cr_expect_str_eq(b, "1r31eq");
	cs_base62_encode(b, -62);
	cr_expect_str_eq(b, "-10");
	cs_base62_encode(b, INT64_MAX);
	cr_expect_eq(cs_base62_decode(b, strlen(b), &v), CS_OK);
	cr_expect_eq(v, INT64_MAX);
	cr_expect_eq(cs_base62_decode("1r31eq", 6, &v), CS_OK);
	cr_expect_eq(v, T);
	cr_expect_eq(cs_base62_decode("-10", 3, &v), CS_OK);
	cr_expect_eq(v, -62);
	cr_expect_eq(cs_base62_decode("", 0, &v), CS_ERR_INVALID);
	cr_expect_eq(cs_base62_decode("-", 1, &v), CS_ERR_INVALID);
	cr_expect_eq(cs_base62_decode("1r3!", 4, &v), CS_ERR_INVALID);
	cr_expect_eq(cs_base62_decode("zzzzzzzzzzzzzz", 14, &v), CS_ERR_INVALID);
}

Test(encoding, base64url_round_trips_and_is_strict)
{
	struct cs_buf e = {0}, d = {0};
	unsigned char all[256];
	size_t i, n;

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (n = 0; n < 8; n++) {
		cs_buf_reset(&e);
		cs_buf_reset(&d);
		cr_assert_eq(cs_b64url_encode(&e, all + 250 - n, n), CS_OK);
		cr_expect_null(memchr(e.data, '=', e.len));
		cr_assert_eq(cs_b64url_decode(&d, e.data, e.len), CS_OK);
		cr_expect_eq(d.len, n);
		cr_expect_eq(memcmp(d.data, all + 250 - n, n), 0);
	}
	cs_buf_reset(&e);
	cs_b64url_encode(&e, "\xfb\xff", 2);
	cr_expect_str_eq(e.data, "-_8");
	cs_buf_reset(&e);
	cs_b64_encode(&e, "\xfb\xff", 2);
	cr_expect_str_eq(e.data, "+/8=");
	cr_expect_eq(cs_b64url_decode(&d, "ab+c", 4), CS_ERR_INVALID);
	cr_expect_eq(cs_b64url_decode(&d, "abc=", 4), CS_ERR_INVALID);
	cr_expect_eq(cs_b64url_decode(&d, "abcde", 5), CS_ERR_INVALID);
	cs_buf_free(&e);
	cs_buf_free(&d);
}

Test(encoding, salted_hmac_is_hmac_of_hashed_salt_and_secret)
{
	unsigned char a[32], k[32], b[32];
	const char *ks = "xsignerS";

	/* salted_hmac(salt, v, secret) == HMAC(SHA256(salt||secret), v) */
	cr_assert_eq(cs_salted_hmac(CS_HASH_SHA256, "xsigner", "v", 1, "S", 1, a), CS_OK);
	cr_assert_eq(cs_digest(CS_HASH_SHA256, ks, strlen(ks), k), CS_OK);
	cr_assert_eq(cs_hmac(CS_HASH_SHA256, k, 32, "v", 1, b), CS_OK);
	cr_expect_eq(memcmp(a, b, 32), 0);
}

/* Criterion runs each test in its own process: the failed load stays here.
 * Only password hashing needs libcrypto: signing, unsigning and compressed
 * payloads go on without it. */
Test(crypto, missing_libcrypto_fails_password_hashing_only)
{
	struct cs_signer s = signer(NULL, false);
	struct cs_buf b = {0}, u = {0};
	unsigned char out[32];

	csi_crypto_use("libcsess-no-such-crypto.so.3");
	cr_assert_eq(csi_sign_at(&s, "v", 1, T, &b), CS_OK);
	cr_expect_eq(csi_unsign_at(&s, b.data, b.len, -1, T, &u), CS_OK);
	cr_expect_str_eq(u.data, "v");
	cs_buf_reset(&b);
	cr_expect_eq(csi_dumps_at(&s, "[1]", 3, true, T, &b), CS_OK);
	cr_expect_eq(cs_pbkdf2(CS_HASH_SHA256, "pw", 2, "salt", 4, 1, out, 32),
	    CS_ERR_CRYPTO);
	cr_expect_not_null(strstr(cs_crypto_error(), "libcsess-no-such-crypto.so.3"),
	    "%s", cs_crypto_error());
	cs_buf_free(&b);
	cs_buf_free(&u);
}
