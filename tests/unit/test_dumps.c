/*
 * test_dumps.c -- signing.dumps/loads and the Python-compatible JSON they
 * sign, against Django 3.2 output (SECRET_KEY='s3cr3t', time 1700000000).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "csess_test.h"

#define T	1700000000

static const struct cs_signer key = { .key = "s3cr3t" };

static char *
dumps(const char *salt, const char *json, bool compress)
{
	struct cs_signer s = key;
	struct cs_buf b = {0};

	s.salt = salt;
	cr_assert_eq(csi_dumps_at(&s, json, strlen(json), compress, T, &b),
	    CS_OK, "%s", json);
	return cs_buf_steal(&b);
}

static int
loads(const char *salt, const char *tok, int64_t max_age, int64_t now,
    char **out)
{
	struct cs_signer s = key;
	struct cs_buf b = {0};
	int rc;

	s.salt = salt;
	rc = csi_loads_at(&s, tok, strlen(tok), max_age, now, &b);
	*out = cs_buf_steal(&b);
	return rc;
}

static char *
pyjson(const char *json)
{
	struct cs_buf b = {0};

	cr_assert_eq(cs_pyjson_normalize(&b, json, strlen(json)), CS_OK, "%s", json);
	return cs_buf_steal(&b);
}

struct vec {
	const char *salt, *json;
	bool compress;
	const char *token;
};

static const struct vec vectors[] = {
	{ "x", "{\"a\":1}", false,
	  "eyJhIjoxfQ:1r31eq:i8Oxa6y69EKsTXs2Uvo0gCxKneecO7UuAsIe2Vsgags" },
	{ NULL, "{\"a\": 1}", false,
	  "eyJhIjoxfQ:1r31eq:eHCcbPNuxHMrQ2Ycv7GowzMEU3R4R6o5EGeZMLgq1vs" },
	{ NULL, "\"hello\"", false,
	  "ImhlbGxvIg:1r31eq:daMs7XOg3QadBmYPg7vblZ1klxEkf_vIzF1vqMO7oa4" },
	{ NULL, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]", true,
	  ".eJwFwcERACAIwLCF-rCiILN47r-GyZVJsNgkxaFxoDgxcOHGxMKD_T7vhAml:1r31eq:pE2Jvr4UOUR-xr-XIKtrMZruQGuOlT0YWvWAUAoxxQc" },
	{ NULL, "{\"b\": \"\xc3\xa9\", \"a\": [1, 2.5, null, true]}", false,
	  "eyJiIjoiXHUwMGU5IiwiYSI6WzEsMi41LG51bGwsdHJ1ZV19:1r31eq:SQr3MON5GEPPNBuquVB_ZyQ3_0GNtTKOMWQotmLgfto" },
	/* compress=True on data that does not shrink: stored plain */
	{ "x", "{\"a\":1}", true,
	  "eyJhIjoxfQ:1r31eq:i8Oxa6y69EKsTXs2Uvo0gCxKneecO7UuAsIe2Vsgags" },
};

Test(dumps, matches_django_byte_for_byte)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		got = dumps(vectors[i].salt, vectors[i].json, vectors[i].compress);
		cr_expect_str_eq(got, vectors[i].token);
		free(got);
	}
}

