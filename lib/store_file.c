/*
 * store_file.c -- the file session engine, byte-compatible with
 * django.contrib.sessions.backends.file: one file per session,
 * SESSION_FILE_PATH/<SESSION_COOKIE_NAME><key>, holding exactly Django's
 * encode() string (signing.dumps(session, compress=True, salt=
 * "django.contrib.sessions.SessionStore") with SECRET_KEY, no newline).
 *
 * Expiry is Django's, computed when the file is read: the session's
 * _session_expiry when it is set (an absolute date; or an int N, which
 * Django reads as "N more seconds" every time, so such a file never
 * expires server-side), else the file's mtime + SESSION_COOKIE_AGE.  A
 * save sets the mtime to the record's expiry minus SESSION_COOKIE_AGE, so
 * an import keeps its expiry and Django and csess agree both ways.
 *
 * Writes go to a temporary file in the same directory (Django's name,
 * <name>_out_<random>, mode 0600), then: a create links it to the name
 * (never overwriting, even a file Django created), an update exchanges it
 * with the present file (renameat2 RENAME_EXCHANGE: a deleted session is
 * never brought back; plain rename after a check where the file system
 * cannot exchange).  The key is checked before any name is built, and
 * every file is opened relative to the directory, never following a link.
 *
 * Not CS_STORE_ATOMIC: the version (the file's identity and mtime) is
 * compared before the exchange, not in the same step, as Django's file
 * engine has no lock either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "csess/auth.h"
#include "csess/sign.h"
#include "engines.h"
#include "session_impl.h"
#include "store_jsonl.h"
#include "log.h"

#define SESSION_SALT	"django.contrib.sessions.SessionStore"
#define TMP_TAG		"_out_"
#define TMP_RAND	8
#define KEY_TRIES	16

struct file_store {
	struct cs_store	 base;
	int		 dirfd;
	char		*dir;		/* for messages */
	struct cs_signer signer;
	char		 err[PATH_MAX + 128];
	bool		 down;		/* the last call failed: logged once */
};

/* A session file's name: the cookie name, then the key. */
struct fname {
	char	s[NAME_MAX + 1];
};

/* What one read of a session file gives. */
struct fread {
	char		*data;		/* JSON text, NULL when undecodable */
	size_t		 len;
	char		*user;
	int64_t		 expire;
	uint64_t	 version;
};

static struct file_store *
fs_of(struct cs_store *st)
{
	return (struct file_store *)st;
}

static int
fail(struct file_store *fs, const char *what, const char *name, int e)
{
	snprintf(fs->err, sizeof(fs->err), "SESSION_FILE_PATH %s: %s %s: %s",
	    fs->dir, what, name, strerror(e));
	/* One line per outage (a full disk, a directory made read-only). */
	if (!fs->down)
		csi_log(CS_LOG_ERROR, "session store: %s", fs->err);
	fs->down = true;
	return CS_ERR_STORE;
}

/* The key is checked here, before any name exists. */
static bool
name_of(struct file_store *fs, const char *key, struct fname *n)
{
	const char *pre = fs->base.cfg->session_cookie_name;

	if (key == NULL || !cs_session_key_valid(key))
		return false;
	return (size_t)snprintf(n->s, sizeof(n->s), "%s%s", pre ? pre : "",
	    key) < sizeof(n->s);
}

/* SECRET_KEY is read afresh: cfg may be reloaded (see store_cookie.c). */
static int
signer_refresh(struct file_store *fs)
{
	if (cs_signer_init(&fs->signer, fs->base.cfg))
		return CS_ERR_CONFIG;
	fs->signer.salt = SESSION_SALT;
	return CS_OK;
}

/* The file's identity and mtime: a rename or a write changes it. */
static uint64_t
version_of(const struct stat *sb)
{
	uint64_t v = (uint64_t)sb->st_ino * 0x9e3779b97f4a7c15ull;

	v ^= (uint64_t)sb->st_mtim.tv_sec * 1000000007ull +
	    (uint64_t)sb->st_mtim.tv_nsec;
	v ^= (uint64_t)sb->st_size << 40;
	v ^= v >> 31;
	return v ? v : 1;
}

