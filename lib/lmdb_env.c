/*
 * lmdb_env.c -- one LMDB environment per SESSION_STORE per process:
 * opening, fork detection, map growth, durability.  See lmdb_env.h.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lmdb_env.h"
#include "error.h"
#include "util.h"

/* Reader slots are 64 bytes in a sparse lock file: a large table is cheap
 * and keeps MDB_READERS_FULL away from busy CGI sites. */
#define ENV_MAX_READERS	4096
#define ENV_MAX_DBS	8
#define ENV_RETRIES	64	/* growths/resizes before giving up */
/* env_open_mode: no store or no databases to open read-only. */
#define ENV_MISSING	(-2)

static const char *const dbi_names[CS_DBI__MAX] = {
	[CS_DBI_SESSIONS] = "sessions",
	[CS_DBI_EXPIRY] = "expiry",
	[CS_DBI_USER_SESSIONS] = "user_sessions",
	[CS_DBI_USERS] = "users",
	[CS_DBI_THROTTLE] = "throttle",
};

struct cs_lmdb_env {
	MDB_env			*env;
	char			*path;
	unsigned long		 gen;		/* fork generation at open */
	unsigned		 refs;
	size_t			 init_size;
	size_t			 max_size;
	size_t			 map_size;	/* current, under rw */
	enum cs_sync		 sync;
	/* Opened MDB_RDONLY (csi_lmdb_env_prefer_readonly): turns false,
	 * once, when the first write reopens the handle read-write. */
	bool			 readonly;
	MDB_dbi			 dbi[CS_DBI__MAX];
	/* Shared by every transaction, exclusive for set_mapsize. */
	pthread_rwlock_t	 rw;
	pthread_mutex_t		 sync_mu;
	struct timespec		 last_sync;
	bool			 dirty;		/* committed, not yet synced */
	uint64_t		 grows;
	uint64_t		 flushes;
	LIST_ENTRY(cs_lmdb_env)	 link;
};

static LIST_HEAD(, cs_lmdb_env) envs = LIST_HEAD_INITIALIZER(envs);
static pthread_mutex_t envs_mu = PTHREAD_MUTEX_INITIALIZER;
/* Handles opened from now on start read-only (see lmdb_env.h). */
static bool prefer_readonly;

void
csi_lmdb_env_prefer_readonly(void)
{
	__atomic_store_n(&prefer_readonly, true, __ATOMIC_RELAXED);
}

static bool
is_readonly(struct cs_lmdb_env *e)
{
	return __atomic_load_n(&e->readonly, __ATOMIC_ACQUIRE);
}
static _Thread_local char lasterr[256];

static void
seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lasterr, sizeof(lasterr), fmt, ap);
	va_end(ap);
	csi_error("%s", lasterr);
}

const char *
csi_lmdb_env_error(struct cs_lmdb_env *e)
{
	(void)e;
	return lasterr;
}

int
csi_lmdb_rc(struct cs_lmdb_env *e, int rc)
{
	(void)e;
	switch (rc) {
	case 0:
		return CS_OK;
	case MDB_NOTFOUND:
		return CS_ERR_NOT_FOUND;
	case MDB_MAP_FULL:
		return CS_LMDB_FULL;
	case MDB_TXN_FULL:
		seterr("transaction too large: %s", mdb_strerror(rc));
		return CS_ERR_TOO_LARGE;
	default:
		seterr("%s", mdb_strerror(rc));
		return CS_ERR_STORE;
	}
}

MDB_dbi
csi_lmdb_dbi(struct cs_lmdb_env *e, enum cs_dbi which)
{
	return e->dbi[which];
}

/*
 * Who may own the store's directory and files.  The directory: the
 * running user or root -- or anyone when we are root (an operator running
 * the CLI on the service account's store).  The files: the running user,
 * root, or the directory's owner (whom the directory already trusts).
 */
static bool
owner_trusted(uid_t uid, uid_t dir_owner)
{
	uid_t me = geteuid();

	return uid == me || uid == 0 || uid == dir_owner;
}

/*
 * Create the directory holding the store (one level, mode 0700) when it is
 * missing, then check it: a directory that others may write into lets
 * them plant or swap the store's files.  Group- or other-writable is
 * refused unless sticky (as /tmp): there no one else can remove or rename
 * our files, and check_file() refuses any file they created first.  Only
 * the direct parent is checked, not its ancestors.
 */
