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
	csi_form_free(&f);
}

TestSuite(form, .fini = teardown);

static int
parse(const char *s)
{
	csi_form_free(&f);
	return csi_form_parse(&f, s, strlen(s), CS_FORM_MAX_FIELDS);
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
	cr_assert_str_eq(csi_form_get(&f, "a"), "");
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
	cr_assert_str_eq(csi_form_get(&f, "a"), "1");
	cr_assert_str_eq(f.fields[1].value, "2");
}

Test(form, empty_parts_between_ampersands_are_skipped)
{
	cr_assert_eq(parse("&&a=1&&&b=2&&"), CS_OK);
	cr_assert_eq(f.count, 2);
	cr_assert_str_eq(csi_form_get(&f, "a"), "1");
	cr_assert_str_eq(csi_form_get(&f, "b"), "2");
	cr_assert_eq(parse("&&"), CS_OK);
	cr_assert_eq(f.count, 0);
}

Test(form, plus_is_space_and_encoded_plus_is_plus)
{
	cr_assert_eq(parse("q=a+b&p=1%2B1&n+m=x"), CS_OK);
	cr_assert_str_eq(csi_form_get(&f, "q"), "a b");
	cr_assert_str_eq(csi_form_get(&f, "p"), "1+1");
	cr_assert_str_eq(csi_form_get(&f, "n m"), "x");
}

Test(form, percent_escapes_decode_in_names_and_values_any_case)
{
	cr_assert_eq(parse("%6e%41me=%e2%82%AC%26%3D"), CS_OK);
	cr_assert_str_eq(csi_form_get(&f, "nAme"), "\xe2\x82\xac&=");
}

Test(form, second_equals_belongs_to_the_value)
{
	cr_assert_eq(parse("a=b=c"), CS_OK);
	cr_assert_str_eq(csi_form_get(&f, "a"), "b=c");
}

Test(form, malformed_escape_stays_literal_as_django_reads_it)
{
	/* Python's unquote: a '%' without two hex digits is kept as text. */
	const char *in[] = { "a=%", "a=%4", "a=%zz", "a=%4g", "a=%%41", "a=x%" };
	const char *want[] = { "%", "%4", "%zz", "%4g", "%A", "x%" };
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		cr_assert_eq(parse(in[i]), CS_OK, "%s", in[i]);
		cr_assert_eq(f.count, 1);
		cr_assert_str_eq(csi_form_get(&f, "a"), want[i], "%s", in[i]);
		cr_assert_eq(f.fields[0].flags, CS_FIELD_BAD_ESCAPE, "%s", in[i]);
	}
}

Test(form, malformed_escape_marks_only_its_own_field)
{
	cr_assert_eq(parse("a=1&b=%x1&%=2&c=3"), CS_OK);
	cr_assert_eq(f.count, 4);
	cr_assert_eq(f.fields[0].flags, 0);
	cr_assert_eq(f.fields[1].flags, CS_FIELD_BAD_ESCAPE);
	cr_assert_str_eq(f.fields[1].value, "%x1");
	cr_assert_str_eq(f.fields[2].name, "%");
	cr_assert_eq(f.fields[2].flags, CS_FIELD_BAD_ESCAPE);
	cr_assert_eq(f.fields[3].flags, 0);
	cr_assert_str_eq(csi_form_get(&f, "c"), "3");
}

Test(form, decoded_nul_marks_its_field_in_names_and_values)
{
	cr_assert_eq(parse("a=x%00y&b=2"), CS_OK);
	cr_assert_eq(f.fields[0].flags, CS_FIELD_NUL);
	cr_assert_eq(f.fields[1].flags, 0);
	cr_assert_eq(parse("a%00b=1"), CS_OK);
	cr_assert_eq(f.fields[0].flags, CS_FIELD_NUL);
	csi_form_free(&f);
	cr_assert_eq(csi_form_parse(&f, "a=x\0y", 5, CS_FORM_MAX_FIELDS), CS_OK);
	cr_assert_eq(f.fields[0].flags, CS_FIELD_NUL);
}

Test(form, nth_field_reaches_every_duplicate_in_order)
{
	cr_assert_eq(parse("t=1&u=x&t=2&t=3"), CS_OK);
	cr_assert_str_eq(csi_form_field(&f, "t", 0)->value, "1");
	cr_assert_str_eq(csi_form_field(&f, "t", 1)->value, "2");
	cr_assert_str_eq(csi_form_field(&f, "t", 2)->value, "3");
	cr_assert_null(csi_form_field(&f, "t", 3));
}

