/*
 * test_form.c -- application/x-www-form-urlencoded parsing and
 * percent-coding: the edge cases a query string or POST body can hold.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

static struct cs_form f;

static void
teardown(void)
{
	cs_form_free(&f);
}

TestSuite(form, .fini = teardown);

static int
parse(const char *s)
{
	cs_form_free(&f);
	return cs_form_parse(&f, s, strlen(s), CS_FORM_MAX_FIELDS);
}

Test(form, empty_string_has_no_fields)
{
	cr_assert_eq(parse(""), CS_OK);
	cr_assert_eq(f.count, 0);
}

Test(form, bare_name_has_empty_value)
{
	cr_assert_eq(parse("a"), CS_OK);
	cr_assert_eq(f.count, 1);
	cr_assert_str_eq(f.fields[0].name, "a");
	cr_assert_str_eq(f.fields[0].value, "");
}

Test(form, name_with_equals_has_empty_value)
{
	cr_assert_eq(parse("a="), CS_OK);
	cr_assert_eq(f.count, 1);
	cr_assert_str_eq(cs_form_get(&f, "a"), "");
}

Test(form, leading_equals_gives_empty_name)
{
	cr_assert_eq(parse("=b"), CS_OK);
	cr_assert_eq(f.count, 1);
	cr_assert_str_eq(f.fields[0].name, "");
	cr_assert_str_eq(f.fields[0].value, "b");
}

Test(form, repeated_name_first_wins_and_all_are_kept)
{
	cr_assert_eq(parse("a=1&a=2"), CS_OK);
	cr_assert_eq(f.count, 2);
	cr_assert_str_eq(cs_form_get(&f, "a"), "1");
	cr_assert_str_eq(f.fields[1].value, "2");
}

Test(form, empty_parts_between_ampersands_are_skipped)
{
	cr_assert_eq(parse("&&a=1&&&b=2&&"), CS_OK);
	cr_assert_eq(f.count, 2);
	cr_assert_str_eq(cs_form_get(&f, "a"), "1");
	cr_assert_str_eq(cs_form_get(&f, "b"), "2");
	cr_assert_eq(parse("&&"), CS_OK);
	cr_assert_eq(f.count, 0);
}

Test(form, plus_is_space_and_encoded_plus_is_plus)
{
	cr_assert_eq(parse("q=a+b&p=1%2B1&n+m=x"), CS_OK);
	cr_assert_str_eq(cs_form_get(&f, "q"), "a b");
	cr_assert_str_eq(cs_form_get(&f, "p"), "1+1");
	cr_assert_str_eq(cs_form_get(&f, "n m"), "x");
}

Test(form, percent_escapes_decode_in_names_and_values_any_case)
{
	cr_assert_eq(parse("%6e%41me=%e2%82%AC%26%3D"), CS_OK);
	cr_assert_str_eq(cs_form_get(&f, "nAme"), "\xe2\x82\xac&=");
}

Test(form, second_equals_belongs_to_the_value)
{
	cr_assert_eq(parse("a=b=c"), CS_OK);
	cr_assert_str_eq(cs_form_get(&f, "a"), "b=c");
}

Test(form, malformed_escapes_are_bad_requests)
{
	const char *bad[] = { "a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=1&b=%x1", "a=%%41" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i]), CS_ERR_BAD_REQUEST, "%s", bad[i]);
		cr_assert_eq(f.count, 0, "nothing kept after %s", bad[i]);
	}
}

Test(form, decoded_nul_is_refused_in_names_and_values)
{
	cr_assert_eq(parse("a=x%00y"), CS_ERR_BAD_REQUEST);
	cr_assert_eq(parse("a%00b=1"), CS_ERR_BAD_REQUEST);
	cs_form_free(&f);
	cr_assert_eq(cs_form_parse(&f, "a=x\0y", 5, CS_FORM_MAX_FIELDS), CS_ERR_BAD_REQUEST);
}

Test(form, field_count_is_bounded)
{
	struct cs_buf b = { 0 };
	int i;

	for (i = 0; i < CS_FORM_MAX_FIELDS; i++)
		cs_buf_printf(&b, "f%d=%d&", i, i);
	cr_assert_eq(cs_form_parse(&f, b.data, b.len, CS_FORM_MAX_FIELDS), CS_OK);
	cr_assert_eq(f.count, CS_FORM_MAX_FIELDS);
	cs_form_free(&f);
	cs_buf_puts(&b, "one=more");
	cr_assert_eq(cs_form_parse(&f, b.data, b.len, CS_FORM_MAX_FIELDS), CS_ERR_BAD_REQUEST);
	cs_buf_free(&b);
}

Test(form, empty_parts_do_not_count_as_fields)
{
	cr_assert_eq(cs_form_parse(&f, "a=1&&&&&&b=2", 12, 2), CS_OK);
	cr_assert_eq(f.count, 2);
}

Test(form, missing_name_lookup_is_null)
{
	cr_assert_eq(parse("a=1"), CS_OK);
	cr_assert_null(cs_form_get(&f, "b"));
	cr_assert_null(cs_form_get(&f, "A"));
}

Test(url, decode_appends_and_refuses_bad_escapes)
{
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_url_decode(&b, "x+%41", 5), CS_OK);
	cr_assert_str_eq(b.data, "x A");
	cr_assert_eq(cs_url_decode(&b, "%4", 2), CS_ERR_BAD_REQUEST);
	cr_assert_str_eq(b.data, "x A");
	cr_assert_eq(b.len, 3);
	cs_buf_free(&b);
}

Test(url, encode_matches_quote_plus_with_safe_slash)
{
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_url_encode(&b, "/a b/c?d=e&f+g~", "/"), CS_OK);
	cr_assert_str_eq(b.data, "/a+b/c%3Fd%3De%26f%2Bg~");
	cs_buf_reset(&b);
	cr_assert_eq(cs_url_encode(&b, "/\xc3\xa9", NULL), CS_OK);
	cr_assert_str_eq(b.data, "%2F%C3%A9");
	cs_buf_free(&b);
}

Test(url, encode_then_parse_round_trips)
{
	struct cs_buf b = { 0 };
	const char *v = "a&b=c d+e%f/\x01\xff";

	cs_form_free(&f);
	cs_buf_puts(&b, "k=");
	cr_assert_eq(cs_url_encode(&b, v, NULL), CS_OK);
	cr_assert_eq(cs_form_parse(&f, b.data, b.len, 10), CS_OK);
	cr_assert_str_eq(cs_form_get(&f, "k"), v);
	cs_buf_free(&b);
}

/*
 * A second, deliberately naive decoder to compare against on random input:
 * split on '&', drop empty parts, split on the first '=', decode byte by
 * byte; any bad escape or NUL refuses the whole input.
 */
