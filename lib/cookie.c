/*
 * cookie.c -- the Cookie request header parser.
 *
 * Split on ';', trim SP and HTAB, cut at the first '=', strip one DQUOTE
 * pair, keep every other byte and every duplicate.  csess/cookie.h says
 * why each rule is what it is and where it parts from Django.
 *
 * One allocation per header: a copy of the header, NUL-padded to a whole
 * number of 64-byte blocks and NUL-terminated in place, then the pairs
 * array.  The header is bounded before a single byte of it is looked at,
 * and scanned once, 64 bytes at a time, for ';' and '='.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
 * Parse the part [b, e) of the private copy into *pr; eq is the part's
 * first '=', or NULL.  terminate() adds the NULs once the whole header is
 * scanned.  Returns 0 for a part that is empty after trimming (";;",
 * "; ;", and a lone "="), which is skipped as Django skips it.
 */
static inline int
parse_part(const char *b, const char *e, const char *eq,
    struct cs_cookie_pair *pr)
{
	const char *ne, *vb;

	while (b < e && is_ows(*b))
		b++;
	while (e > b && is_ows(e[-1]))
		e--;
	if (b == e)
		return 0;

	if (eq == NULL) {
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
	pr->value = vb;
	pr->value_len = (size_t)(e - vb);
	return 1;
}

/*
 * The ';' bits of the 64-byte block at p (bit i: p[i] == ';'), and its '='
 * bits in *eq.  When want_eq is false and the block holds no ';' (the
 * inside of a long value), it returns 0 at once and leaves *eq alone.
 * The scan below finds every separator in one pass of these blocks
 * instead of a memchr call per ';' and per '='.
 */
#define BLOCK	64

#if defined(__SSE2__)
#define MASK(v)	((uint64_t)(unsigned)_mm_movemask_epi8(v))

static inline uint64_t
block_scan(const char *p, int want_eq, uint64_t *eq)
{
	const __m128i semi = _mm_set1_epi8(';'), equals = _mm_set1_epi8('=');
	__m128i v0, v1, v2, v3, s0, s1, s2, s3;

	v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	s0 = _mm_cmpeq_epi8(v0, semi);
	s1 = _mm_cmpeq_epi8(v1, semi);
	s2 = _mm_cmpeq_epi8(v2, semi);
	s3 = _mm_cmpeq_epi8(v3, semi);
	if (!want_eq && MASK(_mm_or_si128(_mm_or_si128(s0, s1),
	    _mm_or_si128(s2, s3))) == 0)
		return 0;
	*eq = MASK(_mm_cmpeq_epi8(v0, equals)) |
	    MASK(_mm_cmpeq_epi8(v1, equals)) << 16 |
	    MASK(_mm_cmpeq_epi8(v2, equals)) << 32 |
	    MASK(_mm_cmpeq_epi8(v3, equals)) << 48;
	return MASK(s0) | MASK(s1) << 16 | MASK(s2) << 32 | MASK(s3) << 48;
}
#else
static inline uint64_t
block_scan(const char *p, int want_eq, uint64_t *eq)
{
	uint64_t s = 0, e = 0;
	int i;

	(void)want_eq;
	for (i = 0; i < BLOCK; i++) {
		s |= (uint64_t)(p[i] == ';') << i;
		e |= (uint64_t)(p[i] == '=') << i;
	}
	*eq = e;
	return s;
}
#endif

#define NONE	SIZE_MAX

/* Bits [0, n) set, n <= 64. */
static inline uint64_t
low_bits(unsigned n)
{
	return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* Position of the first '=' bit in [from, to) of the block at base, or NONE. */
static inline size_t
first_eq(uint64_t me, size_t base, size_t from, size_t to)
{
	unsigned lo = from > base ? (unsigned)(from - base) : 0;
	uint64_t m = me & low_bits((unsigned)(to - base)) & ~low_bits(lo);

	return m ? base + (size_t)__builtin_ctzll(m) : NONE;
}

struct scan {
	const char		*h;
	struct cs_cookie_pair	*pairs;
	size_t			 cap;
	size_t			 n;
};

/* One part [start, end) with first '=' at eq; CS_ERR_TOO_LARGE past cap. */
static inline int
add_part(struct scan *sc, size_t start, size_t end, size_t eq)
{
	struct cs_cookie_pair extra;

	if (!parse_part(sc->h + start, sc->h + end,
	    eq == NONE ? NULL : sc->h + eq,
	    sc->n < sc->cap ? &sc->pairs[sc->n] : &extra))
		return CS_OK;
	if (sc->n == sc->cap)
		return CS_ERR_TOO_LARGE;
	sc->n++;
	return CS_OK;
}

/*
 * Fill pairs[0..cap) from h[0..len), which is NUL-padded to a multiple of
 * BLOCK bytes with at least one NUL; *np is the count.  CS_ERR_TOO_LARGE
 * when h holds more than cap pairs.  Writes nothing into h, so it can be
 * run again.
 */
static int
scan(const char *h, size_t len, struct cs_cookie_pair *pairs, size_t cap,
    size_t *np)
{
	struct scan sc = { h, pairs, cap, 0 };
	size_t base, start = 0, eq = NONE, pos;
	uint64_t ms, me;

	/* base <= len: the block holding position len ends the last part. */
	for (base = 0; base <= len; base += BLOCK) {
		me = 0;
		ms = block_scan(h + base, eq == NONE, &me);
		if (len - base < BLOCK)
			ms |= (uint64_t)1 << (len - base);
		while (ms) {
			pos = base + (size_t)__builtin_ctzll(ms);
			ms &= ms - 1;
			if (eq == NONE)
				eq = first_eq(me, base, start, pos);
			if (add_part(&sc, start, pos, eq))
				return CS_ERR_TOO_LARGE;
			start = pos + 1;
			eq = NONE;
		}
		if (eq == NONE)
			eq = first_eq(me, base, start, base + BLOCK);
	}
	*np = sc.n;
	return CS_OK;
}

/* NUL-terminate every name and value in the private copy at mem. */
static void
terminate(char *mem, struct cs_cookie_pair *pairs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pairs[i].name != no_name)
			mem[(pairs[i].name - mem) + pairs[i].name_len] = '\0';
		mem[(pairs[i].value - mem) + pairs[i].value_len] = '\0';
	}
}

