/*
 * response.c -- status, header fields, Set-Cookie fields and the body of
 * one response, and its CGI-style serialization (RFC 3875 6.2: a Status
 * field, header fields, a blank line, the body).  Every field is checked
 * when it is set, so nothing a handler passes on from a request can split
 * the response (RFC 9110 5.5: no CR, LF or NUL; csess also refuses the
 * other controls but HTAB).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

struct field {
	char	*name;
	char	*value;
};

struct cs_resp {
	int		 status;
	struct field	*hdrs;		/* in the order set */
	size_t		 nhdrs;
	struct field	*cookies;	/* name -> serialized Set-Cookie value */
	size_t		 ncookies;
	struct cs_buf	 body;
};

int
csi_resp_new(struct cs_resp **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return CS_ERR_NOMEM;
	(*out)->status = 200;
	return CS_OK;
}

static void
fields_free(struct field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].value);
	}
	free(f);
}

void
csi_resp_free(struct cs_resp *r)
{
	if (r == NULL)
		return;
	fields_free(r->hdrs, r->nhdrs);
	fields_free(r->cookies, r->ncookies);
	cs_buf_free(&r->body);
	free(r);
}

/* ---- status --------------------------------------------------------- */

static const struct {
	int		 code;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
	{ 304, "Not Modified" }, { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 410, "Gone" }, { 411, "Length Required" }, { 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
};

const char *
cs_status_reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return "Unknown";
}

int
cs_http_status_for(int err)
{
	switch (err) {
	case CS_OK:
		return 200;
	case CS_ERR_INVALID:
	case CS_ERR_BAD_REQUEST:
	case CS_ERR_CONFLICT:		/* Django's SessionInterrupted */
	case CS_ERR_BAD_SIGNATURE:
	case CS_ERR_EXPIRED:
	case CS_ERR_IO:			/* the client sent less than it announced */
		return 400;
	case CS_ERR_NOT_FOUND:
		return 404;
	case CS_ERR_EXISTS:
		return 409;
	case CS_ERR_TOO_LARGE:
		return 413;
	case CS_ERR_MEDIA_TYPE:
		return 415;
	case CS_ERR_STORE:
		return 503;
	default:
		return 500;
	}
}

void
cs_resp_status(struct cs_resp *r, int code)
{
	r->status = code;
}

int
cs_resp_get_status(const struct cs_resp *r)
{
	return r->status;
}

/* ---- header fields ----------------------------------------------------- */

/* RFC 9110 5.6.2 tchar. */
static bool
is_token(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *p))
			return false;
	return true;
}