static int
ref_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 3 > n)
				return -1;
			if (!isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
				return -1;
			sscanf((char[3]){ s[i + 1], s[i + 2], 0 }, "%2x", &v);
			if (v == 0)
				return -1;
			out[o++] = (char)v;
			i += 2;
		} else if (s[i] == '\0')
			return -1;
		else
			out[o++] = s[i];
	}
	*outlen = o;
	return 0;
}

Test(form, random_input_agrees_with_a_naive_decoder)
{
	static const char alphabet[] = "ab=&&%%+09AFfgz\xff\x01";
	char in[48], name[48], value[48];
	size_t len, i, k, nl, vl, field;
	unsigned seed = 12345;
	int rc, want;

	for (int round = 0; round < 20000; round++) {
		len = (size_t)(rand_r(&seed) % sizeof(in));
		for (i = 0; i < len; i++)
			in[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		if (rand_r(&seed) % 50 == 0 && len > 0)
			in[rand_r(&seed) % len] = '\0';
		cs_form_free(&f);
		rc = cs_form_parse(&f, in, len, CS_FORM_MAX_FIELDS);

		/* The reference: walk the same input. */
		want = CS_OK;
		field = 0;
		for (i = 0; i < len && want == CS_OK; i = k + 1) {
			for (k = i; k < len && in[k] != '&'; k++)
				continue;
			if (k == i)
				continue;
			size_t eq = i;
			while (eq < k && in[eq] != '=')
				eq++;
			if (ref_decode(in + i, eq - i, name, &nl) ||
			    (eq < k && ref_decode(in + eq + 1, k - eq - 1, value, &vl))) {
				want = CS_ERR_BAD_REQUEST;
				break;
			}
			if (eq == k)
				vl = 0;
			if (rc == CS_OK) {
				cr_assert_lt(field, f.count, "round %d: too few fields", round);
				cr_assert_eq(strlen(f.fields[field].name), nl, "round %d", round);
				cr_assert(memcmp(f.fields[field].name, name, nl) == 0, "round %d", round);
				cr_assert_eq(strlen(f.fields[field].value), vl, "round %d", round);
				cr_assert(memcmp(f.fields[field].value, value, vl) == 0, "round %d", round);
			}
			field++;
		}
		cr_assert_eq(rc, want, "round %d: %d, reference %d", round, rc, want);
		if (rc == CS_OK)
			cr_assert_eq(f.count, field, "round %d", round);
	}
}
