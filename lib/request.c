/*
 * request.c -- a request as CGI meta-variables (RFC 3875) describe it,
 * whether they came from the process environment or from FastCGI params:
 * method, path, headers, cookies, query and urlencoded body, each parsed
 * at most once and only when asked for, every input bounded before it is
 * parsed.  Per-request slots and finish hooks let modules (the session,
 * CSRF) hang state on a request without globals.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

struct slot {
	const void	*key;
	void		*value;
	void		(*destroy)(void *);
};

struct hook {
	cs_finish_fn	*fn;
	void		*arg;
};

enum parsed { P_NO = 0, P_YES };

struct cs_req {
	const struct cs_config	*cfg;
	char *const		*envp;
	struct cs_body_src	 src;
	char			*path;		/* derived once */

	enum parsed		 cookies_done;
	int			 cookies_rc;
	struct cs_cookies	 cookies;

	enum parsed		 query_done;
	int			 query_rc;
	struct cs_form		 query;

	enum parsed		 body_done;
	int			 body_rc;
	struct cs_buf		 body;

	enum parsed		 form_done;
	int			 form_rc;
	struct cs_form		 form;

	struct slot		*slots;
	size_t			 nslots;
	struct hook		*hooks;
	size_t			 nhooks;
	bool			 finished;
};

int
csi_req_new(struct cs_req **out, const struct cs_config *cfg, char *const *envp,
    const struct cs_body_src *src)
{
	struct cs_req *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return CS_ERR_NOMEM;
	r->cfg = cfg;
	r->envp = envp;
	if (src)
		r->src = *src;
	*out = r;
	return CS_OK;
}

void
csi_req_free(struct cs_req *r)
{
	size_t i;

	if (r == NULL)
		return;
	/* Reverse order: a later module may hold pointers into an earlier one. */
	for (i = r->nslots; i > 0; i--)
		if (r->slots[i - 1].destroy && r->slots[i - 1].value)
			r->slots[i - 1].destroy(r->slots[i - 1].value);
	free(r->slots);
	free(r->hooks);
	cs_cookies_free(&r->cookies);
	csi_form_free(&r->query);
	csi_form_free(&r->form);
	cs_buf_free(&r->body);
	free(r->path);
	free(r);
}

/* ---- meta-variables ---------------------------------------------- */

const char *
cs_req_env(const struct cs_req *r, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; r->envp && r->envp[i]; i++)
		if (strncmp(r->envp[i], name, n) == 0 && r->envp[i][n] == '=')
			return r->envp[i] + n + 1;
	return NULL;
}

const char *
cs_req_method(const struct cs_req *r)
{
	const char *m = cs_req_env(r, "REQUEST_METHOD");

	return (m && *m) ? m : "GET";
}

static char *
derive_path(const struct cs_req *r)
{
	const char *uri, *q, *script, *info;
	char *p;
	size_t n;

	if ((uri = cs_req_env(r, "REQUEST_URI")) != NULL && *uri == '/') {
		n = (q = strchr(uri, '?')) ? (size_t)(q - uri) : strlen(uri);
		return strndup(uri, n);
	}
	script = cs_req_env(r, "SCRIPT_NAME");
	info = cs_req_env(r, "PATH_INFO");
	if (script == NULL)
		script = "";
	if (info == NULL)
		info = "";
	if (*script == '\0' && *info == '\0')
		return strdup("/");
	if (asprintf(&p, "%s%s%s", *script == '/' || (*script == '\0' && *info == '/') ?
	    "" : "/", script, info) < 0)
		return NULL;
	return p;
}

const char *
cs_req_path(const struct cs_req *r)
{
	struct cs_req *w = (struct cs_req *)r;	/* a cache, not a change */

	if (w->path == NULL && (w->path = derive_path(r)) == NULL)
		return "/";
	return w->path;
}

const char *
cs_req_query_string(const struct cs_req *r)
{
	const char *q = cs_req_env(r, "QUERY_STRING");

	return q ? q : "";
}

