/*
 * test_password.c -- PBKDF2 hashes in Django's format, check_password's
 * rules, and the session auth hash, against Django 3.2 output.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "csess.h"
#include "crypto_int.h"

#define H260K	"pbkdf2_sha256$260000$abcdefgh12345678$Au5zmYh1w5TY28Cf771sujpB2DHaWs9lKuSCiZ/D40k="
#define H1	"pbkdf2_sha256$1$abcdefgh12345678$LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU="
#define SHA1	"pbkdf2_sha1$260000$abcdefgh12345678$OLKEgmbbVMcEhKbydNbTfnFJVGY="
/* A digest's base64 for made-up hashes that must parse. */
#define B64	"LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU="

static int
check(const char *pw, const char *enc, long iter)
{
	return cs_password_check(pw, strlen(pw), enc, iter);
}

Test(password, hash_matches_django_for_fixed_salt)
{
	struct cs_buf b = {0};

	cr_assert_eq(cs_password_hash(&b, "secret", 6, 1, "abcdefgh12345678"), CS_OK);
	cr_expect_str_eq(b.data, H1);
	cs_buf_reset(&b);
	cr_assert_eq(cs_password_hash(&b, "secret", 6, 260000, "abcdefgh12345678"), CS_OK);
	cr_expect_str_eq(b.data, H260K);
	cs_buf_free(&b);
}

Test(password, check_accepts_django_hashes_sha256_and_sha1)
{
	cr_expect_eq(check("secret", H260K, 1), CS_OK);
	cr_expect_eq(check("secret", H1, 1), CS_OK);
	cr_expect_eq(check("secret", SHA1, 1), CS_OK);
	cr_expect_eq(check("Secret", H1, 1), CS_ERR_BAD_SIGNATURE);
	cr_expect_eq(check("", H1, 1), CS_ERR_BAD_SIGNATURE);
	cr_expect_eq(check("secret", "pbkdf2_sha1$260000$abcdefgh12345678$"
	    "PLKEgmbbVMcEhKbydNbTfnFJVGY=", 1), CS_ERR_BAD_SIGNATURE);
}

Test(password, new_hash_has_random_22_char_salt_and_verifies)
{
	struct cs_buf a = {0}, b = {0};
	const char *salt;
	size_t i;

	cr_assert_eq(cs_password_hash(&a, "p\xc3\xa4ss", 5, 1000, NULL), CS_OK);
	cr_assert_eq(cs_password_hash(&b, "p\xc3\xa4ss", 5, 1000, NULL), CS_OK);
	cr_expect_str_neq(a.data, b.data);
	cr_assert_eq(strncmp(a.data, "pbkdf2_sha256$1000$", 19), 0);
	salt = a.data + 19;
	for (i = 0; i < 22; i++)
		cr_expect_not_null(strchr(CS_PASSWORD_SALT_CHARS, salt[i]));
	cr_expect_eq(salt[22], '$');
	cr_expect_eq(strlen(salt + 23), 44);
	cr_expect_eq(check("p\xc3\xa4ss", a.data, 1000), CS_OK);
	cr_expect_eq(check("pass", a.data, 1000), CS_ERR_BAD_SIGNATURE);
	cr_expect_not(cs_password_needs_rehash(a.data, 1000));
	cs_buf_free(&a);
	cs_buf_free(&b);
}

Test(password, bad_salts_and_counts_are_refused)
{
	struct cs_buf b = {0};

	cr_expect_eq(cs_password_hash(&b, "x", 1, 1, "a$b"), CS_ERR_INVALID);
	cr_expect_eq(cs_password_hash(&b, "x", 1, 1, ""), CS_ERR_INVALID);
	cr_expect_eq(cs_password_hash(&b, "x", 1, 0, NULL), CS_ERR_INVALID);
	cr_expect_eq(cs_password_hash(&b, "x", 1, -5, NULL), CS_ERR_INVALID);
	cr_expect_eq(b.len, 0);
	cs_buf_free(&b);
}

Test(password, malformed_hashes_are_refused_cleanly)
{
	const char *bad[] = {
		"", "pbkdf2_sha256", "pbkdf2_sha256$1$salt", "md5$1$salt$hash",
		"pbkdf2_sha256$0$salt$hash", "pbkdf2_sha256$-1$salt$hash",
		"pbkdf2_sha256$x$salt$hash", "pbkdf2_sha256$1$$hash",
		"pbkdf2_sha256$1$salt$", "pbkdf2_sha256$99999999999$salt$hash",
		"pbkdf2_sha256$ 1$salt$hash", "argon2$argon2id$v=19$m=1,t=1,p=1$x$y",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(check("secret", bad[i], 1), CS_ERR_INVALID, "%s", bad[i]);
		cr_expect(cs_password_needs_rehash(bad[i], 1), "%s", bad[i]);
	}
}