static int
ensure_parent(const char *path, uid_t *owner, char *err, size_t errlen)
{
	char *copy, *dir;
	struct stat st;
	int rc = CS_ERR_STORE;

	if ((copy = strdup(path)) == NULL)
		return CS_ERR_NOMEM;
	dir = dirname(copy);
	if (stat(dir, &st) != 0 && (errno != ENOENT || mkdir(dir, 0700) != 0 ||
	    stat(dir, &st) != 0))
		snprintf(err, errlen, "SESSION_STORE: cannot create directory %s: %s",
		    dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(err, errlen, "SESSION_STORE: %s is not a directory", dir);
	else if (geteuid() != 0 && st.st_uid != geteuid() && st.st_uid != 0)
		snprintf(err, errlen, "SESSION_STORE: refusing directory %s: "
		    "owned by uid %u, not by this user or root", dir,
		    (unsigned)st.st_uid);
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		snprintf(err, errlen, "SESSION_STORE: refusing directory %s: "
		    "writable by group or others (mode %04o)", dir,
		    (unsigned)(st.st_mode & 07777));
	else {
		*owner = st.st_uid;
		rc = CS_OK;
	}
	free(copy);
	return rc;
}

/*
 * Open (creating, 0600) one of the files LMDB is about to open, without
 * following a symbolic link, and check it is ours alone: a regular file
 * with one link, owned by a trusted user, not writable by group or others.
 * A planted symlink or hard link would make LMDB truncate and write its
 * target; an adopted file would let its owner read or forge records.
 * Records the identity in *id for check_same().  O_NONBLOCK: a FIFO at
 * the path must not hang the open.  Without create (a read-only open of
 * the data file) a missing file is ENV_MISSING.
 */
static int
check_file(const char *file, bool create, uid_t dir_owner, struct stat *id,
    char *err, size_t errlen)
{
	const char *why = NULL;
	int fd;

	fd = open(file, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1 && errno == ENOENT && !create)
		return ENV_MISSING;
	if (fd == -1 && errno == ELOOP)
		why = "is a symbolic link";
	else if (fd == -1) {
		snprintf(err, errlen, "SESSION_STORE %s: %s", file,
		    errno == EACCES ? "permission denied" : strerror(errno));
		return CS_ERR_STORE;
	} else if (fstat(fd, id) != 0)
		why = strerror(errno);
	else if (!S_ISREG(id->st_mode))
		why = "not a regular file";
	else if (id->st_nlink != 1)
		why = "has other hard links";
	else if (!owner_trusted(id->st_uid, dir_owner))
		why = "owned by another user";
	else if (id->st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by group or others";
	/* Closed before LMDB opens it: closing any descriptor of the lock
	 * file drops the process's fcntl locks on it. */
	if (fd != -1)
		close(fd);
	if (why == NULL)
		return CS_OK;
	snprintf(err, errlen, "SESSION_STORE: refusing %s: %s", file, why);
	return CS_ERR_STORE;
}

/* After mdb_env_open: the files LMDB opened are the ones checked (the
 * directory check leaves no one else able to swap them; this is the
 * belt to those braces). */
static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int
check_opened(struct cs_lmdb_env *e, const struct stat *data,
    const struct stat *lock, const char *lockpath, char *err, size_t errlen)
{
	struct stat st;
	mdb_filehandle_t fd;

	if (mdb_env_get_fd(e->env, &fd) != 0 || fstat(fd, &st) != 0 ||
	    !same_file(&st, data)) {
		snprintf(err, errlen, "SESSION_STORE: refusing %s: replaced "
		    "while opening", e->path);
		return CS_ERR_STORE;
	}
	if (lstat(lockpath, &st) != 0 || !same_file(&st, lock)) {
		snprintf(err, errlen, "SESSION_STORE: refusing %s: replaced "
		    "while opening", lockpath);
		return CS_ERR_STORE;
	}
	return CS_OK;
}

/* The directory, the data file and the lock file ("PATH-lock", as LMDB
 * names it under MDB_NOSUBDIR), in that order. */
static int
check_store(struct cs_lmdb_env *e, bool ro, struct stat *data,
    struct stat *lock, char **lockpath, char *err, size_t errlen)
{
	uid_t dir_owner;
	int rc;

	*lockpath = NULL;
	if ((rc = ensure_parent(e->path, &dir_owner, err, errlen)))
		return rc;
	if (asprintf(lockpath, "%s-lock", e->path) == -1) {
		*lockpath = NULL;
		snprintf(err, errlen, "out of memory");
		return CS_ERR_NOMEM;
	}
	/* LMDB opens the lock file read-write and creates it even under
	 * MDB_RDONLY. */
	if ((rc = check_file(e->path, !ro, dir_owner, data, err, errlen)) ||
	    (rc = check_file(*lockpath, true, dir_owner, lock, err, errlen))) {
		free(*lockpath);
		*lockpath = NULL;
	}
	return rc;
}

/* The DBIs, opened once in a committed transaction (a handle opened in an
 * aborted one is closed again).  A read transaction suffices unless a
 * database is missing: then one write transaction creates them all. */
static int
open_dbis(struct cs_lmdb_env *e, bool ro, char *err, size_t errlen)
{
	MDB_txn *txn;
	unsigned flags = MDB_RDONLY, dbflags = 0;
	int rc, i, pass, tries = 0;

	for (pass = 0; pass < 2; pass++) {
again:
		rc = mdb_txn_begin(e->env, NULL, flags, &txn);
		if (rc == MDB_MAP_RESIZED && tries++ < ENV_RETRIES) {
			mdb_env_set_mapsize(e->env, 0);
			goto again;
		}
		if (rc) {
			snprintf(err, errlen, "SESSION_STORE %s: %s", e->path,
			    mdb_strerror(rc));
			return CS_ERR_STORE;
		}
		for (i = 0; i < CS_DBI__MAX; i++)
			if ((rc = mdb_dbi_open(txn, dbi_names[i], dbflags,
			    &e->dbi[i])) != 0)
				break;
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc == 0)
			return CS_OK;
		if (rc == MDB_NOTFOUND && ro)
			return ENV_MISSING;
		if (rc != MDB_NOTFOUND || pass == 1) {
			snprintf(err, errlen, "SESSION_STORE %s: opening databases: %s",
			    e->path, mdb_strerror(rc));
			return CS_ERR_STORE;
		}
		flags = 0;
		dbflags = MDB_CREATE;
	}
	return CS_ERR_STORE;
}

static void
refresh_map_size(struct cs_lmdb_env *e)
{
	MDB_envinfo info;

	if (mdb_env_info(e->env, &info) == 0)
		e->map_size = info.me_mapsize;
}

/*
 * Read-write, or read-only (ro): MDB_RDONLY, the map sized by the file's
 * meta page rather than set, mapped and remapped, and no O_DSYNC handle;
 * the same ownership and link checks.  ro returns ENV_MISSING when there
 * is no store or it lacks a database: a read-write open creates them.
 */
static int
env_open_mode(struct cs_lmdb_env *e, bool ro, char *err, size_t errlen)
{
	unsigned flags = MDB_NOSUBDIR;
	struct stat data, lock;
	char *lockpath;
	int rc, dead;
	size_t ours;

	if ((rc = check_store(e, ro, &data, &lock, &lockpath, err, errlen)))
		return rc;
	if (ro)
		flags |= MDB_RDONLY;
	else if (e->sync == CS_SYNC_META)
		flags |= MDB_NOMETASYNC;
	else if (e->sync == CS_SYNC_NONE)
		flags |= MDB_NOSYNC;
	if ((rc = mdb_env_create(&e->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_maxreaders(e->env, ENV_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_maxdbs(e->env, ENV_MAX_DBS)) != 0 ||
	    (!ro && (rc = mdb_env_set_mapsize(e->env, e->init_size)) != 0))
		goto fail;
	if ((rc = mdb_env_open(e->env, e->path, flags, 0600)) != 0)
		goto fail;
	rc = check_opened(e, &data, &lock, lockpath, err, errlen);
	free(lockpath);
	lockpath = NULL;
	if (rc)
		goto close;
	/* Slots left by processes that died (SIGKILLed CGI children). */
	mdb_reader_check(e->env, &dead);
	refresh_map_size(e);
	/* Adopt a larger map another process already persisted. */
	ours = e->map_size;
	if (!ro && mdb_env_set_mapsize(e->env, 0) == 0) {
		refresh_map_size(e);
		if (e->map_size < ours && mdb_env_set_mapsize(e->env, ours) == 0)
			e->map_size = ours;
	}
	if ((rc = open_dbis(e, ro, err, errlen)))
		goto close;
	e->gen = csi_fork_gen();
	clock_gettime(CLOCK_MONOTONIC, &e->last_sync);
	e->dirty = false;
	return CS_OK;
close:
	mdb_env_close(e->env);
	e->env = NULL;
	return rc;
fail:
	free(lockpath);
	snprintf(err, errlen, "SESSION_STORE %s: %s", e->path,
	    rc == EACCES ? "permission denied" : mdb_strerror(rc));
	if (e->env)
		mdb_env_close(e->env);
	e->env = NULL;
	return CS_ERR_STORE;
}

static int
env_open(struct cs_lmdb_env *e, char *err, size_t errlen)
{
	int rc;

	if (is_readonly(e)) {
		if ((rc = env_open_mode(e, true, err, errlen)) != ENV_MISSING)
			return rc;
		__atomic_store_n(&e->readonly, false, __ATOMIC_RELEASE);
	}
	return env_open_mode(e, false, err, errlen);
}

/*
 * The inherited environment belongs to the parent: its reader slots and
 * locks are the parent's.  liblmdb 0.9.23 made mdb_env_close() safe in a
 * forked child (it clears only slots of the caller's pid); before that we
 * leak the handle rather than disturb the parent.
 */
static void
drop_inherited(struct cs_lmdb_env *e)
{
	int major, minor, patch;

	mdb_version(&major, &minor, &patch);
	if (major > 0 || minor > 9 || (minor == 9 && patch >= 23))
		mdb_env_close(e->env);
	e->env = NULL;
}

/* Called before every transaction: reopen in a child after fork(). */
static int
env_ensure(struct cs_lmdb_env *e)
{
	char err[256];
	int rc;

	if (e->env != NULL && e->gen == csi_fork_gen())
		return CS_OK;
	pthread_mutex_lock(&envs_mu);
	if (e->env != NULL && e->gen != csi_fork_gen()) {
		drop_inherited(e);
		pthread_rwlock_init(&e->rw, NULL);
		pthread_mutex_init(&e->sync_mu, NULL);
	}
	rc = e->env ? CS_OK : env_open(e, err, sizeof(err));
	pthread_mutex_unlock(&envs_mu);
	if (rc)
		seterr("%s", err);
	return rc;
}

int
csi_lmdb_env_acquire(struct cs_lmdb_env **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct cs_lmdb_env *e;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&envs_mu);
	LIST_FOREACH(e, &envs, link)
		if (strcmp(e->path, cfg->session_store) == 0)
			break;
	if (e != NULL) {
		e->refs++;
		pthread_mutex_unlock(&envs_mu);
		if ((rc = env_ensure(e))) {
			snprintf(err, errlen, "%s", lasterr);
			csi_lmdb_env_release(e);
			return rc;
		}
		*out = e;
		return CS_OK;
	}
	/* LMDB creates a missing MDB_NOSUBDIR file whatever the flags: an
	 * inspecting caller must be refused before it gets there. */
	if (cfg->session_store_existing &&
	    access(cfg->session_store, F_OK) != 0 && errno == ENOENT) {
		pthread_mutex_unlock(&envs_mu);
		snprintf(err, errlen, "SESSION_STORE: no store at %s",
		    cfg->session_store);
		return CS_ERR_STORE;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->path = strdup(cfg->session_store)) == NULL) {
		free(e);
		pthread_mutex_unlock(&envs_mu);
		snprintf(err, errlen, "out of memory");
		return CS_ERR_NOMEM;
	}
	e->init_size = cfg->session_store_map_size;
	e->max_size = cfg->session_store_max_size;
	if (e->max_size < e->init_size)
		e->max_size = e->init_size;
	e->sync = cfg->session_sync;
	e->readonly = __atomic_load_n(&prefer_readonly, __ATOMIC_RELAXED);
	pthread_rwlock_init(&e->rw, NULL);
	pthread_mutex_init(&e->sync_mu, NULL);
	if ((rc = env_open(e, err, errlen))) {
		pthread_mutex_unlock(&envs_mu);
		free(e->path);
		free(e);
		return rc;
	}
	e->refs = 1;
	LIST_INSERT_HEAD(&envs, e, link);
	pthread_mutex_unlock(&envs_mu);
	*out = e;
	return CS_OK;
}

void
csi_lmdb_env_release(struct cs_lmdb_env *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&envs_mu);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&envs_mu);
		return;
	}
	LIST_REMOVE(e, link);
	pthread_mutex_unlock(&envs_mu);
	if (e->env != NULL && e->gen == csi_fork_gen()) {
		if (e->dirty)
			mdb_env_sync(e->env, 1);
		mdb_env_close(e->env);
	} else if (e->env != NULL)
		drop_inherited(e);
	pthread_rwlock_destroy(&e->rw);
	pthread_mutex_destroy(&e->sync_mu);
	free(e->path);
	free(e);
}

