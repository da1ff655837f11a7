/*
 * test_response.c -- header fields refused when they could split or
 * confuse the response, Set-Cookie and Vary bookkeeping, redirects, HTML
 * escaping, error pages and the CGI-style serialization.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "http_int.h"
#include "csess_test.h"

static struct cs_resp *resp;
static struct cs_buf out;

static void
setup(void)
{
	cr_assert_eq(csi_resp_new(&resp), CS_OK);
	csi_clock_fix(1700000000);
}

static void
teardown(void)
{
	csi_resp_free(resp);
	cs_buf_free(&out);
	csi_clock_fix(-1);
}

TestSuite(response, .init = setup, .fini = teardown);

static const char *
serialize(bool head)
{
	cs_buf_reset(&out);
	cr_assert_eq(csi_resp_serialize(resp, head, &out), CS_OK);
	return out.data;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

Test(response, defaults_are_200_html_and_a_content_length)
{
	cr_assert_eq(cs_resp_get_status(resp), 200);
	cr_assert_str_eq(serialize(false), "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 0\r\n\r\n");
}

Test(response, body_and_headers_serialize_in_order)
{
	cs_resp_status(resp, 404);
	cr_assert_eq(cs_resp_header(resp, "Content-Type", "text/plain"), CS_OK);
	cr_assert_eq(cs_resp_header(resp, "X-A", "1"), CS_OK);
	cr_assert_eq(cs_resp_puts(resp, "no "), CS_OK);
	cr_assert_eq(cs_resp_printf(resp, "%s %d", "such", 7), CS_OK);
	cr_assert_eq(cs_resp_write(resp, "!", 1), CS_OK);
	cr_assert_str_eq(serialize(false), "Status: 404 Not Found\r\n"
	    "Content-Type: text/plain\r\nX-A: 1\r\nContent-Length: 10\r\n\r\nno such 7!");
}

Test(response, head_gets_headers_and_length_without_body)
{
	cs_resp_puts(resp, "hello");
	cr_assert_str_eq(serialize(true), "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\n");
}

Test(response, no_content_and_not_modified_have_no_body)
{
	cs_resp_puts(resp, "ignored");
	cs_resp_status(resp, 204);
	cr_assert_str_eq(serialize(false), "Status: 204 No Content\r\n\r\n");
	cs_resp_status(resp, 304);
	cr_assert_str_eq(serialize(false), "Status: 304 Not Modified\r\n\r\n");
}

Test(response, out_of_range_status_becomes_500)
{
	cs_resp_status(resp, 42);
	cr_assert(strncmp(serialize(false), "Status: 500 Internal Server Error\r\n", 35) == 0);
	cs_resp_status(resp, 799);
	cr_assert(strncmp(serialize(false), "Status: 500 ", 12) == 0);
}

Test(response, unknown_status_has_a_generic_reason)
{
	cs_resp_status(resp, 299);
	cr_assert(strncmp(serialize(false), "Status: 299 Unknown\r\n", 21) == 0);
	cr_assert_str_eq(cs_status_reason(429), "Too Many Requests");
}

Test(response, header_replaces_same_name_case_insensitively)
{
	cr_assert_eq(cs_resp_add_header(resp, "X-Thing", "1"), CS_OK);
	cr_assert_eq(cs_resp_add_header(resp, "X-Other", "o"), CS_OK);
	cr_assert_eq(cs_resp_add_header(resp, "x-thing", "2"), CS_OK);
	cr_assert_eq(cs_resp_header(resp, "X-THING", "3"), CS_OK);
	cr_assert_str_eq(cs_resp_get_header(resp, "x-thing"), "3");
	serialize(false);
	cr_assert_eq(count(out.data, "X-Thing: 3\r\n"), 1, "%s", out.data);
	cr_assert_eq(count(out.data, "hing:"), 1, "%s", out.data);
	cr_assert(strstr(out.data, "X-Thing: 3\r\nX-Other: o\r\n"), "keeps first position");
}

Test(response, add_header_keeps_earlier_fields)
{
	cr_assert_eq(cs_resp_add_header(resp, "Link", "<a>"), CS_OK);
	cr_assert_eq(cs_resp_add_header(resp, "Link", "<b>"), CS_OK);
	serialize(false);
	cr_assert(strstr(out.data, "Link: <a>\r\nLink: <b>\r\n"));
}

Test(response, header_injection_is_refused)
{
	const char *values[] = { "a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x01", "a\x7f" };
	const char *names[] = { "", "X Y", "X:Y", "X\r\nY", "X(Y)", "X\x80", "X/Y" };
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		cr_assert_eq(cs_resp_header(resp, "X-V", values[i]), CS_ERR_INVALID);
		cr_assert_eq(cs_resp_add_header(resp, "X-V", values[i]), CS_ERR_INVALID);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(cs_resp_header(resp, names[i], "v"), CS_ERR_INVALID, "%zu", i);
	cr_assert_null(cs_resp_get_header(resp, "X-V"));
	cr_assert_eq(cs_resp_header(resp, "X-Tab", "a\tb"), CS_OK, "HTAB is allowed");
	cr_assert_eq(cs_resp_header(resp, "X-Utf8", "caf\xc3\xa9"), CS_OK);
}

Test(response, reserved_names_are_refused)
{
	cr_assert_eq(cs_resp_header(resp, "Status", "302 Found"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_header(resp, "content-length", "5"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_add_header(resp, "Set-Cookie", "a=b"), CS_ERR_INVALID);
	serialize(false);
	cr_assert_eq(count(out.data, "Status:"), 1);
}

Test(response, vary_collects_tokens_without_duplicates)
{
	cr_assert_eq(cs_resp_vary(resp, "Cookie"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "Accept-Encoding"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "cookie"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "Cookie"), CS_OK);
	cr_assert_str_eq(cs_resp_get_header(resp, "Vary"), "Cookie, Accept-Encoding");
	cr_assert_eq(cs_resp_vary(resp, "Bad Token"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_vary(resp, "X\r\nY"), CS_ERR_INVALID);
}

Test(response, vary_merges_with_a_header_set_directly)
{
	cr_assert_eq(cs_resp_header(resp, "Vary", "Accept,Origin"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "origin"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "Cookie"), CS_OK);
	cr_assert_str_eq(cs_resp_get_header(resp, "Vary"), "Accept,Origin, Cookie");
	cr_assert_eq(cs_resp_header(resp, "Vary", "*"), CS_OK);
	cr_assert_eq(cs_resp_vary(resp, "Cookie"), CS_OK);
	cr_assert_str_eq(cs_resp_get_header(resp, "Vary"), "*");
}

Test(response, set_cookie_is_one_field_per_cookie_and_same_name_replaces)
{
	struct cs_set_cookie a = { .name = "sessionid", .value = "one", .path = "/" };
	struct cs_set_cookie b = { .name = "csrftoken", .value = "tok", .path = "/" };
	struct cs_set_cookie a2 = { .name = "sessionid", .value = "two", .path = "/" };

	cr_assert_eq(cs_resp_set_cookie(resp, &a), CS_OK);
	cr_assert_eq(cs_resp_set_cookie(resp, &b), CS_OK);
	cr_assert_eq(cs_resp_set_cookie(resp, &a2), CS_OK);
	serialize(false);
	cr_assert_eq(count(out.data, "Set-Cookie: "), 2, "%s", out.data);
	cr_assert(strstr(out.data, "Set-Cookie: sessionid=two"), "%s", out.data);
	cr_assert_null(strstr(out.data, "sessionid=one"));
	cr_assert(strstr(out.data, "sessionid=two") < strstr(out.data, "csrftoken=tok"),
	    "replacement keeps the first position");
	cr_assert(strncmp(cs_resp_get_cookie(resp, "csrftoken"), "csrftoken=tok", 13) == 0);
	cr_assert_null(cs_resp_get_cookie(resp, "other"));
}

Test(response, refused_cookie_sets_nothing)
{
	struct cs_set_cookie bad = { .name = "a", .value = "x\r\nLocation: /evil" };
	struct cs_set_cookie badname = { .name = "a b", .value = "x" };

	cr_assert_eq(cs_resp_set_cookie(resp, &bad), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_set_cookie(resp, &badname), CS_ERR_INVALID);
	cr_assert_null(cs_resp_get_cookie(resp, "a"));
	serialize(false);
	cr_assert_null(strstr(out.data, "Set-Cookie"));
}

Test(response, delete_cookie_replaces_a_set_cookie_with_an_expired_one)
{
	struct cs_set_cookie a = { .name = "sessionid", .value = "one", .path = "/" };
	const char *v;

	cr_assert_eq(cs_resp_set_cookie(resp, &a), CS_OK);
	cr_assert_eq(cs_resp_delete_cookie(resp, "sessionid", "/", NULL, CS_SAMESITE_LAX), CS_OK);
	v = cs_resp_get_cookie(resp, "sessionid");
	cr_assert(strncmp(v, "sessionid=;", 11) == 0 || strncmp(v, "sessionid=\"\";", 13) == 0, "%s", v);
	cr_assert(strstr(v, "Max-Age=0"), "%s", v);
	serialize(false);
	cr_assert_eq(count(out.data, "Set-Cookie: "), 1);
}

Test(response, redirect_sets_location_status_and_a_small_escaped_body)
{
	cs_resp_puts(resp, "old body");
	cr_assert_eq(cs_resp_redirect(resp, 302, "/login?next=/a&b=\"x\""), CS_OK);
	cr_assert_eq(cs_resp_get_status(resp), 302);
	cr_assert_str_eq(cs_resp_get_header(resp, "Location"), "/login?next=/a&b=\"x\"");
	serialize(false);
	cr_assert(strncmp(out.data, "Status: 302 Found\r\n", 19) == 0);
	cr_assert_null(strstr(out.data, "old body"));
	cr_assert(strstr(out.data, "/login?next=/a&amp;b=&quot;x&quot;"), "%s", out.data);
}

Test(response, redirect_refuses_injection_empty_and_non_redirect_codes)
{
	cr_assert_eq(cs_resp_redirect(resp, 302, "/a\r\nSet-Cookie: x=1"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_redirect(resp, 302, "/a\nb"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_redirect(resp, 302, ""), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_redirect(resp, 302, NULL), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_redirect(resp, 200, "/ok"), CS_ERR_INVALID);
	cr_assert_eq(cs_resp_get_status(resp), 200, "status untouched");
	cr_assert_null(cs_resp_get_header(resp, "Location"));
	cr_assert_eq(cs_resp_redirect(resp, 303, "/ok"), CS_OK);
	cr_assert_eq(cs_resp_get_status(resp), 303);
}

Test(response, html_escape_matches_django)
{
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_html_escape(&b, "<a href=\"x\">O'Neil & co</a>"), CS_OK);
	cr_assert_str_eq(b.data, "&lt;a href=&quot;x&quot;&gt;O&#x27;Neil &amp; co&lt;/a&gt;");
	cs_buf_reset(&b);
	cr_assert_eq(cs_html_escape(&b, "plain"), CS_OK);
	cr_assert_str_eq(b.data, "plain");
	cs_buf_reset(&b);
	cr_assert_eq(cs_html_escape(&b, ""), CS_OK);
	cr_assert_str_eq(b.data, "");
	cs_buf_free(&b);
	cr_assert_eq(cs_resp_puts_html(resp, "&&"), CS_OK);
	cr_assert(strstr(serialize(false), "\r\n\r\n&amp;&amp;"));
}

Test(response, error_page_replaces_body_and_escapes_the_message)
{
	cs_resp_puts(resp, "partial");
	cr_assert_eq(cs_resp_error(resp, 403, "<script>alert(1)</script>"), CS_OK);
	cr_assert_eq(cs_resp_get_status(resp), 403);
	serialize(false);
	cr_assert(strncmp(out.data, "Status: 403 Forbidden\r\n", 23) == 0);
	cr_assert(strstr(out.data, "<h1>403 Forbidden</h1>"));
	cr_assert(strstr(out.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	cr_assert_null(strstr(out.data, "<script>"));
	cr_assert_null(strstr(out.data, "partial"));
}

Test(response, clear_body_empties_it)
{
	cs_resp_puts(resp, "abc");
	cs_resp_clear_body(resp);
	cr_assert(strstr(serialize(false), "Content-Length: 0\r\n"));
}

Test(response, status_for_errors)
{
	cr_assert_eq(cs_http_status_for(CS_OK), 200);
	cr_assert_eq(cs_http_status_for(CS_ERR_BAD_REQUEST), 400);
	cr_assert_eq(cs_http_status_for(CS_ERR_CONFLICT), 400);
	cr_assert_eq(cs_http_status_for(CS_ERR_NOT_FOUND), 404);
	cr_assert_eq(cs_http_status_for(CS_ERR_TOO_LARGE), 413);
	cr_assert_eq(cs_http_status_for(CS_ERR_MEDIA_TYPE), 415);
	cr_assert_eq(cs_http_status_for(CS_ERR_STORE), 503);
	cr_assert_eq(cs_http_status_for(CS_ERR_NOMEM), 500);
	cr_assert_eq(cs_http_status_for(CS_ERR_CONFIG), 500);
	cr_assert_eq(cs_http_status_for(9999), 500);
}

/* ---- Django's set_cookie defaults -------------------------------------- */

