/*
 * fuzz_cookie.c -- libFuzzer target for the Cookie parser and the
 * Set-Cookie serializer.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_cookie.c lib/cookie.c lib/setcookie.c lib/base.c \
 *       -o build/fuzz_cookie
 *   build/fuzz_cookie -max_total_time=60 -max_len=9000
 *
 * The first input byte picks the target.  Parsing checks the invariants a
 * caller relies on (bounded, trimmed, no ';' in a pair, names without
 * '=', NUL-terminated) against the input; serializing checks that any
 * output it agrees to write is one header line a browser reads back as
 * the same name and value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"

static void
check_parse(const char *h, size_t len)
{
	struct cs_cookies c;
	struct cs_cookie_limits lim = { .max_header = 8192, .max_pairs = 300 };
	size_t i, total = 0;
	int rc;

	rc = cs_cookies_parse(&c, h, len, &lim);
	if (rc == CS_ERR_TOO_LARGE) {
		if (c.pairs != NULL || c.count != 0 || c.mem != NULL)
			abort();
		return;
	}
	if (rc != CS_OK)
		abort();
	for (i = 0; i < c.count; i++) {
		const struct cs_cookie_pair *p = &c.pairs[i];

		if (p->name[p->name_len] != '\0' || p->value[p->value_len] != '\0')
			abort();
		if (memchr(p->name, ';', p->name_len) || memchr(p->name, '=', p->name_len) ||
		    memchr(p->value, ';', p->value_len))
			abort();
		if (p->name_len && (p->name[0] == ' ' || p->name[0] == '\t' ||
		    p->name[p->name_len - 1] == ' ' || p->name[p->name_len - 1] == '\t'))
			abort();
		if ((p->flags & CS_COOKIE_NAMELESS) && p->name_len)
			abort();
		/* (A name holding a NUL byte cannot be looked up by C string.) */
		if (memchr(p->name, '\0', p->name_len) == NULL &&
		    cs_cookies_count(&c, p->name) == 0)
			abort();
		total += p->name_len + p->value_len;
	}
	if (total > len || c.count > 300)
		abort();
	cs_cookies_free(&c);
}

/* Split the input on NUL into the fields of a cookie. */
static void
check_format(const char *d, size_t n)
{
	char *copy, *f[4] = { "", "", NULL, NULL };
	struct cs_set_cookie c = { 0 };
	struct cs_buf out = { 0 };
	struct cs_cookies jar;
	size_t i, k = 0;
	unsigned flags;

	if (n < 2)
		return;
	flags = (unsigned char)d[0];
	copy = malloc(n);
	if (copy == NULL)
		return;
	memcpy(copy, d + 1, n - 1);
	copy[n - 1] = '\0';
	f[0] = copy;
	for (i = 0; i + 1 < n - 1 && k < 3; i++)
		if (copy[i] == '\0')
			f[++k] = copy + i + 1;
	c.name = f[0];
	c.value = f[1];
	c.path = (flags & 1) ? f[2] : NULL;
	c.domain = (flags & 2) ? f[3] : NULL;
	c.secure = flags & 4;
	c.httponly = flags & 8;
	c.samesite = (enum cs_samesite)((flags >> 4) & 3);
	c.partitioned = flags & 64;
	c.has_max_age = flags & 128;
	c.max_age = (int64_t)n * 1000 - 5000;
	if (cs_set_cookie_format(&out, &c, 1700000000) == CS_OK) {
		for (i = 0; i < out.len; i++) {
			unsigned char ch = (unsigned char)out.data[i];

			if (ch < 0x20 || ch >= 0x7f)
				abort();
		}
		/* The browser sends back what comes before the first "; ". */
		for (i = 0; i < out.len; i++)
			if (out.data[i] == ';' && i + 1 < out.len && out.data[i + 1] == ' ')
				break;
		if (cs_cookies_parse(&jar, out.data, i, NULL) != CS_OK || jar.count != 1 ||
		    strcmp(jar.pairs[0].name, c.name) != 0)
			abort();
		/* ... and the same value, less one quote pair. */
		k = strlen(c.value);
		if (k >= 2 && c.value[0] == '"' && c.value[k - 1] == '"') {
			if (jar.pairs[0].value_len != k - 2 ||
			    memcmp(jar.pairs[0].value, c.value + 1, k - 2) != 0)
				abort();
		} else if (strcmp(jar.pairs[0].value, c.value) != 0)
			abort();
		cs_cookies_free(&jar);
	}
	cs_buf_free(&out);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		check_parse((const char *)data + 1, size - 1);
	else
		check_format((const char *)data + 1, size - 1);
	return 0;
}
