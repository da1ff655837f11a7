/*
 * test_cookie_parse.c -- the Cookie request header parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "csess.h"

struct want {
	const char	*name;
	const char	*value;
	unsigned	 flags;
};

/* Parse h (length len) and check the pairs are exactly w[0..n). */
static void
expect_len(const char *h, size_t len, const struct want *w, size_t n)
{
	struct cs_cookies c;
	size_t i;

	cr_assert_eq(cs_cookies_parse(&c, h, len, NULL), CS_OK, "parse failed");
	cr_assert_eq(c.count, n, "pair count %zu, want %zu", c.count, n);
	for (i = 0; i < n; i++) {
		const struct cs_cookie_pair *p = &c.pairs[i];

		cr_assert_eq(p->name_len, strlen(w[i].name), "pair %zu name length", i);
		cr_assert_eq(memcmp(p->name, w[i].name, p->name_len), 0,
		    "pair %zu name '%s' want '%s'", i, p->name, w[i].name);
		cr_assert_eq(p->name[p->name_len], '\0', "pair %zu name unterminated", i);
		cr_assert_eq(p->value_len, strlen(w[i].value), "pair %zu value length %zu", i, p->value_len);
		cr_assert_eq(memcmp(p->value, w[i].value, p->value_len), 0,
		    "pair %zu value '%s' want '%s'", i, p->value, w[i].value);
		cr_assert_eq(p->value[p->value_len], '\0', "pair %zu value unterminated", i);
		cr_assert_eq(p->flags, w[i].flags, "pair %zu flags %u want %u", i, p->flags, w[i].flags);
	}
	cs_cookies_free(&c);
}

#define EXPECT(h, ...) do { \
	const struct want w_[] = { __VA_ARGS__ }; \
	expect_len((h), strlen(h), w_, sizeof(w_) / sizeof(w_[0])); \
} while (0)

static void
expect_none(const char *h)
{
	expect_len(h, strlen(h), NULL, 0);
}

Test(cookie_parse, splits_pairs_on_semicolon_space)
{
	EXPECT("a=1; b=2", { "a", "1", 0 }, { "b", "2", 0 });
}

Test(cookie_parse, accepts_semicolon_without_space)
{
	EXPECT("a=1;b=2;c=3", { "a", "1", 0 }, { "b", "2", 0 }, { "c", "3", 0 });
}

Test(cookie_parse, trims_spaces_and_tabs_around_names_and_values)
{
	EXPECT(" a = 1 ; b= 2 ", { "a", "1", 0 }, { "b", "2", 0 });
	EXPECT("\ta\t=\t1\t;\tb=2", { "a", "1", 0 }, { "b", "2", 0 });
}

Test(cookie_parse, keeps_inner_spaces_of_names_and_values)
{
	EXPECT("my name = a b c ", { "my name", "a b c", 0 });
}

Test(cookie_parse, does_not_trim_vertical_tab_or_form_feed)
{
	EXPECT("\va=1\v; b=\f2", { "\va", "1\v", 0 }, { "b", "\f2", 0 });
}

Test(cookie_parse, does_not_trim_cr_or_lf)
{
	EXPECT("a=1\r\n", { "a", "1\r\n", 0 });
}

Test(cookie_parse, does_not_trim_unicode_whitespace_before_prefixed_name)
{
	struct cs_cookies c;
	/* U+2000 EN QUAD, then NBSP, then U+3000: all must stay in the name. */
	const char *h = "\xe2\x80\x80__Host-x=1; \xc2\xa0__Secure-y=2; \xe3\x80\x80z=3";

	EXPECT(h, { "\xe2\x80\x80__Host-x", "1", 0 },
	    { "\xc2\xa0__Secure-y", "2", 0 }, { "\xe3\x80\x80z", "3", 0 });
	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "__Host-x"));
	cr_assert_null(cs_cookies_get(&c, "__Secure-y"));
	cr_assert_null(cs_cookies_get(&c, "z"));
	cs_cookies_free(&c);
}

Test(cookie_parse, does_not_trim_trailing_nbsp_of_value)
{
	EXPECT("a=1\xc2\xa0", { "a", "1\xc2\xa0", 0 });
}

Test(cookie_parse, cuts_at_the_first_equals_sign)
{
	EXPECT("a=b=c", { "a", "b=c", 0 });
	EXPECT("AAA=000=xyz; BBB=111=q", { "AAA", "000=xyz", 0 }, { "BBB", "111=q", 0 });
}

Test(cookie_parse, part_without_equals_is_a_nameless_pair)
{
	EXPECT("novalue; a=1", { "", "novalue", CS_COOKIE_NAMELESS }, { "a", "1", 0 });
}

Test(cookie_parse, nameless_pair_keeps_spaces_inside)
{
	EXPECT("a=1; test value ; b=2", { "a", "1", 0 },
	    { "", "test value", CS_COOKIE_NAMELESS }, { "b", "2", 0 });
}

Test(cookie_parse, leading_equals_gives_empty_name_not_a_host_cookie)
{
	struct cs_cookies c;
	const char *h = "=__Host-x=1";

	EXPECT(h, { "", "__Host-x=1", 0 });
	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "__Host-x"));
	cr_assert_str_eq(cs_cookies_get(&c, ""), "__Host-x=1");
	cs_cookies_free(&c);
}

