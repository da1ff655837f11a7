/*
 * throttle.c -- login failure counters in the LMDB store (see csess/users.h).
 *
 * throttle DBI: "u" NUL username or "a" NUL address -> [u32 count][i64 start].
 * A fixed window from the first failure: simple, one small record per key,
 * and "N failures within the window" is exactly what the settings say.
 */
#include <stdlib.h>
#include <string.h>

#include "csess/users.h"
#include "userdb.h"
#include "users_env.h"

#define KEY_MAX	(2 + CS_USERNAME_MAX)
#define ADDR_MAX 64

struct counter {
	uint32_t	count;
	int64_t		start;
};

struct keys {
	char	user[KEY_MAX];
	size_t	user_len;	/* 0: no per-user counter (no or invalid name) */
	char	addr[2 + ADDR_MAX];
	size_t	addr_len;	/* 0: no per-address counter */
};

static void
make_keys(struct keys *k, const char *user, const char *addr)
{
	size_t n;

	k->user_len = k->addr_len = 0;
	if (user && cs_username_valid(user)) {
		n = strlen(user);
		memcpy(k->user, "u", 2);
		memcpy(k->user + 2, user, n);
		k->user_len = 2 + n;
	}
	if (addr && *addr && (n = strlen(addr)) <= ADDR_MAX) {
		memcpy(k->addr, "a", 2);
		memcpy(k->addr + 2, addr, n);
		k->addr_len = 2 + n;
	}
}

static int
read_counter(MDB_txn *txn, struct cs_lmdb_env *e, const char *key, size_t len,
    struct counter *c)
{
	MDB_val k = { len, (void *)key }, v;
	int rc;

	/* memset, not the two fields: the padding between them is written
	 * to the store with the counter and must not carry stack bytes. */
	memset(c, 0, sizeof(*c));
	rc = csi_lmdb_rc(e, mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_THROTTLE), &k, &v));
	if (rc == CS_OK && v.mv_size == sizeof(*c))
		memcpy(c, v.mv_data, sizeof(*c));
	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

struct check_arg {
	const struct cs_config	*cfg;
	struct keys		 k;
	int64_t			 now;
	int64_t			 retry;
};

/* Seconds until key's window ends if it has reached limit, else 0. */
static int
blocked_for(MDB_txn *txn, struct cs_lmdb_env *e, struct check_arg *a,
    const char *key, size_t len, long limit, int64_t *retry)
{
	struct counter c;
	int64_t end;
	int rc;

	if (len == 0)
		return CS_OK;
	if ((rc = read_counter(txn, e, key, len, &c)))
		return rc;
	end = c.start + a->cfg->login_failure_window;
	if (c.count >= (uint32_t)limit && a->now < end && end - a->now > *retry)
		*retry = end - a->now;
	return CS_OK;
}

static int
check_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct check_arg *a = p;
	int rc;

	a->retry = 0;
	if ((rc = blocked_for(txn, e, a, a->k.user, a->k.user_len,
	    a->cfg->login_failures_per_user, &a->retry)))
		return rc;
	return blocked_for(txn, e, a, a->k.addr, a->k.addr_len,
	    a->cfg->login_failures_per_address, &a->retry);
}

int
cs_throttle_check(const struct cs_config *cfg, const char *user,
    const char *addr, int64_t *retry_after)
{
	struct cs_lmdb_env *e;
	struct check_arg a = { .cfg = cfg, .now = cs_now() };
	int rc;

	*retry_after = 0;
	if (csi_userdb_redis(cfg))
		return csi_rthrottle(cfg, CS_RTHROTTLE_CHECK, user, addr,
		    retry_after);
	make_keys(&a.k, user, addr);
	if ((rc = csi_users_env(cfg, &e)) || (rc = csi_lmdb_read(e, check_fn, &a)))
		return rc;
	*retry_after = a.retry;
	return a.retry > 0 ? CS_ERR_TOO_LARGE : CS_OK;
}

