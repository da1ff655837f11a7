/*
 * setcookie.c -- the Set-Cookie serializer, IMF-fixdates, and the cookie
 * value encoding helpers.
 *
 * The serializer refuses instead of sanitising: a value it would have to
 * change is a bug in the caller (npm cookie < 0.7.0, CVE-2024-47764, let
 * ';' through a name and so injected attributes).  Output order follows
 * Django 3.2 so a csess site's headers read like Django's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csess/cookie.h"
#include "util.h"
#include "error.h"

/* ---- character classes -------------------------------------------------- */

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet: printable ASCII minus SP, DQUOTE, ',', ';', '\'. */
static int
is_cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) ||
	    (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
	    (c >= 0x5D && c <= 0x7E);
}

bool
cs_cookie_name_valid(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return false;
	return true;
}

bool
cs_cookie_value_valid(const char *v, size_t len)
{
	size_t i;

	if (v == NULL)
		return len == 0;
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	for (i = 0; i < len; i++)
		if (!is_cookie_octet((unsigned char)v[i]))
			return false;
	return true;
}

/* ---- dates ---------------------------------------------------------------- */

static const char wdays[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Browsers fail dates before 1601; four digits end at 9999. */
#define FIRST_T	(csi_days_from_civil(1601, 1, 1) * 86400)
#define LAST_T	(csi_days_from_civil(10000, 1, 1) * 86400 - 1)

static int
date_in_range(int64_t t)
{
	return t >= FIRST_T && t <= LAST_T;
}

static int
floor_mod(int64_t a, int b)
{
	int r = (int)(a % b);

	return r < 0 ? r + b : r;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int
cs_http_date(char *out, size_t outlen, int64_t t)
{
	int64_t days, y;
	int m, d, secs;

	if (out == NULL || outlen < CS_HTTP_DATE_LEN + 1 || !date_in_range(t))
		return CS_ERR_INVALID;
	days = floor_div(t, 86400);
	secs = floor_mod(t, 86400);
	csi_civil_from_days(days, &y, &m, &d);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[floor_mod(days + 4, 7)], d, months[m - 1], (int)y,
	    secs / 3600, secs / 60 % 60, secs % 60);
	return CS_OK;
}

static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_days(int64_t y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return md[m - 1] + (m == 2 && leap);
}

int
cs_http_date_parse(const char *s, size_t len, int64_t *t)
{
	int wd, m, d, y, hh, mi, ss;
	int64_t days;

	if (s == NULL || t == NULL || len != CS_HTTP_DATE_LEN)
		return CS_ERR_INVALID;
	/* "Sun, 06 Nov 1994 08:49:37 GMT" -- IMF-fixdate is case-sensitive. */
	if (memcmp(s + 3, ", ", 2) || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    memcmp(s + 25, " GMT", 4))
		return CS_ERR_INVALID;
	for (wd = 0; wd < 7 && memcmp(s, wdays[wd], 3); wd++)
		;
	for (m = 0; m < 12 && memcmp(s + 8, months[m], 3); m++)
		;
	if (wd == 7 || m == 12)
		return CS_ERR_INVALID;
	m++;
	d = digits(s + 5, 2);
	y = digits(s + 12, 4);
	hh = digits(s + 17, 2);
	mi = digits(s + 20, 2);
	ss = digits(s + 23, 2);
	/* Second 60 is allowed for a leap second (RFC 9110 5.6.7). */
	if (d < 1 || y < 1601 || hh < 0 || hh > 23 || mi < 0 || mi > 59 ||
	    ss < 0 || ss > 60 || d > month_days(y, m))
		return CS_ERR_INVALID;
	days = csi_days_from_civil(y, m, d);
	if (floor_mod(days + 4, 7) != wd)
		return CS_ERR_INVALID;
	*t = days * 86400 + hh * 3600 + mi * 60 + ss;
	if (!date_in_range(*t))
		return CS_ERR_INVALID;
	return CS_OK;
}

/* ---- validation ----------------------------------------------------------- */

static int
has_prefix_ci(const char *s, const char *pfx)
{
	return strncasecmp(s, pfx, strlen(pfx)) == 0;
}

static int
path_valid(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || p[0] != '/')
		return 0;
	/* 6265bis path-value: any CHAR except CTLs and ';'. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c >= 0x7F || c == ';')
			return 0;
	}
	return 1;
}

/* ASCII LDH labels joined by dots, one optional leading dot. */
static int
domain_valid(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len > 0 && s[0] == '.') {
		s++;
		len--;
	}
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	/* No trailing dot (UAs drop the attribute), no trailing '-'. */
	return label > 0 && s[len - 1] != '-';
}

/*
 * The expiry that will be written, if any: an explicit one wins over
 * now+max_age (see cookie.h).  Returns 0 when out of range.
 */
