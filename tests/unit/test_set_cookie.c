/*
 * test_set_cookie.c -- the Set-Cookie serializer, IMF-fixdates, deletion,
 * and the cookie value encoding helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "csess.h"

/* Tue, 14 Nov 2023 22:13:20 GMT: the time Django's examples were run at. */
#define T	INT64_C(1700000000)

static char *
fmt(const struct cs_set_cookie *c, int64_t now)
{
	struct cs_buf b = { 0 };
	int rc;

	rc = cs_set_cookie_format(&b, c, now);
	cr_assert_eq(rc, CS_OK, "format refused: %s", cs_strerror(rc));
	return cs_buf_steal(&b);
}

#define EXPECT_FMT(want, now, ...) do { \
	struct cs_set_cookie c_ = { __VA_ARGS__ }; \
	char *got_ = fmt(&c_, (now)); \
	cr_assert_str_eq(got_, (want)); \
	free(got_); \
} while (0)

/* Refused with CS_ERR_INVALID, and nothing appended to a buffer in use. */
static void
expect_refused(const struct cs_set_cookie *c, int64_t now)
{
	struct cs_buf b = { 0 };
	const char *why = NULL;

	cr_assert_eq(cs_buf_puts(&b, "keep"), CS_OK);
	cr_assert_eq(cs_set_cookie_format(&b, c, now), CS_ERR_INVALID,
	    "accepted: %s", b.data);
	cr_assert_str_eq(b.data, "keep");
	cr_assert_eq(b.len, 4);
	cr_assert_eq(cs_set_cookie_validate(c, now, &why), CS_ERR_INVALID);
	cr_assert_not_null(why);
	cr_assert_null(strchr(why, '\n'));
	cs_buf_free(&b);
}

#define REFUSED(...) do { \
	struct cs_set_cookie c_ = { __VA_ARGS__ }; \
	expect_refused(&c_, T); \
} while (0)

/* ---- Django 3.2 examples (django-compat 3.1), byte for byte ------------------- */

Test(set_cookie, matches_django_plain_cookie)
{
	EXPECT_FMT("a=b; Path=/", T, .name = "a", .value = "b", .path = "/");
}

Test(set_cookie, writes_empty_value_as_two_quotes_like_django)
{
	EXPECT_FMT("a=\"\"; Path=/", T, .name = "a", .value = "", .path = "/");
	EXPECT_FMT("a=\"\"", T, .name = "a", .value = NULL);
}

Test(set_cookie, matches_django_max_age_with_expires)
{
	EXPECT_FMT("a=b; expires=Tue, 14 Nov 2023 23:13:20 GMT; Max-Age=3600; Path=/", T,
	    .name = "a", .value = "b", .has_max_age = true, .max_age = 3600, .path = "/");
}

Test(set_cookie, matches_django_domain_with_leading_dot)
{
	EXPECT_FMT("a=b; Domain=.example.com; Path=/", T,
	    .name = "a", .value = "b", .domain = ".example.com", .path = "/");
}

Test(set_cookie, matches_django_secure_httponly_order)
{
	EXPECT_FMT("a=b; HttpOnly; Path=/; Secure", T,
	    .name = "a", .value = "b", .secure = true, .httponly = true, .path = "/");
}

Test(set_cookie, matches_django_full_session_cookie)
{
	EXPECT_FMT("sessionid=abc; Domain=example.com; expires=Tue, 28 Nov 2023 22:13:20 GMT; "
	    "HttpOnly; Max-Age=1209600; Path=/p; SameSite=Lax; Secure", T,
	    .name = "sessionid", .value = "abc", .has_max_age = true, .max_age = 1209600,
	    .domain = "example.com", .path = "/p", .secure = true, .httponly = true,
	    .samesite = CS_SAMESITE_LAX);
}

Test(set_cookie, matches_django_max_age_zero)
{
	EXPECT_FMT("a=b; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/", T,
	    .name = "a", .value = "b", .has_max_age = true, .max_age = 0, .path = "/");
}