/* Another process grew the map past ours: take the size it stored. */
static void
adopt_map_size(struct cs_lmdb_env *e)
{
	pthread_rwlock_wrlock(&e->rw);
	mdb_env_set_mapsize(e->env, 0);
	refresh_map_size(e);
	pthread_rwlock_unlock(&e->rw);
}

/*
 * Double the map (up to max_size) after MDB_MAP_FULL hit a transaction
 * that began with a map of `seen' bytes.  No transaction of this process
 * is live while we hold rw exclusively, as set_mapsize requires.
 */
static int
grow_map(struct cs_lmdb_env *e, size_t seen)
{
	size_t next;
	int rc = CS_OK;

	pthread_rwlock_wrlock(&e->rw);
	refresh_map_size(e);
	if (e->map_size > seen)		/* another thread grew it */
		goto out;
	if (e->map_size >= e->max_size) {
		seterr("store full: %zu bytes reached SESSION_STORE_MAX_SIZE",
		    e->map_size);
		rc = CS_ERR_STORE;
		goto out;
	}
	next = e->map_size > e->max_size / 2 ? e->max_size : e->map_size * 2;
	if ((rc = mdb_env_set_mapsize(e->env, next)) != 0) {
		seterr("growing the map: %s", mdb_strerror(rc));
		rc = CS_ERR_STORE;
		goto out;
	}
	e->grows++;
	refresh_map_size(e);
out:
	pthread_rwlock_unlock(&e->rw);
	return rc;
}

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int
csi_lmdb_env_flush(struct cs_lmdb_env *e)
{
	int rc;

	if ((rc = env_ensure(e)))
		return rc;
	/* Nothing written; or SESSION_SYNC=none, whose writes are flushed
	 * once a second at most (csi_lmdb_env_maybe_sync). */
	if (is_readonly(e) || e->sync == CS_SYNC_NONE)
		return CS_OK;
	if ((rc = mdb_env_sync(e->env, 1)) != 0) {
		seterr("sync: %s", mdb_strerror(rc));
		return CS_ERR_STORE;
	}
	pthread_mutex_lock(&e->sync_mu);
	e->dirty = false;
	e->flushes++;
	clock_gettime(CLOCK_MONOTONIC, &e->last_sync);
	pthread_mutex_unlock(&e->sync_mu);
	return CS_OK;
}

