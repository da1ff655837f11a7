/*
 * test_signed_cookie.c -- set_signed_cookie / get_signed_cookie against
 * Django 3.2 (legacy salt) and 5.2.15+ (v2 salt) values,
 * SECRET_KEY='s3cr3t', time 1700000000.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"

#define T	1700000000
#define COLOR	"blue:1r31eq:WiVYv2zH7NU4fRDZsyWzB8uwojvBXcyBJ-o0zx5512Q"
#define C2	"blue:1r31eq:ZHn2zPj2zYU5bv9ILnjOMZciZdZTrDtgh1oi8WmQIb8"
#define COLOR_V2 "blue:1r31eq:E4l9uZWV75LAd2Xagj-Al8tHnPvwwc4_OntFojsZJkM"
#define C2_V2	"blue:1r31eq:EQhuJBUIwkYselgMj4o4bcfPQfuBNLuI282777u--fw"

static struct cs_config cfg;

static void
setup(void)
{
	char err[256];
	char *env[] = { "CSESS_SECRET_KEY=s3cr3t", NULL };

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK, "%s", err);
}

static void
teardown(void)
{
	cs_config_free(&cfg);
}

TestSuite(signed_cookie, .init = setup, .fini = teardown);

static char *
value(const char *name, const char *v, const char *salt, enum cs_cookie_salt m)
{
	struct cs_buf b = {0};

	cr_assert_eq(cs_signed_cookie_value_at(&b, &cfg, name, v, salt, m, T), CS_OK);
	return cs_buf_steal(&b);
}

/* A parsed Cookie header built by hand: name/value pairs in order. */
static struct cs_cookies
jar(struct cs_cookie_pair *pairs, size_t n)
{
	struct cs_cookies c = { .pairs = pairs, .count = n };
	size_t i;

	for (i = 0; i < n; i++) {
		pairs[i].name_len = strlen(pairs[i].name);
		pairs[i].value_len = strlen(pairs[i].value);
	}
	return c;
}

static int
get(struct cs_cookies *c, const char *name, const char *salt, int64_t max_age,
    int64_t now, char **out)
{
	struct cs_buf b = {0};
	int rc = cs_get_signed_cookie_at(&b, &cfg, c, name, salt, max_age, now);

	*out = cs_buf_steal(&b);
	return rc;
}

Test(signed_cookie, set_matches_django_legacy_salt)
{
	char *v = value("color", "blue", NULL, CS_COOKIE_SALT_LEGACY);

	cr_expect_str_eq(v, COLOR);
	free(v);
	v = value("c2", "blue", "pepper", CS_COOKIE_SALT_LEGACY);
	cr_expect_str_eq(v, C2);
	free(v);
}

Test(signed_cookie, set_matches_django_v2_salt)
{
	char *v = value("color", "blue", NULL, CS_COOKIE_SALT_V2);

	cr_expect_str_eq(v, COLOR_V2);
	free(v);
	v = value("c2", "blue", "pepper", CS_COOKIE_SALT_V2);
	cr_expect_str_eq(v, C2_V2);
	free(v);
}

Test(signed_cookie, get_reads_both_salt_forms)
{
	struct cs_cookie_pair p[] = {
		{ .name = "color", .value = COLOR },
		{ .name = "c2", .value = C2_V2 },
	};
	struct cs_cookies c = jar(p, 2);
	char *out;

	cr_expect_eq(get(&c, "color", NULL, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "blue");
	free(out);
	cr_expect_eq(get(&c, "c2", "pepper", -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "blue");
	free(out);
}

Test(signed_cookie, missing_tampered_wrong_salt_and_expired_are_distinct)
{
	struct cs_cookie_pair p[] = {
		{ .name = "color", .value = COLOR },
		{ .name = "c2", .value = C2 },
		{ .name = "bad", .value = "blue:1r31eq:WiVYv2zH7NU4fRDZsyWzB8uwojvBXcyBJ-o0zx5512q" },
		{ .name = "", .value = COLOR, .flags = CS_COOKIE_NAMELESS },
	};
	struct cs_cookies c = jar(p, 4);
	char *out;

	cr_expect_eq(get(&c, "nope", NULL, -1, T, &out), CS_ERR_NOT_FOUND);
	free(out);
	cr_expect_eq(get(&c, "bad", NULL, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	/* Signed with salt "pepper", read without: Django gives the default. */
	cr_expect_eq(get(&c, "c2", NULL, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	/* Another cookie's value under this name does not verify. */
	p[0].value = C2;
	c = jar(p, 4);
	cr_expect_eq(get(&c, "color", NULL, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	cr_expect_str_eq(out, "");
	free(out);
	p[0].value = COLOR;
	c = jar(p, 4);
	cr_expect_eq(get(&c, "color", NULL, 99, T + 100, &out), CS_ERR_EXPIRED);
	free(out);
	cr_expect_eq(get(&c, "color", NULL, 100, T + 100, &out), CS_OK);
	cr_expect_str_eq(out, "blue");
	free(out);
}

Test(signed_cookie, a_bad_duplicate_does_not_mask_the_good_one)
{
	struct cs_cookie_pair p[] = {
		{ .name = "color", .value = "red:1r31eq:forged" },
		{ .name = "color", .value = COLOR },
	};
	struct cs_cookies c = jar(p, 2);
	char *out;

	cr_expect_eq(get(&c, "color", NULL, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "blue");
	free(out);
}

Test(signed_cookie, needs_secret_key)
{
	struct cs_config none;
	struct cs_cookie_pair p[] = { { .name = "color", .value = COLOR } };
	struct cs_cookies c = jar(p, 1);
	struct cs_buf b = {0};
	char err[256];
	char *env[] = { NULL };

	cr_assert_eq(cs_config_load_env(&none, env, err, sizeof(err)), CS_OK);
	cr_expect_eq(cs_signed_cookie_value_at(&b, &none, "color", "blue", NULL,
	    CS_COOKIE_SALT_LEGACY, T), CS_ERR_CONFIG);
	cr_expect_eq(cs_get_signed_cookie_at(&b, &none, &c, "color", NULL, -1, T),
	    CS_ERR_CONFIG);
	cs_config_free(&none);
	cs_buf_free(&b);
}

Test(signed_cookie, fallback_key_signed_cookie_verifies)
{
	struct cs_config rot;
	struct cs_cookie_pair p[] = { { .name = "color", .value = COLOR } };
	struct cs_cookies c = jar(p, 1);
	struct cs_buf b = {0};
	char err[256];
	char *env[] = { "CSESS_SECRET_KEY=n3w", "CSESS_SECRET_KEY_FALLBACKS=s3cr3t", NULL };

	cr_assert_eq(cs_config_load_env(&rot, env, err, sizeof(err)), CS_OK);
	cr_expect_eq(cs_get_signed_cookie_at(&b, &rot, &c, "color", NULL, -1, T), CS_OK);
	cr_expect_str_eq(b.data, "blue");
	cs_buf_reset(&b);
	cr_expect_eq(cs_signed_cookie_value_at(&b, &rot, "color", "blue", NULL,
	    CS_COOKIE_SALT_LEGACY, T), CS_OK);
	cr_expect_str_neq(b.data, COLOR);
	cs_config_free(&rot);
	cs_buf_free(&b);
}