/* ---- attribute order and each attribute ---------------------------------------- */

Test(set_cookie, writes_every_attribute_in_django_order)
{
	EXPECT_FMT("__Secure-n=v; Domain=d.example; expires=Tue, 14 Nov 2023 22:14:20 GMT; "
	    "HttpOnly; Max-Age=60; Path=/p; SameSite=None; Secure; Partitioned", T,
	    .name = "__Secure-n", .value = "v", .has_max_age = true, .max_age = 60,
	    .domain = "d.example", .path = "/p", .secure = true, .httponly = true,
	    .samesite = CS_SAMESITE_NONE, .partitioned = true);
}

Test(set_cookie, writes_bare_name_value_without_attributes)
{
	EXPECT_FMT("a=b", T, .name = "a", .value = "b");
}

Test(set_cookie, writes_samesite_in_canonical_spelling)
{
	EXPECT_FMT("a=b; SameSite=Strict", T, .name = "a", .value = "b",
	    .samesite = CS_SAMESITE_STRICT);
	EXPECT_FMT("a=b; SameSite=Lax", T, .name = "a", .value = "b",
	    .samesite = CS_SAMESITE_LAX);
	EXPECT_FMT("a=b; SameSite=None; Secure", T, .name = "a", .value = "b",
	    .samesite = CS_SAMESITE_NONE, .secure = true);
}

Test(set_cookie, writes_partitioned_last)
{
	EXPECT_FMT("a=b; Path=/; Secure; Partitioned", T, .name = "a", .value = "b",
	    .path = "/", .secure = true, .partitioned = true);
}

Test(set_cookie, expires_alone_writes_no_max_age)
{
	EXPECT_FMT("a=b; expires=Sun, 06 Nov 1994 08:49:37 GMT", T, .name = "a",
	    .value = "b", .has_expires = true, .expires = 784111777);
}

Test(set_cookie, negative_max_age_writes_zero_and_now)
{
	EXPECT_FMT("a=b; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0", T,
	    .name = "a", .value = "b", .has_max_age = true, .max_age = -5);
}

Test(set_cookie, explicit_expires_wins_over_max_age_for_the_expires_attribute)
{
	EXPECT_FMT("a=b; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=10", T,
	    .name = "a", .value = "b", .has_max_age = true, .max_age = 10,
	    .has_expires = true, .expires = 0);
}

Test(set_cookie, uses_now_argument_for_max_age)
{
	EXPECT_FMT("a=b; expires=Thu, 01 Jan 1970 00:01:40 GMT; Max-Age=100", 0,
	    .name = "a", .value = "b", .has_max_age = true, .max_age = 100);
}

Test(set_cookie, appends_to_existing_buffer)
{
	struct cs_buf b = { 0 };
	struct cs_set_cookie c = { .name = "a", .value = "1" };

	cr_assert_eq(cs_buf_puts(&b, "Set-Cookie: "), CS_OK);
	cr_assert_eq(cs_set_cookie_format(&b, &c, T), CS_OK);
	cr_assert_str_eq(b.data, "Set-Cookie: a=1");
	cr_assert_eq(b.len, strlen("Set-Cookie: a=1"));
	cs_buf_free(&b);
}

Test(set_cookie, accepts_every_token_character_in_names)
{
	EXPECT_FMT("!#$%&'*+-.^_`|~Az09=v", T, .name = "!#$%&'*+-.^_`|~Az09", .value = "v");
}

Test(set_cookie, accepts_every_cookie_octet_in_values)
{
	char v[128], want[160];
	size_t n = 0;
	int ch;

	for (ch = 0x21; ch <= 0x7E; ch++)
		if (ch != '"' && ch != ',' && ch != ';' && ch != '\\')
			v[n++] = (char)ch;
	v[n] = '\0';
	snprintf(want, sizeof(want), "a=%s", v);
	EXPECT_FMT(want, T, .name = "a", .value = v);
}