/* Django's _expiry_date(): _session_expiry, else mtime + cookie age. */
static int64_t
expiry_of(struct file_store *fs, json_t *obj, const struct stat *sb,
    int64_t now)
{
	int64_t n;
	bool abs;

	if (obj != NULL && csi_session_expiry_parse(json_object_get(obj,
	    CS_SESSION_EXPIRY_KEY), &n, &abs) == CS_OK && (abs || n != 0))
		/* An int is an age from whenever it is read (Django's quirk). */
		return abs ? n : now + n;
	return (int64_t)sb->st_mtim.tv_sec + fs->base.cfg->session_cookie_age;
}

/* Decode file content into r (data NULL when it is not ours to read). */
static int
decode(struct file_store *fs, const char *buf, size_t len,
    const struct stat *sb, struct fread *r)
{
	struct cs_buf json = {0};
	json_t *obj = NULL, *u;
	int rc;

	/* Django's create() leaves an empty placeholder: an empty session. */
	if (len == 0) {
		if ((r->data = strdup("{}")) == NULL)
			return CS_ERR_NOMEM;
		r->len = 2;
	} else if ((rc = signer_refresh(fs)))
		return rc;
	else if ((rc = cs_loads(&fs->signer, buf, len, -1, &json)) == CS_OK &&
	    (obj = json_loadb(json.data, json.len, 0, NULL)) != NULL &&
	    json_is_object(obj)) {
		r->len = json.len;
		r->data = cs_buf_steal(&json);
	} else if (rc == CS_ERR_NOMEM || rc == CS_ERR_CRYPTO) {
		json_decref(obj);
		cs_buf_free(&json);
		return rc;
	}
	cs_buf_free(&json);
	r->expire = expiry_of(fs, obj, sb, cs_now());
	u = obj ? json_object_get(obj, CS_AUTH_USER_KEY) : NULL;
	if (json_is_string(u) &&
	    (r->user = strdup(json_string_value(u))) == NULL) {
		json_decref(obj);
		return CS_ERR_NOMEM;
	}
	json_decref(obj);
	return CS_OK;
}

static void
fread_free(struct fread *r)
{
	free(r->data);
	free(r->user);
	memset(r, 0, sizeof(*r));
}

