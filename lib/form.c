/*
 * form.c -- application/x-www-form-urlencoded: percent-decoding and the
 * name=value&... lists of query strings and POST bodies (WHATWG URL
 * Standard, "application/x-www-form-urlencoded parsing").
 *
 * A malformed escape ("%", "%4", "%zz") stays literal text, as in the
 * standard and in Django's QueryDict, and only its own field is marked
 * (CS_FIELD_BAD_ESCAPE): one bad field does not lose the others.  A NUL
 * byte after decoding marks its field too (CS_FIELD_NUL): C strings end
 * there, so such a value is never handed out.  The number of fields is
 * bounded before anything is decoded.  Bytes are not checked for UTF-8:
 * values are byte strings and every page escapes them on output.
 * cs_url_decode, for a single component, still refuses a malformed escape.
 */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "util.h"

/*
 * Decode s[0..len) into out (which has room for len + 1 bytes), '+' as a
 * space, a malformed escape as the literal '%' (Python's unquote).
 * Returns the decoded length; *flags gets CS_FIELD_BAD_ESCAPE and
 * CS_FIELD_NUL as found.
 */
static size_t
decode(char *out, const char *s, size_t len, unsigned *flags)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
			continue;
		}
		if (s[i] != '%' || len - i < 3 ||
		    (hi = csi_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = csi_hexval((unsigned char)s[i + 2])) < 0) {
			if (s[i] == '%')
				*flags |= CS_FIELD_BAD_ESCAPE;
			if (s[i] == '\0')
				*flags |= CS_FIELD_NUL;
			out[o++] = s[i];
			continue;
		}
		if ((out[o++] = (char)(hi << 4 | lo)) == '\0')
			*flags |= CS_FIELD_NUL;
		i += 2;
	}
	out[o] = '\0';
	return o;
}

int
cs_url_decode(struct cs_buf *out, const char *s, size_t len)
{
	unsigned flags = 0;
	size_t n;

	if (cs_buf_reserve(out, len))
		return CS_ERR_NOMEM;
	n = decode(out->data + out->len, s, len, &flags);
	if (flags) {
		if (out->data)
			out->data[out->len] = '\0';
		return CS_ERR_BAD_REQUEST;
	}
	out->len += n;
	return CS_OK;
}

int
cs_url_encode(struct cs_buf *out, const char *s, const char *safe)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int rc = CS_OK;

	for (p = (const unsigned char *)s; *p && rc == CS_OK; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    (safe && strchr(safe, *p)))
			rc = cs_buf_putc(out, (char)*p);
		else if (*p == ' ')
			rc = cs_buf_putc(out, '+');
		else {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			rc = cs_buf_append(out, esc, 3);
		}
	}
	if (rc == CS_OK && out->data == NULL)
		rc = cs_buf_append(out, "", 0);
	return rc;
}

/* Fields are the non-empty '&'-separated parts. */
static size_t
count_fields(const char *s, size_t len)
{
	size_t i, n = 0;
	bool in = false;

	for (i = 0; i < len; i++) {
		if (s[i] == '&')
			in = false;
		else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

int
csi_form_parse(struct cs_form *f, const char *s, size_t len, size_t max_fields)
{
	const char *p = s, *end = s + len, *amp, *eq;
	struct cs_field *fl;
	char *o;
	size_t n;

	memset(f, 0, sizeof(*f));
	if ((n = count_fields(s, len)) == 0)
		return CS_OK;
	if (n > max_fields)
		return CS_ERR_BAD_REQUEST;
	/* Decoding never grows a string; each field needs two NULs at most. */
	if ((f->fields = calloc(n, sizeof(*f->fields))) == NULL ||
	    (f->mem = malloc(len + 2 * n)) == NULL) {
		csi_form_free(f);
		return CS_ERR_NOMEM;
	}
	o = f->mem;
	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		/* "a" is a name with an empty value, "=b" an empty name. */
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		fl = &f->fields[f->count++];
		fl->name = o;
		o += decode(o, p, (size_t)(eq - p), &fl->flags) + 1;
		fl->value = o;
		if (eq == amp)
			*o = '\0';
		else
			o += decode(o, eq + 1, (size_t)(amp - eq - 1), &fl->flags);
		o++;
		if (amp == end)
			break;
	}
	return CS_OK;
}

const struct cs_field *
csi_form_field(const struct cs_form *f, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, name) == 0 && nth-- == 0)
			return &f->fields[i];
	return NULL;
}

const char *
csi_form_get(const struct cs_form *f, const char *name)
{
	const struct cs_field *fl = csi_form_field(f, name, 0);

	return fl ? fl->value : NULL;
}

void
csi_form_free(struct cs_form *f)
{
	free(f->fields);
	free(f->mem);
	memset(f, 0, sizeof(*f));
}