Test(cookie_parse, nameless_value_that_looks_like_a_pair_is_not_one)
{
	/* A bare token is a nameless cookie's value, never a cookie named so. */
	struct cs_cookies c;
	const char *h = "__Host-s; sid=1";

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_eq(c.count, 2);
	cr_assert_null(cs_cookies_get(&c, "__Host-s"));
	cr_assert_str_eq(cs_cookies_get(&c, ""), "__Host-s");
	cs_cookies_free(&c);
}

Test(cookie_parse, empty_name_with_spaces_before_equals)
{
	EXPECT("  =v", { "", "v", 0 });
}

Test(cookie_parse, empty_value_is_kept)
{
	EXPECT("a=; b=2", { "a", "", 0 }, { "b", "2", 0 });
	EXPECT("a= ", { "a", "", 0 });
}

Test(cookie_parse, skips_empty_parts)
{
	EXPECT(";;a=1;; ;\t;b=2;", { "a", "1", 0 }, { "b", "2", 0 });
	expect_none(";;;");
	expect_none(" ; ; ");
}

Test(cookie_parse, skips_lone_equals_sign)
{
	EXPECT("a=1; =; = ; b=2", { "a", "1", 0 }, { "b", "2", 0 });
}

Test(cookie_parse, empty_header_gives_no_pairs)
{
	struct cs_cookies c;

	expect_none("");
	expect_none("   ");
	cr_assert_eq(cs_cookies_parse(&c, NULL, 0, NULL), CS_OK);
	cr_assert_eq(c.count, 0);
	cr_assert_null(cs_cookies_get(&c, "a"));
	cr_assert_eq(cs_cookies_count(&c, "a"), 0);
	cs_cookies_free(&c);
}

Test(cookie_parse, null_header_with_length_is_invalid)
{
	struct cs_cookies c;

	cr_assert_eq(cs_cookies_parse(&c, NULL, 3, NULL), CS_ERR_INVALID);
}

Test(cookie_parse, does_not_split_on_comma)
{
	EXPECT("a=1, b=2", { "a", "1, b=2", 0 });
}

Test(cookie_parse, does_not_url_decode_names_or_values)
{
	struct cs_cookies c;
	const char *h = "%5F%5FHost-x=1; a=%20b";

	EXPECT(h, { "%5F%5FHost-x", "1", 0 }, { "a", "%20b", 0 });
	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "__Host-x"));
	cs_cookies_free(&c);
}

Test(cookie_parse, does_not_case_fold_or_mangle_names)
{
	struct cs_cookies c;
	const char *h = "SessionID=1; ..Host-x=2; a.b=3";

	EXPECT(h, { "SessionID", "1", 0 }, { "..Host-x", "2", 0 }, { "a.b", "3", 0 });
	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "sessionid"));
	cr_assert_null(cs_cookies_get(&c, "__Host-x"));
	cr_assert_null(cs_cookies_get(&c, "a_b"));
	cs_cookies_free(&c);
}

Test(cookie_parse, strips_one_surrounding_quote_pair)
{
	EXPECT("a=\"b c\"", { "a", "b c", CS_COOKIE_QUOTED });
	EXPECT("a=\"\"", { "a", "", CS_COOKIE_QUOTED });
	EXPECT("a = \"x\" ", { "a", "x", CS_COOKIE_QUOTED });
}

Test(cookie_parse, strips_only_one_quote_pair)
{
	EXPECT("a=\"\"x\"\"", { "a", "\"x\"", CS_COOKIE_QUOTED });
}

Test(cookie_parse, keeps_spaces_inside_quotes)
{
	EXPECT("a=\" x \"", { "a", " x ", CS_COOKIE_QUOTED });
}

Test(cookie_parse, keeps_unbalanced_quotes)
{
	EXPECT("a=\"unterminated", { "a", "\"unterminated", 0 });
	EXPECT("a=trailing\"", { "a", "trailing\"", 0 });
	EXPECT("a=\"", { "a", "\"", 0 });
}

Test(cookie_parse, does_not_unescape_backslashes_in_quotes)
{
	EXPECT("a=\"quoted\\054val\"", { "a", "quoted\\054val", CS_COOKIE_QUOTED });
	EXPECT("a=\"\\\"q\\\"\"", { "a", "\\\"q\\\"", CS_COOKIE_QUOTED });
}

Test(cookie_parse, quoted_nameless_pair_is_unquoted_and_flagged)
{
	EXPECT("\"v\"", { "", "v", CS_COOKIE_NAMELESS | CS_COOKIE_QUOTED });
}

Test(cookie_parse, quotes_are_not_stripped_from_names)
{
	struct cs_cookies c;
	const char *h = "\"__Secure-x\"=1";

	EXPECT(h, { "\"__Secure-x\"", "1", 0 });
	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "__Secure-x"));
	cs_cookies_free(&c);
}

