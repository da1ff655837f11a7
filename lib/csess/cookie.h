/*
 * csess/cookie.h -- the Cookie request header parser and the Set-Cookie
 * serializer.  (The cookie module may add to this file; it must not
 * change the declarations below, which other modules use.)
 *
 * PARSING (cs_cookies_parse), the server-side rules:
 *  - split on ';' only, never on ',' ("a=1, b=2" is one pair a="1, b=2":
 *    an HTTP_COOKIE that a broken gateway joined with ", " is unsupported);
 *  - trim ASCII space and HTAB around names and values, nothing else;
 *  - cut at the first '='; a part with no '=' is a nameless pair (name "",
 *    CS_COOKIE_NAMELESS), and a part that starts with '=' has name "" too,
 *    so "=__Host-x=1" is the value "__Host-x=1", never a cookie "__Host-x";
 *  - parts that are empty after trimming (";;", "; ;", "=") are skipped;
 *  - names are kept byte for byte: no URL-decoding, no case folding;
 *  - at most one surrounding DQUOTE pair is stripped from a value
 *    (CS_COOKIE_QUOTED); no backslash or octal unescaping; an unbalanced
 *    quote stays part of the value;
 *  - any other byte (UTF-8, CTLs, '"', '\') is kept as is;
 *  - every pair is kept, duplicates in header order.
 *
 * Where this differs from Django's parse_cookie, on purpose:
 *  - Django lets the LAST duplicate win; csess's cs_cookies_get returns the
 *    FIRST.  Browsers send the cookie with the longest Path first, and a
 *    sibling subdomain can add a same-named cookie ("cookie tossing",
 *    RFC 6265bis section 8.6).  Neither choice stops tossing; use a
 *    __Host- name, and treat cs_cookies_count(name) > 1 on the session
 *    cookie as ambiguous.  cs_cookies_get_nth reaches every duplicate.
 *  - Django strips Unicode whitespace (str.strip()); a browser stores
 *    U+2000 followed by "__Host-x" as an unprefixed cookie that any
 *    subdomain may set, and Django then reads it as "__Host-x" (the
 *    "Cookie Chaos" prefix bypass, PortSwigger 2025).  csess trims only SP
 *    and HTAB, so such a name (or one led by NBSP, \v, \f) keeps its
 *    leading bytes and never matches "__Host-x".
 *  - Django's _unquote decodes \" and \ooo escapes inside quotes; servers
 *    that do so see other values than a WAF or a strict parser sees
 *    (quoted-value smuggling, and the quadratic CVE-2024-7592).  csess
 *    only drops the two quotes.
 *  - Django has no limits; csess refuses a header longer than max_header
 *    bytes or with more than max_pairs pairs (Go's CVE-2025-58186: many
 *    tiny "a=;" pairs) with CS_ERR_TOO_LARGE, returning nothing.
 *
 * The parse makes one allocation (out->mem): a copy of the header,
 * NUL-terminated in place, and the pairs array; names and values point
 * into the copy, so they stay valid until cs_cookies_free().
 */
#ifndef CSESS_COOKIE_H
#define CSESS_COOKIE_H

#include "base.h"
#include "config.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

#define CS_COOKIE_DEFAULT_MAX_HEADER	8192
#define CS_COOKIE_DEFAULT_MAX_PAIRS	3000
#define CS_COOKIE_MAX_NAME_VALUE	4096	/* UAs ignore a longer name+value */
#define CS_COOKIE_MAX_ATTR		1024	/* UAs ignore a longer attribute value */
#define CS_HTTP_DATE_LEN		29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* Flags on a parsed pair. */
#define CS_COOKIE_NAMELESS	0x01	/* the part had no '=': name is "" */
#define CS_COOKIE_QUOTED	0x02	/* one surrounding DQUOTE pair was stripped */

struct cs_cookie_pair {
	const char	*name;		/* NUL-terminated */
	const char	*value;		/* NUL-terminated */
	size_t		 name_len;
	size_t		 value_len;
	unsigned	 flags;
};

struct cs_cookies {
	struct cs_cookie_pair	*pairs;	/* in header order */
	size_t			 count;
	char			*mem;	/* the one allocation behind pairs */
};