Test(response, set_cookie_without_a_path_writes_path_slash_as_django)
{
	struct cs_set_cookie a = { .name = "a", .value = "b" };
	struct cs_set_cookie none = { .name = "n", .value = "b", .path = "" };

	cr_assert_eq(cs_resp_set_cookie(resp, &a), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "a"), "a=b; Path=/");
	/* Django omits an empty attribute: path='' writes no Path. */
	cr_assert_eq(cs_resp_set_cookie(resp, &none), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "n"), "n=b");
}

Test(response, delete_cookie_without_a_path_writes_path_slash_as_django)
{
	cr_assert_eq(cs_resp_delete_cookie(resp, "a", NULL, NULL, CS_SAMESITE_OMIT), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "a"),
	    "a=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
}

Test(response, expires_alone_also_writes_max_age_as_django)
{
	/* set_cookie('a','b',expires=now+100s) -> expires=<now+100>; Max-Age=100 */
	struct cs_set_cookie a = { .name = "a", .value = "b",
		.has_expires = true, .expires = 1700000000 + 100 };
	struct cs_set_cookie past = { .name = "p", .value = "b",
		.has_expires = true, .expires = 1600000000 };

	cr_assert_eq(cs_resp_set_cookie(resp, &a), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "a"),
	    "a=b; expires=Tue, 14 Nov 2023 22:15:00 GMT; Max-Age=100; Path=/");
	/* A past datetime: Max-Age=0 and expires=now. */
	cr_assert_eq(cs_resp_set_cookie(resp, &past), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "p"),
	    "p=b; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/");
}