Test(cookie_parse, keeps_utf8_and_binary_bytes)
{
	const char h[] = "a=\xc3\xa9t\xc3\xa9; b=x\x01y\x7f";

	EXPECT(h, { "a", "\xc3\xa9t\xc3\xa9", 0 }, { "b", "x\x01y\x7f", 0 });
}

Test(cookie_parse, keeps_nul_bytes_by_length)
{
	const char h[] = "a=x\0y; b=2";
	struct cs_cookies c;

	cr_assert_eq(cs_cookies_parse(&c, h, sizeof(h) - 1, NULL), CS_OK);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.pairs[0].value_len, 3);
	cr_assert_eq(memcmp(c.pairs[0].value, "x\0y", 3), 0);
	cr_assert_str_eq(cs_cookies_get(&c, "b"), "2");
	cs_cookies_free(&c);
}

Test(cookie_parse, keeps_dollar_names_as_plain_cookies)
{
	EXPECT("$Version=1; a=b; Path=/", { "$Version", "1", 0 }, { "a", "b", 0 },
	    { "Path", "/", 0 });
}

Test(cookie_parse, keeps_duplicates_in_order)
{
	EXPECT("a=1; b=x; a=2; a=3", { "a", "1", 0 }, { "b", "x", 0 },
	    { "a", "2", 0 }, { "a", "3", 0 });
}

Test(cookie_parse, get_returns_the_first_duplicate)
{
	struct cs_cookies c;
	const char *h = "sid=specific; sid=general";

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_str_eq(cs_cookies_get(&c, "sid"), "specific");
	cs_cookies_free(&c);
}

Test(cookie_parse, count_and_get_nth_reach_every_duplicate)
{
	struct cs_cookies c;
	const char *h = "a=1; b=x; a=2; a=3; ab=9";
	const struct cs_cookie_pair *p;

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_eq(cs_cookies_count(&c, "a"), 3);
	cr_assert_eq(cs_cookies_count(&c, "b"), 1);
	cr_assert_eq(cs_cookies_count(&c, "c"), 0);
	p = cs_cookies_get_nth(&c, "a", 0);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->value, "1");
	p = cs_cookies_get_nth(&c, "a", 1);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->value, "2");
	p = cs_cookies_get_nth(&c, "a", 2);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->value, "3");
	cr_assert_null(cs_cookies_get_nth(&c, "a", 3));
	cs_cookies_free(&c);
}

Test(cookie_parse, get_does_not_match_a_prefix_of_a_name)
{
	struct cs_cookies c;
	const char *h = "sessionid2=x; sess=y";

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "sessionid"));
	cr_assert_null(cs_cookies_get(&c, "session"));
	cr_assert_str_eq(cs_cookies_get(&c, "sess"), "y");
	cs_cookies_free(&c);
}

Test(cookie_parse, nameless_pairs_match_only_the_empty_name)
{
	struct cs_cookies c;
	const char *h = "token; a=1; =v";

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, "token"));
	cr_assert_eq(cs_cookies_count(&c, ""), 2);
	cr_assert_str_eq(cs_cookies_get(&c, ""), "token");
	cr_assert_str_eq(cs_cookies_get_nth(&c, "", 1)->value, "v");
	cs_cookies_free(&c);
}

Test(cookie_parse, get_tolerates_null_arguments)
{
	struct cs_cookies c;

	cr_assert_eq(cs_cookies_parse(&c, "a=1", 3, NULL), CS_OK);
	cr_assert_null(cs_cookies_get(&c, NULL));
	cr_assert_null(cs_cookies_get(NULL, "a"));
	cr_assert_eq(cs_cookies_count(NULL, "a"), 0);
	cs_cookies_free(&c);
	cs_cookies_free(&c);	/* twice is harmless */
	cs_cookies_free(NULL);
}

Test(cookie_parse, does_not_read_past_the_given_length)
{
	const char h[] = "a=1; b=2";

	expect_len(h, 5, (const struct want[]){ { "a", "1", 0 } }, 1);
	expect_len(h, 7, (const struct want[]){ { "a", "1", 0 }, { "b", "", 0 } }, 2);
}

Test(cookie_parse, result_does_not_point_into_the_callers_buffer)
{
	char h[] = "a=1; b=2";
	struct cs_cookies c;

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), NULL), CS_OK);
	memset(h, 'X', strlen(h));
	cr_assert_str_eq(cs_cookies_get(&c, "a"), "1");
	cr_assert_str_eq(cs_cookies_get(&c, "b"), "2");
	cs_cookies_free(&c);
}

/* ---- limits ---------------------------------------------------------------- */

static char *
filled_header(size_t len)
{
	char *h = malloc(len + 1);

	cr_assert_not_null(h);
	memset(h, 'v', len);
	memcpy(h, "a=", 2);
	h[len] = '\0';
	return h;
}

Test(cookie_parse, accepts_header_of_exactly_8192_bytes)
{
	struct cs_cookies c;
	char *h = filled_header(8192);

	cr_assert_eq(cs_cookies_parse(&c, h, 8192, NULL), CS_OK);
	cr_assert_eq(c.count, 1);
	cr_assert_eq(c.pairs[0].value_len, 8190);
	cs_cookies_free(&c);
	free(h);
}