Test(set_cookie, accepts_a_value_wrapped_in_one_quote_pair)
{
	EXPECT_FMT("a=\"b\"", T, .name = "a", .value = "\"b\"");
	EXPECT_FMT("a=\"\"", T, .name = "a", .value = "\"\"");
}

Test(set_cookie, accepts_signed_django_values)
{
	EXPECT_FMT("sessionid=eyJhIjoxfQ:1r31eq:AbC-_x", T, .name = "sessionid",
	    .value = "eyJhIjoxfQ:1r31eq:AbC-_x");
}

Test(set_cookie, accepts_host_prefix_done_right)
{
	EXPECT_FMT("__Host-sid=x; Path=/; Secure", T, .name = "__Host-sid", .value = "x",
	    .path = "/", .secure = true);
	EXPECT_FMT("__Host-Http-sid=x; HttpOnly; Path=/; Secure", T,
	    .name = "__Host-Http-sid", .value = "x", .path = "/", .secure = true,
	    .httponly = true);
	EXPECT_FMT("__Http-sid=x; HttpOnly; Secure", T, .name = "__Http-sid", .value = "x",
	    .secure = true, .httponly = true);
}

Test(set_cookie, accepts_domain_shapes)
{
	EXPECT_FMT("a=b; Domain=localhost", T, .name = "a", .value = "b", .domain = "localhost");
	EXPECT_FMT("a=b; Domain=127.0.0.1", T, .name = "a", .value = "b", .domain = "127.0.0.1");
	EXPECT_FMT("a=b; Domain=xn--bcher-kva.example", T, .name = "a", .value = "b",
	    .domain = "xn--bcher-kva.example");
}

Test(set_cookie, accepts_path_with_space_and_specials)
{
	EXPECT_FMT("a=b; Path=/a b/c,d=e\"f", T, .name = "a", .value = "b",
	    .path = "/a b/c,d=e\"f");
}

/* ---- refusals --------------------------------------------------------------- */

Test(set_cookie, refuses_missing_or_empty_name)
{
	REFUSED(.name = NULL, .value = "v");
	REFUSED(.name = "", .value = "v");
}

Test(set_cookie, refuses_names_that_are_not_tokens)
{
	static const char *bad[] = {
		"a b", "a;b", "a=b", "a,b", "a\"b", "a\\b", "a/b", "a:b", "a@b",
		"a?b", "a(b", "a)b", "a<b", "a>b", "a[b", "a]b", "a{b", "a}b",
		"a\tb", "a\rb", "a\nb", "a\x01", "a\x7f", "\xc3\xa9", " a", "a ",
		"a\r\nSet-Cookie: x=1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_set_cookie c = { .name = bad[i], .value = "v" };

		expect_refused(&c, T);
	}
}

Test(set_cookie, refuses_values_outside_cookie_octets)
{
	static const char *bad[] = {
		"a b", "a,b", "a;b", "a\\b", "a\"b", "\"", "\"ab", "ab\"",
		"\"a\"b\"", "\"a b\"", "a\tb", "a\rb", "a\nb", "a\r\nSet-Cookie: x=1",
		"a\x01", "a\x7f", "\xc3\xa9", "a; Domain=evil.example",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_set_cookie c = { .name = "a", .value = bad[i] };

		expect_refused(&c, T);
	}
}

Test(set_cookie, refuses_name_and_value_over_4096_bytes)
{
	char *v = malloc(4096);
	struct cs_set_cookie c = { .name = "a" };
	struct cs_buf b = { 0 };

	memset(v, 'x', 4095);
	v[4095] = '\0';
	c.value = v;		/* 1 + 4095 = 4096: accepted */
	cr_assert_eq(cs_set_cookie_format(&b, &c, T), CS_OK);
	cr_assert_eq(b.len, 4097);
	c.name = "ab";		/* 4097: refused */
	expect_refused(&c, T);
	cs_buf_free(&b);
	free(v);
}