struct cs_cookie_limits {
	size_t	max_header;	/* bytes; 0 means the default, 8192 */
	size_t	max_pairs;	/* 0 means the default, 3000 */
};

/*
 * Parse one Cookie header value.  CS_ERR_TOO_LARGE when over a limit
 * (nothing is returned then: no silent truncation).  limits may be NULL.
 */
int	 cs_cookies_parse(struct cs_cookies *out, const char *header,
	    size_t len, const struct cs_cookie_limits *limits);
void	 cs_cookies_free(struct cs_cookies *);

/* First value for name (browsers send the most specific path first), or NULL.
 * Never matches a nameless pair unless name is "". */
const char *cs_cookies_get(const struct cs_cookies *, const char *name);
size_t	 cs_cookies_count(const struct cs_cookies *, const char *name);
/* i-th pair (0-based) named name, or NULL. */
const struct cs_cookie_pair *cs_cookies_get_nth(const struct cs_cookies *,
	    const char *name, size_t i);

/*
 * One Set-Cookie field.  Start from CS_SET_COOKIE_INIT (or
 * cs_set_cookie_init), then fill: a zero-initialised one is the weakest
 * cookie there is (no HttpOnly, no SameSite, and, written by
 * cs_set_cookie_format, no Path).
 */
struct cs_set_cookie {
	const char	*name;
	const char	*value;
	bool		 has_max_age;
	int64_t		 max_age;	/* seconds; emits Max-Age and Expires=now+max_age */
	bool		 has_expires;
	int64_t		 expires;	/* epoch seconds, emitted as IMF-fixdate */
	const char	*path;		/* NULL: no Path attribute */
	const char	*domain;	/* NULL: host-only */
	bool		 secure;
	bool		 httponly;
	enum cs_samesite samesite;
	bool		 partitioned;
};

/*
 * The safe start, as Kore's and Django's session cookie: Path=/, HttpOnly
 * and SameSite=Lax; Secure is the caller's (cs_set_cookie_session_policy
 * sets it from the settings):
 *
 *	struct cs_set_cookie c = CS_SET_COOKIE_INIT;
 *	c.name = "theme"; c.value = "dark";
 *	cs_resp_set_cookie(resp, &c);
 *
 * gives "theme=dark; HttpOnly; Path=/; SameSite=Lax".  Clear httponly
 * only for a cookie that scripts must read.
 */
#define CS_SET_COOKIE_INIT \
	{ .path = "/", .httponly = true, .samesite = CS_SAMESITE_LAX }
/* The same as a function; name and value are not copied. */
void	 cs_set_cookie_init(struct cs_set_cookie *c, const char *name,
	    const char *value);

/*
 * Append the Set-Cookie field *value* (no "Set-Cookie: ") to out.
 * Refuses with CS_ERR_INVALID (appending nothing) anything that cannot be
 * made a valid, non-injectable header. now is used for Expires from Max-Age.
 */
int	 cs_set_cookie_format(struct cs_buf *out, const struct cs_set_cookie *,
	    int64_t now);

/*
 * Fill c as Django's delete_cookie(name, path, domain, samesite) does: empty
 * value, Max-Age=0, expires=Thu, 01 Jan 1970 00:00:00 GMT, path, domain and
 * samesite as given (NULL path: no Path attribute; Django's default is "/"),
 * Secure when the name has the __Secure- or __Host- prefix or samesite is
 * None, HttpOnly when the name has the __Http- or __Host-Http- prefix.
 * The strings are not copied.
 */
void	 cs_set_cookie_deletion(struct cs_set_cookie *c, const char *name,
	    const char *path, const char *domain, enum cs_samesite samesite);

/* Format t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); out >= 30 bytes. */
int	 cs_http_date(char *out, size_t outlen, int64_t t);

/* ---- additions ---------------------------------------------------------- */