Test(cookie_parse, refuses_header_of_8193_bytes_returning_nothing)
{
	struct cs_cookies c;
	char *h = filled_header(8193);

	cr_assert_eq(cs_cookies_parse(&c, h, 8193, NULL), CS_ERR_TOO_LARGE);
	cr_assert_eq(c.count, 0);
	cr_assert_null(c.pairs);
	cr_assert_null(c.mem);
	cs_cookies_free(&c);
	free(h);
}

Test(cookie_parse, honours_a_custom_header_limit)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_header = 10, .max_pairs = 0 };

	cr_assert_eq(cs_cookies_parse(&c, "a=12345678", 10, &lim), CS_OK);
	cs_cookies_free(&c);
	cr_assert_eq(cs_cookies_parse(&c, "a=123456789", 11, &lim), CS_ERR_TOO_LARGE);
}

/* "a=; " repeated n times (4 bytes a pair), the last without "; ". */
static char *
many_pairs(size_t n, size_t *len)
{
	char *h = malloc(n * 4 + 1);
	size_t i;

	cr_assert_not_null(h);
	for (i = 0; i < n; i++)
		memcpy(h + i * 4, "a=; ", 4);
	*len = n * 4 - 2;
	h[*len] = '\0';
	return h;
}

Test(cookie_parse, accepts_exactly_3000_pairs)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_header = 1 << 20 };
	size_t len;
	char *h = many_pairs(3000, &len);

	cr_assert_eq(cs_cookies_parse(&c, h, len, &lim), CS_OK);
	cr_assert_eq(c.count, 3000);
	cr_assert_eq(cs_cookies_count(&c, "a"), 3000);
	cs_cookies_free(&c);
	free(h);
}

Test(cookie_parse, refuses_3001_pairs_returning_nothing)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_header = 1 << 20 };
	size_t len;
	char *h = many_pairs(3001, &len);

	cr_assert_eq(cs_cookies_parse(&c, h, len, &lim), CS_ERR_TOO_LARGE);
	cr_assert_eq(c.count, 0);
	cr_assert_null(c.pairs);
	free(h);
}

Test(cookie_parse, default_limits_refuse_many_tiny_pairs_within_8192_bytes)
{
	struct cs_cookies c;
	size_t len;
	/* 4096 one-byte pairs "a;a;...;a" fit in 8191 bytes (Go's CVE-2025-58186). */
	char *h = malloc(8192);
	size_t i;

	cr_assert_not_null(h);
	for (i = 0; i + 2 <= 8192; i += 2)
		memcpy(h + i, "a;", 2);
	len = 8191;
	cr_assert_eq(cs_cookies_parse(&c, h, len, NULL), CS_ERR_TOO_LARGE);
	cr_assert_null(c.pairs);
	free(h);
}

Test(cookie_parse, empty_parts_do_not_count_towards_the_pair_limit)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_pairs = 2 };
	const char *h = ";;;;;;;;a=1;;;;;;;;;b=2;;;;;;;";

	cr_assert_eq(cs_cookies_parse(&c, h, strlen(h), &lim), CS_OK);
	cr_assert_eq(c.count, 2);
	cs_cookies_free(&c);
	cr_assert_eq(cs_cookies_parse(&c, "a=1;b=2;c", 9, &lim), CS_ERR_TOO_LARGE);
}

Test(cookie_parse, honours_a_custom_pair_limit_at_the_boundary)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_pairs = 3 };

	cr_assert_eq(cs_cookies_parse(&c, "a=1; b=2; c=3", 13, &lim), CS_OK);
	cr_assert_eq(c.count, 3);
	cs_cookies_free(&c);
	cr_assert_eq(cs_cookies_parse(&c, "a=1; b=2; c=3; d", 16, &lim), CS_ERR_TOO_LARGE);
	cr_assert_eq(cs_cookies_parse(&c, "a=1; b=2; c=3; ;", 16, &lim), CS_OK);
	cr_assert_eq(c.count, 3);
	cs_cookies_free(&c);
}

/* ---- the top-site corpus ----------------------------------------------------- */

/*
 * Real Cookie headers from popular sites with letters and digits scrambled,
 * from the test data of the MIT-licensed npm "cookie" package
 * (jshttp/cookie, scripts/top-cookie.json).
 */
