/*
 * csess_test.h -- internal: hooks for csess's own tests, benchmarks and
 * tools.  Not installed and not exported from the shared library: a
 * program built on the public header cannot reach these.
 */
#ifndef CSESS_TEST_H
#define CSESS_TEST_H

#include "csess.h"

/* Pin the clock at t (epoch seconds); csi_clock_fix(-1) returns to the
 * real clock.  Every cs_now() in the process sees it. */
void	 csi_clock_fix(int64_t t);

/*
 * Load this soname instead of libcrypto.so.3.  Only before the first call
 * that loads it (a password hash).  Not thread-safe.
 */
void	 csi_crypto_use(const char *libcrypto);

/* Use store for every session of this process; NULL returns to
 * SESSION_ENGINE.  The caller keeps ownership (cs_store_for_process_set). */
void	 csi_session_store_set(struct cs_store *store);

/* The signing calls with the clock given: one reading for several values,
 * and fixed vectors in tests.  As their twins in csess/sign.h otherwise. */
int	 csi_sign_at(const struct cs_signer *, const char *value, size_t len,
	    int64_t now, struct cs_buf *out);
int	 csi_unsign_at(const struct cs_signer *, const char *signed_value,
	    size_t len, int64_t max_age, int64_t now, struct cs_buf *out);
int	 csi_dumps_at(const struct cs_signer *s, const char *json, size_t len,
	    bool compress, int64_t now, struct cs_buf *out);
int	 csi_loads_at(const struct cs_signer *s, const char *token, size_t len,
	    int64_t max_age, int64_t now, struct cs_buf *out);
int	 csi_signed_cookie_value_at(struct cs_buf *out,
	    const struct cs_config *cfg, const char *name, const char *value,
	    const char *salt, enum cs_cookie_salt mode, int64_t now);
int	 csi_get_signed_cookie_at(struct cs_buf *out,
	    const struct cs_config *cfg, const struct cs_cookies *cookies,
	    const char *name, const char *salt, int64_t max_age, int64_t now);

/*
 * The lmdb sweep calls fn(arg, step) after its steps 2 (it has found which
 * listed sessions are still expired), 3 (it has deleted their user
 * entries) and 4 (it has deleted the sessions), before step 5 deletes the
 * expiry entries (store_lmdb_sweep.c).  A non-zero return stops the sweep
 * there, as a crash would, and it returns that code.  NULL: no calls.
 */
void	 csi_sweep_after_step(int (*fn)(void *arg, int step), void *arg);

#endif
