/*
 * csess/base.h -- error codes, growable buffers, the clock and the CSPRNG.
 * Part of the one public header, csess.h: include that, not this file.
 */
#ifndef CSESS_BASE_H
#define CSESS_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The version of these headers.  CSESS_VERSION_NUMBER is 0xMMmmpp, for
 * "#if CSESS_VERSION_NUMBER >= 0x000100"; cs_version() is the version of
 * the library the program runs with (a shared library may be newer than
 * the headers it was built against).  The Makefile's VERSION is the
 * source: the build stops when these differ from it.
 */
#define CSESS_VERSION		"0.1.0"
#define CSESS_VERSION_MAJOR	0
#define CSESS_VERSION_MINOR	1
#define CSESS_VERSION_PATCH	0
#define CSESS_VERSION_NUMBER	(CSESS_VERSION_MAJOR << 16 | \
	CSESS_VERSION_MINOR << 8 | CSESS_VERSION_PATCH)

const char	*cs_version(void);

/*
 * Every fallible csess call returns one of these. CS_OK is zero, so
 * "if (rc) ..." reads as "on error".  cs_strerror() gives a short English
 * phrase; it never contains data from the request.
 */
enum cs_err {
	CS_OK = 0,
	CS_ERR_NOMEM,		/* allocation failed */
	CS_ERR_INVALID,		/* argument or input is not valid */
	CS_ERR_TOO_LARGE,	/* input over a configured limit */
	CS_ERR_NOT_FOUND,	/* no such record / cookie / key */
	CS_ERR_EXISTS,		/* create found the key already taken */
	CS_ERR_CONFLICT,	/* record vanished or changed underneath */
	CS_ERR_STORE,		/* storage unavailable or failed (503) */
	CS_ERR_BAD_SIGNATURE,	/* signature missing or does not match */
	CS_ERR_EXPIRED,		/* signature or record too old */
	CS_ERR_CONFIG,		/* a setting has a bad value */
	CS_ERR_IO,		/* read/write on the transport failed */
	CS_ERR_BAD_REQUEST,	/* malformed request input (400) */
	CS_ERR_MEDIA_TYPE,	/* unsupported Content-Type (415) */
	CS_ERR_CRYPTO,		/* the crypto library failed or is missing */
	CS_ERR_UNSUPPORTED,	/* the session engine cannot do this */
	CS_ERR__MAX
};

const char	*cs_strerror(int err);

/*
 * A growable byte buffer, always NUL-terminated after the first append
 * (data may be NULL while len == 0).  Zero-initialise before use.
 */
struct cs_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

int	 cs_buf_reserve(struct cs_buf *, size_t extra);
int	 cs_buf_append(struct cs_buf *, const void *, size_t);
int	 cs_buf_puts(struct cs_buf *, const char *);
int	 cs_buf_putc(struct cs_buf *, char);
int	 cs_buf_printf(struct cs_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 cs_buf_vprintf(struct cs_buf *, const char *, va_list);
void	 cs_buf_reset(struct cs_buf *);	/* len = 0, keeps memory */
void	 cs_buf_free(struct cs_buf *);
char	*cs_buf_steal(struct cs_buf *);	/* caller frees; buf is emptied */

/*
 * The clock, in whole seconds since the epoch.  Tests may pin it with
 * cs_clock_fix(t); cs_clock_fix(-1) returns to the real clock.
 */
int64_t	 cs_now(void);
void	 cs_clock_fix(int64_t);

/*
 * Random bytes from getrandom(2), never a userspace PRNG.  Retries on
 * EINTR; returns CS_ERR_IO only when the kernel refuses.
 */
int	 cs_random_bytes(void *, size_t);
/* n characters drawn uniformly from alphabet (rejection sampling), NUL added. */
int	 cs_random_string(char *out, size_t n, const char *alphabet);

/* Constant-time comparison: true when both hold the same bytes. */
bool	 cs_ct_equal(const void *, size_t, const void *, size_t);

#endif