static bool
is_field_value(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

/*
 * Names csess writes itself: Status is the CGI status line, Content-Length
 * is computed from the body, Set-Cookie goes through cs_resp_set_cookie so
 * that one name is one cookie.
 */
static bool
is_reserved(const char *name)
{
	return strcasecmp(name, "Status") == 0 ||
	    strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Set-Cookie") == 0;
}

static int
check_field(const char *name, const char *value)
{
	if (name == NULL || value == NULL || !is_token(name) || !is_field_value(value) ||
	    is_reserved(name))
		return CS_ERR_INVALID;
	return CS_OK;
}

static int
push(struct field **list, size_t *n, const char *name, const char *value)
{
	struct field *f;
	char *nm, *v;

	if ((f = reallocarray(*list, *n + 1, sizeof(*f))) == NULL)
		return CS_ERR_NOMEM;
	*list = f;
	if ((nm = strdup(name)) == NULL)
		return CS_ERR_NOMEM;
	if ((v = strdup(value)) == NULL) {
		free(nm);
		return CS_ERR_NOMEM;
	}
	f[(*n)++] = (struct field){ nm, v };
	return CS_OK;
}

/* Replace list[i]'s value in place (the field keeps its position). */
static int
replace_value(struct field *f, const char *value)
{
	char *v;

	if ((v = strdup(value)) == NULL)
		return CS_ERR_NOMEM;
	free(f->value);
	f->value = v;
	return CS_OK;
}

int
cs_resp_header(struct cs_resp *r, const char *name, const char *value)
{
	size_t i, j;
	bool seen = false;
	int rc;

	if ((rc = check_field(name, value)))
		return rc;
	for (i = 0, j = 0; i < r->nhdrs; i++) {
		if (strcasecmp(r->hdrs[i].name, name) != 0) {
			r->hdrs[j++] = r->hdrs[i];
			continue;
		}
		if (!seen) {
			if ((rc = replace_value(&r->hdrs[i], value))) {
				/* Keep the list whole: copy the rest unchanged. */
				for (; i < r->nhdrs; i++)
					r->hdrs[j++] = r->hdrs[i];
				r->nhdrs = j;
				return rc;
			}
			seen = true;
			r->hdrs[j++] = r->hdrs[i];
		} else {
			free(r->hdrs[i].name);
			free(r->hdrs[i].value);
		}
	}
	r->nhdrs = j;
	return seen ? CS_OK : push(&r->hdrs, &r->nhdrs, name, value);
}

int
cs_resp_add_header(struct cs_resp *r, const char *name, const char *value)
{
	int rc;

	if ((rc = check_field(name, value)))
		return rc;
	return push(&r->hdrs, &r->nhdrs, name, value);
}

const char *
cs_resp_get_header(const struct cs_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

/* Does the comma-separated list hold token (case-insensitive)? */
static bool
list_has(const char *list, const char *token)
{
	size_t n = strlen(token), k;
	const char *p = list;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		k = strcspn(p, ", \t");
		if ((k == n && strncasecmp(p, token, n) == 0) || (k == 1 && *p == '*'))
			return true;
		p += k;
	}
	return false;
}

int
cs_resp_vary(struct cs_resp *r, const char *token)
{
	const char *cur;
	struct cs_buf b = { 0 };
	int rc;

	if (token == NULL || (!is_token(token)))
		return CS_ERR_INVALID;
	if ((cur = cs_resp_get_header(r, "Vary")) == NULL || *cur == '\0')
		return cs_resp_header(r, "Vary", token);
	if (list_has(cur, token))
		return CS_OK;
	if ((rc = cs_buf_printf(&b, "%s, %s", cur, token)) == CS_OK)
		rc = cs_resp_header(r, "Vary", b.data);
	cs_buf_free(&b);
	return rc;
}

/* ---- Set-Cookie -------------------------------------------------------- */

/*
 * What HttpResponse.set_cookie adds to the bare serializer: path='/' by
 * default ("" omits it, as Django omits an empty attribute), and an
 * expires datetime also gives Max-Age = expires - now (>= 0), with
 * expires then written as now + Max-Age (Django 3.2 set_cookie).
 */
static void
django_defaults(struct cs_set_cookie *c, int64_t now)
{
	if (c->path == NULL)
		c->path = "/";
	else if (c->path[0] == '\0')
		c->path = NULL;
	if (c->has_expires && !c->has_max_age) {
		c->has_max_age = true;
		c->max_age = c->expires > now ? c->expires - now : 0;
		c->expires = now + c->max_age;
	}
}

int
cs_resp_set_cookie(struct cs_resp *r, const struct cs_set_cookie *c)
{
	struct cs_set_cookie d;
	struct cs_buf b = { 0 };
	int64_t now = cs_now();
	size_t i;
	int rc;

	if (c == NULL || c->name == NULL)
		return CS_ERR_INVALID;
	d = *c;
	django_defaults(&d, now);
	if ((rc = cs_set_cookie_format(&b, &d, now)))
		goto out;
	if (b.data == NULL || !is_field_value(b.data)) {
		rc = CS_ERR_INVALID;	/* belt and braces: never split the response */
		goto out;
	}
	/* As Django's response.cookies: one cookie per name, the last set wins. */
	for (i = 0; i < r->ncookies; i++)
		if (strcmp(r->cookies[i].name, c->name) == 0) {
			rc = replace_value(&r->cookies[i], b.data);
			goto out;
		}
	rc = push(&r->cookies, &r->ncookies, c->name, b.data);
out:
	cs_buf_free(&b);
	return rc;
}

int
cs_resp_delete_cookie(struct cs_resp *r, const char *name, const char *path,
    const char *domain, enum cs_samesite samesite)
{
	struct cs_set_cookie c;

	cs_set_cookie_deletion(&c, name, path, domain, samesite);
	return cs_resp_set_cookie(r, &c);
}

const char *
cs_resp_get_cookie(const struct cs_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncookies; i++)
		if (strcmp(r->cookies[i].name, name) == 0)
			return r->cookies[i].value;
	return NULL;
}

/* ---- body ------------------------------------------------------------ */

int
cs_resp_write(struct cs_resp *r, const void *p, size_t n)
{
	return cs_buf_append(&r->body, p, n);
}