void
csi_lmdb_env_maybe_sync(struct cs_lmdb_env *e)
{
	struct timespec now;

	if (e == NULL || e->sync != CS_SYNC_NONE || !e->dirty ||
	    e->env == NULL || e->gen != csi_fork_gen())
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&e->sync_mu);
	if (e->dirty && since(&e->last_sync, &now) >= 1.0) {
		e->dirty = false;
		e->last_sync = now;
		pthread_mutex_unlock(&e->sync_mu);
		mdb_env_sync(e->env, 1);
		return;
	}
	pthread_mutex_unlock(&e->sync_mu);
}

/*
 * A read-only handle asked to write: reopen it read-write, for good.  No
 * transaction of this process is live while rw is held exclusively.  An
 * environment inherited over fork() is left to env_ensure().
 */
static int
env_upgrade(struct cs_lmdb_env *e)
{
	char err[256];
	int rc = CS_OK;

	pthread_mutex_lock(&envs_mu);
	pthread_rwlock_wrlock(&e->rw);
	if (is_readonly(e)) {
		__atomic_store_n(&e->readonly, false, __ATOMIC_RELEASE);
		if (e->env != NULL && e->gen == csi_fork_gen()) {
			mdb_env_close(e->env);
			e->env = NULL;
			if ((rc = env_open(e, err, sizeof(err))))
				seterr("%s", err);
		}
	}
	pthread_rwlock_unlock(&e->rw);
	pthread_mutex_unlock(&envs_mu);
	return rc;
}

