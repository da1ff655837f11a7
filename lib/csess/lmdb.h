/*
 * csess/lmdb.h -- operator tools for the default session engine (lmdb).
 * Part of the one public header, csess.h: include that, not this file.
 *
 * Layout of SESSION_STORE (one LMDB file, MDB_NOSUBDIR, lock file
 * "<path>-lock", both mode 0600):
 *   sessions       key -> [u64 expire][u64 version][u32 flags][u16 userlen]
 *                         [user][data]   (host byte order: an LMDB file is
 *                         not portable across architectures anyway; move
 *                         stores with "csess sessions export/import")
 *   expiry         be64(expire) || key -> ""   (time order: the sweep reads
 *                         only the expired front of it)
 *   user_sessions  user || NUL || key -> ""    (plain unique keys rather than
 *                         MDB_DUPSORT: DUPSORT deletes had bugs fixed only in
 *                         liblmdb 0.9.27-0.9.29, and Debian 12 ships 0.9.24)
 *   users, throttle  reserved for the users and login-throttling modules
 * A record and its index entries change together in one write transaction,
 * but for the sweep: it deletes the user entries of expired sessions, then
 * the sessions, then their expiry entries, each in its own order (a sweep
 * cut short may so leave an expired session without its user entry, or an
 * expired entry without its session, until the next sweep; no one can use
 * them).
 *
 * Every function here takes a store opened by cs_store_open() with
 * SESSION_ENGINE=lmdb and returns CS_ERR_INVALID for any other engine.
 * They are also the lmdb engine's optional operations (store.h): code that
 * should work on any engine calls cs_store_foreach() and the like instead.
 * Reads are snapshot-consistent per transaction; iteration below renews its
 * read transaction every 1000 records so an export of a large store never
 * pins old pages (the file would grow meanwhile), at the price of not
 * being one snapshot.  Callbacks run inside a read transaction: they must
 * not call back into the store.
 *
 * Durability (SESSION_SYNC):
 *   full  every commit is fsynced (data, then meta page): ~2-3k commits/s
 *         on fast disks, tens per second on spinning ones.
 *   meta  MDB_NOMETASYNC: the data is synced, the meta page is not; an OS
 *         crash or power cut may undo the last committed transaction.
 *   none  MDB_NOSYNC: nothing is synced at commit; the store is flushed at
 *         most once a second by a process that keeps writing (and may call
 *         cs_store_lmdb_maybe_sync() between requests), and on close.  An OS
 *         crash may lose the last second of logins -- and, on file systems
 *         that reorder writes, corrupt the store.  A crash of the process
 *         alone loses nothing.  In plain CGI, where every process closes
 *         the store, "none" costs one sync per writing request.  Limit: a
 *         process that goes idle right after a write (a FastCGI worker
 *         blocked waiting for the next request) does not flush; the kernel
 *         writes the pages back within its dirty-expire time (30 s by
 *         default on Linux).
 */
#ifndef CSESS_LMDB_H
#define CSESS_LMDB_H

#include <stdio.h>

#include "base.h"
#include "store.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

/* Longest username kept with a session (bytes, no NUL). */
#define CS_LMDB_USER_MAX	255
/* Largest session data accepted (bytes of JSON). */
#define CS_LMDB_DATA_MAX	(1024 * 1024)

/*
 * The iterator's types are the engine interface's (store.h); these names
 * are kept for the callers of this header.
 */
#define cs_lmdb_session		cs_store_session
typedef cs_store_session_fn	cs_lmdb_session_fn;

/* Every session, expired or not, in key order. */
int	cs_lmdb_foreach(struct cs_store *, cs_lmdb_session_fn *, void *arg);
/* The sessions of one user, in key order. */
int	cs_lmdb_foreach_user(struct cs_store *, const char *user,
	    cs_lmdb_session_fn *, void *arg);

/* A record as stored, expired or not (CS_ERR_NOT_FOUND when absent). */
int	cs_lmdb_get(struct cs_store *, const char *key, struct cs_record *out);
/* Delete one session: CS_ERR_NOT_FOUND when it was not there. */
int	cs_lmdb_delete(struct cs_store *, const char *key);
/* Delete every session of user, in one transaction; *count gets how many. */
int	cs_lmdb_revoke_user(struct cs_store *, const char *user, uint64_t *count);

struct cs_lmdb_stats {
	uint64_t	sessions;	/* records, expired or not */
	uint64_t	expired;	/* expired, not yet swept */
	uint64_t	expiry_entries;
	uint64_t	user_entries;
	size_t		map_size;	/* current map of this process */
	size_t		max_size;	/* SESSION_STORE_MAX_SIZE */
	size_t		map_used;	/* pages in use, in bytes */
	size_t		file_size;
	unsigned	readers;	/* reader slots held (live or dead pids) */
	unsigned	max_readers;
};
int	cs_lmdb_stats(struct cs_store *, int64_t now, struct cs_lmdb_stats *);

/*
 * Check that sessions, the expiry index and the user index agree.  report
 * is called once per inconsistency with one line (no session data);
 * *problems gets the count.  Runs in one read transaction.
 */
int	cs_lmdb_verify(struct cs_store *, void (*report)(void *, const char *),
	    void *arg, uint64_t *problems);

/* Write every session as a JSON line (see csess sessions export). */
int	cs_lmdb_export(struct cs_store *, FILE *);

/*
 * Import JSON lines {"key", "expire", "user", "data"} ("key" and "user"
 * optional; a missing key is generated; an existing key is replaced).
 * The whole input is parsed and validated first, into a temporary file
 * (so the input may be a pipe), so a bad line imports nothing: then
 * CS_ERR_INVALID, *bad_line gets its number (from 1) and err the reason.
 * Valid input is committed in key order, in transactions of up to 100,000
 * sessions (fewer when LMDB's dirty-page limit says so); a store failure
 * part-way leaves the earlier transactions in place (*count says how
 * many).  A million sessions take about ten seconds.
 */
int	cs_lmdb_import(struct cs_store *, FILE *, uint64_t *count,
	    size_t *bad_line, char *err, size_t errlen);

/*
 * SESSION_SYNC=none: flush the store if a commit is unsynced and a second
 * has passed since the last flush.  A FastCGI loop calls this between
 * requests; saves call it too.  Cheap when there is nothing to do.
 */
void	cs_store_lmdb_maybe_sync(struct cs_store *);

/* The last store failure in words (for messages; never session data). */
const char *cs_lmdb_error(struct cs_store *);

#pragma GCC visibility pop
#endif