static const struct {
	const char	*site;
	const char	*header;
	size_t		 pairs;
	const char	*name;		/* one pair to check */
	const char	*value;
	unsigned	 flags;
} corpus[] = {
	{ "accounts.google.com",
	    "__Aaaa-AAAA=0:aA00a0AAaAaA0aAAAAaaaaAAa00AaA:0aAAaa0aaa_aA-Aa",
	    1, "__Aaaa-AAAA", "0:aA00a0AAaAaA0aAAAAaaaaAAa00AaA:0aAAaa0aaa_aA-Aa", 0 },
	{ "apple.com",
	    "aaa=AA",
	    1, "aaa", "AA", 0 },
	{ "cloudflare.com",
	    "_aaaa_aaaaaa=aaaaaa; _bb=BB1.1.11bb111b-b1b1-1bb1-bb1b-b11bb1b11111; ccc_cccccc-ccccccccc_c2={\"cccc_cc2\":{\"c\":\"22cc222c-c2c2-2cc2-cc2c-c22cc2c22222\",\"c\":2222222222222}}; ddd_ddddd={\"DdDD_dddd\":{\"d\":\"DdD3Ddd3DDDdDDddDDD3DDD3DDDdDDd3DDd3DDd3DDD3DdddDDDdDDDDDDdddddDDddDDdD3DDDdDddddddDDd==\",\"d\":3333333333333}}; eeeeee_4EE44E44444E44444E444EE4_EeeeeEee_eeeeeeee=EeE4Eee4EEEeEEeeEEE4EEE4EEEeEEe4EEe4EEe4EEE4EeeeEEEeEEEEEEeeeeeEEeeEEeE4EEEeEeeeeeeEEe==; __ff_ff=Fff.FfFfFffFFFffFFffF5fFFfFfFf5ffFfFFfffF5f-5555555555-5.5.5.5-f5FfF5F5Ff5Ff5fffFFfff5Ff5f5FFFFFFFffFff5FFfFFffff5f5f5FffFF5FffFFFffffffFfffFf5ffff5.fff5ffFff5ff5ffffFffF5F55ffffF_F5FfFFFFFff",
	    6, "__ff_ff", "Fff.FfFfFffFFFffFFffF5fFFfFfFf5ffFfFFfffF5f-5555555555-5.5.5.5-f5FfF5F5Ff5Ff5fffFFfff5Ff5f5FFFFFFFffFff5FFfFFffff5f5f5FffFF5FffFFFffffffFfffFf5ffff5.fff5ffFff5ff5ffffFffF5F55ffffF_F5FfFFFFFff", 0 },
	{ "docs.google.com",
	    "__Aaaa-AAAA=0:AaaaaaAAaa0aaa0a0aAAAaaaa0a0aa:0AaaaaAaaaaAaaa0",
	    1, "__Aaaa-AAAA", "0:AaaaaaAAaa0aaa0a0aAAAaaaa0a0aa:0AaaaaAaaaaAaaa0", 0 },
	{ "drive.google.com",
	    "__Aaaa-AAAA=0:AaA-aaAa-aA0AaaaaAaAAAAAaaAAaA:aaaaAa0aaaa000A0",
	    1, "__Aaaa-AAAA", "0:AaA-aaAa-aA0AaaaaAaAAAAAaaAAaA:aaaaAa0aaaa000A0", 0 },
	{ "linkedin.com",
	    "AAAAAAAAAA=aaaa:0000000000000000000; bbbb=b=1&bbbb=bb-bb; ccccccc=\"c=2&22c222cc-cc22-2ccc-22c2-2cc22ccccc22\"; dddddddd=\"d=3&3333333333333333d33333-d33d-33dd-3333-d33d3333333dDDDdd333D-DD3DdD3dddDDD3ddDd_D3d\"; eeee=\"e=EEEE44:e=E:e=E:e=E:e=E:e=4444:e=4:e=4:e=4444444444:e=4444444444:e=4:eee=EEEEEeE4Eee_Eeeee44EEeeEE4EEE4Ee\"; __ff_ff=f55_5f5f5fFff5fFFfF5f.FFFf5fFfF5F5Ff5_ff.Ff-5555555555-5.5.5.5-.FF5F_FFffffFFfFf.f55ffFFFf5ff5FFffFFFfFf5f5FFf_.FFf5FfFffFf5ffffffF5f5fFFF5FFfFFF55fffFfFFf5FfF55fFFfFFffF",
	    6, "__ff_ff", "f55_5f5f5fFff5fFFfF5f.FFFf5fFfF5F5Ff5_ff.Ff-5555555555-5.5.5.5-.FF5F_FFffffFFfFf.f55ffFFFf5ff5FFffFFFfFf5f5FFf_.FFf5FfFffFf5ffffffF5f5fFFF5FFfFFF55fffFfFFf5FfF55fFFfFFffF", 0 },
	{ "play.google.com",
	    "AAA=000=AaaaaaAA-0AaAAa0AA0aAaaAAaaAaaAAAAAAaaaaAAaAaA0aA-AAaaAaaaAAAaAa0a-_AaaaA0aaaaaaaA0a0aaAAA0aaaAaAAaaAAaa00A0aAa0a0AAaAAaAaaaA0aAaaaAaAAAAAAAAa0AaaA0aAaAaaaaaaAa0aAa0AAaAAAaAAAAaA0aAAa0aAAaa00Aa0AaAA0",
	    1, "AAA", "000=AaaaaaAA-0AaAAa0AA0aAaaAAaaAaaAAAAAAaaaaAAaAaA0aA-AAaaAaaaAAAaAa0a-_AaaaA0aaaaaaaA0a0aaAAA0aaaAaAAaaAAaa00A0aAa0a0AAaAAaAaaaA0aAaaaAaAAAAAAAAa0AaaA0aAaAaaaaaaAa0aAa0AAaAAAaAAAAaA0aAAa0aAAaa00Aa0AaAA0", 0 },
	{ "policies.google.com",
	    "AAA=000=aaA0-aAaaA0Aa0AaAaaaaaAa0aAaaAaaaAaa0aAa0AaaAAaaa0aAa00aAAa00aaaaA0aAAaaaa_0AaAaa0AAAAaaAAAAa0Aaaa-AaAaaAAaa00AA0AaaaA0aa00aAaA00aA0aaAAAAAa0AaAaaaaaaA0aAaAA_aAAAA0AaaAaaAAAaAAaaAAa_AaAAA0aAAAa0aaaaAaaAAA00AaaAAA",
	    1, "AAA", "000=aaA0-aAaaA0Aa0AaAaaaaaAa0aAaaAaaaAaa0aAa0AaaAAaaa0aAa00aAAa00aaaaA0aAAaaaa_0AaAaa0AAAAaaAAAAa0Aaaa-AaAaaAAaa00AA0AaaaA0aa00aAaA00aA0aaAAAAAa0AaAaaaaaaA0aAaAA_aAAAA0AaaAaaAAAaAAaaAAa_AaAAA0aAAAa0aaaaAaaAAA00AaaAAA", 0 },
	{ "support.google.com",
	    "AAA=000=AaAaAA0AA0AA0000aaAAaa0a0aA0aA0AaaAaAAAaaaAAAA-aAaaAA_00aaA0_-Aa0AA0A0AAAAAAaaaaA0AAaAAaAA0aaa00aAaAaAAAAaaaAAAa0aAaaaaA0_AaaaaAaaaaAa_AA0aaa0aA0a00a00a0aaAAa0AAaaaAAaaAA_0-aaa00aAAaAaaa0AA-AAaA0aaa; BBB=111=BbBbBB1BB1BB1111bbBBbb1b1bB1bB1BbbBbBBBbbbBBBB-bBbbBB_11bbB1_-Bb1BB1B1BBBBBBbbbbB1BBbBBbBB1bbb11bBbBbBBBBbbbBBBb1bBbbbbB1_BbbbbBbbbbBb_BB1bbb1bB1b11b11b1bbBBb1BBbbbBBbbBB_1-bbb11bBBbBbbb1BB-BBbB1bbb",
	    2, "BBB", "111=BbBbBB1BB1BB1111bbBBbb1b1bB1bB1BbbBbBBBbbbBBBB-bBbbBB_11bbB1_-Bb1BB1B1BBBBBBbbbbB1BBbBBbBB1bbb11bBbBbBBBBbbbBBBb1bBbbbbB1_BbbbbBbbbbBb_BB1bbb1bB1b11b11b1bbBBb1BBbbbBBbbBB_1-bbb11bBBbBbbb1BB-BBbB1bbb", 0 },
	{ "wa.me",
	    "aa_aaaa_aaaa=aa",
	    1, "aa_aaaa_aaaa", "aa", 0 },
	{ "whatsapp.com",
	    "aa_aaaa=aaAaaA0aAaAAa0aAaaAA0A; bb_bbbb_bbbb=bb; cc_cc=2c22c2cc-cc2c-2c22-cc22-c22cc22c2c22",
	    3, "cc_cc", "2c22c2cc-cc2c-2c22-cc22-c22cc22c2c22", 0 },
	{ "www.google.com",
	    "AAA=AaAaa0aaAAaA0A0_aA0Aaaa0Aaa0aaaaA0aa0Aaa0aAa0aaaaaAAaAa0AA; BBB=111=BbBbb1bb-bBbBB1b1b1_1BB1bBBBbbBBBbbbbb_b1BBbbBbbBb11-Bbbb1bbBB1bBbBBBb-111bb11BbbbBbBBBBbB11B1Bbb1B1bBBBBbbbbbB1Bbbb_b1bBbBBBbbbBBbb1bbbbbBBB1BB_bBBbBBbb1bbB1Bbb1bBBbBBb1BbBbBBBBb_BbBbbbbbB11bbbBbb1BBbBBb1B1BbBbB-B-B",
	    2, "BBB", "111=BbBbb1bb-bBbBB1b1b1_1BB1bBBBbbBBBbbbbb_b1BBbbBbbBb11-Bbbb1bbBB1bBbBBBb-111bb11BbbbBbBBBBbB11B1Bbb1B1bBBBBbbbbbB1Bbbb_b1bBbBBBbbbBBbb1bbbbbBBB1BB_bBBbBBbb1bbB1Bbb1bBBbBBb1BbBbBBBBb_BbBbbbbbB11bbbBbb1BBbBBb1B1BbBbB-B-B", 0 },
	{ "youtu.be",
	    "AAA=0; BBB=1BBbB11Bbbb; __Cccccc-CCC=; DDDDDDD_DDDD3_DDDD=DDDdDDdDdd3; EEEEEEE_EEEEEEE_EEEEEEEE=EeEEEeEEEeEeEe%22%22; __Ffffff-FFFFFFF_FFFFF=FFfffFfff5F5FFFFfF_ffffFFffFfF_ffffFFf%22%22",
	    6, "__Ffffff-FFFFFFF_FFFFF", "FFfffFfff5F5FFFFfF_ffffFFffFfF_ffffFFf%22%22", 0 },
	{ "youtube.com",
	    "AAA=0; BBB=bBBbbbb1BbB; __Cccccc-CCC=; DDDDDDD_DDDD3_DDDD=dDdDddddD3D; EEEEEEE_EEEEEEE_EEEEEEEE=EeEEEeEEEeEeEE%22%22; __Ffffff-FFFFFFF_FFFFF=FFf5fFF5f_FffFFFfffF5555ffFFfffF5555ffF%22",
	    6, "__Ffffff-FFFFFFF_FFFFF", "FFf5fFF5f_FffFFFfffF5555ffFFfffF5555ffF%22", 0 },
};

