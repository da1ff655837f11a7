/*
 * pyjson.c -- Python's json.dumps(v, separators=(',', ':')) over jansson
 * values, byte for byte, because Django signs the serialized bytes: the
 * same data written any other way gives another signature.
 *
 * What Python does by default and this copies: ensure_ascii (everything
 * outside 0x20-0x7e as lower-case \uXXXX, surrogate pairs above the BMP,
 * short escapes for \" \\ \n \r \t \b \f), keys in insertion order (jansson
 * 2.8+ keeps it), floats as repr() (shortest round-trip digits, exponent
 * form below 1e-4 and from 1e16 on, "e+16" / "e-05").
 *
 * Where jansson and Python differ on input, cs_pyjson_normalize reads what
 * Python reads: integers beyond 64 bits, NaN, Infinity, -Infinity and
 * reals that overflow (1e400 is Infinity) are swapped for markers before
 * jansson parses and written back as Python writes them, and so are
 * strings holding a lone surrogate escape ("\ud800").  Still refused
 * (Python accepts them): \u0000 or a lone surrogate in an object key.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/sign.h"

/*
 * Values jansson cannot hold, as Python writes them.  Marker i is a JSON
 * string of nuls NUL characters and then i in decimal.  A real string gets
 * a NUL only from a \u0000 escape (raw control bytes are not JSON), and
 * nuls is one more than the longest run of them in the text, so no real
 * string can be taken for a marker.
 */
struct marks {
	char	**text;
	size_t	  n;
	size_t	  nuls;
};

static int	dump(struct cs_buf *, const json_t *, const struct marks *);

/* The longest run of consecutive "\u0000" escapes in text. */
static size_t
longest_nul_run(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *q;
	size_t run, best = 0;

	while ((q = memmem(p, (size_t)(end - p), "\\u0000", 6)) != NULL) {
		for (run = 0; end - q >= 6 && !memcmp(q, "\\u0000", 6); q += 6)
			run++;
		if (run > best)
			best = run;
		p = q;
	}
	return best;
}

static bool
is_marker(const char *s, size_t nuls)
{
	size_t i;

	for (i = 0; i < nuls; i++)
		if (s[i] != '\0')
			return false;
	return s[nuls] >= '0' && s[nuls] <= '9';
}

static int
put_u16(struct cs_buf *out, unsigned u)
{
	return cs_buf_printf(out, "\\u%04x", u);
}

/* Decode one UTF-8 sequence (jansson already validated it). */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80 || n < 2) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && n >= 3) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	if (n >= 4) {
		*cp = (uint32_t)(s[0] & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return 4;
	}
	*cp = s[0];
	return 1;
}

/* One code point as Python's ensure_ascii writes it. */
static int
put_cp(struct cs_buf *out, uint32_t cp)
{
	int rc;

	switch (cp) {
	case '"':  return cs_buf_puts(out, "\\\"");
	case '\\': return cs_buf_puts(out, "\\\\");
	case '\n': return cs_buf_puts(out, "\\n");
	case '\r': return cs_buf_puts(out, "\\r");
	case '\t': return cs_buf_puts(out, "\\t");
	case '\b': return cs_buf_puts(out, "\\b");
	case '\f': return cs_buf_puts(out, "\\f");
	}
	if (cp >= 0x20 && cp <= 0x7e)
		return cs_buf_putc(out, (char)cp);
	if (cp < 0x10000)
		return put_u16(out, cp);
	cp -= 0x10000;
	if ((rc = put_u16(out, 0xd800 | (cp >> 10))) == CS_OK)
		rc = put_u16(out, 0xdc00 | (cp & 0x3ff));
	return rc;
}

static int
dump_string(struct cs_buf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	uint32_t cp;
	int rc = cs_buf_putc(out, '"');

	while (rc == CS_OK && i < n) {
		i += utf8_next(s + i, n - i, &cp);
		rc = put_cp(out, cp);
	}
	return rc ? rc : cs_buf_putc(out, '"');
}

/*
 * Shortest decimal digits that read back as v (v > 0, finite), as Python's
 * repr finds them (David Gay's mode 0): try 1..17 significant digits; at
 * each length the correctly rounded candidate is the nearest, but where
 * the rounding interval is lopsided (v a power of two) only its neighbour
 * may fit, so the neighbours one unit away are tried too.  digits gets the
 * digits without trailing zeros, *exp10 the exponent of the first one.
 */
