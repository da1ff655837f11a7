/*
 * memcache.h -- internal: the memcached client of the cache and cached_db
 * engines (memcache_client.c, over libmemcached, loaded on first use),
 * and the session value both engines keep in it (store_cache.c).
 */
#ifndef CSESS_MEMCACHE_H
#define CSESS_MEMCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csess/store.h"

#pragma GCC visibility push(hidden)

#define CS_MC_SERVERS_MAX	32

struct cs_mc;

/*
 * Parse SESSION_CACHE_URL (memcached://host[:port][,host[:port]...],
 * port 11211 by default, [v6]:port) and make a client that spreads keys
 * over the servers by consistent hashing (libmemcached's ketama), with
 * one-second connect and I/O timeouts.  Connects lazily.  CS_ERR_CONFIG
 * for a bad URL, CS_ERR_STORE when libmemcached cannot be loaded; err
 * gets one line.
 */
int	 csi_mc_open(struct cs_mc **, const char *url, char *err, size_t errlen);
void	 csi_mc_close(struct cs_mc *);

/* The value under key and its CAS token: CS_ERR_NOT_FOUND, CS_ERR_STORE. */
int	 csi_mc_get(struct cs_mc *, const char *key, char **val, size_t *len,
	    uint64_t *cas);
/* Store: add fails with CS_ERR_EXISTS when key is taken; cas with
 * CS_ERR_CONFLICT when key changed or vanished since the get. */
int	 csi_mc_add(struct cs_mc *, const char *key, const char *val, size_t len,
	    int64_t expire);
int	 csi_mc_set(struct cs_mc *, const char *key, const char *val, size_t len,
	    int64_t expire);
int	 csi_mc_cas(struct cs_mc *, const char *key, const char *val, size_t len,
	    int64_t expire, uint64_t cas);
/* *found (may be NULL) says whether key was there. */
int	 csi_mc_del(struct cs_mc *, const char *key, bool *found);
/* The last failure, naming the URL ("" when none). */
const char *csi_mc_error(struct cs_mc *);

/*
 * The session value in memcached: signing.dumps() (SECRET_KEY, salt
 * "csess.sessions.cache") of {"d": data, "e": expire, "u": user or null,
 * "v": version}, so nobody who can reach the cache but lacks SECRET_KEY
 * can write a session csess will read.  decode: CS_ERR_NOT_FOUND for a
 * value that does not verify or parse.
 */
int	 csi_mc_value_encode(const struct cs_config *, const struct cs_record *,
	    char **out, size_t *len);
int	 csi_mc_value_decode(const struct cs_config *, const char *val,
	    size_t len, struct cs_record *out);

/* prefix + key into out (CS_MC_KEY_MAX); false for a key of another
 * shape, which never reaches the server. */
#define CS_MC_KEY_MAX	(64 + CS_SESSION_KEY_LEN)
bool	 csi_mc_session_key(const char *prefix, const char *key, char *out);
/* CS_ERR_CONFIG (err says so) when cfg has no SECRET_KEY to sign with. */
int	 csi_mc_need_secret(const struct cs_config *, char *err, size_t errlen);

#pragma GCC visibility pop

#endif
