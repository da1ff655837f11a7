/*
 * store_lmdb_admin.c -- the lmdb engine's operator commands (csess
 * sessions show/delete/list/revoke-user/stats/verify): reads and deletes
 * by key, iteration, per-user revocation, statistics and the consistency
 * check.  Not on any request's path.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_lmdb_int.h"

#define ITER_CHUNK	1000

int
cs_lmdb_get(struct cs_store *s, const char *key, struct cs_record *out)
{
	struct lstore_load_arg a = { key, 0, true, out };

	memset(out, 0, sizeof(*out));
	if (!lstore_is(s) || key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	return csi_lmdb_read(lstore_env(s), lstore_load_fn, &a);
}

int
cs_lmdb_delete(struct cs_store *s, const char *key)
{
	struct lstore_del_arg a = { key, false };
	int rc;

	if (!lstore_is(s) || key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	if ((rc = csi_lmdb_write(lstore_env(s), lstore_del_fn, &a)))
		return rc;
	return a.found ? CS_OK : CS_ERR_NOT_FOUND;
}

static void
session_view(struct cs_store_session *sv, const char *key, const struct lrec *r,
    char *userbuf)
{
	memcpy(sv->key, key, CS_SESSION_KEY_LEN);
	sv->key[CS_SESSION_KEY_LEN] = '\0';
	sv->expire = r->expire;
	sv->version = r->version;
	sv->user = NULL;
	if (r->userlen) {
		memcpy(userbuf, r->user, r->userlen);
		userbuf[r->userlen] = '\0';
		sv->user = userbuf;
	}
	sv->data = r->data;
	sv->data_len = r->datalen;
}

struct iter_arg {
	cs_store_session_fn	*fn;
	void			*arg;
	char			 last[CS_SESSION_KEY_LEN];
	bool			 started;
	bool			 done;
	int			 stop;
};

/* Up to ITER_CHUNK sessions after `last', in one read transaction. */
static int
iter_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct iter_arg *a = p;
	struct cs_store_session sv;
	char userbuf[CS_LMDB_USER_MAX + 1];
	MDB_cursor *c;
	MDB_val k = { CS_SESSION_KEY_LEN, a->last }, v;
	struct lrec r;
	int rc, n = 0, op;

	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	op = a->started ? MDB_SET_RANGE : MDB_FIRST;
	rc = mdb_cursor_get(c, &k, &v, op);
	if (rc == 0 && a->started && k.mv_size == CS_SESSION_KEY_LEN &&
	    memcmp(k.mv_data, a->last, CS_SESSION_KEY_LEN) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < ITER_CHUNK; n++) {
		if (k.mv_size == CS_SESSION_KEY_LEN && lrec_decode(&v, &r) == 0) {
			session_view(&sv, k.mv_data, &r, userbuf);
			if ((a->stop = a->fn(a->arg, &sv)) != 0)
				break;
		}
		if (k.mv_size == CS_SESSION_KEY_LEN) {
			memcpy(a->last, k.mv_data, CS_SESSION_KEY_LEN);
			a->started = true;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		a->done = true;
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

int
cs_lmdb_foreach(struct cs_store *s, cs_store_session_fn *fn, void *arg)
{
	struct iter_arg a;
	int rc;

	if (!lstore_is(s))
		return CS_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.arg = arg;
	while (!a.done && a.stop == 0)
		if ((rc = csi_lmdb_read(lstore_env(s), iter_fn, &a)))
			return rc;
	return a.stop;
}

struct user_arg {
	const char		*user;
	size_t			 ulen;
	cs_store_session_fn	*fn;
	void			*arg;
	uint64_t		 count;
	int			 stop;
};

/* Position c on the first user_sessions entry of a->user; the key of the
 * session is then the entry's last CS_SESSION_KEY_LEN bytes. */
static int
user_first(MDB_cursor *c, const struct user_arg *a, MDB_val *k, int op)
{
	MDB_val v;
	int rc;

	if (op == MDB_SET_RANGE) {
		k->mv_size = a->ulen + 1;
		k->mv_data = (void *)a->user;	/* user + its NUL */
	}
	if ((rc = mdb_cursor_get(c, k, &v, op)))
		return rc;
	if (k->mv_size != a->ulen + 1 + CS_SESSION_KEY_LEN ||
	    memcmp(k->mv_data, a->user, a->ulen + 1) != 0)
		return MDB_NOTFOUND;
	return 0;
}

static int
user_iter_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct user_arg *a = p;
	struct cs_store_session sv;
	char userbuf[CS_LMDB_USER_MAX + 1];
	MDB_cursor *c;
	MDB_val k;
	struct lrec r;
	const char *key;
	int rc, op = MDB_SET_RANGE;

	a->stop = 0;
	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = user_first(c, a, &k, op)) == 0) {
		op = MDB_NEXT;
		key = (const char *)k.mv_data + a->ulen + 1;
		if (lrec_get(txn, e, key, &r) != CS_OK)
			continue;
		session_view(&sv, key, &r, userbuf);
		if ((a->stop = a->fn(a->arg, &sv)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

static int
check_user(const char *user)
{
	size_t n;

	if (user == NULL || (n = strlen(user)) == 0 || n > CS_LMDB_USER_MAX)
		return CS_ERR_INVALID;
	return CS_OK;
}

int
cs_lmdb_foreach_user(struct cs_store *s, const char *user,
    cs_store_session_fn *fn, void *arg)
{
	struct user_arg a = { user, 0, fn, arg, 0, 0 };
	int rc;

	if (!lstore_is(s) || check_user(user))
		return CS_ERR_INVALID;
	a.ulen = strlen(user);
	if ((rc = csi_lmdb_read(lstore_env(s), user_iter_fn, &a)))
		return rc;
	return a.stop;
}

static int
revoke_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct user_arg *a = p;
	MDB_cursor *c;
	MDB_val k;
	struct lrec r;
	char key[CS_SESSION_KEY_LEN + 1];
	int rc = CS_OK, mrc;

	a->count = 0;
	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return csi_lmdb_rc(e, mrc);
	while ((mrc = user_first(c, a, &k, MDB_SET_RANGE)) == 0) {
		memcpy(key, (const char *)k.mv_data + a->ulen + 1,
		    CS_SESSION_KEY_LEN);
		key[CS_SESSION_KEY_LEN] = '\0';
		if ((mrc = mdb_cursor_del(c, 0)))
			break;
		rc = lrec_get(txn, e, key, &r);
		if (rc == CS_ERR_NOT_FOUND) {
			rc = CS_OK;
			continue;
		}
		if (rc)
			break;
		if (r.userlen != a->ulen || memcmp(r.user, a->user, a->ulen))
			continue;	/* stale entry: the session is another's */
		if ((rc = lrec_remove(txn, e, key, &r)))
			break;
		a->count++;
	}
	mdb_cursor_close(c);
	if (rc)
		return rc;
	return mrc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, mrc);
}

int
cs_lmdb_revoke_user(struct cs_store *s, const char *user, uint64_t *count)
{
	struct user_arg a = { user, 0, NULL, NULL, 0, 0 };
	int rc;

	*count = 0;
	if (!lstore_is(s) || check_user(user))
		return CS_ERR_INVALID;
	a.ulen = strlen(user);
	if ((rc = csi_lmdb_write(lstore_env(s), revoke_fn, &a)))
		return rc;
	*count = a.count;
	return CS_OK;
}

struct stats_arg {
	int64_t			 now;
	struct cs_lmdb_stats	*st;
};

static int
stats_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct stats_arg *a = p;
	MDB_stat ms;
	int rc;

	if ((rc = mdb_stat(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &ms)))
		return csi_lmdb_rc(e, rc);
	a->st->sessions = ms.ms_entries;
	if ((rc = mdb_stat(txn, csi_lmdb_dbi(e, CS_DBI_EXPIRY), &ms)))
		return csi_lmdb_rc(e, rc);
	a->st->expiry_entries = ms.ms_entries;
	if ((rc = mdb_stat(txn, csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &ms)))
		return csi_lmdb_rc(e, rc);
	a->st->user_entries = ms.ms_entries;
	/* Expired-not-swept: what a sweep would remove. */
	return lrec_count_expired(txn, e, a->now, &a->st->expired);
}