static void
shortest(double v, char digits[24], int *exp10)
{
	char buf[48], *e, *q;
	unsigned long long m, c;
	int p, ex, k, d;
	size_t j;

	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		e = strchr(buf, 'e');
		ex = atoi(e + 1);
		for (m = 0, q = buf; q < e; q++)
			if (*q != '.')
				m = m * 10 + (unsigned long long)(*q - '0');
		if (strtod(buf, NULL) == v)
			break;
		for (d = -1; d <= 1; d += 2) {
			c = m + (unsigned long long)(long long)d;
			if (c == 0)
				continue;
			snprintf(buf, sizeof(buf), "%llue%d", c, ex - (p - 1));
			if (strtod(buf, NULL) == v) {
				/* 999 + 1 = 1000: one more digit, exponent up. */
				k = snprintf(digits, 24, "%llu", c);
				*exp10 = ex + (k - p);
				goto strip;
			}
		}
	}
	if (p > 17)
		p = 17;
	snprintf(digits, 24, "%llu", m);
	*exp10 = ex;
strip:
	for (j = strlen(digits); j > 1 && digits[j - 1] == '0'; j--)
		digits[j - 1] = '\0';
}

/*
 * repr(float): shortest round-trip digits, then Python's layout
 * (float_repr_style 'short'): positional when -4 <= exponent < 16, with
 * ".0" added to integral values; otherwise d[.ddd]e(+|-)XX.
 */
static int
dump_real(struct cs_buf *out, double v)
{
	char digits[24];
	int exp10, nd, i;
	int rc = CS_OK;

	if (!isfinite(v))
		return CS_ERR_INVALID;
	if (v == 0)
		return cs_buf_puts(out, signbit(v) ? "-0.0" : "0.0");
	shortest(fabs(v), digits, &exp10);
	nd = (int)strlen(digits);
	if (v < 0)
		rc = cs_buf_putc(out, '-');
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			rc = rc ? rc : cs_buf_puts(out, "0.");
			for (i = -1; i > exp10 && rc == CS_OK; i--)
				rc = cs_buf_putc(out, '0');
			return rc ? rc : cs_buf_puts(out, digits);
		}
		for (i = 0; i <= exp10 && rc == CS_OK; i++)
			rc = cs_buf_putc(out, i < nd ? digits[i] : '0');
		if (rc == CS_OK)
			rc = cs_buf_putc(out, '.');
		if (rc == CS_OK)
			rc = nd > exp10 + 1 ? cs_buf_puts(out, digits + exp10 + 1) :
			    cs_buf_putc(out, '0');
		return rc;
	}
	if (rc == CS_OK)
		rc = cs_buf_putc(out, digits[0]);
	if (rc == CS_OK && nd > 1)
		rc = cs_buf_printf(out, ".%s", digits + 1);
	if (rc == CS_OK)
		rc = cs_buf_printf(out, "e%c%02d", exp10 < 0 ? '-' : '+',
		    exp10 < 0 ? -exp10 : exp10);
	return rc;
}

static int
dump_object(struct cs_buf *out, const json_t *v, const struct marks *mk)
{
	const char *k;
	json_t *m;
	bool first = true;
	int rc = cs_buf_putc(out, '{');

	/* jansson's foreach wants a non-const object; it does not modify it. */
	json_object_foreach((json_t *)(uintptr_t)v, k, m) {
		if (rc)
			return rc;
		if (!first && (rc = cs_buf_putc(out, ',')))
			return rc;
		first = false;
		if ((rc = dump_string(out, k, strlen(k))) ||
		    (rc = cs_buf_putc(out, ':')) || (rc = dump(out, m, mk)))
			return rc;
	}
	return rc ? rc : cs_buf_putc(out, '}');
}

static int
dump_array(struct cs_buf *out, const json_t *v, const struct marks *mk)
{
	size_t i, n = json_array_size(v);
	int rc = cs_buf_putc(out, '[');

	for (i = 0; i < n && rc == CS_OK; i++) {
		if (i && (rc = cs_buf_putc(out, ',')))
			break;
		rc = dump(out, json_array_get(v, i), mk);
	}
	return rc ? rc : cs_buf_putc(out, ']');
}