Test(set_cookie, refuses_bad_paths)
{
	static const char *bad[] = {
		"", "p", "p/", " /", "/a;b", "/a\rb", "/a\nb", "/a\tb", "/a\x01",
		"/a\x7f", "/\xc3\xa9", "/; Domain=evil.example",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_set_cookie c = { .name = "a", .value = "v", .path = bad[i] };

		expect_refused(&c, T);
	}
}

Test(set_cookie, refuses_path_over_1024_bytes)
{
	char p[1026];
	struct cs_set_cookie c = { .name = "a", .value = "v", .path = p };
	struct cs_buf b = { 0 };

	memset(p, 'x', sizeof(p));
	p[0] = '/';
	p[1024] = '\0';		/* 1024 bytes: accepted */
	cr_assert_eq(cs_set_cookie_format(&b, &c, T), CS_OK);
	p[1024] = 'x';
	p[1025] = '\0';		/* 1025: refused */
	expect_refused(&c, T);
	cs_buf_free(&b);
}

Test(set_cookie, refuses_bad_domains)
{
	static const char *bad[] = {
		"", ".", "..", "example.com.", "a..b", ".a..b", "..a", "-a.com",
		"a-.com", "a.-b", "a_b.com", "a b.com", "a;b.com", "a\r\n.com",
		"\xc3\xa9.com", "a.com; Path=/", "a.com/", "a:80", "*.a.com",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_set_cookie c = { .name = "a", .value = "v", .domain = bad[i] };

		expect_refused(&c, T);
	}
}

Test(set_cookie, refuses_domain_labels_over_63_and_names_over_253)
{
	char d[300];
	struct cs_set_cookie c = { .name = "a", .value = "v", .domain = d };
	struct cs_buf b = { 0 };
	size_t i;

	memset(d, 'a', 63);
	strcpy(d + 63, ".com");		/* 63-char label: accepted */
	cr_assert_eq(cs_set_cookie_format(&b, &c, T), CS_OK);
	memset(d, 'a', 64);
	strcpy(d + 64, ".com");		/* 64: refused */
	expect_refused(&c, T);

	/* 253 characters of 9-char labels "aaaaaaaa." ... accepted; 254 refused. */
	for (i = 0; i < 253; i++)
		d[i] = (i % 9 == 8) ? '.' : 'a';
	d[253] = '\0';
	cr_assert_neq(d[252], '.');
	cs_buf_reset(&b);
	cr_assert_eq(cs_set_cookie_format(&b, &c, T), CS_OK, "253-char domain");
	d[253] = 'a';
	d[254] = '\0';
	expect_refused(&c, T);
	cs_buf_free(&b);
}

Test(set_cookie, refuses_samesite_none_without_secure)
{
	REFUSED(.name = "a", .value = "v", .samesite = CS_SAMESITE_NONE);
}

Test(set_cookie, refuses_unknown_samesite_value)
{
	REFUSED(.name = "a", .value = "v", .samesite = (enum cs_samesite)CS_SAMESITE__MAX);
	REFUSED(.name = "a", .value = "v", .samesite = (enum cs_samesite)77);
}

Test(set_cookie, refuses_partitioned_without_secure)
{
	REFUSED(.name = "a", .value = "v", .partitioned = true);
}

Test(set_cookie, refuses_secure_prefix_without_secure)
{
	REFUSED(.name = "__Secure-x", .value = "v", .path = "/");
	REFUSED(.name = "__secure-x", .value = "v");	/* UAs match any case */
	REFUSED(.name = "__SECURE-x", .value = "v");
}

Test(set_cookie, refuses_host_prefix_without_secure)
{
	REFUSED(.name = "__Host-x", .value = "v", .path = "/");
	REFUSED(.name = "__HOST-x", .value = "v", .path = "/");
}

