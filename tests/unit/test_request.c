/*
 * test_request.c -- a request as CGI meta-variables describe it: derived
 * fields, headers, HTTPS detection, cookies, query and urlencoded body
 * with their limits.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

static struct cs_config cfg;
static struct cs_req *req;

struct mem {
	const char	*p;
	size_t		 left;
	int		 reads;
};
static struct mem mem;

static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;

	m->reads++;
	if (n > m->left)
		n = m->left;
	if (n > 7)
		n = 7;		/* short reads, as a pipe gives */
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

static void
setup(void)
{
	char err[256];

	cr_assert_eq(cs_config_load_env(&cfg, NULL, err, sizeof(err)), CS_OK, "%s", err);
}

static void
teardown(void)
{
	csi_req_free(req);
	req = NULL;
	cs_config_free(&cfg);
}

TestSuite(request, .init = setup, .fini = teardown);

/* A request over envp with body as its stdin (NULL: none). */
static struct cs_req *
mkreq(char **envp, const char *body)
{
	struct cs_body_src src = { mem_read, &mem, 0, false };

	mem = (struct mem){ body ? body : "", body ? strlen(body) : 0, 0 };
	csi_req_free(req);
	cr_assert_eq(csi_req_new(&req, &cfg, envp, &src), CS_OK);
	return req;
}

Test(request, defaults_when_the_environment_is_empty)
{
	char *env[] = { NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_method(req), "GET");
	cr_assert_str_eq(cs_req_path(req), "/");
	cr_assert_str_eq(cs_req_query_string(req), "");
	cr_assert_str_eq(cs_req_remote_addr(req), "");
	cr_assert_not(cs_req_is_https(req));
	cr_assert_null(cs_req_header(req, "Cookie"));
	cr_assert_eq(cs_req_config(req), &cfg);
}

Test(request, fields_come_from_meta_variables)
{
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/a/b%20c?x=1&y=2",
		"QUERY_STRING=x=1&y=2", "REMOTE_ADDR=192.0.2.7", "SCRIPT_NAME=/ignored", NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_method(req), "POST");
	cr_assert_str_eq(cs_req_path(req), "/a/b%20c", "raw path, query cut");
	cr_assert_str_eq(cs_req_query_string(req), "x=1&y=2");
	cr_assert_str_eq(cs_req_remote_addr(req), "192.0.2.7");
	cr_assert_str_eq(cs_req_env(req, "SCRIPT_NAME"), "/ignored");
	cr_assert_null(cs_req_env(req, "SCRIPT"), "a prefix is not a name");
}

Test(request, path_falls_back_to_script_name_and_path_info)
{
	char *env[] = { "SCRIPT_NAME=/cgi-bin/hello", "PATH_INFO=/extra", NULL };
	char *env2[] = { "SCRIPT_NAME=/cgi-bin/hello", NULL };
	char *env3[] = { "PATH_INFO=/only", NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_path(req), "/cgi-bin/hello/extra");
	mkreq(env2, NULL);
	cr_assert_str_eq(cs_req_path(req), "/cgi-bin/hello");
	mkreq(env3, NULL);
	cr_assert_str_eq(cs_req_path(req), "/only");
}

Test(request, empty_method_reads_as_get)
{
	char *env[] = { "REQUEST_METHOD=", NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_method(req), "GET");
}

Test(request, header_lookup_maps_names_to_http_variables)
{
	char *env[] = { "HTTP_X_REQUESTED_WITH=XMLHttpRequest", "HTTP_COOKIE=a=1",
		"CONTENT_TYPE=text/plain", "CONTENT_LENGTH=0", "HTTP_HOST=example.com", NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_header(req, "X-Requested-With"), "XMLHttpRequest");
	cr_assert_str_eq(cs_req_header(req, "x-requested-with"), "XMLHttpRequest");
	cr_assert_str_eq(cs_req_header(req, "Cookie"), "a=1");
	cr_assert_str_eq(cs_req_header(req, "Host"), "example.com");
	cr_assert_str_eq(cs_req_header(req, "Content-Type"), "text/plain");
	cr_assert_str_eq(cs_req_header(req, "content-length"), "0");
	cr_assert_null(cs_req_header(req, "X-Missing"));
	cr_assert_null(cs_req_header(req, ""));
	cr_assert_null(cs_req_header(req, "Cookie=a"), "not a header name");
}