static int
dump(struct cs_buf *out, const json_t *v, const struct marks *mk)
{
	const char *str;
	size_t i;

	if (v == NULL)
		return CS_ERR_INVALID;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(out, v, mk);
	case JSON_ARRAY:
		return dump_array(out, v, mk);
	case JSON_STRING:
		str = json_string_value(v);
		if (mk && json_string_length(v) > mk->nuls &&
		    is_marker(str, mk->nuls)) {
			i = (size_t)strtoull(str + mk->nuls, NULL, 10);
			return i < mk->n ? cs_buf_puts(out, mk->text[i]) :
			    CS_ERR_INVALID;
		}
		return dump_string(out, str, json_string_length(v));
	case JSON_INTEGER:
		return cs_buf_printf(out, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	case JSON_REAL:
		return dump_real(out, json_real_value(v));
	case JSON_TRUE:
		return cs_buf_puts(out, "true");
	case JSON_FALSE:
		return cs_buf_puts(out, "false");
	case JSON_NULL:
		return cs_buf_puts(out, "null");
	}
	return CS_ERR_INVALID;
}

int
cs_pyjson_dump(struct cs_buf *out, const struct json_t *v)
{
	size_t mark = out->len;
	int rc;

	if ((rc = dump(out, v, NULL)) && out->data) {
		out->len = mark;		/* nothing half-written */
		out->data[mark] = '\0';
	}
	return rc;
}

/* A JSON number token at p (strict grammar); its length, or 0. */
static size_t
number_len(const char *p, const char *end, bool *integral)
{
	const char *q = p;

	*integral = true;
	if (q < end && *q == '-')
		q++;
	if (q == end || *q < '0' || *q > '9')
		return 0;
	if (*q == '0')
		q++;
	else
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	if (q < end && *q == '.') {
		*integral = false;
		if (++q == end || *q < '0' || *q > '9')
			return 0;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		*integral = false;
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || *q < '0' || *q > '9')
			return 0;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	return (size_t)(q - p);
}

/* What Python writes for the token at p, when jansson cannot read it. */
static char *
python_only(const char *p, size_t n, bool integral, bool *nomem)
{
	char *tok, *py = NULL;
	double d;

	if ((tok = strndup(p, n)) == NULL) {
		*nomem = true;
		return NULL;
	}
	errno = 0;
	if (integral) {
		(void)strtoll(tok, NULL, 10);
		if (errno == ERANGE)	/* Python's int has no limit */
			return tok;
	} else if (isinf(d = strtod(tok, NULL))) {
		py = strdup(d < 0 ? "-Infinity" : "Infinity");
		*nomem = py == NULL;
	}
	free(tok);
	return py;
}

static bool
hex4(const unsigned char *s, uint32_t *v)
{
	int i;

	for (*v = 0, i = 0; i < 4; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			*v = *v << 4 | (uint32_t)(s[i] - '0');
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			*v = *v << 4 | (uint32_t)((s[i] | 0x20) - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* One well-formed UTF-8 sequence at s; its length, or 0. */
static size_t
utf8_valid(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k, i;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		k = 2, *cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		k = 3, *cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		k = 4, *cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp < 0xe000))
		return 0;
	return k;
}

/*
 * The string token p[0..n) (quotes included) written as Python writes it,
 * when it holds a lone surrogate escape (a \ud800 without its partner):
 * Python reads those, jansson does not.  NULL when it has none, or when
 * it is malformed (jansson will say so); *nomem on allocation failure.
 */
static char *
lone_surrogate_string(const char *p, size_t n, bool *nomem)
{
	const unsigned char *s = (const unsigned char *)p + 1;
	const unsigned char *e = (const unsigned char *)p + n - 1;
	struct cs_buf out = {0};
	uint32_t cp, lo;
	bool lone = false;
	size_t k;
	int rc;

	if (memmem(p, n, "\\u", 2) == NULL)
		return NULL;
	rc = cs_buf_putc(&out, '"');
	while (rc == CS_OK && s < e) {
		if (*s == '\\') {
			if (e - s < 2)
				goto malformed;
			switch (s[1]) {
			case '"': case '\\': case '/':
				cp = s[1];
				break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (e - s < 6 || !hex4(s + 2, &cp))
					goto malformed;
				s += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && e - s >= 8 &&
				    s[2] == '\\' && s[3] == 'u' && hex4(s + 4, &lo) &&
				    lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					s += 6;
				} else if (cp >= 0xd800 && cp < 0xe000)
					lone = true;
				break;
			default:
				goto malformed;
			}
			s += 2;
		} else if (*s < 0x20)
			goto malformed;
		else if ((k = utf8_valid(s, (size_t)(e - s), &cp)) == 0)
			goto malformed;
		else
			s += k;
		rc = put_cp(&out, cp);
	}
	if (rc == CS_OK && lone && (rc = cs_buf_putc(&out, '"')) == CS_OK)
		return cs_buf_steal(&out);
	*nomem = rc != CS_OK;
malformed:
	cs_buf_free(&out);
	return NULL;
}