/* Begin a transaction under the shared lock; on success the lock is held. */
static int
txn_begin(struct cs_lmdb_env *e, unsigned flags, MDB_txn **txn, size_t *seen)
{
	int rc, tries, checked = 0;

	for (tries = 0; tries < ENV_RETRIES; tries++) {
		if ((rc = env_ensure(e)))
			return rc;
		pthread_rwlock_rdlock(&e->rw);
		*seen = e->map_size;
		rc = mdb_txn_begin(e->env, NULL, flags, txn);
		if (rc == 0)
			return CS_OK;
		pthread_rwlock_unlock(&e->rw);
		if (rc == MDB_MAP_RESIZED) {
			adopt_map_size(e);
			continue;
		}
		if (rc == MDB_READERS_FULL && !checked++) {
			int dead;

			mdb_reader_check(e->env, &dead);
			continue;
		}
		seterr("%s", mdb_strerror(rc));
		return CS_ERR_STORE;
	}
	seterr("map resized too often");
	return CS_ERR_STORE;
}

/*
 * After a commit that synced: let a writer our unlock woke run before we
 * go on.  LMDB holds its writer lock through the sync, so the disk idles
 * from our unlock to the next writer's sync.  On a busy machine the woken
 * writer is queued on our CPU; without the yield we would run on through
 * the rest of our request and often take the lock again first, the waiter
 * still queued.  Under wrk, two protected-page workers (SESSION_SYNC=meta)
 * left the disk idle 89 us between syncs without it, 43 us with it, a bare
 * put-and-commit loop 34 us.  With nothing else runnable it returns at once.
 */
