/*
 * csess/store.h -- the session engine interface.
 * Part of the one public header, csess.h: include that, not this file.
 *
 * Everything above the engines -- the session object (session*.c), the
 * middleware, users (revocation on a password change) and the csess CLI --
 * talks to an engine only through this interface: the cs_store_* calls
 * below, and what the ops table declares it can do (its capabilities).
 * No caller compares engine names.
 *
 * CAPABILITIES (struct cs_store_ops.caps, tested with cs_store_has)
 *  CS_STORE_STATELESS   The record is the cookie: the key is derived from
 *                       the data (save replaces it), there is no server
 *                       state to delete or enumerate, and the expiry can
 *                       only move by saving again (touch does nothing).
 *                       The session object re-saves where a stored engine
 *                       would touch, and marks the session modified after
 *                       every save so the new key reaches the cookie.
 *  CS_STORE_ENUMERATE   Can walk every session: foreach and export_jsonl
 *                       are set (csess sessions list/export; stats where
 *                       the engine has figures to give).
 *  CS_STORE_USER_INDEX  Finds a user's sessions without a walk: foreach_user
 *                       and revoke_user are set (revoke-user, and the
 *                       logout of every session on a password change).
 *                       Without it a password change still ends the other
 *                       sessions: their stored auth hash no longer matches.
 *  CS_STORE_SELF_EXPIRE The server expires records by itself (Redis TTLs,
 *                       memcached): clear_expired may be NULL and
 *                       cs_store_clear_expired() then succeeds at once.
 *  CS_STORE_ATOMIC      CS_SAVE_CREATE never overwrites a live record and
 *                       CS_SAVE_UPDATE / touch change it only when it is
 *                       present with the version read, in one step: a
 *                       logout racing a save is never undone.  An engine
 *                       without it may resurrect a session a concurrent
 *                       request deleted (Django's file and cache engines).
 *
 * ERRORS
 *  Every call returns an enum cs_err.  The ones with a fixed meaning here:
 *  CS_ERR_NOT_FOUND    no record (missing, or expired for load)
 *  CS_ERR_EXISTS       CS_SAVE_CREATE met a taken key
 *  CS_ERR_CONFLICT     CS_SAVE_UPDATE or touch met a record that vanished,
 *                      expired or changed version (the library answers 400)
 *  CS_ERR_STORE        the engine failed or is unreachable (503);
 *                      cs_store_error() says why, in words
 *  CS_ERR_INVALID      a malformed key or record was passed in
 *  CS_ERR_TOO_LARGE    the record is over the engine's limit
 *  CS_ERR_UNSUPPORTED  the engine lacks the operation (its capability)
 *  CS_ERR_NOMEM        out of memory
 *
 * THREADS AND FORK
 *  A store may be shared by the threads of a process (engines serialise
 *  what they must); it must never be used across fork(): open it in the
 *  process that uses it (cs_store_for_process does).  Iteration callbacks
 *  run inside the engine (a read transaction, a cursor): they must not
 *  call back into the store.
 *
 * ADDING AN ENGINE
 *  Write lib/store_NAME.c with a struct that begins with a struct cs_store,
 *  a const struct cs_store_ops table (the required operations, the caps it
 *  can keep, and any optional operations), and an open function of type
 *  cs_engine_open_fn; declare both in lib/engines.h and add one line to
 *  the engines[] table in lib/store.c (config.c accepts Django's engine
 *  names; a name of csess's own is added there).  Declare a capability only when the engine keeps
 *  its whole promise (tests/unit/test_store_caps.c checks that the flags
 *  and the optional operations agree).  Set key_valid when keys do not
 *  have Django's shape.  Nothing above the engines changes.
 */
#ifndef CSESS_STORE_H
#define CSESS_STORE_H

#include <stdio.h>

#include "base.h"
#include "config.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

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

/* Free what a load or get allocated (data, user); r itself is the
 * caller's.  Safe on a zeroed record and twice. */
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

/* One session as iteration sees it; pointers valid during the call. */
struct cs_store_session {
	char		 key[CS_SESSION_KEY_LEN + 1];
	int64_t		 expire;
	uint64_t	 version;
	const char	*user;		/* NULL when none */
	const char	*data;		/* not NUL-terminated */
	size_t		 data_len;
};

/* Return 0 to go on, non-zero to stop (that value is returned). */
typedef int cs_store_session_fn(void *arg, const struct cs_store_session *);
/* One figure of cs_store_stats: a short name ([a-z_]) and its value. */
typedef void cs_store_stat_fn(void *arg, const char *name, uint64_t value);
/* One line of cs_store_verify (never session data). */
typedef void cs_store_report_fn(void *arg, const char *line);

/* Capabilities: see the top of this file. */
#define CS_STORE_STATELESS	0x01u
#define CS_STORE_ENUMERATE	0x02u
#define CS_STORE_USER_INDEX	0x04u
#define CS_STORE_SELF_EXPIRE	0x08u
#define CS_STORE_ATOMIC		0x10u