static int
bump(MDB_txn *txn, struct cs_lmdb_env *e, struct check_arg *a,
    const char *key, size_t len)
{
	MDB_val k = { len, (void *)key }, v;
	struct counter c;
	int rc;

	if (len == 0)
		return CS_OK;
	if ((rc = read_counter(txn, e, key, len, &c)))
		return rc;
	if (c.count == 0 || a->now >= c.start + a->cfg->login_failure_window) {
		c.count = 0;
		c.start = a->now;
	}
	if (c.count < UINT32_MAX)
		c.count++;
	v.mv_size = sizeof(c);
	v.mv_data = &c;
	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_THROTTLE), &k, &v, 0));
}

static int
fail_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct check_arg *a = p;
	int rc;

	if ((rc = bump(txn, e, a, a->k.user, a->k.user_len)))
		return rc;
	return bump(txn, e, a, a->k.addr, a->k.addr_len);
}

int
cs_throttle_fail(const struct cs_config *cfg, const char *user, const char *addr)
{
	struct cs_lmdb_env *e;
	struct check_arg a = { .cfg = cfg, .now = cs_now() };
	int64_t retry;
	int rc;

	if (csi_userdb_redis(cfg))
		return csi_rthrottle(cfg, CS_RTHROTTLE_FAIL, user, addr, &retry);
	make_keys(&a.k, user, addr);
	if ((rc = csi_users_env(cfg, &e)))
		return rc;
	return csi_lmdb_write(e, fail_fn, &a);
}

/* Blocked already, or both counters bumped: one transaction, no race. */
static int
reserve_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct check_arg *a = p;
	int rc;

	if ((rc = check_fn(txn, e, a)) || a->retry > 0)
		return rc;
	return fail_fn(txn, e, a);
}

int
cs_throttle_reserve(const struct cs_config *cfg, const char *user,
    const char *addr, int64_t *retry_after)
{
	struct cs_lmdb_env *e;
	struct check_arg a = { .cfg = cfg, .now = cs_now() };
	int rc;

	*retry_after = 0;
	if (csi_userdb_redis(cfg))
		return csi_rthrottle(cfg, CS_RTHROTTLE_RESERVE, user, addr,
		    retry_after);
	make_keys(&a.k, user, addr);
	if ((rc = csi_users_env(cfg, &e)) || (rc = csi_lmdb_write(e, reserve_fn, &a)))
		return rc;
	*retry_after = a.retry;
	return a.retry > 0 ? CS_ERR_TOO_LARGE : CS_OK;
}

/* Take back one reserved attempt: the counter goes down, and away at 0. */
static int
refund(MDB_txn *txn, struct cs_lmdb_env *e, const char *key, size_t len)
{
	MDB_dbi dbi = csi_lmdb_dbi(e, CS_DBI_THROTTLE);
	MDB_val k = { len, (void *)key }, v = { sizeof(struct counter), NULL };
	struct counter c;
	int rc;

	if (len == 0 || (rc = read_counter(txn, e, key, len, &c)) || c.count == 0)
		return len == 0 ? CS_OK : rc;
	if (--c.count == 0)
		rc = csi_lmdb_rc(e, mdb_del(txn, dbi, &k, NULL));
	else {
		v.mv_data = &c;
		rc = csi_lmdb_rc(e, mdb_put(txn, dbi, &k, &v, 0));
	}
	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

static int
succeeded_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct check_arg *a = p;
	MDB_val k = { a->k.user_len, a->k.user };
	int rc = CS_OK;

	if (a->k.user_len != 0)
		rc = csi_lmdb_rc(e, mdb_del(txn, csi_lmdb_dbi(e, CS_DBI_THROTTLE), &k, NULL));
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND)
		return rc;
	return refund(txn, e, a->k.addr, a->k.addr_len);
}

int
cs_throttle_succeeded(const struct cs_config *cfg, const char *user,
    const char *addr)
{
	struct cs_lmdb_env *e;
	struct check_arg a = { .cfg = cfg, .now = cs_now() };
	int rc;

	if (csi_userdb_redis(cfg))
		return csi_rthrottle_succeeded(cfg, user, addr);
	make_keys(&a.k, user, addr);
	if ((rc = csi_users_env(cfg, &e)))
		return rc;
	return csi_lmdb_write(e, succeeded_fn, &a);
}

