/*
 * cookie.c -- the Cookie request header parser.
 *
 * Split on ';', trim SP and HTAB, cut at the first '=', strip one DQUOTE
 * pair, keep every other byte and every duplicate.  csess/cookie.h says
 * why each rule is what it is and where it parts from Django.
 *
 * One allocation per header: the pairs array, then a copy of the header
 * that is NUL-terminated in place.  The header is bounded before a single
 * byte of it is looked at.
 */
#include <stdlib.h>
#include <string.h>

#include "csess/cookie.h"

static const char no_name[] = "";

static inline int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Upper bound on the number of pairs: one more than the semicolons. */
static size_t
count_parts(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	size_t n = 1;

	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * Parse the part [b, e) of the private copy into *pr, writing NULs into
 * the copy.  Returns 0 for a part that is empty after trimming (";;",
 * "; ;", and a lone "="), which is skipped as Django skips it.
 */
static int
parse_part(char *b, char *e, struct cs_cookie_pair *pr)
{
	char *eq, *ne, *vb;

	while (b < e && is_ows(*b))
		b++;
	while (e > b && is_ows(e[-1]))
		e--;
	if (b == e)
		return 0;

	if ((eq = memchr(b, '=', (size_t)(e - b))) == NULL) {
		/* No '=': a nameless cookie, serialised by the UA as its value. */
		pr->name = no_name;
		pr->name_len = 0;
		pr->flags = CS_COOKIE_NAMELESS;
		vb = b;
	} else {
		ne = eq;
		while (ne > b && is_ows(ne[-1]))
			ne--;
		vb = eq + 1;
		while (vb < e && is_ows(*vb))
			vb++;
		if (ne == b && vb == e)
			return 0;
		/* A leading '=' leaves the name empty: "=__Host-x=1" is not __Host-x. */
		*ne = '\0';
		pr->name = b;
		pr->name_len = (size_t)(ne - b);
		pr->flags = 0;
	}

	/* One surrounding DQUOTE pair, no unescaping (6265bis keeps quotes). */
	if (e - vb >= 2 && *vb == '"' && e[-1] == '"') {
		vb++;
		e--;
		pr->flags |= CS_COOKIE_QUOTED;
	}
	*e = '\0';
	pr->value = vb;
	pr->value_len = (size_t)(e - vb);
	return 1;
}

int
cs_cookies_parse(struct cs_cookies *out, const char *header, size_t len,
    const struct cs_cookie_limits *limits)
{
	size_t max_header = CS_COOKIE_DEFAULT_MAX_HEADER;
	size_t max_pairs = CS_COOKIE_DEFAULT_MAX_PAIRS;
	struct cs_cookie_pair *pairs;
	size_t cap, n;
	char *mem, *copy, *p, *end, *semi;

	if (out == NULL)
		return CS_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (header == NULL && len > 0)
		return CS_ERR_INVALID;
	if (limits != NULL) {
		if (limits->max_header)
			max_header = limits->max_header;
		if (limits->max_pairs)
			max_pairs = limits->max_pairs;
	}
	if (len > max_header)
		return CS_ERR_TOO_LARGE;
	if (len == 0)
		return CS_OK;

	/* Never more slots than max_pairs: one more pair is refused below. */
	cap = count_parts(header, len);
	if (cap > max_pairs)
		cap = max_pairs;
	if ((mem = malloc(cap * sizeof(*pairs) + len + 1)) == NULL)
		return CS_ERR_NOMEM;
	pairs = (struct cs_cookie_pair *)(void *)mem;
	copy = mem + cap * sizeof(*pairs);
	memcpy(copy, header, len);
	copy[len] = '\0';

	n = 0;
	p = copy;
	end = copy + len;
	for (;;) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (n == cap) {
			/* Slots are full; any further non-empty part is one too many. */
			struct cs_cookie_pair extra;

			if (parse_part(p, semi ? semi : end, &extra)) {
				free(mem);
				return CS_ERR_TOO_LARGE;
			}
		} else if (parse_part(p, semi ? semi : end, &pairs[n]))
			n++;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	out->pairs = pairs;
	out->count = n;
	out->mem = mem;
	return CS_OK;
}

void
cs_cookies_free(struct cs_cookies *c)
{
	if (c == NULL)
		return;
	free(c->mem);
	c->mem = NULL;
	c->pairs = NULL;
	c->count = 0;
}

const struct cs_cookie_pair *
cs_cookies_get_nth(const struct cs_cookies *c, const char *name, size_t i)
{
	const struct cs_cookie_pair *pr, *end;
	size_t len;

	if (c == NULL || name == NULL || c->pairs == NULL)
		return NULL;
	len = strlen(name);
	end = c->pairs + c->count;
	for (pr = c->pairs; pr < end; pr++) {
		if (pr->name_len != len || memcmp(pr->name, name, len) != 0)
			continue;
		if (i-- == 0)
			return pr;
	}
	return NULL;
}

const char *
cs_cookies_get(const struct cs_cookies *c, const char *name)
{
	const struct cs_cookie_pair *pr;

	pr = cs_cookies_get_nth(c, name, 0);
	return pr ? pr->value : NULL;
}

size_t
cs_cookies_count(const struct cs_cookies *c, const char *name)
{
	const struct cs_cookie_pair *pr, *end;
	size_t len, n = 0;

	if (c == NULL || name == NULL || c->pairs == NULL)
		return 0;
	len = strlen(name);
	end = c->pairs + c->count;
	for (pr = c->pairs; pr < end; pr++)
		if (pr->name_len == len && memcmp(pr->name, name, len) == 0)
			n++;
	return n;
}