Test(set_cookie, refuses_host_prefix_with_domain)
{
	REFUSED(.name = "__Host-x", .value = "v", .path = "/", .secure = true,
	    .domain = "example.com");
}

Test(set_cookie, refuses_host_prefix_without_path_slash)
{
	REFUSED(.name = "__Host-x", .value = "v", .secure = true);
	REFUSED(.name = "__Host-x", .value = "v", .secure = true, .path = "/p");
	REFUSED(.name = "__Host-x", .value = "v", .secure = true, .path = "//");
}

Test(set_cookie, refuses_http_prefixes_without_httponly)
{
	REFUSED(.name = "__Http-x", .value = "v", .secure = true);
	REFUSED(.name = "__Http-x", .value = "v", .httponly = true);
	REFUSED(.name = "__Host-Http-x", .value = "v", .secure = true, .path = "/");
}

Test(set_cookie, refuses_expires_before_1601_or_after_9999)
{
	int64_t first, last;

	cr_assert_eq(cs_http_date_parse("Mon, 01 Jan 1601 00:00:00 GMT", 29, &first), CS_OK);
	cr_assert_eq(cs_http_date_parse("Fri, 31 Dec 9999 23:59:59 GMT", 29, &last), CS_OK);
	EXPECT_FMT("a=b; expires=Mon, 01 Jan 1601 00:00:00 GMT", T, .name = "a", .value = "b",
	    .has_expires = true, .expires = first);
	EXPECT_FMT("a=b; expires=Fri, 31 Dec 9999 23:59:59 GMT", T, .name = "a", .value = "b",
	    .has_expires = true, .expires = last);
	REFUSED(.name = "a", .value = "v", .has_expires = true, .expires = first - 1);
	REFUSED(.name = "a", .value = "v", .has_expires = true, .expires = last + 1);
	REFUSED(.name = "a", .value = "v", .has_expires = true, .expires = INT64_MIN);
	REFUSED(.name = "a", .value = "v", .has_expires = true, .expires = INT64_MAX);
}

Test(set_cookie, refuses_max_age_that_overflows_the_date_range)
{
	REFUSED(.name = "a", .value = "v", .has_max_age = true, .max_age = INT64_MAX);
	REFUSED(.name = "a", .value = "v", .has_max_age = true,
	    .max_age = INT64_C(300000000000));
}

Test(set_cookie, refuses_null_arguments)
{
	struct cs_buf b = { 0 };
	struct cs_set_cookie c = { .name = "a", .value = "b" };

	cr_assert_eq(cs_set_cookie_format(&b, NULL, T), CS_ERR_INVALID);
	cr_assert_eq(cs_set_cookie_format(NULL, &c, T), CS_ERR_INVALID);
	cr_assert_eq(b.len, 0);
}

Test(set_cookie, validate_explains_the_refusal)
{
	struct cs_set_cookie c = { .name = "a", .value = "v", .samesite = CS_SAMESITE_NONE };
	const char *why = NULL;

	cr_assert_eq(cs_set_cookie_validate(&c, T, &why), CS_ERR_INVALID);
	cr_assert_not_null(strstr(why, "Secure"), "%s", why);
	c.secure = true;
	cr_assert_eq(cs_set_cookie_validate(&c, T, &why), CS_OK);
	cr_assert_null(why);
	cr_assert_eq(cs_set_cookie_validate(&c, T, NULL), CS_OK);
}

/* ---- deletion (Django's delete_cookie, django-compat 3.3) ------------------- */

static char *
deletion(const char *name, const char *path, const char *domain, enum cs_samesite ss)
{
	struct cs_set_cookie c;

	cs_set_cookie_deletion(&c, name, path, domain, ss);
	return fmt(&c, T);
}

#define EXPECT_DEL(want, ...) do { \
	char *got_ = deletion(__VA_ARGS__); \
	cr_assert_str_eq(got_, (want)); \
	free(got_); \
} while (0)