Test(request, https_on_or_one_or_scheme)
{
	char *on[] = { "HTTPS=on", NULL }, *ON[] = { "HTTPS=ON", NULL };
	char *one[] = { "HTTPS=1", NULL }, *scheme[] = { "REQUEST_SCHEME=https", NULL };
	char *off[] = { "HTTPS=off", NULL }, *http[] = { "REQUEST_SCHEME=http", NULL };

	cr_assert(cs_req_is_https(mkreq(on, NULL)));
	cr_assert(cs_req_is_https(mkreq(ON, NULL)));
	cr_assert(cs_req_is_https(mkreq(one, NULL)));
	cr_assert(cs_req_is_https(mkreq(scheme, NULL)));
	cr_assert_not(cs_req_is_https(mkreq(off, NULL)));
	cr_assert_not(cs_req_is_https(mkreq(http, NULL)));
}

Test(request, forwarded_proto_header_is_not_trusted)
{
	char *env[] = { "HTTP_X_FORWARDED_PROTO=https", "HTTP_X_FORWARDED_SSL=on", NULL };

	cr_assert_not(cs_req_is_https(mkreq(env, NULL)));
}

Test(request, cookies_are_parsed_from_the_cookie_header)
{
	char *env[] = { "HTTP_COOKIE=sessionid=abc; csrftoken=xyz; sessionid=second", NULL };
	const struct cs_cookies *c;

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_cookie(req, "sessionid"), "abc");
	cr_assert_str_eq(cs_req_cookie(req, "csrftoken"), "xyz");
	cr_assert_null(cs_req_cookie(req, "missing"));
	cr_assert_eq(cs_req_cookies(req, &c), CS_OK);
	cr_assert_eq(c->count, 3);
}

Test(request, no_cookie_header_means_no_cookies)
{
	char *env[] = { NULL };
	const struct cs_cookies *c;

	mkreq(env, NULL);
	cr_assert_eq(cs_req_cookies(req, &c), CS_OK);
	cr_assert_eq(c->count, 0);
	cr_assert_null(cs_req_cookie(req, "sessionid"));
}

Test(request, oversized_cookie_header_leaves_no_cookies)
{
	struct cs_buf b = { 0 };
	const struct cs_cookies *c;
	char *env[2] = { NULL, NULL };

	cfg.cookie_header_max_size = 64;
	cs_buf_puts(&b, "HTTP_COOKIE=sessionid=abc; pad=");
	while (b.len < 12 + 65)
		cs_buf_putc(&b, 'x');
	env[0] = b.data;
	mkreq(env, NULL);
	cr_assert_eq(cs_req_cookies(req, &c), CS_ERR_TOO_LARGE);
	cr_assert_eq(c->count, 0);
	cr_assert_null(cs_req_cookie(req, "sessionid"));
	cr_assert_eq(cs_req_cookies(req, NULL), CS_ERR_TOO_LARGE, "same answer again");
	csi_req_free(req);
	req = NULL;
	cs_buf_free(&b);
}

Test(request, too_many_cookie_pairs_leaves_no_cookies)
{
	char *env[] = { "HTTP_COOKIE=a=1; b=2; c=3", NULL };

	cfg.cookie_max_pairs = 2;
	mkreq(env, NULL);
	cr_assert_eq(cs_req_cookies(req, NULL), CS_ERR_TOO_LARGE);
	cr_assert_null(cs_req_cookie(req, "a"));
}

Test(request, query_parameters_are_decoded)
{
	char *env[] = { "QUERY_STRING=next=%2Fprotected%3Fa%3D1&q=a+b&a=1&a=2&e", NULL };
	const char *v;

	mkreq(env, NULL);
	cr_assert_eq(cs_req_query(req, "next", &v), CS_OK);
	cr_assert_str_eq(v, "/protected?a=1");
	cr_assert_eq(cs_req_query(req, "q", &v), CS_OK);
	cr_assert_str_eq(v, "a b");
	cr_assert_eq(cs_req_query(req, "a", &v), CS_OK);
	cr_assert_str_eq(v, "1");
	cr_assert_eq(cs_req_query(req, "e", &v), CS_OK);
	cr_assert_str_eq(v, "");
	cr_assert_eq(cs_req_query(req, "nope", &v), CS_ERR_NOT_FOUND);
	cr_assert_null(v);
}

