#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csess.h"
#include "csess/template.h"

static char *
expand(const char *text, const struct cs_tvar *vars, size_t n)
{
	struct cs_buf out = { 0 };

	cr_assert_eq(cs_template_expand(&out, text, vars, n), CS_OK);
	return cs_buf_steal(&out);
}

Test(template, placeholders_are_always_html_escaped)
{
	struct cs_tvar v[] = { { "name", "<script>alert('x')&\"</script>" } };
	char *s = expand("<p>{{name}}</p>", v, 1);

	cr_assert_str_eq(s, "<p>&lt;script&gt;alert(&#x27;x&#x27;)&amp;&quot;&lt;/script&gt;</p>");
	free(s);
}

Test(template, spaces_inside_braces_are_allowed)
{
	struct cs_tvar v[] = { { "a", "1" }, { "b", "2" } };
	char *s = expand("{{ a }}-{{b  }}", v, 2);

	cr_assert_str_eq(s, "1-2");
	free(s);
}

Test(template, unknown_or_null_placeholder_renders_nothing)
{
	struct cs_tvar v[] = { { "a", NULL } };
	char *s = expand("[{{a}}][{{zzz}}]", v, 1);

	cr_assert_str_eq(s, "[][]");
	free(s);
}

Test(template, unterminated_braces_are_kept_as_text)
{
	char *s = expand("x {{ y", NULL, 0);

	cr_assert_str_eq(s, "x {{ y");
	free(s);
}

Test(template, a_value_cannot_create_a_placeholder)
{
	struct cs_tvar v[] = { { "a", "{{b}}" }, { "b", "secret" } };
	char *s = expand("{{a}}", v, 2);

	cr_assert_str_eq(s, "{{b}}");
	free(s);
}

Test(template, builtin_login_page_has_the_contract_fields)
{
	struct cs_config cfg = { 0 };
	struct cs_tvar v[] = { { "csrf_token", "TOKEN" }, { "next", "/protected" } };
	struct cs_buf out = { 0 };

	cr_assert_eq(cs_template_render(&out, &cfg, "login", v, 2), CS_OK);
	cr_assert(strstr(out.data, "name=\"username\""));
	cr_assert(strstr(out.data, "name=\"password\""));
	cr_assert(strstr(out.data, "name=\"next\" value=\"/protected\""));
	cr_assert(strstr(out.data, "name=\"csrfmiddlewaretoken\" value=\"TOKEN\""));
	cs_buf_free(&out);
}

Test(template, template_dir_file_replaces_the_builtin_page)
{
	char dir[] = "/tmp/csess-tpl-XXXXXX", path[256];
	struct cs_config cfg = { 0 };
	struct cs_tvar v[] = { { "username", "<b>" } };
	struct cs_buf out = { 0 };
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/protected.html", dir);
	f = fopen(path, "w");
	fputs("custom {{username}}", f);
	fclose(f);
	cfg.template_dir = dir;
	cr_assert_eq(cs_template_render(&out, &cfg, "protected", v, 1), CS_OK);
	cr_assert_str_eq(out.data, "custom &lt;b&gt;");
	cs_buf_reset(&out);
	/* A page the directory does not replace falls back to the built-in one. */
	cr_assert_eq(cs_template_render(&out, &cfg, "logout", NULL, 0), CS_OK);
	cr_assert(strstr(out.data, "Log out"));
	cs_buf_free(&out);
	unlink(path);
	rmdir(dir);
}

Test(template, a_template_dir_that_is_not_a_directory_is_an_error)
{
	struct cs_config cfg = { 0 };
	struct cs_buf out = { 0 };

	/* A mistyped TEMPLATE_DIR must not quietly serve the built-in pages. */
	cfg.template_dir = "/nonexistent/csess-templates";
	cr_assert_eq(cs_template_render(&out, &cfg, "login", NULL, 0), CS_ERR_IO);
	cfg.template_dir = "/dev/null";
	cr_assert_eq(cs_template_render(&out, &cfg, "login", NULL, 0), CS_ERR_IO);
	cs_buf_free(&out);
}

Test(template, unknown_page_and_path_tricks_are_refused)
{
	struct cs_config cfg = { 0 };
	struct cs_buf out = { 0 };

	cr_assert_eq(cs_template_render(&out, &cfg, "nope", NULL, 0), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_template_render(&out, &cfg, "../etc/passwd", NULL, 0), CS_ERR_INVALID);
	cs_buf_free(&out);
}