int
cs_resp_puts(struct cs_resp *r, const char *s)
{
	return cs_buf_puts(&r->body, s);
}

int
cs_resp_printf(struct cs_resp *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cs_buf_vprintf(&r->body, fmt, ap);
	va_end(ap);
	return rc;
}

/* Django's django.utils.html.escape: the same five characters, the same entities. */
int
cs_html_escape(struct cs_buf *out, const char *s)
{
	const char *p, *run = s, *ent;
	int rc;

	for (p = s; *p; p++) {
		switch (*p) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#x27;"; break;
		default: continue;
		}
		if ((rc = cs_buf_append(out, run, (size_t)(p - run))) ||
		    (rc = cs_buf_puts(out, ent)))
			return rc;
		run = p + 1;
	}
	return cs_buf_append(out, run, (size_t)(p - run));
}

int
cs_resp_puts_html(struct cs_resp *r, const char *s)
{
	return cs_html_escape(&r->body, s);
}

void
cs_resp_clear_body(struct cs_resp *r)
{
	cs_buf_reset(&r->body);
}

int
cs_resp_redirect(struct cs_resp *r, int code, const char *location)
{
	int rc;

	if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308)
		return CS_ERR_INVALID;
	if (location == NULL || *location == '\0')
		return CS_ERR_INVALID;
	if ((rc = cs_resp_header(r, "Location", location)))
		return rc;
	r->status = code;
	cs_resp_clear_body(r);
	if ((rc = cs_resp_header(r, "Content-Type", "text/html; charset=utf-8")) ||
	    (rc = cs_resp_puts(r, "<!DOCTYPE html>\n<p>Redirecting to <a href=\"")) ||
	    (rc = cs_resp_puts_html(r, location)) ||
	    (rc = cs_resp_puts(r, "\">")) ||
	    (rc = cs_resp_puts_html(r, location)) ||
	    (rc = cs_resp_puts(r, "</a>.</p>\n")))
		return rc;
	return CS_OK;
}

int
cs_resp_error(struct cs_resp *r, int code, const char *message)
{
	const char *reason;
	int rc;

	if (code < 100 || code > 599)
		code = 500;
	reason = cs_status_reason(code);
	r->status = code;
	cs_resp_clear_body(r);
	if ((rc = cs_resp_header(r, "Content-Type", "text/html; charset=utf-8")) ||
	    (rc = cs_resp_printf(r, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>%d %s</title></head>\n<body><h1>%d %s</h1>\n",
	    code, reason, code, reason)))
		return rc;
	if (message && *message &&
	    ((rc = cs_resp_puts(r, "<p>")) || (rc = cs_resp_puts_html(r, message)) ||
	    (rc = cs_resp_puts(r, "</p>\n"))))
		return rc;
	return cs_resp_puts(r, "</body></html>\n");
}

/* ---- serialization ----------------------------------------------------- */

int
csi_resp_serialize(const struct cs_resp *r, bool head, struct cs_buf *out)
{
	int code = r->status;
	bool bodyless;
	size_t i;
	int rc;

	if (code < 100 || code > 599)
		code = 500;
	/* RFC 9110 6.4.1: 1xx, 204 and 304 never have content. */
	bodyless = code < 200 || code == 204 || code == 304;
	if ((rc = cs_buf_printf(out, "Status: %d %s\r\n", code, cs_status_reason(code))))
		return rc;
	if (!bodyless && cs_resp_get_header(r, "Content-Type") == NULL &&
	    (rc = cs_buf_puts(out, "Content-Type: text/html; charset=utf-8\r\n")))
		return rc;
	for (i = 0; i < r->nhdrs; i++)
		if ((rc = cs_buf_printf(out, "%s: %s\r\n", r->hdrs[i].name, r->hdrs[i].value)))
			return rc;
	for (i = 0; i < r->ncookies; i++)
		if ((rc = cs_buf_printf(out, "Set-Cookie: %s\r\n", r->cookies[i].value)))
			return rc;
	if (!bodyless && (rc = cs_buf_printf(out, "Content-Length: %zu\r\n", r->body.len)))
		return rc;
	if ((rc = cs_buf_puts(out, "\r\n")))
		return rc;
	if (head || bodyless)
		return CS_OK;
	return cs_buf_append(out, r->body.data ? r->body.data : "", r->body.len);
}