Test(response, expires_with_max_age_keeps_both_as_given)
{
	struct cs_set_cookie a = { .name = "a", .value = "b", .has_max_age = true,
		.max_age = 60, .has_expires = true, .expires = 0 };

	cr_assert_eq(cs_resp_set_cookie(resp, &a), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "a"),
	    "a=b; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60; Path=/");
}

Test(response, initialised_cookie_is_httponly_lax_at_path_slash)
{
	struct cs_set_cookie c = CS_SET_COOKIE_INIT;

	c.name = "theme";
	c.value = "dark";
	cr_assert_eq(cs_resp_set_cookie(resp, &c), CS_OK);
	cr_assert_str_eq(cs_resp_get_cookie(resp, "theme"),
	    "theme=dark; HttpOnly; Path=/; SameSite=Lax");
}

static struct cs_req *
policy_req(const char *https, const char *secure, const char *httponly,
    const char *samesite, struct cs_config *cfg)
{
	char *env[] = { (char *)secure, (char *)httponly, (char *)samesite, NULL };
	char *renv[] = { (char *)https, NULL };
	static struct cs_body_src src;
	static char *keep[2];
	struct cs_req *req;
	char err[128];

	cr_assert_eq(cs_config_load_env(cfg, env, err, sizeof(err)), CS_OK, "%s", err);
	keep[0] = renv[0];
	cr_assert_eq(csi_req_new(&req, cfg, keep, &src), CS_OK);
	return req;
}

