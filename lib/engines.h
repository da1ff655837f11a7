/*
 * engines.h -- internal: the engines cs_store_open() dispatches to, one
 * per SESSION_ENGINE: each one's open function and ops table.  Not part
 * of the public header.
 */
#ifndef CSESS_ENGINES_H
#define CSESS_ENGINES_H

#include "csess/store.h"

typedef int cs_engine_open_fn(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen);

cs_engine_open_fn csi_store_lmdb_open;		/* store_lmdb.c */
cs_engine_open_fn csi_store_signed_cookies_open;	/* store_cookie.c */
cs_engine_open_fn csi_store_redis_open;		/* store_redis.c */
cs_engine_open_fn csi_store_file_open;		/* store_file.c */
cs_engine_open_fn csi_store_cache_open;		/* store_cache.c */
cs_engine_open_fn csi_store_cached_db_open;	/* store_cached_db.c */

#pragma GCC visibility push(hidden)
extern const struct cs_store_ops csi_store_lmdb_ops;
extern const struct cs_store_ops csi_store_signed_cookies_ops;
extern const struct cs_store_ops csi_store_redis_ops;
extern const struct cs_store_ops csi_store_file_ops;
extern const struct cs_store_ops csi_store_cache_ops;
extern const struct cs_store_ops csi_store_cached_db_ops;
#pragma GCC visibility pop

#endif
