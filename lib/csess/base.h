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

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

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
 * The error convention.  Every fallible csess call returns one of these.
 * CS_OK is zero, so "if (rc) ..." reads as "on error".  cs_strerror()
 * gives a short English phrase for the code; cs_errdetail() the detail of
 * the failure (which setting, path or rule), the same text some calls
 * also copy into an err buffer or a why pointer they take.  Neither ever
 * contains data from the request.  The library writes nothing itself: its
 * messages to the operator go through cs_log_set()'s hook.
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
 * The detail of the most recent failure in this thread: one line naming
 * what failed and why ("SESSION_COOKIE_AGE: must be an integer from 0 to
 * ...", "SESSION_STORE /x.mdb: Permission denied", "cookie name is
 * empty"), or "" when the failing call had nothing to add to its code.
 * Never holds session data or secrets.  Valid until the next failing call
 * in this thread; a successful call does not clear it.
 */
const char	*cs_errdetail(void);

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
 * Where the library's messages to the operator go (an unusable store, a
 * bad setting, a refused password hash): one line each, without a
 * newline, never with session data or secrets.  By default they go to
 * stderr as "csess: MSG" -- the web server's error log under CGI and
 * FastCGI.  Set the hook once, before the first request; fn NULL restores
 * the default.  The library writes nothing to stderr itself.
 */
enum cs_log_level {
	CS_LOG_ERROR,		/* a request failed (503, 500) or will */
	CS_LOG_WARNING		/* something to fix; the request went on */
};
typedef void cs_log_fn(void *arg, enum cs_log_level, const char *msg);
void	 cs_log_set(cs_log_fn *fn, void *arg);

/* The clock, in whole seconds since the epoch. */
int64_t	 cs_now(void);

/*
 * Random bytes from getrandom(2), never a userspace PRNG.  Retries on
 * EINTR; returns CS_ERR_IO only when the kernel refuses.
 */
int	 cs_random_bytes(void *, size_t);
/* n characters drawn uniformly from alphabet (rejection sampling), NUL added. */
int	 cs_random_string(char *out, size_t n, const char *alphabet);

/* Constant-time comparison: true when both hold the same bytes. */
bool	 cs_ct_equal(const void *, size_t, const void *, size_t);

#pragma GCC visibility pop
#endif