Test(request, malformed_query_field_is_reported_and_spoils_only_itself)
{
	char *env[] = { "QUERY_STRING=a=1&b=%zz&c=%41", NULL };
	const char *v = "x";

	mkreq(env, NULL);
	cr_assert_eq(cs_req_query(req, "b", &v), CS_ERR_BAD_REQUEST);
	/* Django's QueryDict reads the bad escape as literal text. */
	cr_assert_str_eq(v, "%zz");
	cr_assert_eq(cs_req_query(req, "b", &v), CS_ERR_BAD_REQUEST);
	cr_assert_eq(cs_req_query(req, "a", &v), CS_OK);
	cr_assert_str_eq(v, "1");
	cr_assert_eq(cs_req_query(req, "c", &v), CS_OK);
	cr_assert_str_eq(v, "A");
	/* The default lookup never hands out a malformed value. */
	cr_assert_str_eq(cs_req_query_get(req, "b", "def"), "def");
	cr_assert_str_eq(cs_req_query_get(req, "a", "def"), "1");
}

Test(request, get_with_default_answers_the_default_when_absent)
{
	char *env[] = { "QUERY_STRING=a=1&e=", NULL };

	mkreq(env, NULL);
	cr_assert_str_eq(cs_req_query_get(req, "a", "d"), "1");
	cr_assert_str_eq(cs_req_query_get(req, "e", "d"), "");
	cr_assert_str_eq(cs_req_query_get(req, "zz", "d"), "d");
	cr_assert_null(cs_req_query_get(req, "zz", NULL));
}

Test(request, getlist_gives_every_value_in_order)
{
	char *env[] = { "QUERY_STRING=t=1&u=x&t=2&t=3", NULL };
	const char *v[2] = { NULL, NULL };
	size_t n = 99;

	mkreq(env, NULL);
	cr_assert_eq(cs_req_query_getlist(req, "t", v, 2, &n), CS_OK);
	cr_assert_eq(n, 3, "the count says how many there are");
	cr_assert_str_eq(v[0], "1");
	cr_assert_str_eq(v[1], "2");
	cr_assert_eq(cs_req_query_getlist(req, "u", v, 2, &n), CS_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0], "x");
	cr_assert_eq(cs_req_query_getlist(req, "none", v, 2, &n), CS_ERR_NOT_FOUND);
	cr_assert_eq(n, 0);
}

Test(request, getlist_reports_a_malformed_value_and_keeps_the_rest)
{
	char *env[] = { "QUERY_STRING=t=1&t=%zz&t=%00", NULL };
	const char *v[3];
	size_t n;

	mkreq(env, NULL);
	cr_assert_eq(cs_req_query_getlist(req, "t", v, 3, &n), CS_ERR_BAD_REQUEST);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(v[0], "1");
	cr_assert_str_eq(v[1], "%zz");
	cr_assert_null(v[2]);
}

#define POST_FORM "REQUEST_METHOD=POST", "CONTENT_TYPE=application/x-www-form-urlencoded"

Test(request, post_form_fields_are_read_and_decoded)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=40", NULL };
	const char *v;

	mkreq(env, "username=al+ice&password=p%40ss&next=%2F");
	cr_assert_eq(cs_req_form(req, "username", &v), CS_OK);
	cr_assert_str_eq(v, "al ice");
	cr_assert_eq(cs_req_form(req, "password", &v), CS_OK);
	cr_assert_str_eq(v, "p@ss");
	cr_assert_eq(cs_req_form(req, "next", &v), CS_OK);
	cr_assert_str_eq(v, "/");
	cr_assert_eq(cs_req_form(req, "other", &v), CS_ERR_NOT_FOUND);
}

Test(request, body_reads_exactly_content_length_bytes)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=3", NULL };
	const char *v, *data;
	size_t len;

	mkreq(env, "a=1&b=2");
	cr_assert_eq(cs_req_form(req, "a", &v), CS_OK);
	cr_assert_str_eq(v, "1");
	cr_assert_eq(cs_req_form(req, "b", &v), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_req_body(req, &data, &len), CS_OK);
	cr_assert_eq(len, 3);
	cr_assert_eq(mem.left, 4, "nothing read past CONTENT_LENGTH");
}

Test(request, short_body_is_an_io_error)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=100", NULL };

	mkreq(env, "a=1");
	cr_assert_eq(cs_req_form(req, "a", NULL), CS_ERR_IO);
	cr_assert_eq(cs_http_status_for(CS_ERR_IO), 400);
}