Test(password, unknown_user_and_unusable_hash_never_match)
{
	cr_expect_eq(check("secret", NULL, 1), CS_ERR_BAD_SIGNATURE);
	cr_expect_eq(check("", NULL, 1), CS_ERR_BAD_SIGNATURE);
	cr_expect_eq(check("secret", "!abcdefghijklmnopqrstuvwxyz0123456789ABCD", 1),
	    CS_ERR_BAD_SIGNATURE);
}

/* PBKDF2 rounds one check runs (counted by the crypto layer, not timed). */
static uint64_t
rounds(const char *enc, long iter)
{
	uint64_t before = csi_crypto_pbkdf2_rounds();

	check("secret", enc, iter);
	return csi_crypto_pbkdf2_rounds() - before;
}

/* The dummy hash for an unknown user costs the configured rounds. */
Test(password, unknown_user_costs_as_many_rounds_as_a_known_one)
{
	cr_expect_eq(rounds(H260K, 260000), 260000);
	cr_expect_eq(rounds(NULL, 260000), 260000, "no such user");
	cr_expect_eq(rounds("!unusable", 260000), 260000, "unusable hash");
	cr_expect_eq(rounds("pbkdf2_sha256$zz$bad", 260000), 260000, "malformed hash");
}

/* A wrong guess against a weaker hash runs the missing rounds too
 * (Django's harden_runtime), so it costs what a current hash would. */
Test(password, wrong_password_on_weak_hash_is_hardened)
{
	cr_expect_eq(rounds(H1, 200000), 1, "right password: the stored count only");
	cr_expect_geq(rounds("pbkdf2_sha256$1$abcdefgh12345678$"
	    "AAAAnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU=", 200000), 200000);
}

/* Every form Django's encode() cannot write is refused, so an import never
 * stores a hash that locks its user out. */
Test(password, hashes_that_can_never_match_are_refused_with_a_reason)
{
	const char *bad[] = {
		"pbkdf2_sha256$$$",
		"pbkdf2_sha256$abc$abcdefgh12345678$" B64,	/* not a number */
		"pbkdf2_sha256$0$abcdefgh12345678$" B64,	/* zero rounds */
		"pbkdf2_sha256$0100$abcdefgh12345678$" B64,	/* leading zero */
		"pbkdf2_sha256$+100$abcdefgh12345678$" B64,
		"pbkdf2_sha256$2147483648$abcdefgh12345678$" B64,
		"pbkdf2_sha256$100$$" B64,			/* empty salt */
		"pbkdf2_sha256$100$abcdefgh12345678$",		/* empty hash */
		"pbkdf2_sha256$100$abcdefgh12345678$!!!!",	/* not base64 */
		"pbkdf2_sha256$100$abcdefgh12345678$"
		    "LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU",	/* no padding */
		"pbkdf2_sha256$100$abcdefgh12345678$"
		    "LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrV=",	/* stray bits */
		"pbkdf2_sha256$100$abcdefgh12345678$OLKEgmbbVMcEhKbydNbTfnFJVGY=",
		"pbkdf2_sha1$100$abcdefgh12345678$" B64,	/* sha256-sized */
		"pbkdf2_sha256$100$abcdefgh12345678$" B64 "$",
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		cr_expect_eq(cs_password_hash_valid(bad[i], 0, &why), CS_ERR_INVALID,
		    "%s", bad[i]);
		cr_expect_not_null(why, "%s", bad[i]);
		cr_expect_eq(check("secret", bad[i], 1), CS_ERR_INVALID, "%s", bad[i]);
	}
	cr_expect_eq(cs_password_hash_valid(H260K, 0, &why), CS_OK);
	cr_expect_null(why);
	cr_expect_eq(cs_password_hash_valid(SHA1, 260000, NULL), CS_OK);
}

/* A stored count over the bound is refused, and a check never derives it:
 * the 2,000,000,000-round hash costs the dummy's rounds, not minutes. */
Test(password, count_over_the_bound_is_refused_and_never_derived)
{
	const char *huge = "pbkdf2_sha256$2000000000$abcdefgh12345678$" B64;
	uint64_t before;

	cr_expect_eq(cs_password_hash_valid(huge, CS_PASSWORD_MAX_ITERATIONS, NULL),
	    CS_ERR_TOO_LARGE);
	cr_expect_eq(cs_password_hash_valid(huge, 0, NULL), CS_OK, "0: no bound");
	cr_expect_eq(cs_password_hash_valid(H260K, 260000, NULL), CS_OK);
	cr_expect_eq(cs_password_hash_valid(H260K, 259999, NULL), CS_ERR_TOO_LARGE);
	before = csi_crypto_pbkdf2_rounds();
	cr_expect_eq(cs_password_check_bounded("secret", 6, huge, 1000, 10000000),
	    CS_ERR_TOO_LARGE);
	cr_expect_eq(csi_crypto_pbkdf2_rounds() - before, 1000);
	before = csi_crypto_pbkdf2_rounds();
	cr_expect_eq(check("secret", huge, 1000), CS_ERR_TOO_LARGE,
	    "cs_password_check applies CS_PASSWORD_MAX_ITERATIONS");
	cr_expect_eq(csi_crypto_pbkdf2_rounds() - before, 1000);
}