Test(loads, reads_django_tokens)
{
	char *out;

	cr_expect_eq(loads("x", vectors[0].token, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "{\"a\":1}");
	free(out);
	cr_expect_eq(loads(NULL, vectors[3].token, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]");
	free(out);
	cr_expect_eq(loads(NULL, vectors[4].token, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "{\"b\":\"\\u00e9\",\"a\":[1,2.5,null,true]}");
	free(out);
}

Test(loads, max_age_and_salt_are_checked)
{
	char *out;

	cr_expect_eq(loads("x", vectors[0].token, 10, T + 10, &out), CS_OK);
	free(out);
	cr_expect_eq(loads("x", vectors[0].token, 9, T + 10, &out), CS_ERR_EXPIRED);
	free(out);
	cr_expect_eq(loads("y", vectors[0].token, -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(loads(NULL, "eyJhIjoxfR:1r31eq:eHCcbPNuxHMrQ2Ycv7GowzMEU3R4R6o5EGeZMLgq1vs",
	    -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
	cr_expect_eq(loads(NULL, "garbage", -1, T, &out), CS_ERR_BAD_SIGNATURE);
	free(out);
}

Test(loads, signed_garbage_payload_is_invalid_not_a_crash)
{
	struct cs_signer s = { .key = "s3cr3t", .salt = CS_DUMPS_SALT, .timestamp = true };
	const char *payloads[] = { "!!!", ".AAAA", "bm90IGpzb24", "." };
	struct cs_buf tok = {0};
	size_t i;
	char *out;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		cs_buf_reset(&tok);
		cr_assert_eq(csi_sign_at(&s, payloads[i], strlen(payloads[i]), T, &tok), CS_OK);
		cr_expect_eq(loads(NULL, tok.data, -1, T, &out), CS_ERR_INVALID,
		    "%s", payloads[i]);
		free(out);
	}
	cs_buf_free(&tok);
}

Test(loads, refuses_to_inflate_beyond_the_cap)
{
	size_t n = CS_LOADS_MAX_INFLATE + 10, i;
	char *json = malloc(n + 3), *tok, *out;

	json[0] = '"';
	for (i = 1; i <= n; i++)
		json[i] = 'a';
	json[n + 1] = '"';
	json[n + 2] = '\0';
	tok = dumps(NULL, json, true);
	cr_expect_eq(tok[0], '.');
	cr_expect_lt(strlen(tok), 4096);
	cr_expect_eq(loads(NULL, tok, -1, T, &out), CS_ERR_TOO_LARGE);
	free(out);
	free(tok);
	free(json);
}

Test(dumps, compresses_only_when_it_saves_two_bytes)
{
	char *a = dumps(NULL, "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]", true);
	char *b = dumps(NULL, "[1,2]", true), *out;

	cr_expect_eq(a[0], '.');
	cr_expect_neq(b[0], '.');
	cr_expect_eq(loads(NULL, a, -1, T, &out), CS_OK);
	cr_expect_str_eq(out, "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]");
	free(out);
	free(a);
	free(b);
}

Test(dumps, invalid_json_is_refused)
{
	struct cs_buf b = {0};

	cr_expect_eq(csi_dumps_at(&key, "{", 1, false, T, &b), CS_ERR_INVALID);
	cr_expect_eq(csi_dumps_at(&key, "", 0, false, T, &b), CS_ERR_INVALID);
	cr_expect_eq(b.len, 0);
	cs_buf_free(&b);
}

static void
expect_json(const char *in, const char *want)
{
	char *got = pyjson(in);

	cr_expect_str_eq(got, want, "input %s", in);
	free(got);
}

Test(pyjson, floats_print_as_python_repr)
{
	expect_json("2.5", "2.5");
	expect_json("1e16", "1e+16");
	expect_json("1.5e16", "1.5e+16");
	expect_json("1e15", "1000000000000000.0");
	expect_json("0.00001", "1e-05");
	expect_json("0.0001", "0.0001");
	expect_json("0.1", "0.1");
	expect_json("100.0", "100.0");
	expect_json("1E2", "100.0");
	expect_json("-0.0", "-0.0");
	expect_json("0.0", "0.0");
	expect_json("1.7976931348623157e308", "1.7976931348623157e+308");
	expect_json("5e-324", "5e-324");
	expect_json("123456789.125", "123456789.125");
	expect_json("0.30000000000000004", "0.30000000000000004");
	expect_json("-12.5e-7", "-1.25e-06");
	/* Powers of two, where only the nearest digit string's neighbour
	 * is the shortest that reads back. */
	expect_json("7.120236347223045e-307", "7.120236347223045e-307");
	expect_json("5.858190679279809e-244", "5.858190679279809e-244");
	expect_json("9.999999999999999e22", "1e+23");	/* the same double */
	expect_json("1e23", "1e+23");
}

Test(pyjson, strings_are_ensure_ascii)
{
	expect_json("\"\xc3\xa9\"", "\"\\u00e9\"");
	expect_json("\"\xf0\x9f\x98\x80\"", "\"\\ud83d\\ude00\"");
	expect_json("\"\xe2\x82\xac\"", "\"\\u20ac\"");
	expect_json("\"q\\\"b\\\\s/\"", "\"q\\\"b\\\\s/\"");
	expect_json("\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"",
	    "\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"");
	expect_json("\"nul\\u0000x\"", "\"nul\\u0000x\"");
	expect_json("\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\"");
}

Test(pyjson, keeps_insertion_order_and_compact_separators)
{
	expect_json("{ \"z\" : 1 , \"a\" : [ true , false , null ], \"m\": {}}",
	    "{\"z\":1,\"a\":[true,false,null],\"m\":{}}");
	expect_json("[]", "[]");
	expect_json("-42", "-42");
	expect_json("9223372036854775807", "9223372036854775807");
}

/* Signed random payloads reach the decoders: never a crash, only answers. */
Test(loads, random_signed_payloads_are_answered_not_crashed)
{
	struct cs_signer s = { .key = "s3cr3t", .salt = CS_DUMPS_SALT, .timestamp = true };
	struct cs_buf payload = {0}, tok = {0}, out = {0};
	unsigned char rnd[200];
	int i, rc;

	for (i = 0; i < 500; i++) {
		cs_buf_reset(&payload);
		cs_buf_reset(&tok);
		cs_buf_reset(&out);
		cr_assert_eq(cs_random_bytes(rnd, sizeof(rnd)), CS_OK);
		if (i % 2)
			cs_buf_putc(&payload, '.');
		/* half valid zlib headers, so inflate gets past the first byte */
		if (i % 4 == 1) {
			rnd[0] = 0x78;
			rnd[1] = 0x9c;
		}
		cs_b64url_encode(&payload, rnd, (size_t)(rnd[2] % sizeof(rnd)));
		cr_assert_eq(csi_sign_at(&s, payload.data, payload.len, T, &tok), CS_OK);
		rc = csi_loads_at(&s, tok.data, tok.len, -1, T, &out);
		cr_expect(rc == CS_OK || rc == CS_ERR_INVALID || rc == CS_ERR_TOO_LARGE,
		    "rc %d", rc);
	}
	cs_buf_free(&payload);
	cs_buf_free(&tok);
	cs_buf_free(&out);
}
