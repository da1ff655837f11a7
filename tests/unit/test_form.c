/*
 * test_form.c -- application/x-www-form-urlencoded parsing and
 * percent-coding: the edge cases a query string or POST body can hold.
 */
#include <criterion/criterion.h>
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