Test(cookie_parse, top_site_corpus_parses_with_expected_pairs)
{
	size_t i;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct cs_cookies c;
		const struct cs_cookie_pair *p;

		cr_assert_eq(cs_cookies_parse(&c, corpus[i].header,
		    strlen(corpus[i].header), NULL), CS_OK, "%s", corpus[i].site);
		cr_assert_eq(c.count, corpus[i].pairs, "%s: %zu pairs", corpus[i].site, c.count);
		cr_assert_eq(cs_cookies_count(&c, corpus[i].name), 1, "%s", corpus[i].site);
		p = cs_cookies_get_nth(&c, corpus[i].name, 0);
		cr_assert_str_eq(p->value, corpus[i].value, "%s", corpus[i].site);
		cr_assert_eq(p->flags, corpus[i].flags, "%s", corpus[i].site);
		cs_cookies_free(&c);
	}
}

Test(cookie_parse, linkedin_corpus_header_in_order)
{
	EXPECT("AAAAAAAAAA=aaaa:0000000000000000000; bbbb=b=1&bbbb=bb-bb; ccccccc=\"c=2\"",
	    { "AAAAAAAAAA", "aaaa:0000000000000000000", 0 },
	    { "bbbb", "b=1&bbbb=bb-bb", 0 },
	    { "ccccccc", "c=2", CS_COOKIE_QUOTED });
}