struct cs_store;

struct cs_store_ops {
	const char *name;		/* SESSION_ENGINE; for messages only */

	/* ---- required: the request path ---- */

	/* CS_ERR_NOT_FOUND for a missing or expired (expire <= now) record
	 * and for a malformed key.  out is zeroed first; on CS_OK its data
	 * and user are the caller's (cs_record_free). */
	int	(*load)(struct cs_store *, const char *key, int64_t now,
		    struct cs_record *out);
	/* On success rec->version holds the new version.  A stateless engine
	 * replaces *key (frees it, stores a malloc'd one); CREATE with *key
	 * NULL makes a fresh key.  rec's strings stay the caller's. */
	int	(*save)(struct cs_store *, char **key, struct cs_record *rec,
		    enum cs_save_mode mode);
	/* Move the expiry only (lazy touch); CS_ERR_CONFLICT as for UPDATE.
	 * May be NULL: the session then saves instead. */
	int	(*touch)(struct cs_store *, const char *key, int64_t expire,
		    uint64_t version);
	/* Deleting a missing key is not an error. */
	int	(*del)(struct cs_store *, const char *key);
	/* CS_OK when present (expired or not), CS_ERR_NOT_FOUND when not. */
	int	(*exists)(struct cs_store *, const char *key);
	/* Remove records with expire <= now, at most batch per transaction.
	 * May be NULL with CS_STORE_SELF_EXPIRE or CS_STORE_STATELESS. */
	int	(*clear_expired)(struct cs_store *, int64_t now, size_t batch,
		    bool dry_run, struct cs_sweep_stats *);
	void	(*close)(struct cs_store *);

	/* ---- what the engine can do ---- */

	unsigned caps;			/* CS_STORE_* */
	/* The key shape this engine hands out and accepts, checked before
	 * any lookup.  NULL: Django's (cs_session_key_valid). */
	bool	(*key_valid)(const char *key);

	/* ---- optional: operators (NULL when the engine cannot) ---- */

	/* A record as stored, expired or not. */
	int	(*get)(struct cs_store *, const char *key, struct cs_record *out);
	/* Delete one record: CS_ERR_NOT_FOUND when it was not there. */
	int	(*remove)(struct cs_store *, const char *key);
	/* CS_STORE_ENUMERATE: every session, expired or not. */
	int	(*foreach)(struct cs_store *, cs_store_session_fn *, void *arg);
	/* CS_STORE_USER_INDEX: the sessions of one user / delete them all. */
	int	(*foreach_user)(struct cs_store *, const char *user,
		    cs_store_session_fn *, void *arg);
	int	(*revoke_user)(struct cs_store *, const char *user,
		    uint64_t *count);
	int	(*stats)(struct cs_store *, int64_t now, cs_store_stat_fn *,
		    void *arg);
	int	(*verify)(struct cs_store *, cs_store_report_fn *, void *arg,
		    uint64_t *problems);
	/* CS_STORE_ENUMERATE: JSON lines (csess sessions export/import). */
	int	(*export_jsonl)(struct cs_store *, FILE *);
	int	(*import_jsonl)(struct cs_store *, FILE *, uint64_t *count,
		    size_t *bad_line, char *err, size_t errlen);
	/* Flush deferred durability work (SESSION_SYNC=none); cheap. */
	void	(*sync)(struct cs_store *);
	/* The last failure in words, or "" (never session data). */
	const char *(*error)(struct cs_store *);
};

struct cs_store {
	const struct cs_store_ops	*ops;
	const struct cs_config		*cfg;
};

/*
 * Open the engine named by cfg->session_engine; cfg must outlive the
 * store.  CS_ERR_CONFIG for an engine not built in, else the engine's
 * error; err gets one line.  Never share a store across fork().
 */
int	cs_store_open(struct cs_store **out, const struct cs_config *cfg,
	    char *err, size_t errlen);
/* Close and free; NULL is fine. */
void	cs_store_close(struct cs_store *);

/*
 * The ops table of the engine cfg names, without opening it (for its
 * caps and key shape before any store is needed), or NULL when that
 * engine is not built in.
 */
const struct cs_store_ops *cs_store_engine(const struct cs_config *cfg);

/* ---- the request path: direct calls, no checks added ---------------- */

static inline int
cs_store_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	return st->ops->load(st, key, now, out);
}

static inline int
cs_store_save(struct cs_store *st, char **key, struct cs_record *rec,
    enum cs_save_mode mode)
{
	return st->ops->save(st, key, rec, mode);
}

/* CS_ERR_UNSUPPORTED when the engine has no touch: save instead. */
static inline int
cs_store_touch(struct cs_store *st, const char *key, int64_t expire,
    uint64_t version)
{
	if (st->ops->touch == NULL)
		return CS_ERR_UNSUPPORTED;
	return st->ops->touch(st, key, expire, version);
}

