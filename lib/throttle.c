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

	c->count = 0;
	c->start = 0;
	rc = cs_lmdb_rc(e, mdb_get(txn, cs_lmdb_dbi(e, CS_DBI_THROTTLE), &k, &v));
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
	make_keys(&a.k, user, addr);
	if ((rc = cs_users_env(cfg, &e)) || (rc = cs_lmdb_read(e, check_fn, &a)))
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
	return cs_lmdb_rc(e, mdb_put(txn, cs_lmdb_dbi(e, CS_DBI_THROTTLE), &k, &v, 0));
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
	int rc;

	make_keys(&a.k, user, addr);
	if ((rc = cs_users_env(cfg, &e)))
		return rc;
	return cs_lmdb_write(e, fail_fn, &a);
}

static int
reset_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct keys *k = p;
	MDB_val key = { k->user_len, k->user };
	int rc;

	rc = cs_lmdb_rc(e, mdb_del(txn, cs_lmdb_dbi(e, CS_DBI_THROTTLE), &key, NULL));
	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

int
cs_throttle_reset(const struct cs_config *cfg, const char *user)
{
	struct cs_lmdb_env *e;
	struct keys k;
	int rc;

	make_keys(&k, user, NULL);
	if (k.user_len == 0)
		return CS_OK;
	if ((rc = cs_users_env(cfg, &e)))
		return rc;
	return cs_lmdb_write(e, reset_fn, &k);
}