Test(set_cookie, deletion_matches_django_delete_cookie)
{
	EXPECT_DEL("a=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/",
	    "a", "/", NULL, CS_SAMESITE_OMIT);
}

Test(set_cookie, deletion_of_host_cookie_forces_secure_like_django)
{
	EXPECT_DEL("__Host-x=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure",
	    "__Host-x", "/", NULL, CS_SAMESITE_OMIT);
	EXPECT_DEL("__Secure-x=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure",
	    "__Secure-x", "/", NULL, CS_SAMESITE_OMIT);
}

Test(set_cookie, deletion_with_samesite_none_forces_secure_like_django)
{
	EXPECT_DEL("a=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure",
	    "a", "/", NULL, CS_SAMESITE_NONE);
}

Test(set_cookie, deletion_keeps_path_domain_and_samesite_like_django)
{
	EXPECT_DEL("a=\"\"; Domain=d.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/x; SameSite=Lax",
	    "a", "/x", "d.com", CS_SAMESITE_LAX);
}

Test(set_cookie, deletion_without_path_writes_no_path)
{
	EXPECT_DEL("a=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
	    "a", NULL, NULL, CS_SAMESITE_OMIT);
}

Test(set_cookie, deletion_of_http_prefixed_cookie_adds_httponly)
{
	EXPECT_DEL("__Host-Http-s=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=0; Path=/; Secure",
	    "__Host-Http-s", "/", NULL, CS_SAMESITE_OMIT);
}

Test(set_cookie, deletion_does_not_depend_on_the_clock)
{
	struct cs_set_cookie c;
	char *a, *b;

	cs_set_cookie_deletion(&c, "a", "/", NULL, CS_SAMESITE_OMIT);
	a = fmt(&c, T);
	b = fmt(&c, 0);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
}

Test(set_cookie, deletion_of_host_cookie_with_wrong_path_is_refused)
{
	struct cs_set_cookie c;

	cs_set_cookie_deletion(&c, "__Host-x", "/p", NULL, CS_SAMESITE_OMIT);
	expect_refused(&c, T);
}

/* ---- IMF-fixdate ------------------------------------------------------------- */

Test(http_date, formats_rfc_example)
{
	char d[30];

	cr_assert_eq(cs_http_date(d, sizeof(d), 784111777), CS_OK);
	cr_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
}

Test(http_date, formats_epoch_and_django_time)
{
	char d[30];

	cr_assert_eq(cs_http_date(d, sizeof(d), 0), CS_OK);
	cr_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	cr_assert_eq(cs_http_date(d, sizeof(d), T), CS_OK);
	cr_assert_str_eq(d, "Tue, 14 Nov 2023 22:13:20 GMT");
}

Test(http_date, formats_dates_before_1970_and_leap_days)
{
	char d[30];

	cr_assert_eq(cs_http_date(d, sizeof(d), -1), CS_OK);
	cr_assert_str_eq(d, "Wed, 31 Dec 1969 23:59:59 GMT");
	cr_assert_eq(cs_http_date(d, sizeof(d), 951782400), CS_OK);
	cr_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	cr_assert_eq(cs_http_date(d, sizeof(d), 2147483648LL), CS_OK);
	cr_assert_str_eq(d, "Tue, 19 Jan 2038 03:14:08 GMT");
}

Test(http_date, refuses_small_buffer_and_out_of_range)
{
	char d[30];

	cr_assert_eq(cs_http_date(d, 29, 0), CS_ERR_INVALID);
	cr_assert_eq(cs_http_date(NULL, 30, 0), CS_ERR_INVALID);
	cr_assert_eq(cs_http_date(d, sizeof(d), INT64_MIN), CS_ERR_INVALID);
	cr_assert_eq(cs_http_date(d, sizeof(d), INT64_MAX), CS_ERR_INVALID);
}

