/*
 * csess/store.h -- the session engine interface.
 *
 * The session object (session.c) talks only to this interface, so the
 * lmdb, file, signed_cookies, redis, cache and cached_db engines plug in
 * without touching it.  Engines report errors as cs_err codes; the library
 * maps CS_ERR_STORE to 503 and CS_ERR_CONFLICT to 400.
 * (The store module may add optional operations at the end of the ops
 * table; it must not change the ones below.)
 */
#ifndef CSESS_STORE_H
#define CSESS_STORE_H

#include "base.h"
#include "config.h"

/* Django's key format: 32 characters of [a-z0-9]. */
#define CS_SESSION_KEY_LEN	32
#define CS_SESSION_KEY_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789"

struct cs_record {
	char		*data;		/* JSON object text, NUL-terminated, malloc'd */
	size_t		 data_len;
	int64_t		 expire;	/* absolute, epoch seconds */
	uint64_t	 version;	/* changes on every write; 0 = not stored */
	char		*user;		/* owning username (user index), or NULL */
};

void	cs_record_free(struct cs_record *);

enum cs_save_mode {
	CS_SAVE_CREATE,		/* fail with CS_ERR_EXISTS if the key is taken */
	CS_SAVE_UPDATE		/* fail with CS_ERR_CONFLICT if the record vanished,
				 * expired, or its version is not rec->version */
};

struct cs_sweep_stats {
	uint64_t	removed;	/* sessions deleted (or, dry run, that would be) */
	uint64_t	remaining;	/* sessions left in the store */
	uint64_t	batches;	/* write transactions committed */
	double		elapsed;	/* seconds */
};

struct cs_store;

struct cs_store_ops {
	const char *name;
	/* CS_ERR_NOT_FOUND for a missing or expired (expire <= now) record. */
	int	(*load)(struct cs_store *, const char *key, int64_t now,
		    struct cs_record *out);
	/* On success rec->version holds the new version.  An engine whose key
	 * is derived from the data (signed_cookies) replaces *key (malloc'd). */
	int	(*save)(struct cs_store *, char **key, struct cs_record *rec,
		    enum cs_save_mode mode);
	/* Move the expiry only (lazy touch); CS_ERR_CONFLICT as for UPDATE. */
	int	(*touch)(struct cs_store *, const char *key, int64_t expire,
		    uint64_t version);
	/* Deleting a missing key is not an error. */
	int	(*del)(struct cs_store *, const char *key);
	/* CS_OK when present (expired or not), CS_ERR_NOT_FOUND when not. */
	int	(*exists)(struct cs_store *, const char *key);
	/* Remove records with expire <= now, at most batch per transaction. */
	int	(*clear_expired)(struct cs_store *, int64_t now, size_t batch,
		    bool dry_run, struct cs_sweep_stats *);
	void	(*close)(struct cs_store *);
};

struct cs_store {
	const struct cs_store_ops	*ops;
	const struct cs_config		*cfg;
};

/*
 * Open the engine named by cfg->session_engine.  Never share a store
 * across fork(): open it in the process that uses it.  err gets one line.
 */
int	cs_store_open(struct cs_store **out, const struct cs_config *cfg,
	    char *err, size_t errlen);
void	cs_store_close(struct cs_store *);

/* True when key has Django's shape (checked before any lookup). */
bool	cs_session_key_valid(const char *key);
/* Fresh random key (getrandom); out must hold CS_SESSION_KEY_LEN + 1. */
int	cs_session_key_new(char out[CS_SESSION_KEY_LEN + 1]);

#endif