int
cs_throttle_reset(const struct cs_config *cfg, const char *user)
{
	size_t n;

	if (user == NULL || !cs_username_valid(user))
		return CS_OK;
	return cs_throttle_clear(cfg, user, NULL, &n);
}

struct walk_arg {
	const struct cs_config	*cfg;
	struct keys		 k;	/* user_len/addr_len 0 and !all: no match */
	bool			 all;
	bool			 del;
	int			(*fn)(void *, const struct cs_throttle_entry *);
	void			*arg;
	size_t			 n;
};

static bool
walk_match(const struct walk_arg *a, const MDB_val *k)
{
	return a->all ||
	    (a->k.user_len && k->mv_size == a->k.user_len &&
	    !memcmp(k->mv_data, a->k.user, a->k.user_len)) ||
	    (a->k.addr_len && k->mv_size == a->k.addr_len &&
	    !memcmp(k->mv_data, a->k.addr, a->k.addr_len));
}

/* One stored counter as the entry fn sees; false for a foreign record. */
static bool
walk_entry(const struct walk_arg *a, const MDB_val *k, const MDB_val *v,
    struct cs_throttle_entry *t, char *name)
{
	const char *key = k->mv_data;
	struct counter c;

	if (k->mv_size < 3 || k->mv_size > KEY_MAX || key[1] != '\0' ||
	    (key[0] != 'u' && key[0] != 'a') || v->mv_size != sizeof(c))
		return false;
	memcpy(&c, v->mv_data, sizeof(c));
	memcpy(name, key + 2, k->mv_size - 2);
	name[k->mv_size - 2] = '\0';
	t->kind = key[0] == 'u' ? "user" : "address";
	t->name = name;
	t->failures = c.count;
	t->window_end = c.start + a->cfg->login_failure_window;
	return true;
}

static int
walk_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct walk_arg *a = p;
	struct cs_throttle_entry t;
	char name[KEY_MAX];
	MDB_cursor *c;
	MDB_val k, v;
	int mrc, rc = CS_OK;

	a->n = 0;
	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_THROTTLE), &c)))
		return csi_lmdb_rc(e, mrc);
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0 && rc == CS_OK;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!walk_match(a, &k))
			continue;
		if (a->del) {
			rc = csi_lmdb_rc(e, mdb_cursor_del(c, 0));
			a->n++;
		} else if (walk_entry(a, &k, &v, &t, name)) {
			rc = a->fn(a->arg, &t);
			a->n++;
		}
	}
	mdb_cursor_close(c);
	if (rc == CS_OK && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = csi_lmdb_rc(e, mrc);
	return rc;
}

int
cs_throttle_each(const struct cs_config *cfg,
    int (*fn)(void *, const struct cs_throttle_entry *), void *arg)
{
	struct cs_lmdb_env *e;
	struct walk_arg a = { .cfg = cfg, .all = true, .fn = fn, .arg = arg };
	int rc;

	if (csi_userdb_redis(cfg))
		return csi_rthrottle_each(cfg, fn, arg);
	if ((rc = csi_users_env(cfg, &e)))
		return rc;
	return csi_lmdb_read(e, walk_fn, &a);
}

int
cs_throttle_clear(const struct cs_config *cfg, const char *user,
    const char *addr, size_t *cleared)
{
	struct cs_lmdb_env *e;
	struct walk_arg a = { .cfg = cfg, .del = true };
	int rc;

	*cleared = 0;
	if (csi_userdb_redis(cfg))
		return csi_rthrottle_clear(cfg, user, addr, cleared);
	make_keys(&a.k, user, addr);
	a.all = user == NULL && addr == NULL;
	if (!a.all && a.k.user_len == 0 && a.k.addr_len == 0)
		return CS_OK;	/* no such counter can exist */
	if ((rc = csi_users_env(cfg, &e)) || (rc = csi_lmdb_write(e, walk_fn, &a)))
		return rc;
	*cleared = a.n;
	return CS_OK;
}
