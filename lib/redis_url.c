/*
 * redis_url.c -- SESSION_REDIS_URL and SESSION_REDIS_SENTINEL_LIST: the
 * URL forms redis-py's from_url takes (the ones django-redis-sessions
 * passes on), the pool choice of django-redis-sessions, and the checks
 * config.c makes.  Everything is bounded before it is copied.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_url.h"

/* A decimal in [min, max] spanning exactly s[0..len). */
static bool
num(const char *s, size_t len, long min, long max, long *out)
{
	char buf[24], *end;
	long v;

	if (len == 0 || len >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* host[:port] of len bytes ([v6]:port too). */
static const char *
hostport(const char *s, size_t len, struct cs_redis_addr *a)
{
	const char *colon, *h = s;
	size_t hlen;
	long port = 6379;

	if (len > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (rb == NULL)
			return "an IPv6 address needs its closing ']'";
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1 < s + len && rb[1] == ':' ? rb + 1 : NULL;
		if (!colon && rb + 1 != s + len)
			return "unexpected text after the IPv6 address";
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (colon && !num(colon + 1, (size_t)(s + len - colon - 1), 1, 65535,
	    &port))
		return "the port must be a number from 1 to 65535";
	if (hlen == 0)
		return "the host is missing";
	if (!copy(a->host, sizeof(a->host), h, hlen))
		return "the host is too long";
	for (size_t i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_:", h[i]))
			return "the host has a character no host name has";
	a->port = (int)port;
	return NULL;
}

/* ?db=N&weight=N (unix) or ?weight=N (redis). */
static const char *
query(const char *q, size_t len, bool allow_db, struct cs_redis_addr *a)
{
	const char *end = q + len, *amp, *eq;

	while (q < end) {
		amp = memchr(q, '&', (size_t)(end - q));
		if (amp == NULL)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq == NULL)
			return "a query parameter needs NAME=VALUE";
		if (allow_db && eq - q == 2 && !memcmp(q, "db", 2)) {
			if (!num(eq + 1, (size_t)(amp - eq - 1), 0, 1 << 20,
			    &a->db))
				return "db must be a number";
		} else if (eq - q == 6 && !memcmp(q, "weight", 6)) {
			if (!num(eq + 1, (size_t)(amp - eq - 1), 1,
			    CS_REDIS_WEIGHT_MAX, &a->weight))
				return "weight must be a number from 1 to 1000000";
		} else
			return allow_db ? "the only query parameters are db "
			    "and weight" : "the only query parameter is weight";
		q = amp < end ? amp + 1 : end;
	}
	return NULL;
}

/* [:password@] at the front of s; advances *s. */
static const char *
userinfo(const char **s, const char *end, struct cs_redis_addr *a)
{
	const char *at = memchr(*s, '@', (size_t)(end - *s));
	const char *pw;

	if (at == NULL)
		return NULL;
	pw = memchr(*s, ':', (size_t)(at - *s));
	/* redis://user:pass@ would need ACLs: only the password is kept,
	 * as redis-py 3 (Debian's) does with from_url. */
	pw = pw ? pw + 1 : *s;
	if (!copy(a->password, sizeof(a->password), pw, (size_t)(at - pw)))
		return "the password is too long";
	*s = at + 1;
	return NULL;
}

const char *
csi_redis_url_parse(const char *url, size_t len, struct cs_redis_addr *a)
{
	const char *p, *end = url + len, *q, *slash, *why;

	memset(a, 0, sizeof(*a));
	a->weight = 1;
	if (len >= 9 && !strncmp(url, "rediss://", 9))
		return "rediss:// (TLS) is not available: this hiredis is built "
		    "without TLS (use a TLS tunnel such as stunnel, or a unix socket)";
	if (len > 8 && !strncmp(url, "redis://", 8)) {
		p = url + 8;
		if ((why = userinfo(&p, end, a)))
			return why;
		q = memchr(p, '?', (size_t)(end - p));
		if (q == NULL)
			q = end;
		slash = memchr(p, '/', (size_t)(q - p));
		if ((why = hostport(p, (size_t)((slash ? slash : q) - p), a)))
			return why;
		if (slash && slash + 1 < q &&
		    !num(slash + 1, (size_t)(q - slash - 1), 0, 1 << 20, &a->db))
			return "the database (after '/') must be a number";
		return q < end ? query(q + 1, (size_t)(end - q - 1), false, a) :
		    NULL;
	}
	if (len > 7 && !strncmp(url, "unix://", 7)) {
		a->unix_socket = true;
		p = url + 7;
		if ((why = userinfo(&p, end, a)))
			return why;
		q = memchr(p, '?', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (p == q || *p != '/')
			return "unix:// needs an absolute socket path (unix:///path)";
		if (!copy(a->path, sizeof(a->path), p, (size_t)(q - p)))
			return "the socket path is too long";
		return q < end ? query(q + 1, (size_t)(end - q - 1), true, a) :
		    NULL;
	}
	return "must be redis://[:password@]host[:port][/db] or "
	    "unix:///path[?db=N]";
}

const char *
csi_redis_list_parse(const char *list, bool sentinel, struct cs_redis_addr *out,
    size_t max, size_t *n)
{
	struct cs_redis_addr scratch, *a;
	const char *tok, *end, *why;
	size_t len;

	*n = 0;
	for (tok = list; ; tok = end + 1) {
		end = tok + strcspn(tok, ",");
		while (tok < end && (*tok == ' ' || *tok == '\t'))
			tok++;
		len = (size_t)(end - tok);
		while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			len--;
		if (len) {
			if (*n == max)
				return "too many servers (at most 64)";
			a = out != NULL ? &out[*n] : &scratch;
			if (sentinel) {
				memset(a, 0, sizeof(*a));
				a->port = 26379;
				why = hostport(tok, len, a);
			} else
				why = csi_redis_url_parse(tok, len, a);
			if (why)
				return why;
			(*n)++;
		}
		if (*end == '\0')
			break;
	}
	return *n ? NULL : "names no server";
}

void
csi_redis_addr_text(const struct cs_redis_addr *a, char *out, size_t len)
{
	if (a->unix_socket)
		snprintf(out, len, "unix:%s", a->path);
	else if (strchr(a->host, ':'))
		snprintf(out, len, "[%s]:%d", a->host, a->port);
	else
		snprintf(out, len, "%s:%d", a->host, a->port);
}

size_t
csi_redis_pool_pick(const long *weights, size_t n, const char *key)
{
	unsigned long long total = 0, pos = 0, at = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += (unsigned long long)weights[i];
	if (n < 2 || total == 0 || strlen(key) < 4)
		return 0;
	/* for i in 3..0: pos = pos * 2**8 + ord(key[i]) */
	for (i = 4; i-- > 0;)
		pos = pos * 256 + (unsigned char)key[i];
	pos %= total;
	for (i = 0; i < n; i++) {
		if (at <= pos && pos < at + (unsigned long long)weights[i])
			return i;
		at += (unsigned long long)weights[i];
	}
	return 0;
}

const char *
csi_redis_setting_why(const char *name, const char *v)
{
	bool sentinel = !strcmp(name, "SESSION_REDIS_SENTINEL_LIST");
	size_t n;

	if (!sentinel && strcmp(name, "SESSION_REDIS_URL"))
		return NULL;
	/* Checked on every start, Redis or not (the URL has a default):
	 * validated one server at a time, nothing allocated. */
	return csi_redis_list_parse(v, sentinel, NULL, CS_REDIS_POOL_MAX, &n);
}