/*
 * "X-Requested-With" -> HTTP_X_REQUESTED_WITH.  Content-Type and
 * Content-Length are CONTENT_TYPE and CONTENT_LENGTH (RFC 3875 4.1).
 */
const char *
cs_req_header(const struct cs_req *r, const char *name)
{
	char var[256];
	size_t i, n = strlen(name);

	if (n == 0 || n > sizeof(var) - 6)
		return NULL;
	if (strcasecmp(name, "Content-Type") == 0)
		return cs_req_env(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return cs_req_env(r, "CONTENT_LENGTH");
	memcpy(var, "HTTP_", 5);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '-' || c == '_')
			var[5 + i] = '_';
		else if (isalnum(c))
			var[5 + i] = (char)toupper(c);
		else
			return NULL;
	}
	var[5 + n] = '\0';
	return cs_req_env(r, var);
}

const char *
cs_req_remote_addr(const struct cs_req *r)
{
	const char *a = cs_req_env(r, "REMOTE_ADDR");

	return a ? a : "";
}

/*
 * HTTPS=on (Apache, lighttpd, nginx's fastcgi_params) or 1, or
 * REQUEST_SCHEME=https.  X-Forwarded-Proto is a request header: any client
 * can send it, so it is not trusted here.
 */
bool
cs_req_is_https(const struct cs_req *r)
{
	const char *v;

	if ((v = cs_req_env(r, "HTTPS")) != NULL &&
	    (strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0))
		return true;
	if ((v = cs_req_env(r, "REQUEST_SCHEME")) != NULL && strcasecmp(v, "https") == 0)
		return true;
	return false;
}

const struct cs_config *
cs_req_config(const struct cs_req *r)
{
	return r->cfg;
}

/* ---- cookies ------------------------------------------------------ */

int
cs_req_cookies(struct cs_req *r, const struct cs_cookies **out)
{
	struct cs_cookie_limits lim = {
		r->cfg->cookie_header_max_size, r->cfg->cookie_max_pairs
	};
	const char *h;

	if (r->cookies_done == P_NO) {
		r->cookies_done = P_YES;
		h = cs_req_env(r, "HTTP_COOKIE");
		if (h == NULL)
			h = "";
		r->cookies_rc = cs_cookies_parse(&r->cookies, h, strlen(h), &lim);
		if (r->cookies_rc != CS_OK) {
			cs_cookies_free(&r->cookies);
			memset(&r->cookies, 0, sizeof(r->cookies));
		}
	}
	if (out)
		*out = &r->cookies;
	return r->cookies_rc;
}

const char *
cs_req_cookie(struct cs_req *r, const char *name)
{
	const struct cs_cookies *c;

	if (cs_req_cookies(r, &c) != CS_OK)
		return NULL;
	return cs_cookies_get(c, name);
}

/* ---- query string -------------------------------------------------- */

/* A flagged field is reported; a malformed escape is still read as
 * Django reads it (literally), a NUL never. */
static int
field_value(const struct cs_field *fl, const char **value)
{
	*value = (fl->flags & CS_FIELD_NUL) ? NULL : fl->value;
	return fl->flags ? CS_ERR_BAD_REQUEST : CS_OK;
}

static int
lookup(const struct cs_form *f, int rc, const char *name, const char **value)
{
	const struct cs_field *fl;
	const char *dummy;

	if (value == NULL)
		value = &dummy;
	*value = NULL;
	if (rc != CS_OK)
		return rc;
	if ((fl = csi_form_field(f, name, 0)) == NULL)
		return CS_ERR_NOT_FOUND;
	return field_value(fl, value);
}

static int
lookup_list(const struct cs_form *f, int rc, const char *name,
    const char **values, size_t max, size_t *n)
{
	const struct cs_field *fl;
	const char *v;
	size_t i;

	*n = 0;
	if (rc != CS_OK)
		return rc;
	for (i = 0; (fl = csi_form_field(f, name, i)) != NULL; i++) {
		if (field_value(fl, &v) != CS_OK)
			rc = CS_ERR_BAD_REQUEST;
		if (i < max)
			values[i] = v;
	}
	*n = i;
	return i == 0 ? CS_ERR_NOT_FOUND : rc;
}