/* Read name: CS_ERR_NOT_FOUND when there is no regular file. */
static int
read_named(struct file_store *fs, const char *name, struct fread *r)
{
	struct stat sb;
	char *buf;
	ssize_t got;
	size_t off = 0;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	fd = openat(fs->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? CS_ERR_NOT_FOUND :
		    fail(fs, "cannot open", name, errno);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > 2 * CS_JSONL_DATA_MAX) {
		close(fd);
		return CS_ERR_NOT_FOUND;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return CS_ERR_NOMEM;
	}
	while (off < (size_t)sb.st_size &&
	    (got = read(fd, buf + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)got;
	close(fd);
	r->version = version_of(&sb);
	rc = decode(fs, buf, off, &sb, r);
	free(buf);
	if (rc)
		fread_free(r);
	return rc;
}

static int
record_from(struct cs_record *out, struct fread *r)
{
	out->data = r->data;
	out->data_len = r->len;
	out->user = r->user;
	out->expire = r->expire;
	out->version = r->version;
	r->data = r->user = NULL;
	return CS_OK;
}

static int
file_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	struct file_store *fs = fs_of(st);
	struct fname n;
	struct fread r;
	int rc;

	memset(out, 0, sizeof(*out));
	/* A malformed key (a forged cookie) never becomes a path. */
	if (!name_of(fs, key, &n))
		return CS_ERR_NOT_FOUND;
	if ((rc = read_named(fs, n.s, &r)))
		return rc;
	/* Undecodable (Django: "Session data corrupted") or expired: none. */
	if (r.data == NULL || r.expire <= now) {
		fread_free(&r);
		return CS_ERR_NOT_FOUND;
	}
	return record_from(out, &r);
}

static int
file_get(struct cs_store *st, const char *key, struct cs_record *out)
{
	struct file_store *fs = fs_of(st);
	struct fname n;
	struct fread r;
	int rc;

	if (!name_of(fs, key, &n))
		return CS_ERR_NOT_FOUND;
	if ((rc = read_named(fs, n.s, &r)))
		return rc;
	if (r.data == NULL) {
		fread_free(&r);
		snprintf(fs->err, sizeof(fs->err), "session file %s does not "
		    "decode with this SECRET_KEY", n.s);
		return CS_ERR_STORE;
	}
	return record_from(out, &r);
}

/* ---- writing --------------------------------------------------------- */

/* The temporary file, written and closed: its name in tmp. */
static int
write_tmp(struct file_store *fs, const struct fname *n, const char *data,
    size_t len, int64_t expire, struct fname *tmp, uint64_t *version)
{
	struct cs_buf tok = {0};
	struct timespec ts[2];
	struct stat sb;
	char rnd[TMP_RAND + 1];
	size_t off = 0;
	ssize_t w;
	int fd, rc, e;

	if ((rc = signer_refresh(fs)) ||
	    (rc = cs_dumps(&fs->signer, data, len, true, &tok)))
		return rc;
	if ((rc = cs_random_string(rnd, TMP_RAND, CS_SESSION_KEY_CHARS)))
		goto out;
	rc = CS_ERR_STORE;
	if ((size_t)snprintf(tmp->s, sizeof(tmp->s), "%s" TMP_TAG "%s", n->s,
	    rnd) >= sizeof(tmp->s))
		goto out;
	fd = openat(fs->dirfd, tmp->s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = fail(fs, "cannot create", tmp->s, errno);
		goto out;
	}
	while (off < tok.len && (w = write(fd, tok.data + off,
	    tok.len - off)) > 0)
		off += (size_t)w;
	e = off < tok.len ? errno : 0;
	/* Django's expiry is mtime + age unless the data says otherwise. */
	if (!e && memmem(data, len, "\"" CS_SESSION_EXPIRY_KEY "\"",
	    sizeof(CS_SESSION_EXPIRY_KEY) + 1) == NULL &&
	    expire - fs->base.cfg->session_cookie_age != cs_now()) {
		ts[0].tv_sec = ts[1].tv_sec =
		    (time_t)(expire - fs->base.cfg->session_cookie_age);
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(fd, ts) < 0)
			e = errno;
	}
	if (!e && fstat(fd, &sb) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e) {
		unlinkat(fs->dirfd, tmp->s, 0);
		rc = fail(fs, "cannot write", tmp->s, e ? e : EIO);
		goto out;
	}
	*version = version_of(&sb);
	fs->down = false;
	rc = CS_OK;
out:
	cs_buf_free(&tok);
	return rc;
}

/* Create name from data: CS_ERR_EXISTS when it is taken. */
static int
create_named(struct file_store *fs, const struct fname *n,
    const struct cs_record *rec, uint64_t *version)
{
	struct fname tmp;
	int rc, e = 0;

	if ((rc = write_tmp(fs, n, rec->data, rec->data_len, rec->expire, &tmp,
	    version)))
		return rc;
	/* link() never replaces: a create never overwrites. */
	if (linkat(fs->dirfd, tmp.s, fs->dirfd, n->s, 0) < 0)
		e = errno;
	unlinkat(fs->dirfd, tmp.s, 0);
	if (e == EEXIST)
		return CS_ERR_EXISTS;
	return e ? fail(fs, "cannot create", n->s, e) : CS_OK;
}

