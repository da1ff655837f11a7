/*
 * csess/cookie.h -- the Cookie request header parser and the Set-Cookie
 * serializer.  (The cookie module may add to this file; it must not
 * change the declarations below, which other modules use.)
 */
#ifndef CSESS_COOKIE_H
#define CSESS_COOKIE_H

#include "base.h"
#include "config.h"

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

/* One Set-Cookie field. Zero-initialise, then fill. */
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
 * Append the Set-Cookie field *value* (no "Set-Cookie: ") to out.
 * Refuses with CS_ERR_INVALID (appending nothing) anything that cannot be
 * made a valid, non-injectable header. now is used for Expires from Max-Age.
 */
int	 cs_set_cookie_format(struct cs_buf *out, const struct cs_set_cookie *,
	    int64_t now);

/* Fill c as Django's delete_cookie(name, path, domain, samesite) does. */
void	 cs_set_cookie_deletion(struct cs_set_cookie *c, const char *name,
	    const char *path, const char *domain, enum cs_samesite samesite);

/* Format t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); out >= 30 bytes. */
int	 cs_http_date(char *out, size_t outlen, int64_t t);

#endif