static int
emitted_expiry(const struct cs_set_cookie *c, int64_t now, bool *has,
    int64_t *t)
{
	int64_t ma;

	*has = c->has_expires || c->has_max_age;
	if (c->has_expires)
		*t = c->expires;
	else if (c->has_max_age) {
		ma = c->max_age < 0 ? 0 : c->max_age;
		if (now > LAST_T || ma > LAST_T - now)
			return 0;
		*t = now + ma;
	} else
		return 1;
	return date_in_range(*t);
}

static int
prefix_check(const struct cs_set_cookie *c, const char **why)
{
	/* UAs match the prefixes case-insensitively (6265bis 5.7). */
	if (has_prefix_ci(c->name, "__Secure-") && !c->secure)
		return *why = "__Secure- cookies need Secure", 0;
	if (has_prefix_ci(c->name, "__Host-")) {
		if (!c->secure)
			return *why = "__Host- cookies need Secure", 0;
		if (c->domain != NULL)
			return *why = "__Host- cookies must not have a Domain", 0;
		if (c->path == NULL || strcmp(c->path, "/") != 0)
			return *why = "__Host- cookies need Path=/", 0;
	}
	/* Layered-cookies draft: __Http- and __Host-Http- also need HttpOnly. */
	if (has_prefix_ci(c->name, "__Http-") &&
	    (!c->secure || !c->httponly))
		return *why = "__Http- cookies need Secure and HttpOnly", 0;
	if (has_prefix_ci(c->name, "__Host-Http-") && !c->httponly)
		return *why = "__Host-Http- cookies need HttpOnly", 0;
	return 1;
}

static int	validate(const struct cs_set_cookie *, int64_t, const char **);

int
cs_set_cookie_validate(const struct cs_set_cookie *c, int64_t now,
    const char **why)
{
	const char *w = NULL;
	int rc;

	if ((rc = validate(c, now, &w)) != CS_OK)
		csi_error("%s", w ? w : cs_strerror(rc));
	if (why != NULL)
		*why = w;
	return rc;
}

static int
validate(const struct cs_set_cookie *c, int64_t now, const char **why)
{
	const char *dummy, *value;
	size_t nlen, vlen;
	bool has;
	int64_t t;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (c == NULL || c->name == NULL || c->name[0] == '\0')
		return *why = "cookie name is empty", CS_ERR_INVALID;
	nlen = strlen(c->name);
	if (!cs_cookie_name_valid(c->name, nlen))
		return *why = "cookie name is not an RFC 9110 token",
		    CS_ERR_INVALID;
	value = c->value ? c->value : "";
	vlen = strlen(value);
	if (!cs_cookie_value_valid(value, vlen))
		return *why = "cookie value has bytes other than cookie-octets "
		    "(encode it first)", CS_ERR_INVALID;
	if (nlen + (vlen ? vlen : 2) > CS_COOKIE_MAX_NAME_VALUE)
		return *why = "cookie name and value exceed 4096 bytes",
		    CS_ERR_INVALID;
	if (c->path != NULL) {
		if (strlen(c->path) > CS_COOKIE_MAX_ATTR)
			return *why = "Path exceeds 1024 bytes", CS_ERR_INVALID;
		if (!path_valid(c->path, strlen(c->path)))
			return *why = "Path must start with '/' and hold no ';', "
			    "control or non-ASCII byte", CS_ERR_INVALID;
	}
	if (c->domain != NULL && !domain_valid(c->domain, strlen(c->domain)))
		return *why = "Domain is not a host name of LDH labels",
		    CS_ERR_INVALID;
	if ((unsigned)c->samesite >= CS_SAMESITE__MAX)
		return *why = "SameSite must be Strict, Lax or None",
		    CS_ERR_INVALID;
	if (c->samesite == CS_SAMESITE_NONE && !c->secure)
		return *why = "SameSite=None needs Secure", CS_ERR_INVALID;
	if (c->partitioned && !c->secure)
		return *why = "Partitioned needs Secure", CS_ERR_INVALID;
	if (!prefix_check(c, why))
		return CS_ERR_INVALID;
	if (!emitted_expiry(c, now, &has, &t))
		return *why = "expiry is outside the years 1601-9999",
		    CS_ERR_INVALID;
	return CS_OK;
}

/* ---- formatting ----------------------------------------------------------- */

static const char *const samesite_names[CS_SAMESITE__MAX] = {
	[CS_SAMESITE_OMIT] = NULL,
	[CS_SAMESITE_STRICT] = "Strict",
	[CS_SAMESITE_LAX] = "Lax",
	[CS_SAMESITE_NONE] = "None",
};