/* ---- Django's documented parse_cookie results, where csess agrees ------------- */

Test(cookie_parse, agrees_with_django_where_rules_coincide)
{
	EXPECT("a=1; b=2", { "a", "1", 0 }, { "b", "2", 0 });
	EXPECT("a=1;b=2", { "a", "1", 0 }, { "b", "2", 0 });
	EXPECT(" a = 1 ; b= 2 ", { "a", "1", 0 }, { "b", "2", 0 });
	EXPECT("a=b=c", { "a", "b=c", 0 });
	EXPECT("a=", { "a", "", 0 });
	EXPECT("a=1, b=2", { "a", "1, b=2", 0 });
	EXPECT("a=%20", { "a", "%20", 0 });
	EXPECT("a= \" x \" ", { "a", " x ", CS_COOKIE_QUOTED });
	expect_none(";;;");
}

Test(cookie_parse, differs_from_django_on_duplicates_first_wins)
{
	struct cs_cookies c;

	/* Django: {'a': '2'}; csess: first, with both reachable. */
	cr_assert_eq(cs_cookies_parse(&c, "a=1; a=2", 8, NULL), CS_OK);
	cr_assert_str_eq(cs_cookies_get(&c, "a"), "1");
	cr_assert_str_eq(cs_cookies_get_nth(&c, "a", 1)->value, "2");
	cs_cookies_free(&c);
	/* Django: {'a':'1','':'3'}; csess keeps both nameless-ish pairs. */
	EXPECT("a=1; =2; =3", { "a", "1", 0 }, { "", "2", 0 }, { "", "3", 0 });
}

/* ---- generated input never breaks the invariants ------------------------------- */