static inline int
cs_store_del(struct cs_store *st, const char *key)
{
	return st->ops->del(st, key);
}

static inline int
cs_store_exists(struct cs_store *st, const char *key)
{
	return st->ops->exists(st, key);
}

/* ---- what an engine is ---------------------------------------------- */

/* All caps of st (CS_STORE_*); true when it has every cap in want.
 * cs_store_ops_has asks an engine not opened (NULL ops: false). */
unsigned	 cs_store_caps(const struct cs_store *st);
bool		 cs_store_has(const struct cs_store *st, unsigned want);
bool		 cs_store_ops_has(const struct cs_store_ops *ops, unsigned want);
/* The engine's name, for messages. */
const char	*cs_store_name(const struct cs_store *st);
/* True when key has the shape of ops's keys (NULL ops: Django's). */
bool		 cs_store_key_ok(const struct cs_store_ops *ops, const char *key);

/* True when key has Django's shape (checked before any lookup). */
bool	cs_session_key_valid(const char *key);
/* Fresh random key (getrandom); out must hold CS_SESSION_KEY_LEN + 1. */
int	cs_session_key_new(char out[CS_SESSION_KEY_LEN + 1]);

/*
 * ---- operator calls ---------------------------------------------------
 * Each answers CS_ERR_UNSUPPORTED when the engine lacks the operation,
 * before touching any output but the zeroing stated.
 */

/* Remove expired records (see the op).  stats is zeroed first.  An engine
 * without the op that expires by itself (SELF_EXPIRE) or keeps nothing
 * (STATELESS) answers CS_OK with nothing removed. */
int	cs_store_clear_expired(struct cs_store *, int64_t now, size_t batch,
	    bool dry_run, struct cs_sweep_stats *stats);
/* A record as stored, expired or not; out zeroed first, the caller's
 * on CS_OK.  CS_ERR_NOT_FOUND, CS_ERR_STORE for a damaged record. */
int	cs_store_get(struct cs_store *, const char *key, struct cs_record *out);
/* Delete one record: CS_ERR_NOT_FOUND when it was not there. */
int	cs_store_delete(struct cs_store *, const char *key);
/* Every session, expired or not; records that do not decode are skipped
 * (cs_store_verify reports them).  Returns the callback's non-zero. */
int	cs_store_foreach(struct cs_store *, cs_store_session_fn *, void *arg);
/* The sessions of one user (CS_ERR_INVALID for an empty or long name). */
int	cs_store_foreach_user(struct cs_store *, const char *user,
	    cs_store_session_fn *, void *arg);
/* Delete every session of user; *count (zeroed first) gets how many. */
int	cs_store_revoke_user(struct cs_store *, const char *user,
	    uint64_t *count);
/* The engine's figures, one callback each, in a fixed order. */
int	cs_store_stats(struct cs_store *, int64_t now, cs_store_stat_fn *,
	    void *arg);
/* Check the engine's own consistency; report gets one line per problem,
 * *problems (zeroed first) the count. */
int	cs_store_verify(struct cs_store *, cs_store_report_fn *report,
	    void *arg, uint64_t *problems);
/* JSON lines, one session each (csess sessions export). */
int	cs_store_export(struct cs_store *, FILE *);
/* JSON lines in (csess sessions import): *count and *bad_line zeroed
 * first, err gets the reason (see cs_lmdb_import for the lmdb rules). */
int	cs_store_import(struct cs_store *, FILE *, uint64_t *count,
	    size_t *bad_line, char *err, size_t errlen);
/* Flush deferred durability work; nothing for most engines. */
void	cs_store_sync(struct cs_store *);
/* The last failure in words, or "" (static or the store's; never
 * session data).  NULL store: "". */
const char *cs_store_error(struct cs_store *);

/*
 * ---- the per-process store ---------------------------------------------
 * One store per process for cfg: opened on first use (serialised by a
 * lock), reopened when the pid changed (after fork the parent's store is
 * abandoned, never used or closed in the child) or when cfg names another
 * engine or path; closed at exit.  The store is the process's: do not
 * close it.  CS_ERR_STORE if it cannot open: the reason in err when
 * given, else logged (cs_log_set); cs_errdetail() either way.
 * CS_ERR_INVALID for a NULL cfg.  cs_session_store() is the same call.
 */
int	cs_store_for_process(const struct cs_config *cfg, struct cs_store **out,
	    char *err, size_t errlen);
/* Use store for every caller of cs_store_for_process (embedding, tests);
 * NULL returns to SESSION_ENGINE.  The caller keeps ownership. */
void	cs_store_for_process_set(struct cs_store *store);
/* The ops of the store cs_store_for_process would give (the one set, or
 * cfg's engine) without opening it; NULL for an unknown engine. */
const struct cs_store_ops *cs_store_for_process_ops(const struct cs_config *);

#pragma GCC visibility pop
#endif