static void
marks_free(struct marks *mk)
{
	size_t i;

	for (i = 0; i < mk->n; i++)
		free(mk->text[i]);
	free(mk->text);
}

static int
mark(struct cs_buf *t, struct marks *mk, char *text)
{
	char **nt;
	size_t i;
	int rc;

	if (text == NULL)
		return CS_ERR_NOMEM;
	if ((nt = realloc(mk->text, (mk->n + 1) * sizeof(*nt))) == NULL) {
		free(text);
		return CS_ERR_NOMEM;
	}
	mk->text = nt;
	mk->text[mk->n] = text;
	if ((rc = cs_buf_putc(t, '"')))
		return rc;
	for (i = 0; i < mk->nuls; i++)
		if ((rc = cs_buf_puts(t, "\\u0000")))
			return rc;
	return cs_buf_printf(t, "%zu\"", mk->n++);
}

/*
 * Copy text to t with the tokens only Python reads as markers.  Whatever
 * else is wrong is left for jansson to refuse.
 */
static int
premark(struct cs_buf *t, struct marks *mk, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *run = text;
	bool integral, nomem = false;
	char *py;
	size_t n, k;
	int rc = CS_OK;

	while (p < end && rc == CS_OK) {
		py = NULL;
		n = 0;
		if (*p == '"') {
			for (n = 1; p + n < end && p[n] != '"'; n++)
				if (p[n] == '\\' && p + n + 1 < end)
					n++;
			if (p + n == end)
				break;		/* unterminated: jansson says so */
			n++;
			if ((py = lone_surrogate_string(p, n, &nomem)) == NULL &&
			    nomem)
				return CS_ERR_NOMEM;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if ((n = number_len(p, end, &integral)) == 0) {
				if (end - p >= 9 && !memcmp(p, "-Infinity", 9))
					py = strdup("-Infinity"), n = 9;
				else
					n = 1;
			} else if ((py = python_only(p, n, integral,
			    &nomem)) == NULL && nomem)
				return CS_ERR_NOMEM;
		} else if (end - p >= 3 && !memcmp(p, "NaN", 3))
			py = strdup("NaN"), n = 3;
		else if (end - p >= 8 && !memcmp(p, "Infinity", 8))
			py = strdup("Infinity"), n = 8;
		else
			n = 1;
		if (py != NULL) {
			k = (size_t)(p - run);
			if ((rc = cs_buf_append(t, run, k)) == CS_OK)
				rc = mark(t, mk, py);
			run = p + n;
		}
		p += n;
	}
	/* Nothing to swap: the caller parses text itself. */
	if (rc == CS_OK && mk->n > 0)
		rc = cs_buf_append(t, run, (size_t)(end - run));
	return rc;
}

int
cs_pyjson_normalize(struct cs_buf *out, const char *text, size_t len)
{
	struct marks mk = { NULL, 0, 0 };
	struct cs_buf t = {0};
	json_error_t jerr;
	json_t *v = NULL;
	size_t mark_at = out->len;
	int rc;

	mk.nuls = longest_nul_run(text, len) + 1;
	if ((rc = premark(&t, &mk, text, len)) != CS_OK)
		goto done;
	if (mk.n == 0)
		v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	else
		v = json_loadb(t.data, t.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    &jerr);
	if (v == NULL) {
		rc = CS_ERR_INVALID;
		goto done;
	}
	if ((rc = dump(out, v, mk.n ? &mk : NULL)) && out->data) {
		out->len = mark_at;		/* nothing half-written */
		out->data[mark_at] = '\0';
	}
done:
	json_decref(v);
	cs_buf_free(&t);
	marks_free(&mk);
	return rc;
}