/* Wrong-password rounds for a given cost, whatever the stored hash. */
static uint64_t
wrong_rounds(const char *enc, long cost)
{
	uint64_t before = csi_crypto_pbkdf2_rounds();

	cs_password_check_bounded("wrong", 5, enc, cost, 0);
	return csi_crypto_pbkdf2_rounds() - before;
}

/* harden_runtime for every hasher: no user, a weaker sha256 hash and a
 * legacy sha1 hash all cost the same rounds for a wrong password. */
Test(password, wrong_password_costs_the_same_rounds_for_every_hasher)
{
	cr_expect_eq(wrong_rounds(NULL, 300000), 300000, "no such user");
	cr_expect_eq(wrong_rounds(H260K, 300000), 300000, "weaker sha256");
	cr_expect_eq(wrong_rounds(SHA1, 300000), 300000, "sha1");
	cr_expect_eq(wrong_rounds(H1, 300000), 300000, "one round");
	cr_expect_eq(wrong_rounds("pbkdf2_sha256$$$", 300000), 300000, "invalid");
}

Test(password, needs_rehash_when_weaker_than_settings)
{
	cr_expect(cs_password_needs_rehash(H260K, 600000));
	cr_expect_not(cs_password_needs_rehash(
	    "pbkdf2_sha256$600000$abcdefghijklmnopqrstuv$" B64, 600000));
	/* A stronger hash (a newer Django's) is kept. */
	cr_expect_not(cs_password_needs_rehash(
	    "pbkdf2_sha256$1000000$abcdefghijklmnopqrstuv$" B64, 600000));
	/* 16-character salt: under 128 bits. */
	cr_expect(cs_password_needs_rehash(
	    "pbkdf2_sha256$600000$abcdefgh12345678$" B64, 600000));
	cr_expect(cs_password_needs_rehash(
	    "pbkdf2_sha1$600000$abcdefghijklmnopqrstuv$"
	    "OLKEgmbbVMcEhKbydNbTfnFJVGY=", 600000));
}

Test(auth_hash, matches_django_get_session_auth_hash)
{
	char out[65];

	cr_assert_eq(cs_session_auth_hash(out, H260K, "s3cr3t"), CS_OK);
	cr_expect_str_eq(out, "2f5fa0c766c1e7a53f5c93c88d24a068dc39f617704fae6024575263fa5f665b");
	cr_expect_eq(cs_session_auth_hash(out, H260K, ""), CS_ERR_INVALID);
}

Test(auth_hash, verify_reports_which_key_matched)
{
	struct cs_config cfg;
	char err[256], old[65], cur[65];
	char *env[] = { "CSESS_SECRET_KEY=new", "CSESS_SECRET_KEY_FALLBACKS=older,old", NULL };
	int which = -1;

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_eq(cs_session_auth_hash(cur, H1, "new"), CS_OK);
	cr_assert_eq(cs_session_auth_hash(old, H1, "old"), CS_OK);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H1, cur, &which), CS_OK);
	cr_expect_eq(which, 0);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H1, old, &which), CS_OK);
	cr_expect_eq(which, 2);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H260K, cur, &which),
	    CS_ERR_BAD_SIGNATURE);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H1, "", &which),
	    CS_ERR_BAD_SIGNATURE);
	cs_config_free(&cfg);
}

/* Django 3.2's get_user() also accepts the sha1 form of the hash. */
Test(auth_hash, sha1_form_only_with_signing_accept_sha1)
{
	struct cs_config cfg;
	char err[256];
	char *off[] = { "CSESS_SECRET_KEY=s3cr3t", NULL };
	char *on[] = { "CSESS_SECRET_KEY=s3cr3t", "CSESS_SIGNING_ACCEPT_SHA1=true", NULL };
	const char *sha1 = "21def721d8e035000c4b4a91f06d13f9453df2f9";
	int which = -1;

	cr_assert_eq(cs_config_load_env(&cfg, off, err, sizeof(err)), CS_OK, "%s", err);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H260K, sha1, &which),
	    CS_ERR_BAD_SIGNATURE);
	cs_config_free(&cfg);
	cr_assert_eq(cs_config_load_env(&cfg, on, err, sizeof(err)), CS_OK, "%s", err);
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H260K, sha1, &which), CS_OK);
	cr_expect_gt(which, 0, "a legacy match asks the caller to refresh");
	cr_expect_eq(cs_session_auth_hash_verify(&cfg, H260K,
	    "2f5fa0c766c1e7a53f5c93c88d24a068dc39f617704fae6024575263fa5f665b", &which), CS_OK);
	cr_expect_eq(which, 0);
	cs_config_free(&cfg);
}