Test(form, field_count_is_bounded)
{
	struct cs_buf b = { 0 };
	int i;

	for (i = 0; i < CS_FORM_MAX_FIELDS; i++)
		cs_buf_printf(&b, "f%d=%d&", i, i);
	cr_assert_eq(csi_form_parse(&f, b.data, b.len, CS_FORM_MAX_FIELDS), CS_OK);
	cr_assert_eq(f.count, CS_FORM_MAX_FIELDS);
	csi_form_free(&f);
	cs_buf_puts(&b, "one=more");
	cr_assert_eq(csi_form_parse(&f, b.data, b.len, CS_FORM_MAX_FIELDS), CS_ERR_BAD_REQUEST);
	cs_buf_free(&b);
}

Test(form, empty_parts_do_not_count_as_fields)
{
	cr_assert_eq(csi_form_parse(&f, "a=1&&&&&&b=2", 12, 2), CS_OK);
	cr_assert_eq(f.count, 2);
}

Test(form, missing_name_lookup_is_null)
{
	cr_assert_eq(parse("a=1"), CS_OK);
	cr_assert_null(csi_form_get(&f, "b"));
	cr_assert_null(csi_form_get(&f, "A"));
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

	csi_form_free(&f);
	cs_buf_puts(&b, "k=");
	cr_assert_eq(cs_url_encode(&b, v, NULL), CS_OK);
	cr_assert_eq(csi_form_parse(&f, b.data, b.len, 10), CS_OK);
	cr_assert_str_eq(csi_form_get(&f, "k"), v);
	cs_buf_free(&b);
}

/*
 * A second, deliberately naive decoder to compare against on random input:
 * split on '&', drop empty parts, split on the first '=', decode byte by
 * byte; a bad escape stays literal and a NUL is noted, per field.
 */
static unsigned
ref_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, o = 0;
	unsigned v, flags = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%' && i + 3 <= n &&
		    isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			sscanf((char[3]){ s[i + 1], s[i + 2], 0 }, "%2x", &v);
			if (v == 0)
				flags |= CS_FIELD_NUL;
			out[o++] = (char)v;
			i += 2;
		} else {
			if (s[i] == '%')
				flags |= CS_FIELD_BAD_ESCAPE;
			if (s[i] == '\0')
				flags |= CS_FIELD_NUL;
			out[o++] = s[i];
		}
	}
	*outlen = o;
	return flags;
}

Test(form, random_input_agrees_with_a_naive_decoder)
{
	static const char alphabet[] = "ab=&&%%+09AFfgz\xff\x01";
	char in[48], name[48], value[48];
	size_t len, i, k, nl, vl, field;
	unsigned seed = 12345, flags;

	for (int round = 0; round < 20000; round++) {
		len = (size_t)(rand_r(&seed) % sizeof(in));
		for (i = 0; i < len; i++)
			in[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		if (rand_r(&seed) % 50 == 0 && len > 0)
			in[rand_r(&seed) % len] = '\0';
		csi_form_free(&f);
		cr_assert_eq(csi_form_parse(&f, in, len, CS_FORM_MAX_FIELDS), CS_OK);

		/* The reference: walk the same input. */
		field = 0;
		for (i = 0; i < len; i = k + 1) {
			for (k = i; k < len && in[k] != '&'; k++)
				continue;
			if (k == i)
				continue;
			size_t eq = i;
			while (eq < k && in[eq] != '=')
				eq++;
			flags = ref_decode(in + i, eq - i, name, &nl);
			vl = 0;
			if (eq < k)
				flags |= ref_decode(in + eq + 1, k - eq - 1, value, &vl);
			cr_assert_lt(field, f.count, "round %d: too few fields", round);
			cr_assert_eq(f.fields[field].flags, flags, "round %d", round);
			/* A NUL cuts the C string: compare up to the first one. */
			cr_assert(memcmp(f.fields[field].name, name, nl) == 0, "round %d", round);
			cr_assert(memcmp(f.fields[field].value, value, vl) == 0, "round %d", round);
			if (!(flags & CS_FIELD_NUL)) {
				cr_assert_eq(strlen(f.fields[field].name), nl, "round %d", round);
				cr_assert_eq(strlen(f.fields[field].value), vl, "round %d", round);
			}
			field++;
		}
		cr_assert_eq(f.count, field, "round %d", round);
	}
}