static void
after_synced_commit(void)
{
	sched_yield();
}

int
csi_lmdb_write(struct cs_lmdb_env *e, cs_lmdb_txn_fn *fn, void *arg)
{
	return csi_lmdb_write_deferred(e, false, fn, arg);
}

/*
 * defer_meta: MDB_NOMETASYNC for this transaction alone (a flag of
 * mdb_txn_begin in liblmdb 0.9.x, so other threads' commits keep the
 * environment's SESSION_SYNC).  A liblmdb that ignores it syncs fully:
 * slower, never less safe.
 */
int
csi_lmdb_write_deferred(struct cs_lmdb_env *e, bool defer_meta,
    cs_lmdb_txn_fn *fn, void *arg)
{
	MDB_txn *txn;
	size_t seen;
	unsigned flags = defer_meta ? MDB_NOMETASYNC : 0;
	int rc, tries;

	if (is_readonly(e) && (rc = env_upgrade(e)))
		return rc;
	for (tries = 0; tries < ENV_RETRIES; tries++) {
		if ((rc = txn_begin(e, flags, &txn, &seen)))
			return rc;
		rc = fn(txn, e, arg);
		if (rc != CS_OK) {
			mdb_txn_abort(txn);
			pthread_rwlock_unlock(&e->rw);
			if (rc != CS_LMDB_FULL)
				return rc;
		} else {
			rc = mdb_txn_commit(txn);
			pthread_rwlock_unlock(&e->rw);
			if (rc == 0) {
				if (e->sync == CS_SYNC_NONE) {
					e->dirty = true;
					csi_lmdb_env_maybe_sync(e);
				} else
					after_synced_commit();
				return CS_OK;
			}
			if (rc != MDB_MAP_FULL) {
				seterr("commit: %s", mdb_strerror(rc));
				return CS_ERR_STORE;
			}
		}
		/* MDB_MAP_FULL: the transaction is gone; grow and rerun. */
		if ((rc = grow_map(e, seen)))
			return rc;
	}
	seterr("map full after %d growths", ENV_RETRIES);
	return CS_ERR_STORE;
}

int
csi_lmdb_read(struct cs_lmdb_env *e, cs_lmdb_txn_fn *fn, void *arg)
{
	MDB_txn *txn;
	size_t seen;
	int rc;

	if ((rc = txn_begin(e, MDB_RDONLY, &txn, &seen)))
		return rc;
	rc = fn(txn, e, arg);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&e->rw);
	return rc == CS_LMDB_FULL ? CS_ERR_STORE : rc;
}

/* mdb_reader_list prints a header, then one line per slot held by a pid. */
static int
count_reader(const char *msg, void *arg)
{
	if (strstr(msg, "pid") == NULL && strstr(msg, "no active") == NULL)
		(*(unsigned *)arg)++;
	return 0;
}

int
csi_lmdb_env_info(struct cs_lmdb_env *e, struct csi_lmdb_env_info *out)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = env_ensure(e)))
		return rc;
	if (mdb_env_info(e->env, &info) != 0 || mdb_env_stat(e->env, &st) != 0)
		return CS_ERR_STORE;
	out->map_size = info.me_mapsize;
	out->max_size = e->max_size;
	out->page_size = st.ms_psize;
	out->used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	out->max_readers = info.me_maxreaders;
	out->readers = 0;
	mdb_reader_list(e->env, count_reader, &out->readers);
	out->grows = e->grows;
	out->flushes = e->flushes;
	out->readonly = is_readonly(e);
	out->path = e->path;
	return CS_OK;
}
