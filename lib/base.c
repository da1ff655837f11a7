/*
 * base.c -- error strings, buffers, clock, randomness, constant-time compare.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "csess/base.h"
#include "csess_test.h"
#include "util.h"

static const char *const errstr[CS_ERR__MAX] = {
	[CS_OK] = "success",
	[CS_ERR_NOMEM] = "out of memory",
	[CS_ERR_INVALID] = "invalid argument or input",
	[CS_ERR_TOO_LARGE] = "input over the configured limit",
	[CS_ERR_NOT_FOUND] = "not found",
	[CS_ERR_EXISTS] = "already exists",
	[CS_ERR_CONFLICT] = "record changed or vanished concurrently",
	[CS_ERR_STORE] = "session store unavailable",
	[CS_ERR_BAD_SIGNATURE] = "bad signature",
	[CS_ERR_EXPIRED] = "expired",
	[CS_ERR_CONFIG] = "bad configuration",
	[CS_ERR_IO] = "input/output error",
	[CS_ERR_BAD_REQUEST] = "malformed request",
	[CS_ERR_MEDIA_TYPE] = "unsupported media type",
	[CS_ERR_CRYPTO] = "cryptography library failure",
	[CS_ERR_UNSUPPORTED] = "not supported by this session engine",
};

const char *
cs_strerror(int err)
{
	if (err < 0 || err >= CS_ERR__MAX || errstr[err] == NULL)
		return "unknown error";
	return errstr[err];
}

int
cs_buf_reserve(struct cs_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return CS_ERR_NOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return CS_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return CS_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return CS_OK;
}

int
cs_buf_append(struct cs_buf *b, const void *p, size_t n)
{
	if (cs_buf_reserve(b, n))
		return CS_ERR_NOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CS_OK;
}

int
cs_buf_puts(struct cs_buf *b, const char *s)
{
	return cs_buf_append(b, s, strlen(s));
}

int
cs_buf_putc(struct cs_buf *b, char c)
{
	return cs_buf_append(b, &c, 1);
}

int
cs_buf_vprintf(struct cs_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return CS_ERR_INVALID;
	if (cs_buf_reserve(b, (size_t)n))
		return CS_ERR_NOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CS_OK;
}

int
cs_buf_printf(struct cs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cs_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
cs_buf_reset(struct cs_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
cs_buf_free(struct cs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
cs_buf_steal(struct cs_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

static int64_t fixed_now = -1;

int64_t
cs_now(void)
{
	struct timespec ts;

	if (fixed_now >= 0)
		return fixed_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void
csi_clock_fix(int64_t t)
{
	fixed_now = t;
}

static int
getrandom_all(unsigned char *out, size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = getrandom(out, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return CS_ERR_IO;
		}
		out += got;
		n -= (size_t)got;
	}
	return CS_OK;
}

/*
 * Small draws (a CSRF mask on every page, a record version) are served
 * from a pool filled by one getrandom() for many of them: a system call
 * per request costs a FastCGI worker more than the draw.  The bytes are
 * the kernel CSPRNG's own, each handed out once and wiped from the pool;
 * a forked child drops the pool it inherited, so parent and child never
 * hand out the same bytes.  Large draws go to getrandom() directly.
 */
#define POOL_SIZE	1024
#define POOL_DRAW_MAX	128

static struct {
	pthread_mutex_t	mu;
	unsigned char	buf[POOL_SIZE];
	size_t		left;		/* unused bytes at the end of buf */
	unsigned long	gen;		/* csi_fork_gen() when filled */
} pool = { .mu = PTHREAD_MUTEX_INITIALIZER };

int
cs_random_bytes(void *p, size_t n)
{
	unsigned long gen;
	int rc = CS_OK;

	if (n > POOL_DRAW_MAX)
		return getrandom_all(p, n);
	gen = csi_fork_gen();
	pthread_mutex_lock(&pool.mu);
	if (pool.gen != gen || pool.left < n) {
		explicit_bzero(pool.buf, sizeof(pool.buf));
		pool.left = 0;
		if ((rc = getrandom_all(pool.buf, sizeof(pool.buf))) == CS_OK) {
			pool.left = sizeof(pool.buf);
			pool.gen = gen;
		}
	}
	if (rc == CS_OK) {
		unsigned char *from = pool.buf + sizeof(pool.buf) - pool.left;

		memcpy(p, from, n);
		explicit_bzero(from, n);
		pool.left -= n;
	}
	pthread_mutex_unlock(&pool.mu);
	return rc;
}

int
cs_random_string(char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet), i = 0, j;
	unsigned char pool[64];
	unsigned limit;
	int rc;

	if (k == 0 || k > 256)
		return CS_ERR_INVALID;
	/* Largest multiple of k that fits a byte: rejecting above it keeps
	 * every character equally likely. */
	limit = 256 - (256 % (unsigned)k);
	while (i < n) {
		if ((rc = cs_random_bytes(pool, sizeof(pool))))
			return rc;
		for (j = 0; j < sizeof(pool) && i < n; j++)
			if (pool[j] < limit)
				out[i++] = alphabet[pool[j] % k];
	}
	out[n] = '\0';
	return CS_OK;
}

bool
cs_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	/* Length is not secret for any caller (fixed-size MACs and tokens);
	 * the bytes are. */
	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