static const struct cs_form *
query(struct cs_req *r)
{
	const char *q;

	if (r->query_done == P_NO) {
		r->query_done = P_YES;
		q = cs_req_query_string(r);
		r->query_rc = csi_form_parse(&r->query, q, strlen(q), CS_FORM_MAX_FIELDS);
	}
	return &r->query;
}

int
cs_req_query(struct cs_req *r, const char *name, const char **value)
{
	const struct cs_form *f = query(r);

	return lookup(f, r->query_rc, name, value);
}

const char *
cs_req_query_get(struct cs_req *r, const char *name, const char *def)
{
	const char *v;

	return cs_req_query(r, name, &v) == CS_OK ? v : def;
}

int
cs_req_query_getlist(struct cs_req *r, const char *name, const char **values,
    size_t max, size_t *n)
{
	const struct cs_form *f = query(r);

	return lookup_list(f, r->query_rc, name, values, max, n);
}

/* ---- body ------------------------------------------------------------ */

/* CONTENT_LENGTH: digits only (RFC 3875 4.1.2); absent or empty is none. */
static int
content_length(const struct cs_req *r, size_t *len, bool *present)
{
	const char *v = cs_req_env(r, "CONTENT_LENGTH");
	unsigned long long n;
	char *end;

	*present = false;
	*len = 0;
	if (v == NULL || *v == '\0')
		return CS_OK;
	if (!isdigit((unsigned char)*v))
		return CS_ERR_BAD_REQUEST;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0')
		return CS_ERR_BAD_REQUEST;
	if (errno == ERANGE || n > SIZE_MAX)
		n = SIZE_MAX;	/* over any limit: 413 follows */
	*len = (size_t)n;
	*present = true;
	return CS_OK;
}

static int
read_body(struct cs_req *r)
{
	size_t len, got = 0;
	bool present;
	ssize_t k;
	int rc;

	if ((rc = content_length(r, &len, &present)))
		return rc;
	if (!present)
		len = r->src.has_len ? r->src.len : 0;
	/* Bounded before a byte is read (Django checks CONTENT_LENGTH the same way). */
	if (len > r->cfg->data_upload_max_memory_size)
		return CS_ERR_TOO_LARGE;
	if (cs_buf_reserve(&r->body, len))
		return CS_ERR_NOMEM;
	while (got < len) {
		if (r->src.read == NULL)
			return CS_ERR_IO;
		k = r->src.read(r->src.ctx, r->body.data + got, len - got);
		if (k <= 0)
			return CS_ERR_IO;	/* the client sent less than it announced */
		got += (size_t)k;
	}
	r->body.len = len;
	r->body.data[len] = '\0';
	return CS_OK;
}

/*
 * Read and discard a body nobody read (the handler answered before looking
 * at the form, or refused it as too large), up to DRAIN_MAX bytes.  A
 * gateway that pipes the body into a CGI process (fcgiwrap) otherwise hits
 * EPIPE when the program exits early, and turns our 403 or 413 into a 502.
 */
#define DRAIN_MAX	(16u << 20)

void
csi_req_drain(struct cs_req *r)
{
	char chunk[8192];
	size_t len;
	bool present;
	ssize_t k;

	if (r->body_done == P_YES && r->body_rc != CS_ERR_TOO_LARGE)
		return;
	if (r->src.read == NULL || content_length(r, &len, &present) || !present)
		return;
	if (len > DRAIN_MAX)
		len = DRAIN_MAX;
	while (len > 0) {
		k = r->src.read(r->src.ctx, chunk, len < sizeof(chunk) ? len : sizeof(chunk));
		if (k <= 0)
			break;
		len -= (size_t)k;
	}
	r->body_done = P_YES;
	if (r->body_rc == CS_OK)
		r->body_rc = CS_ERR_IO;	/* nothing kept: a later read gets no body */
}

int
cs_req_body(struct cs_req *r, const char **data, size_t *len)
{
	if (r->body_done == P_NO) {
		r->body_done = P_YES;
		if ((r->body_rc = read_body(r)) != CS_OK)
			cs_buf_reset(&r->body);
	}
	*data = r->body.data ? r->body.data : "";
	*len = r->body.len;
	return r->body_rc;
}