/*
 * How many pairs the first allocation has room for.  A header with more is
 * counted and the block grown once (realloc: still one block).  The guess
 * keeps the block within SMALL_ALLOC bytes where it can, because small
 * blocks come from the allocator's per-thread cache (glibc's tcache serves
 * up to 1032 bytes) at about half the cost of a larger malloc/free.
 */
#define FIRST_PAIRS	16
#define MIN_PAIRS	4
#define SMALL_ALLOC	1024

static size_t
first_guess(size_t len, size_t padded, size_t max_pairs)
{
	size_t cap = FIRST_PAIRS, fit;

	if (padded < SMALL_ALLOC) {
		fit = (SMALL_ALLOC - padded) / sizeof(struct cs_cookie_pair);
		if (fit < cap)
			cap = fit > MIN_PAIRS ? fit : MIN_PAIRS;
	}
	/* Non-empty pairs need a byte and a ';' each: at most (len+1)/2. */
	if (cap > (len + 1) / 2)
		cap = (len + 1) / 2;
	return cap < max_pairs ? cap : max_pairs;
}

int
cs_cookies_parse(struct cs_cookies *out, const char *header, size_t len,
    const struct cs_cookie_limits *limits)
{
	size_t max_header = CS_COOKIE_DEFAULT_MAX_HEADER;
	size_t max_pairs = CS_COOKIE_DEFAULT_MAX_PAIRS;
	struct cs_cookie_pair *pairs;
	size_t cap, n, padded;
	char *mem, *grown;

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

	/* [copy of the header, NUL-padded to BLOCK][pairs] */
	if (len > SIZE_MAX / 2)
		return CS_ERR_TOO_LARGE;
	padded = (len + BLOCK) & ~(size_t)(BLOCK - 1);
	cap = first_guess(len, padded, max_pairs);
	if ((mem = malloc(padded + cap * sizeof(*pairs))) == NULL)
		return CS_ERR_NOMEM;
	memcpy(mem, header, len);
	memset(mem + len, 0, padded - len);
	pairs = (struct cs_cookie_pair *)(void *)(mem + padded);

	if (scan(mem, len, pairs, cap, &n) != CS_OK) {
		if (cap == max_pairs)
			goto too_large;
		cap = count_parts(mem, len);
		if (cap > max_pairs)
			cap = max_pairs;
		if (cap > (SIZE_MAX - padded) / sizeof(*pairs) ||
		    (grown = realloc(mem, padded + cap * sizeof(*pairs))) == NULL) {
			free(mem);
			return CS_ERR_NOMEM;
		}
		mem = grown;
		pairs = (struct cs_cookie_pair *)(void *)(mem + padded);
		if (scan(mem, len, pairs, cap, &n) != CS_OK)
			goto too_large;
	}
	terminate(mem, pairs, n);
	out->pairs = pairs;
	out->count = n;
	out->mem = mem;
	return CS_OK;

too_large:
	free(mem);
	return CS_ERR_TOO_LARGE;
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