Test(http_date, parse_and_format_round_trip)
{
	int64_t t, got;
	char d[30];
	unsigned seed = 7;
	int i;

	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		/* spread over 1601..9999 */
		t = -11644473600LL + (int64_t)((double)seed / 4294967296.0 * 265046774399.0);
		cr_assert_eq(cs_http_date(d, sizeof(d), t), CS_OK, "%lld", (long long)t);
		cr_assert_eq(cs_http_date_parse(d, strlen(d), &got), CS_OK, "%s", d);
		cr_assert_eq(got, t, "%s", d);
	}
}

Test(http_date, parse_refuses_malformed_dates)
{
	static const char *bad[] = {
		"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
		"sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
		"Mon, 06 Nov 1994 08:49:37 GMT",	/* wrong weekday */
		"Sun, 6 Nov 1994 08:49:37 GMT ", "Sun,  6 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT", "Thu, 31 Nov 1994 08:49:37 GMT",
		"Sat, 00 Nov 1994 08:49:37 GMT", "Fri, 29 Feb 2019 00:00:00 GMT",
		"Sun, 06 Nov 1600 08:49:37 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTX", "Sun; 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 -8:49:37 GMT",
	};
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cs_http_date_parse(bad[i], strlen(bad[i]), &t), CS_ERR_INVALID,
		    "accepted '%s'", bad[i]);
}

Test(http_date, parse_accepts_leap_day_and_leap_second)
{
	int64_t t;

	cr_assert_eq(cs_http_date_parse("Tue, 29 Feb 2000 00:00:00 GMT", 29, &t), CS_OK);
	cr_assert_eq(t, 951782400);
	cr_assert_eq(cs_http_date_parse("Sat, 31 Dec 2016 23:59:60 GMT", 29, &t), CS_OK);
	cr_assert_eq(t, 1483228800);
}

/* ---- value encoding ------------------------------------------------------------ */

Test(cookie_value, encode_leaves_cookie_octets_alone)
{
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_cookie_value_encode(&b, "abc-_.:!", 8), CS_OK);
	cr_assert_str_eq(b.data, "abc-_.:!");
	cs_buf_free(&b);
}

Test(cookie_value, encode_escapes_separators_controls_percent_and_utf8)
{
	struct cs_buf b = { 0 };
	const char in[] = "a b;c,d\"e\\f%g\r\n\xc3\xa9\x00z";

	cr_assert_eq(cs_cookie_value_encode(&b, in, sizeof(in) - 1), CS_OK);
	cr_assert_str_eq(b.data, "a%20b%3Bc%2Cd%22e%5Cf%25g%0D%0A%C3%A9%00z");
	cr_assert(cs_cookie_value_valid(b.data, b.len));
	cs_buf_free(&b);
}

Test(cookie_value, decode_reverses_encode_for_all_bytes)
{
	struct cs_buf e = { 0 }, d = { 0 };
	unsigned char all[256];
	int i;

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	cr_assert_eq(cs_cookie_value_encode(&e, all, sizeof(all)), CS_OK);
	cr_assert(cs_cookie_value_valid(e.data, e.len));
	cr_assert_eq(cs_cookie_value_decode(&d, e.data, e.len), CS_OK);
	cr_assert_eq(d.len, 256);
	cr_assert_eq(memcmp(d.data, all, 256), 0);
	cs_buf_free(&e);
	cs_buf_free(&d);
}

Test(cookie_value, decode_accepts_lower_case_hex)
{
	struct cs_buf d = { 0 };

	cr_assert_eq(cs_cookie_value_decode(&d, "%c3%A9", 6), CS_OK);
	cr_assert_str_eq(d.data, "\xc3\xa9");
	cs_buf_free(&d);
}

