/*
 * lmdb_env.h -- internal: the one LMDB environment of a process.
 *
 * SESSION_STORE is a single LMDB file (MDB_NOSUBDIR) holding several named
 * databases.  LMDB forbids opening the same environment twice in one
 * process (closing either handle drops the fcntl locks of both) and using
 * an environment after fork(), so every module that needs the store -- the
 * session engine, users, login throttling -- goes through this layer, which
 * keeps one refcounted handle per path and per process.
 *
 * What it handles for its callers:
 *  - fork: a handle notices it is used in a new process (an atfork handler
 *    counts forks; comparing is cheaper than getpid() per transaction) and
 *    reopens itself there; the inherited MDB_env is closed in the child
 *    only where liblmdb makes that safe (0.9.23+, ITS#8844), else leaked.
 *  - MDB_MAP_FULL (puts, deletes and commits alike): the transaction is
 *    aborted, the map doubled up to SESSION_STORE_MAX_SIZE, and the
 *    caller's function run again in a fresh transaction.
 *  - MDB_MAP_RESIZED: another process grew the map; adopt its size, retry.
 *  - MDB_READERS_FULL: clear slots of dead processes, retry once.
 *  - SESSION_SYNC=none: commits are not synced; the environment is flushed
 *    at most once a second after a write, by csi_lmdb_env_maybe_sync(), and
 *    on the last release.
 *
 * Threads: a handle may be shared by threads.  Transactions hold a
 * process-wide read lock that a resize takes exclusively, because
 * mdb_env_set_mapsize() must not run while any transaction of this process
 * is live.  A transaction function must not start another transaction.
 */
#ifndef CSESS_LMDB_ENV_H
#define CSESS_LMDB_ENV_H

#include <lmdb.h>

#include "csess/config.h"

/* The named databases of SESSION_STORE. */
enum cs_dbi {
	CS_DBI_SESSIONS,	/* key -> record (store_lmdb.c) */
	CS_DBI_EXPIRY,		/* be64(expire) || key -> "" */
	CS_DBI_USER_SESSIONS,	/* user || NUL || key -> "" */
	CS_DBI_USERS,		/* reserved: users module */
	CS_DBI_THROTTLE,	/* reserved: login throttling */
	CS_DBI__MAX
};

/*
 * Returned by a transaction function (and by csi_lmdb_rc) for MDB_MAP_FULL:
 * the layer aborts, grows the map and calls the function again.  Negative,
 * so it never collides with an enum cs_err.
 */
#define CS_LMDB_FULL	(-1)

struct cs_lmdb_env;

/* Runs inside a transaction.  Return CS_OK to commit, a cs_err to abort. */
typedef int cs_lmdb_txn_fn(MDB_txn *, struct cs_lmdb_env *, void *arg);

/*
 * Get the process's handle for cfg->session_store, opening (and creating,
 * mode 0600, parent directory 0700) it on first use.  The first opener's
 * SESSION_SYNC and sizes apply to the whole process.  err gets one line.
 * With cfg->session_store_existing a missing file is CS_ERR_STORE
 * ("SESSION_STORE: no store at PATH"), nothing created.
 *
 * A store in a directory others can reach is refused (CS_ERR_STORE, err
 * naming the path): the directory must be owned by this user or root (any
 * owner when running as root) and not writable by group or others unless
 * sticky; the data file and PATH-lock must not be symbolic or hard links,
 * must be regular files owned by this user, root or the directory's
 * owner, and not writable by group or others.  Ancestors of the directory
 * are not checked.
 */
int	csi_lmdb_env_acquire(struct cs_lmdb_env **, const struct cs_config *,
	    char *err, size_t errlen);
/*
 * For programs that only read (the gate): handles opened from now on in
 * this process open the store MDB_RDONLY -- no map set and remapped, no
 * O_DSYNC descriptor: a CGI process's start-up is cheaper -- with the same
 * ownership and link checks.  A missing store or database is opened
 * read-write as before (creating it); the first write through a read-only
 * handle reopens it read-write.
 */
void	csi_lmdb_env_prefer_readonly(void);
/* Drop a reference; the last one syncs (SESSION_SYNC=none) and closes. */
void	csi_lmdb_env_release(struct cs_lmdb_env *);

/* A named database handle, valid in any transaction of this handle. */
MDB_dbi	csi_lmdb_dbi(struct cs_lmdb_env *, enum cs_dbi);

/*
 * Run fn in a write transaction and commit it, retrying on MAP_FULL
 * (after growth) and MAP_RESIZED.  fn may run more than once: it must
 * derive everything from the transaction and arg, and reset its outputs.
 */
int	csi_lmdb_write(struct cs_lmdb_env *, cs_lmdb_txn_fn *fn, void *arg);
/*
 * csi_lmdb_write, and with defer_meta the commit syncs the data pages but
 * not the meta page (MDB_NOMETASYNC for this transaction only): a crash
 * may lose the transaction, never the store.  For idempotent batches
 * (the sweep), followed by one csi_lmdb_env_flush().
 */
int	csi_lmdb_write_deferred(struct cs_lmdb_env *, bool defer_meta,
	    cs_lmdb_txn_fn *fn, void *arg);
/* Sync everything committed so far to disk (mdb_env_sync, forced);
 * under SESSION_SYNC=none, nothing (csi_lmdb_env_maybe_sync's turn). */
int	csi_lmdb_env_flush(struct cs_lmdb_env *);
/* Run fn in a read-only transaction (aborted afterwards). */
int	csi_lmdb_read(struct cs_lmdb_env *, cs_lmdb_txn_fn *fn, void *arg);

/*
 * Map an LMDB return code to a cs_err: 0 -> CS_OK, MDB_NOTFOUND ->
 * CS_ERR_NOT_FOUND, MDB_MAP_FULL -> CS_LMDB_FULL, MDB_TXN_FULL (too many
 * pages dirtied: split the work) -> CS_ERR_TOO_LARGE, else CS_ERR_STORE (the
 * LMDB message is kept for csi_lmdb_env_error()).
 */
int	csi_lmdb_rc(struct cs_lmdb_env *, int mdbrc);
/* The last store failure in words (no data from records), or "". */
const char *csi_lmdb_env_error(struct cs_lmdb_env *);

/* SESSION_SYNC=none: flush if a commit is unsynced and 1 s has passed. */
void	csi_lmdb_env_maybe_sync(struct cs_lmdb_env *);

/* For stats and tests. */
struct csi_lmdb_env_info {
	size_t		map_size;	/* this process's current map */
	size_t		max_size;	/* growth cap */
	size_t		used;		/* (last page + 1) * page size */
	size_t		page_size;
	unsigned	max_readers;
	unsigned	readers;	/* reader slots held by a process */
	uint64_t	grows;		/* map growths done by this process */
	uint64_t	flushes;	/* csi_lmdb_env_flush syncs done */
	bool		readonly;	/* opened MDB_RDONLY */
	const char	*path;
};
int	csi_lmdb_env_info(struct cs_lmdb_env *, struct csi_lmdb_env_info *);

#endif