Test(cookie_parse, random_headers_keep_invariants)
{
	static const char alphabet[] = "ab=; \t\"\\,=;\v\x80\xff";
	unsigned seed = 12345;
	size_t round, i;

	for (round = 0; round < 5000; round++) {
		char h[64];
		size_t len, j, total;
		struct cs_cookies c;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof(h);
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			h[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		cr_assert_eq(cs_cookies_parse(&c, h, len, NULL), CS_OK);
		total = 0;
		for (i = 0; i < c.count; i++) {
			const struct cs_cookie_pair *p = &c.pairs[i];

			/* Trimmed, never empty, no ';', name without '='. */
			cr_assert(p->name_len == 0 || (p->name[0] != ' ' && p->name[0] != '\t'));
			cr_assert(p->name_len + p->value_len > 0 || (p->flags & CS_COOKIE_QUOTED));
			cr_assert_null(memchr(p->name, ';', p->name_len));
			cr_assert_null(memchr(p->name, '=', p->name_len));
			cr_assert_null(memchr(p->value, ';', p->value_len));
			cr_assert(!(p->flags & CS_COOKIE_NAMELESS) || p->name_len == 0);
			total += p->name_len + p->value_len;
		}
		cr_assert_leq(total, len);
		cs_cookies_free(&c);
	}
}

/*
 * A plain reference of the rules (split on ';', trim SP/HT, first '=',
 * skip empty, one quote pair), written for clarity, not speed.  The
 * library scans 64 bytes at a time, so the two are compared on random
 * headers of every length across several blocks.
 */
struct want_ref {
	size_t		 nb, nl, vb, vl;	/* offsets and lengths in h */
	unsigned	 flags;
};

static size_t
reference_parse(const char *h, size_t len, struct want_ref *out, size_t max)
{
	size_t i = 0, n = 0;

	while (i <= len) {
		size_t b = i, e = i, eq = SIZE_MAX, nb, ne, vb, ve;

		while (e < len && h[e] != ';')
			e++;
		i = e + 1;
		while (b < e && (h[b] == ' ' || h[b] == '\t'))
			b++;
		while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t'))
			e--;
		if (b == e)
			continue;
		for (nb = b; nb < e; nb++)
			if (h[nb] == '=') {
				eq = nb;
				break;
			}
		if (eq == SIZE_MAX) {
			nb = ne = 0;
			vb = b;
			out[n].flags = CS_COOKIE_NAMELESS;
		} else {
			nb = b;
			ne = eq;
			while (ne > nb && (h[ne - 1] == ' ' || h[ne - 1] == '\t'))
				ne--;
			vb = eq + 1;
			while (vb < e && (h[vb] == ' ' || h[vb] == '\t'))
				vb++;
			if (ne == nb && vb == e)
				continue;
			out[n].flags = 0;
		}
		ve = e;
		if (ve - vb >= 2 && h[vb] == '"' && h[ve - 1] == '"') {
			vb++;
			ve--;
			out[n].flags |= CS_COOKIE_QUOTED;
		}
		out[n].nb = nb;
		out[n].nl = ne - nb;
		out[n].vb = vb;
		out[n].vl = ve - vb;
		if (++n == max)
			break;
	}
	return n;
}

static void
compare_with_reference(const char *h, size_t len)
{
	struct want_ref ref[600];
	struct cs_cookies c;
	size_t n, i;

	n = reference_parse(h, len, ref, 600);
	cr_assert_eq(cs_cookies_parse(&c, h, len, NULL), CS_OK);
	cr_assert_eq(c.count, n, "len %zu: %zu pairs, reference %zu", len, c.count, n);
	for (i = 0; i < n; i++) {
		const struct cs_cookie_pair *p = &c.pairs[i];

		cr_assert_eq(p->name_len, ref[i].nl, "len %zu pair %zu", len, i);
		cr_assert_eq(memcmp(p->name, h + ref[i].nb, ref[i].nl), 0);
		cr_assert_eq(p->value_len, ref[i].vl, "len %zu pair %zu", len, i);
		cr_assert_eq(memcmp(p->value, h + ref[i].vb, ref[i].vl), 0);
		cr_assert_eq(p->flags, ref[i].flags, "len %zu pair %zu", len, i);
		cr_assert_eq(p->name[p->name_len], '\0');
		cr_assert_eq(p->value[p->value_len], '\0');
	}
	cs_cookies_free(&c);
}

Test(cookie_parse, agrees_with_a_plain_reference_on_random_headers)
{
	/* Mostly letters, so parts span blocks; separators often enough. */
	static const char alphabet[] = "abcdefghijklmnop==;;  \t\"\"xyz0123";
	unsigned seed = 2024;
	int round;

	for (round = 0; round < 20000; round++) {
		char h[700];
		size_t len, j;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof(h);
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			h[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		compare_with_reference(h, len);
	}
}

Test(cookie_parse, separators_at_every_block_boundary)
{
	char h[400];
	size_t len, at;

	/* A ';' or '=' at each offset around the 64-byte block edges. */
	for (len = 1; len <= 300; len++) {
		memset(h, 'v', len);
		for (at = 0; at < len; at++) {
			h[at] = ';';
			compare_with_reference(h, len);
			h[at] = '=';
			compare_with_reference(h, len);
			h[at] = 'v';
		}
	}
}

Test(cookie_parse, headers_with_more_pairs_than_the_first_guess)
{
	static const size_t counts[] = { 4, 5, 16, 17, 25, 26, 33, 100, 1000 };
	struct cs_cookie_limits lim = { .max_header = 1 << 16 };
	char *h = malloc(1 << 16);
	size_t i, k, len;

	cr_assert_not_null(h);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct cs_cookies c;

		len = 0;
		for (k = 0; k < counts[i]; k++)
			len += (size_t)sprintf(h + len, "%sc%zu=v%zu", k ? "; " : "", k, k * 7);
		cr_assert_eq(cs_cookies_parse(&c, h, len, &lim), CS_OK);
		cr_assert_eq(c.count, counts[i]);
		for (k = 0; k < counts[i]; k++) {
			char name[32], value[32];

			snprintf(name, sizeof(name), "c%zu", k);
			snprintf(value, sizeof(value), "v%zu", k * 7);
			cr_assert_str_eq(cs_cookies_get(&c, name), value);
		}
		cs_cookies_free(&c);
		/* Long pairs too: few pairs, big header. */
		len = 0;
		for (k = 0; k < counts[i] && len + 80 < 8192; k++)
			len += (size_t)sprintf(h + len, "%sname%zu=%064zu", k ? "; " : "", k, k);
		compare_with_reference(h, len);
	}
	free(h);
}
