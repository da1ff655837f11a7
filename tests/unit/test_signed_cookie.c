/*
 * test_signed_cookie.c -- set_signed_cookie / get_signed_cookie against
 * Django 3.2 (legacy salt) and 5.2.15+ (v2 salt) values,
 * SECRET_KEY='s3cr3t', time 1700000000.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "csess.h"
#include "http_int.h"
#include "csess_test.h"

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

	cr_assert_eq(csi_signed_cookie_value_at(&b, &cfg, name, v, salt, m, T), CS_OK);
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
	int rc = csi_get_signed_cookie_at(&b, &cfg, c, name, salt, max_age, now);

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
	cr_expect_eq(csi_signed_cookie_value_at(&b, &none, "color", "blue", NULL,
	    CS_COOKIE_SALT_LEGACY, T), CS_ERR_CONFIG);
	cr_expect_eq(csi_get_signed_cookie_at(&b, &none, &c, "color", NULL, -1, T),
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
	cr_expect_eq(csi_get_signed_cookie_at(&b, &rot, &c, "color", NULL, -1, T), CS_OK);
	cr_expect_str_eq(b.data, "blue");
	cs_buf_reset(&b);
	cr_expect_eq(csi_signed_cookie_value_at(&b, &rot, "color", "blue", NULL,
	    CS_COOKIE_SALT_LEGACY, T), CS_OK);
	cr_expect_str_neq(b.data, COLOR);
	cs_config_free(&rot);
	cs_buf_free(&b);
}

/* ---- on the request and the response ----------------------------------- */

static struct cs_req *
request(const char *cookie)
{
	static char header[512];
	static char *env[] = { header, NULL };
	struct cs_body_src src = { 0 };
	struct cs_req *req;

	snprintf(header, sizeof(header), "HTTP_COOKIE=%s", cookie);
	cr_assert_eq(csi_req_new(&req, &cfg, env, &src), CS_OK);
	return req;
}

Test(signed_cookie, request_reads_a_django_signed_cookie_or_the_default)
{
	struct cs_req *req = request("color=" COLOR "; c2=" C2 "; bad=blue:1r31eq:x");
	int err = -1;

	csi_clock_fix(T + 100);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "color", NULL, NULL, -1, &err), "blue");
	cr_assert_eq(err, CS_OK);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "c2", "d", "pepper", 100, &err), "blue");
	/* Django: expired, badly signed, wrong salt or missing give the default. */
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "c2", "d", "pepper", 99, &err), "d");
	cr_assert_eq(err, CS_ERR_EXPIRED);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "c2", "d", NULL, -1, &err), "d");
	cr_assert_eq(err, CS_ERR_BAD_SIGNATURE);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "bad", "d", NULL, -1, &err), "d");
	cr_assert_eq(err, CS_ERR_BAD_SIGNATURE);
	cr_assert_null(cs_req_get_signed_cookie(req, "none", NULL, NULL, -1, &err));
	cr_assert_eq(err, CS_ERR_NOT_FOUND);
	csi_clock_fix(-1);
	csi_req_free(req);
}

Test(signed_cookie, request_without_secret_key_is_a_config_error)
{
	struct cs_config bare;
	struct cs_body_src src = { 0 };
	char *env[] = { "HTTP_COOKIE=color=" COLOR, NULL };
	struct cs_req *req;
	char err[128];
	int rc = -1;

	cr_assert_eq(cs_config_load_env(&bare, (char *[]){ NULL }, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_req_new(&req, &bare, env, &src), CS_OK);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "color", "d", NULL, -1, &rc), "d");
	cr_assert_eq(rc, CS_ERR_CONFIG);
	csi_req_free(req);
	cs_config_free(&bare);
}

Test(signed_cookie, response_writes_what_django_set_signed_cookie_writes)
{
	struct cs_req *req = request("");
	struct cs_set_cookie opt = { .has_max_age = true, .max_age = 3600 };
	struct cs_resp *resp;

	cr_assert_eq(csi_resp_new(&resp), CS_OK);
	csi_clock_fix(T);
	cr_assert_eq(cs_resp_set_signed_cookie(resp, req, "color", "blue", NULL, NULL), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "color"), "color=" COLOR "; Path=/");
	cr_assert_eq(cs_resp_set_signed_cookie(resp, req, "c2", "blue", "pepper", &opt), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "c2"), "c2=" C2
	    "; expires=Tue, 14 Nov 2023 23:13:20 GMT; Max-Age=3600; Path=/");
	/* A value the cookie grammar refuses sets nothing. */
	cr_assert_eq(cs_resp_set_signed_cookie(resp, req, "sp", "a b", NULL, NULL),
	    CS_ERR_INVALID);
	cr_assert_null(cs_resp_get_cookie(resp, "sp"));
	csi_clock_fix(-1);
	csi_resp_free(resp);
	csi_req_free(req);
}

Test(signed_cookie, response_without_secret_key_sets_nothing)
{
	struct cs_config bare;
	struct cs_body_src src = { 0 };
	struct cs_req *req;
	struct cs_resp *resp;
	char err[128];

	cr_assert_eq(cs_config_load_env(&bare, (char *[]){ NULL }, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_req_new(&req, &bare, (char *[]){ NULL }, &src), CS_OK);
	cr_assert_eq(csi_resp_new(&resp), CS_OK);
	cr_assert_eq(cs_resp_set_signed_cookie(resp, req, "a", "b", NULL, NULL), CS_ERR_CONFIG);
	cr_assert_null(cs_resp_get_cookie(resp, "a"));
	csi_resp_free(resp);
	csi_req_free(req);
	cs_config_free(&bare);
}

Test(signed_cookie, signed_cookie_round_trips_through_request_and_response)
{
	struct cs_req *req = request("");
	struct cs_resp *resp;
	struct cs_buf hdr = { 0 };
	const char *set;

	cr_assert_eq(csi_resp_new(&resp), CS_OK);
	cr_assert_eq(cs_resp_set_signed_cookie(resp, req, "u", "alice", "s", NULL), CS_OK);
	set = cs_resp_get_cookie(resp, "u");
	cs_buf_append(&hdr, set, strcspn(set, ";"));
	csi_req_free(req);
	req = request(hdr.data);
	cr_assert_str_eq(cs_req_get_signed_cookie(req, "u", NULL, "s", 60, NULL), "alice");
	cs_buf_free(&hdr);
	csi_resp_free(resp);
	csi_req_free(req);
}