/*
 * "application/x-www-form-urlencoded", any case, optionally followed by
 * parameters ("; charset=utf-8").  A charset other than UTF-8 is not
 * converted: values stay bytes.
 */
static bool
is_urlencoded(const char *ct)
{
	static const char type[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(type) - 1;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int
parse_form(struct cs_req *r)
{
	const char *ct, *data;
	size_t len;
	bool present;
	int rc;

	/* Like Django's request.POST: only a POST carries a form. */
	if (strcmp(cs_req_method(r), "POST") != 0)
		return CS_OK;
	ct = cs_req_env(r, "CONTENT_TYPE");
	if (ct == NULL || *ct == '\0') {
		/* No type and no body is an empty form; a body we cannot name is 415. */
		if ((rc = content_length(r, &len, &present)))
			return rc;
		if (!present)
			len = r->src.has_len ? r->src.len : 0;
		return len == 0 ? CS_OK : CS_ERR_MEDIA_TYPE;
	}
	if (!is_urlencoded(ct))
		return CS_ERR_MEDIA_TYPE;
	if ((rc = cs_req_body(r, &data, &len)))
		return rc;
	if (memchr(data, '\0', len))
		return CS_ERR_BAD_REQUEST;
	return csi_form_parse(&r->form, data, len, CS_FORM_MAX_FIELDS);
}

static const struct cs_form *
form(struct cs_req *r)
{
	if (r->form_done == P_NO) {
		r->form_done = P_YES;
		r->form_rc = parse_form(r);
	}
	return &r->form;
}

int
cs_req_form(struct cs_req *r, const char *name, const char **value)
{
	const struct cs_form *f = form(r);

	return lookup(f, r->form_rc, name, value);
}

const char *
cs_req_form_get(struct cs_req *r, const char *name, const char *def)
{
	const char *v;

	return cs_req_form(r, name, &v) == CS_OK ? v : def;
}

int
cs_req_form_getlist(struct cs_req *r, const char *name, const char **values,
    size_t max, size_t *n)
{
	const struct cs_form *f = form(r);

	return lookup_list(f, r->form_rc, name, values, max, n);
}

/* ---- slots and hooks ----------------------------------------------- */

void *
cs_req_slot(const struct cs_req *r, const void *key)
{
	size_t i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].key == key)
			return r->slots[i].value;
	return NULL;
}

int
cs_req_set_slot(struct cs_req *r, const void *key, void *value, void (*destroy)(void *))
{
	struct slot *s;
	size_t i;

	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].key != key)
			continue;
		/* Replacing frees the old value, as the request would have. */
		if (r->slots[i].destroy && r->slots[i].value && r->slots[i].value != value)
			r->slots[i].destroy(r->slots[i].value);
		r->slots[i].value = value;
		r->slots[i].destroy = destroy;
		return CS_OK;
	}
	if ((s = reallocarray(r->slots, r->nslots + 1, sizeof(*s))) == NULL)
		return CS_ERR_NOMEM;
	r->slots = s;
	s[r->nslots++] = (struct slot){ key, value, destroy };
	return CS_OK;
}

int
cs_req_on_finish(struct cs_req *r, cs_finish_fn *fn, void *arg)
{
	struct hook *h;

	if (fn == NULL)
		return CS_ERR_INVALID;
	if ((h = reallocarray(r->hooks, r->nhooks + 1, sizeof(*h))) == NULL)
		return CS_ERR_NOMEM;
	r->hooks = h;
	h[r->nhooks++] = (struct hook){ fn, arg };
	return CS_OK;
}

void
csi_req_finish(struct cs_req *r, struct cs_resp *resp)
{
	size_t i;

	if (r->finished)
		return;
	r->finished = true;
	/* By index: a hook may register another, which then runs too. */
	for (i = 0; i < r->nhooks; i++)
		r->hooks[i].fn(r, resp, r->hooks[i].arg);
}