int
cs_lmdb_stats(struct cs_store *s, int64_t now, struct cs_lmdb_stats *st)
{
	struct stats_arg a = { now, st };
	struct csi_lmdb_env_info info;
	struct stat sb;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!lstore_is(s))
		return CS_ERR_INVALID;
	if ((rc = csi_lmdb_read(lstore_env(s), stats_fn, &a)))
		return rc;
	if ((rc = csi_lmdb_env_info(lstore_env(s), &info)))
		return rc;
	st->map_size = info.map_size;
	st->max_size = info.max_size;
	st->map_used = info.used;
	st->readers = info.readers;
	st->max_readers = info.max_readers;
	if (stat(info.path, &sb) == 0)
		st->file_size = (size_t)sb.st_size;
	return CS_OK;
}

/* The figures in the order "csess sessions stats" has always printed. */
int
lstore_stats(struct cs_store *s, int64_t now, cs_store_stat_fn *fn, void *arg)
{
	struct cs_lmdb_stats st;
	int rc;

	if ((rc = cs_lmdb_stats(s, now, &st)))
		return rc;
	fn(arg, "sessions", st.sessions);
	fn(arg, "expired", st.expired);
	fn(arg, "expiry_entries", st.expiry_entries);
	fn(arg, "user_entries", st.user_entries);
	fn(arg, "map_size", st.map_size);
	fn(arg, "map_used", st.map_used);
	fn(arg, "max_size", st.max_size);
	fn(arg, "file_size", st.file_size);
	fn(arg, "readers", st.readers);
	fn(arg, "max_readers", st.max_readers);
	return CS_OK;
}

struct verify_arg {
	void		(*report)(void *, const char *);
	void		*arg;
	int64_t		 now;
	uint64_t	 problems;
};

static void
problem(struct verify_arg *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct verify_arg *a, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->problems++;
	if (a->report)
		a->report(a->arg, line);
}