Test(response, session_policy_follows_the_settings)
{
	struct cs_config cfg;
	struct cs_set_cookie c = { 0 };
	struct cs_req *req;

	req = policy_req("HTTPS=on", "CSESS_SESSION_COOKIE_SECURE=auto",
	    "CSESS_SESSION_COOKIE_HTTPONLY=false", "CSESS_SESSION_COOKIE_SAMESITE=Strict", &cfg);
	cs_set_cookie_session_policy(&c, req);
	cr_assert(c.secure, "auto is Secure over HTTPS");
	cr_assert_not(c.httponly);
	cr_assert_eq(c.samesite, CS_SAMESITE_STRICT);
	csi_req_free(req);
	cs_config_free(&cfg);

	req = policy_req("HTTPS=off", "CSESS_SESSION_COOKIE_SECURE=auto", NULL, NULL, &cfg);
	cs_set_cookie_session_policy(&c, req);
	cr_assert_not(c.secure, "auto is not Secure over plain HTTP");
	cr_assert(c.httponly);
	cr_assert_eq(c.samesite, CS_SAMESITE_LAX);
	cr_assert_not(cs_req_cookie_secure(req));
	csi_req_free(req);
	cs_config_free(&cfg);

	req = policy_req("HTTPS=off", "CSESS_SESSION_COOKIE_SECURE=true", NULL, NULL, &cfg);
	cr_assert(cs_req_cookie_secure(req));
	csi_req_free(req);
	cs_config_free(&cfg);
}