/* The present file's version: CS_ERR_CONFLICT when it is gone. */
static int
current_version(struct file_store *fs, const char *name, uint64_t *v)
{
	struct stat sb;

	if (fstatat(fs->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? CS_ERR_CONFLICT :
		    fail(fs, "cannot stat", name, errno);
	if (!S_ISREG(sb.st_mode))
		return CS_ERR_CONFLICT;
	*v = version_of(&sb);
	return CS_OK;
}

/* Replace name, only while it is there, and it is the version read
 * (checked just before; see the top of the file). */
static int
update_named(struct file_store *fs, const struct fname *n,
    const struct cs_record *rec, bool check, uint64_t *version)
{
	struct fname tmp;
	uint64_t have;
	int rc, e = 0;

	if (check && ((rc = current_version(fs, n->s, &have)) ||
	    (have != rec->version && (rc = CS_ERR_CONFLICT))))
		return rc;
	if ((rc = write_tmp(fs, n, rec->data, rec->data_len, rec->expire, &tmp,
	    version)))
		return rc;
	if (renameat2(fs->dirfd, tmp.s, fs->dirfd, n->s, RENAME_EXCHANGE) < 0)
		e = errno;
	if (e == EINVAL || e == ENOSYS) {
		/* The file system cannot exchange: check, then rename. */
		e = 0;
		if ((rc = current_version(fs, n->s, &have))) {
			unlinkat(fs->dirfd, tmp.s, 0);
			return rc;
		}
		if (renameat(fs->dirfd, tmp.s, fs->dirfd, n->s) < 0)
			e = errno;
		else
			return CS_OK;
	}
	/* After an exchange tmp holds the old content; else our new one. */
	unlinkat(fs->dirfd, tmp.s, 0);
	if (e == ENOENT)
		return CS_ERR_CONFLICT;
	return e ? fail(fs, "cannot replace", n->s, e) : CS_OK;
}

static int
check_record(const struct cs_record *rec)
{
	if (rec->data == NULL || rec->expire < 0)
		return CS_ERR_INVALID;
	if (rec->data_len > CS_JSONL_DATA_MAX)
		return CS_ERR_TOO_LARGE;
	return CS_OK;
}

static int
file_save(struct cs_store *st, char **keyp, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct file_store *fs = fs_of(st);
	char fresh[CS_SESSION_KEY_LEN + 1];
	struct fname n;
	uint64_t v;
	int rc, tries;

	if ((rc = check_record(rec)))
		return rc;
	if (*keyp != NULL) {
		if (!name_of(fs, *keyp, &n))
			return CS_ERR_INVALID;
		rc = mode == CS_SAVE_UPDATE ?
		    update_named(fs, &n, rec, true, &v) :
		    create_named(fs, &n, rec, &v);
		if (rc == CS_OK)
			rec->version = v;
		return rc;
	}
	if (mode == CS_SAVE_UPDATE)
		return CS_ERR_INVALID;
	for (tries = 0; tries < KEY_TRIES; tries++) {
		if ((rc = cs_session_key_new(fresh)))
			return rc;
		if (!name_of(fs, fresh, &n))
			return CS_ERR_CONFIG;
		if ((rc = create_named(fs, &n, rec, &v)) == CS_ERR_EXISTS)
			continue;
		if (rc)
			return rc;
		if ((*keyp = strdup(fresh)) == NULL)
			return CS_ERR_NOMEM;
		rec->version = v;
		return CS_OK;
	}
	return CS_ERR_STORE;
}

/* Deleting a missing file is not an error (del); it is for remove. */
static int
unlink_key(struct file_store *fs, const char *key, bool *found)
{
	struct fname n;

	*found = false;
	if (!name_of(fs, key, &n))
		return CS_OK;
	if (unlinkat(fs->dirfd, n.s, 0) == 0) {
		*found = true;
		return CS_OK;
	}
	return errno == ENOENT ? CS_OK : fail(fs, "cannot remove", n.s, errno);
}

static int
file_del(struct cs_store *st, const char *key)
{
	bool found;

	return unlink_key(fs_of(st), key, &found);
}

static int
file_remove(struct cs_store *st, const char *key)
{
	bool found;
	int rc = unlink_key(fs_of(st), key, &found);

	return rc ? rc : found ? CS_OK : CS_ERR_NOT_FOUND;
}

static int
file_exists(struct cs_store *st, const char *key)
{
	struct file_store *fs = fs_of(st);
	struct fname n;
	struct stat sb;

	if (!name_of(fs, key, &n))
		return CS_ERR_NOT_FOUND;
	if (fstatat(fs->dirfd, n.s, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return CS_OK;
	return errno == ENOENT ? CS_ERR_NOT_FOUND :
	    fail(fs, "cannot stat", n.s, errno);
}

/* ---- the directory: sweep, list, export, import ---------------------- */

/* The key of a session file's name, or NULL (other files, temporaries). */
static const char *
key_of_name(struct file_store *fs, const char *name)
{
	const char *pre = fs->base.cfg->session_cookie_name;
	size_t plen = pre ? strlen(pre) : 0;

	if (plen && strncmp(name, pre, plen) != 0)
		return NULL;
	return cs_session_key_valid(name + plen) ? name + plen : NULL;
}

typedef int file_walk_fn(struct file_store *, const char *name,
    const char *key, struct fread *, void *arg);

/* Call fn for every session file that reads (expired or not). */
static int
walk(struct file_store *fs, file_walk_fn *fn, void *arg)
{
	struct dirent *de;
	struct fread r;
	const char *key;
	DIR *d;
	int fd, rc = CS_OK;

	if ((fd = openat(fs->dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail(fs, "cannot list", ".", errno);
	}
	while (rc == CS_OK && (errno = 0, de = readdir(d)) != NULL) {
		if ((key = key_of_name(fs, de->d_name)) == NULL)
			continue;
		rc = read_named(fs, de->d_name, &r);
		if (rc == CS_ERR_NOT_FOUND) {	/* removed meanwhile */
			rc = CS_OK;
			continue;
		}
		if (rc == CS_OK) {
			rc = fn(fs, de->d_name, key, &r, arg);
			fread_free(&r);
		}
	}
	closedir(d);
	return rc;
}

struct sweep {
	int64_t			 now;
	bool			 dry_run;
	struct cs_sweep_stats	*stats;
};

/* Django's clear_expired() loads each file: an expired one is removed,
 * and so is one that does not decode once its mtime + age has passed. */
static int
sweep_one(struct file_store *fs, const char *name, const char *key,
    struct fread *r, void *arg)
{
	struct sweep *s = arg;

	(void)key;
	if (r->expire > s->now) {
		s->stats->remaining++;
		return CS_OK;
	}
	if (!s->dry_run && unlinkat(fs->dirfd, name, 0) < 0 && errno != ENOENT)
		return fail(fs, "cannot remove", name, errno);
	s->stats->removed++;
	return CS_OK;
}

static int
file_clear_expired(struct cs_store *st, int64_t now, size_t batch,
    bool dry_run, struct cs_sweep_stats *stats)
{
	struct sweep s = { now, dry_run, stats };
	struct timespec t0, t1;
	int rc;

	(void)batch;	/* one unlink each: there is no transaction to size */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = walk(fs_of(st), sweep_one, &s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats->batches = stats->removed ? 1 : 0;
	stats->elapsed = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

struct each {
	cs_store_session_fn	*fn;
	void			*arg;
};

static int
each_one(struct file_store *fs, const char *name, const char *key,
    struct fread *r, void *arg)
{
	struct each *e = arg;
	struct cs_store_session sv;

	(void)fs; (void)name;
	if (r->data == NULL)	/* not readable with this SECRET_KEY */
		return CS_OK;
	memset(&sv, 0, sizeof(sv));
	memcpy(sv.key, key, CS_SESSION_KEY_LEN + 1);
	sv.expire = r->expire;
	sv.version = r->version;
	sv.user = r->user;
	sv.data = r->data;
	sv.data_len = r->len;
	return e->fn(e->arg, &sv);
}

static int
file_foreach(struct cs_store *st, cs_store_session_fn *fn, void *arg)
{
	struct each e = { fn, arg };

	return walk(fs_of(st), each_one, &e);
}

static int
file_export(struct cs_store *st, FILE *f)
{
	return csi_jsonl_export(st, f);
}

/* An imported record replaces the file, with its expiry as the mtime. */
static int
import_put(struct cs_store *st, const struct cs_jsonl_rec *ir)
{
	struct file_store *fs = fs_of(st);
	struct cs_record rec = { 0 };
	struct fname n;
	uint64_t v;
	int rc;

	if (!name_of(fs, ir->key, &n))
		return CS_ERR_INVALID;
	rec.data = ir->data;
	rec.data_len = ir->datalen;
	rec.expire = ir->expire;
	rc = create_named(fs, &n, &rec, &v);
	if (rc == CS_ERR_EXISTS)
		rc = update_named(fs, &n, &rec, false, &v);
	return rc;
}

static int
file_import(struct cs_store *st, FILE *f, uint64_t *count, size_t *bad_line,
    char *err, size_t errlen)
{
	return csi_jsonl_import(st, f, import_put, count, bad_line, err, errlen);
}

static const char *
file_error(struct cs_store *st)
{
	return fs_of(st)->err;
}

static void
file_close(struct cs_store *st)
{
	struct file_store *fs = fs_of(st);

	if (fs->dirfd >= 0)
		close(fs->dirfd);
	free(fs->dir);
	free(fs);
}

const struct cs_store_ops csi_store_file_ops = {
	.name = "file",
	.load = file_load,
	.save = file_save,
	.del = file_del,
	.exists = file_exists,
	.clear_expired = file_clear_expired,
	.close = file_close,
	.caps = CS_STORE_ENUMERATE,
	.get = file_get,
	.remove = file_remove,
	.foreach = file_foreach,
	.export_jsonl = file_export,
	.import_jsonl = file_import,
	.error = file_error,
};

static int
open_fail(struct file_store *fs, char *err, size_t errlen, const char *why,
    int rc)
{
	if (err && errlen)
		snprintf(err, errlen, "SESSION_FILE_PATH %s: %s", fs->dir, why);
	file_close(&fs->base);
	return rc;
}

int
csi_store_file_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	const char *dir = cfg->session_file_path;
	const char *name = cfg->session_cookie_name;
	struct file_store *fs;

	*out = NULL;
	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";	/* Python's tempfile.gettempdir() */
	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return CS_ERR_NOMEM;
	fs->base.cfg = cfg;
	fs->base.ops = &csi_store_file_ops;
	fs->dirfd = -1;
	if ((fs->dir = strdup(dir)) == NULL) {
		free(fs);
		return CS_ERR_NOMEM;
	}
	if (name && (strchr(name, '/') || strlen(name) > NAME_MAX -
	    CS_SESSION_KEY_LEN - sizeof(TMP_TAG) - TMP_RAND))
		return open_fail(fs, err, errlen, "SESSION_COOKIE_NAME cannot "
		    "start a file name", CS_ERR_CONFIG);
	if (signer_refresh(fs))
		return open_fail(fs, err, errlen, "SECRET_KEY is required by "
		    "SESSION_ENGINE = file", CS_ERR_CONFIG);
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0)
		return open_fail(fs, err, errlen, strerror(errno),
		    CS_ERR_STORE);
	if (faccessat(fs->dirfd, ".", W_OK | X_OK, AT_EACCESS) < 0)
		return open_fail(fs, err, errlen, "not writable", CS_ERR_STORE);
	*out = &fs->base;
	return CS_OK;
}
