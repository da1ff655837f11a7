/*
 * template.c -- built-in pages and {{name}} expansion (see csess/template.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csess/http.h"
#include "csess/template.h"
#include "log.h"

#define TEMPLATE_MAX	(1 << 20)

#define HEAD(title) \
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" \
	"<title>" title "</title><style>" \
	"body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2433;margin:0}" \
	"main{max-width:34rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;" \
	"border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08)}" \
	"h1{font-size:1.5rem;margin:0 0 1.25rem}" \
	"label{display:block;margin:.75rem 0 .25rem;font-weight:600}" \
	"input[type=text],input[type=password]{width:100%;box-sizing:border-box;" \
	"padding:.55rem .7rem;border:1px solid #c5cad3;border-radius:6px;font-size:1rem}" \
	"button{margin-top:1.25rem;padding:.6rem 1.4rem;border:0;border-radius:6px;" \
	"background:#2557d6;color:#fff;font-size:1rem;cursor:pointer}" \
	".error{background:#fdecea;color:#8a1c12;padding:.6rem .8rem;border-radius:6px}" \
	"pre{background:#f0f2f5;padding:.75rem;border-radius:6px;overflow:auto;" \
	"white-space:pre-wrap;word-break:break-all}" \
	".muted{color:#667085;font-size:.9rem}" \
	"</style></head><body><main>\n"

#define TAIL	"</main></body></html>\n"

static const struct {
	const char *name;
	const char *text;
} builtin[] = {
	{ "login", HEAD("Log in")
	    "<h1>Log in</h1>\n"
	    "<p class=\"error\" {{error_hidden}}>{{error}}</p>\n"
	    "<form method=\"post\" action=\"{{action}}\">\n"
	    "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{{csrf_token}}\">\n"
	    "<input type=\"hidden\" name=\"next\" value=\"{{next}}\">\n"
	    "<label for=\"username\">Username</label>\n"
	    "<input type=\"text\" id=\"username\" name=\"username\" value=\"{{username}}\" "
	    "autocomplete=\"username\" autofocus required>\n"
	    "<label for=\"password\">Password</label>\n"
	    "<input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required>\n"
	    "<label class=\"muted\"><input type=\"checkbox\" name=\"remember\" value=\"1\" "
	    "{{remember_checked}}> Remember my username</label>\n"
	    "<button type=\"submit\">Log in</button>\n"
	    "</form>\n" TAIL },
	{ "protected", HEAD("Protected page")
	    "<h1>Hello, <span id=\"username\">{{username}}</span></h1>\n"
	    "<p>You have visited this page <strong id=\"visits\">{{visits}}</strong> "
	    "time(s) in this session.</p>\n"
	    "<h2>Session</h2>\n<pre id=\"session\">{{session}}</pre>\n"
	    "<h2>Cookies sent with this request</h2>\n<pre id=\"cookies\">{{cookies}}</pre>\n"
	    "<form method=\"post\" action=\"{{logout_url}}\">\n"
	    "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{{csrf_token}}\">\n"
	    "<button type=\"submit\">Log out</button>\n"
	    "</form>\n" TAIL },
	{ "logout", HEAD("Log out")
	    "<h1>Log out</h1>\n"
	    "<form method=\"post\" action=\"{{action}}\">\n"
	    "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{{csrf_token}}\">\n"
	    "<button type=\"submit\">Log out</button>\n"
	    "</form>\n" TAIL },
	{ "message", HEAD("{{title}}")
	    "<h1>{{title}}</h1>\n<p>{{message}}</p>\n" TAIL },
};

static const char *
lookup(const struct cs_tvar *vars, size_t nvars, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len && !strncmp(vars[i].name, name, len))
			return vars[i].value;
	return NULL;
}

int
cs_template_expand(struct cs_buf *out, const char *text,
    const struct cs_tvar *vars, size_t nvars)
{
	const char *p = text, *open, *close, *name, *end, *value;
	int rc;

	while ((open = strstr(p, "{{")) != NULL) {
		if ((close = strstr(open + 2, "}}")) == NULL)
			break;
		if ((rc = cs_buf_append(out, p, (size_t)(open - p))))
			return rc;
		for (name = open + 2; name < close && *name == ' '; name++)
			continue;
		for (end = close; end > name && end[-1] == ' '; end--)
			continue;
		value = lookup(vars, nvars, name, (size_t)(end - name));
		if (value && (rc = cs_html_escape(out, value)))
			return rc;
		p = close + 2;
	}
	return cs_buf_puts(out, p);
}

/* Read <dir>/<name>.html; CS_ERR_NOT_FOUND when there is none. */
static int
read_file(const char *dir, const char *name, struct cs_buf *text)
{
	char path[4096], chunk[8192];
	struct stat st;
	ssize_t n;
	int fd, rc = CS_OK;

	if (snprintf(path, sizeof(path), "%s/%s.html", dir, name) >= (int)sizeof(path))
		return CS_ERR_INVALID;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		/* No such page in the directory: the built-in one.  No such
		 * directory: a bad TEMPLATE_DIR, never a silent default. */
		if (errno == ENOENT && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return CS_ERR_NOT_FOUND;
		return CS_ERR_IO;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		rc = CS_ERR_IO;
	else if (st.st_size > TEMPLATE_MAX)
		rc = CS_ERR_TOO_LARGE;
	while (rc == CS_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 || text->len + (size_t)n > TEMPLATE_MAX)
			rc = n < 0 ? CS_ERR_IO : CS_ERR_TOO_LARGE;
		else
			rc = cs_buf_append(text, chunk, (size_t)n);
	}
	close(fd);
	if (rc == CS_OK && text->data == NULL)
		rc = cs_buf_append(text, "", 0);
	return rc;
}

int
cs_template_render(struct cs_buf *out, const struct cs_config *cfg,
    const char *name, const struct cs_tvar *vars, size_t nvars)
{
	struct cs_buf file = { 0 };
	size_t i;
	int rc;

	if (strchr(name, '/') || strchr(name, '.'))
		return CS_ERR_INVALID;
	if (cfg && cfg->template_dir) {
		rc = read_file(cfg->template_dir, name, &file);
		if (rc == CS_OK)
			rc = cs_template_expand(out, file.data, vars, nvars);
		cs_buf_free(&file);
		if (rc != CS_ERR_NOT_FOUND)
			return rc;
	}
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i].name, name))
			return cs_template_expand(out, builtin[i].text, vars, nvars);
	return CS_ERR_NOT_FOUND;
}

int
cs_template_respond(struct cs_resp *resp, const struct cs_config *cfg, int code,
    const char *name, const struct cs_tvar *vars, size_t nvars)
{
	struct cs_buf page = { 0 };
	int rc;

	rc = cs_template_render(&page, cfg, name, vars, nvars);
	if (rc == CS_OK) {
		cs_resp_status(resp, code);
		cs_resp_clear_body(resp);
		if ((rc = cs_resp_header(resp, "Content-Type", "text/html; charset=utf-8")) == CS_OK)
			rc = cs_resp_write(resp, page.data, page.len);
	}
	cs_buf_free(&page);
	if (rc) {
		/* The reason (a missing or unreadable TEMPLATE_DIR file) goes to
		 * the server's log, not to the visitor. */
		if (cfg && cfg->template_dir)
			csi_log(CS_LOG_ERROR, "template %s: %s (TEMPLATE_DIR %s)",
			    name, cs_strerror(rc), cfg->template_dir);
		else
			csi_log(CS_LOG_ERROR, "template %s: %s", name, cs_strerror(rc));
		cs_resp_error(resp, 500, NULL);
	}
	return rc;
}