Test(request, bad_content_length_is_a_bad_request)
{
	char *neg[] = { POST_FORM, "CONTENT_LENGTH=-1", NULL };
	char *junk[] = { POST_FORM, "CONTENT_LENGTH=12abc", NULL };
	char *sp[] = { POST_FORM, "CONTENT_LENGTH= 3", NULL };

	cr_assert_eq(cs_req_form(mkreq(neg, "a=1"), "a", NULL), CS_ERR_BAD_REQUEST);
	cr_assert_eq(cs_req_form(mkreq(junk, "a=1"), "a", NULL), CS_ERR_BAD_REQUEST);
	cr_assert_eq(cs_req_form(mkreq(sp, "a=1"), "a", NULL), CS_ERR_BAD_REQUEST);
}

Test(request, body_at_the_size_limit_is_read_and_one_more_byte_is_refused_unread)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=10", NULL };
	const char *v;

	cfg.data_upload_max_memory_size = 10;
	mkreq(env, "a=12345678");
	cr_assert_eq(cs_req_form(req, "a", &v), CS_OK);
	cr_assert_str_eq(v, "12345678");

	env[2] = "CONTENT_LENGTH=11";
	mkreq(env, "a=123456789");
	cr_assert_eq(cs_req_form(req, "a", &v), CS_ERR_TOO_LARGE);
	cr_assert_eq(mem.reads, 0, "refused before reading");
	cr_assert_eq(cs_http_status_for(CS_ERR_TOO_LARGE), 413);
}

Test(request, huge_content_length_is_too_large)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=99999999999999999999999", NULL };

	cr_assert_eq(cs_req_form(mkreq(env, "a=1"), "a", NULL), CS_ERR_TOO_LARGE);
	cr_assert_eq(mem.reads, 0);
}

