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
 * Limits, where jansson and Python differ on input: integers beyond 64
 * bits, NaN/Infinity and lone surrogates are refused (Python accepts
 * them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/sign.h"

static int	dump(struct cs_buf *, const json_t *);

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

static int
dump_string(struct cs_buf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;
	uint32_t cp;
	int rc = cs_buf_putc(out, '"');

	while (rc == CS_OK && i < n) {
		k = utf8_next(s + i, n - i, &cp);
		i += k;
		switch (cp) {
		case '"':  rc = cs_buf_puts(out, "\\\""); continue;
		case '\\': rc = cs_buf_puts(out, "\\\\"); continue;
		case '\n': rc = cs_buf_puts(out, "\\n"); continue;
		case '\r': rc = cs_buf_puts(out, "\\r"); continue;
		case '\t': rc = cs_buf_puts(out, "\\t"); continue;
		case '\b': rc = cs_buf_puts(out, "\\b"); continue;
		case '\f': rc = cs_buf_puts(out, "\\f"); continue;
		}
		if (cp >= 0x20 && cp <= 0x7e)
			rc = cs_buf_putc(out, (char)cp);
		else if (cp < 0x10000)
			rc = put_u16(out, cp);
		else {
			cp -= 0x10000;
			if ((rc = put_u16(out, 0xd800 | (cp >> 10))) == CS_OK)
				rc = put_u16(out, 0xdc00 | (cp & 0x3ff));
		}
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
dump_object(struct cs_buf *out, const json_t *v)
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
		    (rc = cs_buf_putc(out, ':')) || (rc = dump(out, m)))
			return rc;
	}
	return rc ? rc : cs_buf_putc(out, '}');
}

static int
dump_array(struct cs_buf *out, const json_t *v)
{
	size_t i, n = json_array_size(v);
	int rc = cs_buf_putc(out, '[');

	for (i = 0; i < n && rc == CS_OK; i++) {
		if (i && (rc = cs_buf_putc(out, ',')))
			break;
		rc = dump(out, json_array_get(v, i));
	}
	return rc ? rc : cs_buf_putc(out, ']');
}

static int
dump(struct cs_buf *out, const json_t *v)
{
	if (v == NULL)
		return CS_ERR_INVALID;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(out, v);
	case JSON_ARRAY:
		return dump_array(out, v);
	case JSON_STRING:
		return dump_string(out, json_string_value(v),
		    json_string_length(v));
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

	if ((rc = dump(out, v)) && out->data) {
		out->len = mark;		/* nothing half-written */
		out->data[mark] = '\0';
	}
	return rc;
}

int
cs_pyjson_normalize(struct cs_buf *out, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *v;
	int rc;

	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (v == NULL)
		return CS_ERR_INVALID;
	rc = cs_pyjson_dump(out, v);
	json_decref(v);
	return rc;
}