/*
 * Set-Cookie output order and spelling follow Django 3.2's
 * HttpResponse.set_cookie, so a csess response reads like Django's:
 *
 *   name=value; Domain=d; expires=<IMF-fixdate>; HttpOnly; Max-Age=N;
 *   Path=/p; SameSite=Lax; Secure; Partitioned
 *
 * (lower-case "expires" as Django writes it; attribute names are
 * case-insensitive to browsers).  An empty or NULL value is written as "" as
 * Django does.  Domain is written as given (a leading dot is kept, as in
 * Django; browsers ignore it).  SameSite is written Strict, Lax or None.
 * The value is written as given: Django 3.2 wraps a value holding a
 * cookie-octet outside its own unquoted set (such as '/', '=', '@') in
 * DQUOTEs; both forms read back as the same value.
 *
 * has_max_age writes Max-Age=N and expires=now+N; a negative max_age
 * writes Max-Age=0 and expires=now.  has_expires writes expires=<expires>;
 * with both set, Max-Age comes from max_age and expires from expires (what
 * Django 3.2 does for an expires string plus max_age; browsers let Max-Age
 * win).  cs_set_cookie_deletion relies on that.
 *
 * Refused (CS_ERR_INVALID), never sanitised:
 *  - a name that is empty or not an RFC 9110 token;
 *  - a value with bytes other than cookie-octets (0x21, 0x23-0x2B,
 *    0x2D-0x3A, 0x3C-0x5B, 0x5D-0x7E), optionally inside one DQUOTE pair
 *    (encode arbitrary data first: cs_cookie_value_encode, or base64url);
 *  - name + value over CS_COOKIE_MAX_NAME_VALUE bytes;
 *  - a Path that does not start with '/', or holds ';', a CTL or a byte
 *    >= 0x80; a Domain that is not LDH labels (1-63 chars each, no label
 *    starting or ending with '-', 253 chars at most, one optional leading
 *    dot, no trailing dot); either over CS_COOKIE_MAX_ATTR bytes;
 *  - an expiry (explicit, or now+max_age) before year 1601 or after 9999;
 *  - SameSite=None or Partitioned without Secure;
 *  - prefixes, matched case-insensitively as browsers do: __Secure-
 *    without Secure; __Host- without Secure, with a Domain, or without
 *    Path=/ exactly; __Http- without Secure and HttpOnly; __Host-Http-
 *    with the __Host- rules and without HttpOnly (layered-cookies draft);
 *  - a samesite outside enum cs_samesite.
 */

/* Check c as cs_set_cookie_format would; on CS_ERR_INVALID, *why (if not
 * NULL) is a short static English reason ("cookie name is not a token"). */
int	 cs_set_cookie_validate(const struct cs_set_cookie *c, int64_t now,
	    const char **why);

/*
 * RFC 9110 token (1*tchar), and *cookie-octet or the same inside one DQUOTE
 * pair: the server grammar.  The parser accepts more (what browsers send);
 * a caller that wants strict mode for a security-relevant cookie checks the
 * pair with these (e.g. a session key must be a valid name and value, and
 * cs_cookies_count(name) must be 1).
 */
bool	 cs_cookie_name_valid(const char *name, size_t len);
bool	 cs_cookie_value_valid(const char *value, size_t len);

/*
 * Percent-encode n bytes so the result is cookie-octets only: every byte
 * that is not a cookie-octet, and '%' itself, becomes %XX (upper-case hex).
 * Appends to out; nothing is appended on error.
 */
int	 cs_cookie_value_encode(struct cs_buf *out, const void *p, size_t n);
/*
 * The inverse: %XX (either case) becomes the byte.  A '%' that is not
 * followed by two hex digits is CS_ERR_INVALID (nothing appended): a value
 * that was not written by cs_cookie_value_encode is not guessed at.
 */
int	 cs_cookie_value_decode(struct cs_buf *out, const char *s, size_t n);

/*
 * Parse an IMF-fixdate (exactly "Sun, 06 Nov 1994 08:49:37 GMT": the
 * weekday must match the date) into epoch seconds.  Years 1601-9999.
 * CS_ERR_INVALID for anything else (the obsolete RFC 850 and asctime
 * forms are not accepted).
 */
int	 cs_http_date_parse(const char *s, size_t len, int64_t *t);

#pragma GCC visibility pop
#endif