Test(request, wrong_content_type_is_unsupported_media_type)
{
	char *json[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=3", NULL };
	char *multi[] = { "REQUEST_METHOD=POST",
		"CONTENT_TYPE=multipart/form-data; boundary=x", "CONTENT_LENGTH=3", NULL };
	char *prefix[] = { "REQUEST_METHOD=POST",
		"CONTENT_TYPE=application/x-www-form-urlencodedX", "CONTENT_LENGTH=3", NULL };

	cr_assert_eq(cs_req_form(mkreq(json, "a=1"), "a", NULL), CS_ERR_MEDIA_TYPE);
	cr_assert_eq(mem.reads, 0);
	cr_assert_eq(cs_req_form(mkreq(multi, "a=1"), "a", NULL), CS_ERR_MEDIA_TYPE);
	cr_assert_eq(cs_req_form(mkreq(prefix, "a=1"), "a", NULL), CS_ERR_MEDIA_TYPE);
	cr_assert_eq(cs_http_status_for(CS_ERR_MEDIA_TYPE), 415);
}

Test(request, missing_content_type_with_a_body_is_unsupported_and_without_is_empty)
{
	char *body[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3", NULL };
	char *none[] = { "REQUEST_METHOD=POST", NULL };

	cr_assert_eq(cs_req_form(mkreq(body, "a=1"), "a", NULL), CS_ERR_MEDIA_TYPE);
	cr_assert_eq(cs_req_form(mkreq(none, NULL), "a", NULL), CS_ERR_NOT_FOUND);
}

Test(request, content_type_matches_any_case_with_parameters)
{
	char *env[] = { "REQUEST_METHOD=POST",
		"CONTENT_TYPE=Application/X-WWW-Form-URLEncoded ; charset=UTF-8",
		"CONTENT_LENGTH=3", NULL };
	const char *v;

	cr_assert_eq(cs_req_form(mkreq(env, "a=1"), "a", &v), CS_OK);
	cr_assert_str_eq(v, "1");
}

Test(request, get_request_has_no_form_and_reads_nothing)
{
	char *env[] = { "REQUEST_METHOD=GET",
		"CONTENT_TYPE=application/x-www-form-urlencoded", "CONTENT_LENGTH=3", NULL };

	cr_assert_eq(cs_req_form(mkreq(env, "a=1"), "a", NULL), CS_ERR_NOT_FOUND);
	cr_assert_eq(mem.reads, 0);
}

Test(request, form_field_with_bad_escape_or_nul_is_a_bad_request)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=5", NULL };
	struct cs_body_src src = { mem_read, &mem, 0, false };

	cr_assert_eq(cs_req_form(mkreq(env, "a=%4x"), "a", NULL), CS_ERR_BAD_REQUEST);
	cr_assert_eq(cs_req_form(mkreq(env, "a=%00"), "a", NULL), CS_ERR_BAD_REQUEST);
	/* A raw NUL byte in the body spoils the whole form. */
	mem = (struct mem){ "a=1\0b", 5, 0 };
	csi_req_free(req);
	cr_assert_eq(csi_req_new(&req, &cfg, env, &src), CS_OK);
	cr_assert_eq(cs_req_form(req, "a", NULL), CS_ERR_BAD_REQUEST);
}

Test(request, form_with_one_bad_field_still_reads_the_others)
{
	char *env[] = { POST_FORM, "CONTENT_LENGTH=28", NULL };
	const char *v, *all[4];
	size_t n;

	mkreq(env, "user=al&pw=%zz&t=1&t=2&x=%00");
	cr_assert_eq(cs_req_form(req, "user", &v), CS_OK);
	cr_assert_str_eq(v, "al");
	cr_assert_eq(cs_req_form(req, "pw", &v), CS_ERR_BAD_REQUEST);
	cr_assert_str_eq(v, "%zz");
	cr_assert_eq(cs_req_form(req, "x", &v), CS_ERR_BAD_REQUEST);
	cr_assert_null(v);
	cr_assert_str_eq(cs_req_form_get(req, "user", ""), "al");
	cr_assert_str_eq(cs_req_form_get(req, "pw", "-"), "-");
	cr_assert_str_eq(cs_req_form_get(req, "nope", "-"), "-");
	cr_assert_eq(cs_req_form_getlist(req, "t", all, 4, &n), CS_OK);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(all[0], "1");
	cr_assert_str_eq(all[1], "2");
}

Test(request, form_get_gives_the_default_when_the_body_is_refused)
{
	char *env[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=2", NULL };
	const char *v[1];
	size_t n;

	mkreq(env, "{}");
	cr_assert_str_eq(cs_req_form_get(req, "a", "d"), "d");
	cr_assert_eq(cs_req_form_getlist(req, "a", v, 1, &n), CS_ERR_MEDIA_TYPE);
	cr_assert_eq(n, 0);
}

Test(request, too_many_form_fields_is_a_bad_request)
{
	struct cs_buf body = { 0 }, cl = { 0 };
	char *env[] = { POST_FORM, NULL, NULL };
	int i;

	for (i = 0; i <= CS_FORM_MAX_FIELDS; i++)
		cs_buf_printf(&body, "%sf=%d", i ? "&" : "", i);
	cs_buf_printf(&cl, "CONTENT_LENGTH=%zu", body.len);
	env[2] = cl.data;
	mkreq(env, body.data);
	cr_assert_eq(cs_req_form(req, "f", NULL), CS_ERR_BAD_REQUEST);
	csi_req_free(req);
	req = NULL;
	cs_buf_free(&body);
	cs_buf_free(&cl);
}

static int destroyed[4];
static int order;

static void
destroy(void *p)
{
	destroyed[*(int *)p] = ++order;
}

Test(request, slots_hold_values_per_key_and_are_freed_in_reverse)
{
	static const char k1, k2;
	static int v0 = 0, v1 = 1, v2 = 2;
	char *env[] = { NULL };

	mkreq(env, NULL);
	cr_assert_null(cs_req_slot(req, &k1));
	cr_assert_eq(cs_req_set_slot(req, &k1, &v0, destroy), CS_OK);
	cr_assert_eq(cs_req_set_slot(req, &k2, &v1, destroy), CS_OK);
	cr_assert_eq(cs_req_slot(req, &k1), &v0);
	cr_assert_eq(cs_req_set_slot(req, &k1, &v2, destroy), CS_OK);
	cr_assert_eq(destroyed[0], 1, "replaced value freed");
	cr_assert_eq(cs_req_slot(req, &k1), &v2);
	cr_assert_eq(cs_req_slot(req, &k2), &v1);
	csi_req_free(req);
	req = NULL;
	cr_assert_eq(destroyed[1], 2, "later slot freed first");
	cr_assert_eq(destroyed[2], 3);
}