static bool
has_entry(MDB_txn *txn, struct cs_lmdb_env *e, enum cs_dbi which,
    const void *kp, size_t klen)
{
	MDB_val k = { klen, (void *)kp }, v;

	return mdb_get(txn, csi_lmdb_dbi(e, which), &k, &v) == 0;
}

static bool
printable_key(const MDB_val *k, char out[CS_SESSION_KEY_LEN + 1])
{
	if (k->mv_size != CS_SESSION_KEY_LEN)
		return false;
	memcpy(out, k->mv_data, CS_SESSION_KEY_LEN);
	out[CS_SESSION_KEY_LEN] = '\0';
	return cs_session_key_valid(out);
}

/*
 * Every session has its expiry entry and, if it has a user and is live,
 * its user entry.  An expired one may have lost its user entry to a sweep
 * cut short (store_lmdb_sweep.c): no one can use it, and the next sweep
 * removes it.
 */
static int
verify_sessions(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	unsigned char ek[EXP_KEY_LEN], uk[USER_KEY_MAX];
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v;
	struct lrec r;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (!printable_key(&k, key)) {
			problem(a, "session with a malformed key (%zu bytes)",
			    k.mv_size);
			continue;
		}
		if (lrec_decode(&v, &r) != CS_OK) {
			problem(a, "session %s: undecodable record", key);
			continue;
		}
		exp_key(ek, r.expire, key);
		if (!has_entry(txn, e, CS_DBI_EXPIRY, ek, sizeof(ek)))
			problem(a, "session %s: no expiry index entry for %lld",
			    key, (long long)r.expire);
		if (r.userlen && r.expire > a->now &&
		    !has_entry(txn, e, CS_DBI_USER_SESSIONS, uk,
		    user_key(uk, r.user, r.userlen, key)))
			problem(a, "session %s: no user index entry", key);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

/*
 * Every expiry entry names a session with that expiry, but for expired
 * entries whose session is gone: a sweep cut short before its last step
 * leaves them, and the next sweep drops them.
 */
static int
verify_expiry(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v, sk;
	struct lrec r;
	int64_t at;
	int rc, got, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_EXPIRY), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		sk.mv_size = k.mv_size - 8;
		sk.mv_data = (char *)k.mv_data + 8;
		if (k.mv_size != EXP_KEY_LEN || !printable_key(&sk, key)) {
			problem(a, "expiry index: malformed entry (%zu bytes)",
			    k.mv_size);
			continue;
		}
		at = (int64_t)be64_get(k.mv_data);
		if ((got = lrec_get(txn, e, key, &r)) == CS_ERR_NOT_FOUND &&
		    at <= a->now)
			continue;
		if (got != CS_OK)
			problem(a, "expiry index: entry %lld for missing session %s",
			    (long long)at, key);
		else if (r.expire != at)
			problem(a, "expiry index: stale entry %lld for session %s "
			    "(expires %lld)", (long long)at, key,
			    (long long)r.expire);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

/* Every user entry names a session of that user. */
static int
verify_users(MDB_txn *txn, struct cs_lmdb_env *e, struct verify_arg *a)
{
	char key[CS_SESSION_KEY_LEN + 1];
	MDB_cursor *c;
	MDB_val k, v, sk;
	struct lrec r;
	size_t ulen;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &c)))
		return csi_lmdb_rc(e, rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		ulen = k.mv_size > CS_SESSION_KEY_LEN + 1 ?
		    k.mv_size - CS_SESSION_KEY_LEN - 1 : 0;
		sk.mv_size = CS_SESSION_KEY_LEN;
		sk.mv_data = (char *)k.mv_data + ulen + 1;
		if (ulen == 0 || ((char *)k.mv_data)[ulen] != '\0' ||
		    memchr(k.mv_data, '\0', ulen) != NULL ||
		    !printable_key(&sk, key)) {
			problem(a, "user index: malformed entry (%zu bytes)",
			    k.mv_size);
			continue;
		}
		if (lrec_get(txn, e, key, &r) != CS_OK)
			problem(a, "user index: entry of %.*s for missing "
			    "session %s", (int)ulen, (char *)k.mv_data, key);
		else if (r.userlen != ulen || memcmp(r.user, k.mv_data, ulen))
			problem(a, "user index: entry of %.*s for session %s "
			    "of another user", (int)ulen, (char *)k.mv_data, key);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? CS_OK : csi_lmdb_rc(e, rc);
}

static int
verify_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct verify_arg *a = p;
	int rc;

	a->problems = 0;
	if ((rc = verify_sessions(txn, e, a)) ||
	    (rc = verify_expiry(txn, e, a)) ||
	    (rc = verify_users(txn, e, a)))
		return rc;
	return CS_OK;
}

int
cs_lmdb_verify(struct cs_store *s, void (*report)(void *, const char *),
    void *arg, uint64_t *problems)
{
	struct verify_arg a = { report, arg, cs_now(), 0 };
	int rc;

	*problems = 0;
	if (!lstore_is(s))
		return CS_ERR_INVALID;
	rc = csi_lmdb_read(lstore_env(s), verify_fn, &a);
	*problems = a.problems;
	return rc;
}