static int
format_attrs(struct cs_buf *out, const struct cs_set_cookie *c, int64_t now)
{
	char date[CS_HTTP_DATE_LEN + 1];
	const char *value = c->value ? c->value : "";
	bool has_exp;
	int64_t t;
	int rc = 0;

	rc |= cs_buf_puts(out, c->name);
	rc |= cs_buf_putc(out, '=');
	rc |= cs_buf_puts(out, value[0] ? value : "\"\"");
	if (c->domain != NULL)
		rc |= cs_buf_printf(out, "; Domain=%s", c->domain);
	if (!emitted_expiry(c, now, &has_exp, &t))
		return CS_ERR_INVALID;
	if (has_exp) {
		if (cs_http_date(date, sizeof(date), t))
			return CS_ERR_INVALID;
		rc |= cs_buf_printf(out, "; expires=%s", date);
	}
	if (c->httponly)
		rc |= cs_buf_puts(out, "; HttpOnly");
	if (c->has_max_age)
		rc |= cs_buf_printf(out, "; Max-Age=%" PRId64,
		    c->max_age < 0 ? 0 : c->max_age);
	if (c->path != NULL)
		rc |= cs_buf_printf(out, "; Path=%s", c->path);
	if (samesite_names[c->samesite] != NULL)
		rc |= cs_buf_printf(out, "; SameSite=%s",
		    samesite_names[c->samesite]);
	if (c->secure)
		rc |= cs_buf_puts(out, "; Secure");
	if (c->partitioned)
		rc |= cs_buf_puts(out, "; Partitioned");
	return rc ? CS_ERR_NOMEM : CS_OK;
}

int
cs_set_cookie_format(struct cs_buf *out, const struct cs_set_cookie *c,
    int64_t now)
{
	size_t mark;
	int rc;

	if (out == NULL)
		return CS_ERR_INVALID;
	if ((rc = cs_set_cookie_validate(c, now, NULL)) != CS_OK)
		return rc;
	mark = out->len;
	if ((rc = format_attrs(out, c, now)) != CS_OK) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
	}
	return rc;
}

void
cs_set_cookie_init(struct cs_set_cookie *c, const char *name, const char *value)
{
	static const struct cs_set_cookie init = CS_SET_COOKIE_INIT;

	*c = init;
	c->name = name;
	c->value = value;
}

void
cs_set_cookie_deletion(struct cs_set_cookie *c, const char *name,
    const char *path, const char *domain, enum cs_samesite samesite)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->value = "";
	c->has_max_age = true;
	c->max_age = 0;
	c->has_expires = true;
	c->expires = 0;		/* Thu, 01 Jan 1970 00:00:00 GMT */
	c->path = path;
	c->domain = domain;
	c->samesite = samesite;
	if (name == NULL)
		return;
	/* A deletion must itself pass the rules the cookie was set under. */
	c->secure = has_prefix_ci(name, "__Secure-") ||
	    has_prefix_ci(name, "__Host-") || samesite == CS_SAMESITE_NONE;
	if (has_prefix_ci(name, "__Http-")) {
		c->secure = true;
		c->httponly = true;
	}
	if (has_prefix_ci(name, "__Host-Http-"))
		c->httponly = true;
}

/* ---- value encoding ------------------------------------------------------- */

int
cs_cookie_value_encode(struct cs_buf *out, const void *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = p;
	size_t i, mark;
	char *w;

	if (out == NULL || (p == NULL && n > 0))
		return CS_ERR_INVALID;
	if (n > (SIZE_MAX - 1) / 3)
		return CS_ERR_NOMEM;
	if (cs_buf_reserve(out, n * 3))
		return CS_ERR_NOMEM;
	mark = out->len;
	w = out->data + mark;
	for (i = 0; i < n; i++) {
		if (is_cookie_octet(s[i]) && s[i] != '%')
			*w++ = (char)s[i];
		else {
			*w++ = '%';
			*w++ = hex[s[i] >> 4];
			*w++ = hex[s[i] & 15];
		}
	}
	*w = '\0';
	out->len = (size_t)(w - out->data);
	return CS_OK;
}

int
cs_cookie_value_decode(struct cs_buf *out, const char *s, size_t n)
{
	size_t i, mark;
	char *w;
	int hi, lo;

	if (out == NULL || (s == NULL && n > 0))
		return CS_ERR_INVALID;
	if (cs_buf_reserve(out, n))
		return CS_ERR_NOMEM;
	mark = out->len;
	w = out->data + mark;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			*w++ = s[i];
			continue;
		}
		if (n - i < 3 || (hi = csi_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = csi_hexval((unsigned char)s[i + 2])) < 0) {
			out->data[mark] = '\0';
			return CS_ERR_INVALID;
		}
		*w++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*w = '\0';
	out->len = (size_t)(w - out->data);
	return CS_OK;
}