Test(cookie_value, decode_refuses_broken_escapes_appending_nothing)
{
	static const char *bad[] = { "%", "%2", "a%zz", "%2g", "abc%" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cs_buf d = { 0 };

		cr_assert_eq(cs_buf_puts(&d, "keep"), CS_OK);
		cr_assert_eq(cs_cookie_value_decode(&d, bad[i], strlen(bad[i])), CS_ERR_INVALID,
		    "accepted '%s'", bad[i]);
		cr_assert_str_eq(d.data, "keep");
		cr_assert_eq(d.len, 4);
		cs_buf_free(&d);
	}
}

/* ---- round trip: parse(format(x)) == x ------------------------------------------ */

Test(set_cookie, parse_of_formatted_cookie_gives_back_name_and_value)
{
	static const char tchars[] =
	    "!#$%&'*+-.^_`|~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned seed = 42;
	int round;

	for (round = 0; round < 3000; round++) {
		char name[24], raw[48];
		struct cs_buf enc = { 0 }, out = { 0 }, dec = { 0 };
		struct cs_set_cookie c = { 0 };
		struct cs_cookies jar;
		size_t nl, vl, i;
		char *semi;

		seed = seed * 1103515245 + 12345;
		nl = 1 + (seed >> 16) % (sizeof(name) - 1);
		for (i = 0; i < nl; i++) {
			seed = seed * 1103515245 + 12345;
			name[i] = tchars[(seed >> 16) % (sizeof(tchars) - 1)];
		}
		name[nl] = '\0';
		/* Keep clear of prefixes whose rules these random attributes break. */
		if (name[0] == '_')
			name[0] = 'n';
		seed = seed * 1103515245 + 12345;
		vl = (seed >> 16) % sizeof(raw);
		for (i = 0; i < vl; i++) {
			seed = seed * 1103515245 + 12345;
			raw[i] = (char)(seed >> 16);
		}
		cr_assert_eq(cs_cookie_value_encode(&enc, raw, vl), CS_OK);
		c.name = name;
		c.value = enc.data;
		c.path = "/";
		c.httponly = round & 1;
		c.secure = round & 2;
		c.has_max_age = round & 4;
		c.max_age = round;
		cr_assert_eq(cs_set_cookie_format(&out, &c, T), CS_OK, "%s=%s", name, enc.data);
		/* A browser sends back what precedes the first "; ". */
		semi = strstr(out.data, "; ");
		if (semi)
			*semi = '\0';
		cr_assert_eq(cs_cookies_parse(&jar, out.data, strlen(out.data), NULL), CS_OK);
		cr_assert_eq(jar.count, 1);
		cr_assert_str_eq(jar.pairs[0].name, name);
		cr_assert_eq(cs_cookie_value_decode(&dec, jar.pairs[0].value,
		    jar.pairs[0].value_len), CS_OK);
		cr_assert_eq(dec.len, vl);
		cr_assert(vl == 0 || memcmp(dec.data, raw, vl) == 0);
		cs_cookies_free(&jar);
		cs_buf_free(&enc);
		cs_buf_free(&out);
		cs_buf_free(&dec);
	}
}

/* ---- the safe initialiser ------------------------------------------------ */

Test(set_cookie, zero_initialised_cookie_is_the_weakest_and_init_is_not)
{
	struct cs_set_cookie zero = { .name = "a", .value = "b" };
	struct cs_set_cookie init = CS_SET_COOKIE_INIT, fn;

	cs_set_cookie_init(&fn, "a", "b");
	init.name = "a";
	init.value = "b";
	const struct cs_set_cookie *c[] = { &zero, &init, &fn };
	const char *want[] = { "a=b", "a=b; HttpOnly; Path=/; SameSite=Lax",
		"a=b; HttpOnly; Path=/; SameSite=Lax" };
	char *got;

	for (size_t i = 0; i < 3; i++) {
		got = fmt(c[i], T);
		cr_assert_str_eq(got, want[i]);
		free(got);
	}
	cr_assert_not(fn.secure, "Secure is the caller's: it depends on HTTPS");
}
