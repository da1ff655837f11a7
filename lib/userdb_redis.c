/*
 * userdb_redis.c -- users and login-throttling counters in Redis, shared
 * by every host of a SESSION_ENGINE = redis site (layout in userdb.h).
 *
 * The counters keep the LMDB semantics: a fixed window from the first
 * failure (the key's TTL), reserve checks and counts in one step (a Lua
 * script), a successful login clears the user's counter and takes back
 * the attempt reserved on the address.  Users and counters go to the
 * first server of a pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis_conn.h"
#include "userdb.h"
#include "log.h"
#include "util.h"

#define NAME_MAX_LEN	768
#define USERS_HASH	"csess:users"
#define COST_FIELD	"#iterations"
#define THROTTLE	"csess:throttle:"

/* KEYS: the counters; ARGV: window, op, then each key's limit.  Returns
 * the longest wait among counters at their limit (0: none). */
static const char THROTTLE_LUA[] =
    "local retry = 0 "
    "for i = 1, #KEYS do "
    "  local c = tonumber(redis.call('GET', KEYS[i]) or '0') "
    "  if c >= tonumber(ARGV[2 + i]) then "
    "    local t = redis.call('TTL', KEYS[i]) "
    "    if t > retry then retry = t end end end "
    "if ARGV[2] == 'check' or (ARGV[2] == 'reserve' and retry > 0) then "
    "  return retry end "
    "for i = 1, #KEYS do "
    "  if redis.call('INCR', KEYS[i]) == 1 then "
    "    redis.call('EXPIRE', KEYS[i], ARGV[1]) end end "
    "return retry";
/* KEYS[1] user counter or '', KEYS[2] address counter or ''. */
static const char SUCCEEDED_LUA[] =
    "if KEYS[1] ~= '' then redis.call('DEL', KEYS[1]) end "
    "if KEYS[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 and "
    "  redis.call('DECR', KEYS[2]) <= 0 then redis.call('DEL', KEYS[2]) end "
    "return 1";
static const char COST_LUA[] =
    "local h = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') "
    "if tonumber(ARGV[2]) > h then redis.call('HSET', KEYS[1], ARGV[1], "
    "ARGV[2]) end return 1";

/* The process's connection, opened on first use, opened again after a
 * fork or when the settings name another Redis (tests switch). */
static struct {
	struct cs_redis	 r;
	bool		 open;
	unsigned long	 gen;	/* csi_fork_gen() at open */
	char		*url, *prefix, *sentinels;
} db;

static bool
same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

bool
csi_userdb_redis(const struct cs_config *cfg)
{
	return cfg->session_engine != NULL &&
	    strcmp(cfg->session_engine, "redis") == 0;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
conn(const struct cs_config *cfg, struct cs_redis **out)
{
	char err[256];
	int rc;

	if (db.open && db.gen == csi_fork_gen() && same(db.url, cfg->session_redis_url) &&
	    same(db.prefix, cfg->session_redis_prefix) &&
	    same(db.sentinels, cfg->session_redis_sentinel_list)) {
		*out = &db.r;
		return CS_OK;
	}
	/* After fork the parent's connections are abandoned, not closed. */
	if (db.open && db.gen == csi_fork_gen())
		csi_redis_fini(&db.r);
	free(db.url);
	free(db.prefix);
	free(db.sentinels);
	memset(&db, 0, sizeof(db));
	if ((rc = csi_redis_init(&db.r, cfg, err, sizeof(err)))) {
		csi_log(CS_LOG_ERROR, "users: %s", err);
		return rc == CS_ERR_CONFIG ? CS_ERR_STORE : rc;
	}
	db.url = dup_or_null(cfg->session_redis_url);
	db.prefix = dup_or_null(cfg->session_redis_prefix);
	db.sentinels = dup_or_null(cfg->session_redis_sentinel_list);
	db.open = true;
	db.gen = csi_fork_gen();
	*out = &db.r;
	return CS_OK;
}

static void
name_of(const struct cs_config *cfg, const char *what, const char *tail,
    char *out, size_t len)
{
	if (cfg->session_redis_prefix)
		snprintf(out, len, "%s:%s%s", cfg->session_redis_prefix, what,
		    tail);
	else
		snprintf(out, len, "%s%s", what, tail);
}

/* One command on the first server; *rep the caller's. */
static int
cmd(const struct cs_config *cfg, int argc, const char **argv,
    redisReply **rep)
{
	struct cs_redis *r;
	int rc;

	if ((rc = conn(cfg, &r)))
		return rc;
	return csi_redis_cmd(r, 0, argc, argv, NULL, rep);
}

/* A command whose reply is not needed. */
static int
cmd0(const struct cs_config *cfg, int argc, const char **argv)
{
	redisReply *rep;
	int rc;

	if ((rc = cmd(cfg, argc, argv, &rep)) == CS_OK)
		freeReplyObject(rep);
	return rc;
}

int
csi_rusers_get(const struct cs_config *cfg, const char *name, char **json)
{
	char h[NAME_MAX_LEN];
	const char *argv[3] = { "HGET", h, name };
	redisReply *rep;
	int rc;

	*json = NULL;
	name_of(cfg, USERS_HASH, "", h, sizeof(h));
	if ((rc = cmd(cfg, 3, argv, &rep)))
		return rc;
	if (rep->type != REDIS_REPLY_STRING)
		rc = CS_ERR_NOT_FOUND;
	else if ((*json = strndup(rep->str, rep->len)) == NULL)
		rc = CS_ERR_NOMEM;
	freeReplyObject(rep);
	return rc;
}

int
csi_rusers_put(const struct cs_config *cfg, const char *name, const char *json,
    bool create_only)
{
	char h[NAME_MAX_LEN];
	const char *argv[4] = { create_only ? "HSETNX" : "HSET", h, name, json };
	redisReply *rep;
	int rc;

	name_of(cfg, USERS_HASH, "", h, sizeof(h));
	if ((rc = cmd(cfg, 4, argv, &rep)))
		return rc;
	if (create_only && rep->type == REDIS_REPLY_INTEGER && rep->integer == 0)
		rc = CS_ERR_EXISTS;
	freeReplyObject(rep);
	return rc;
}

int
csi_rusers_del(const struct cs_config *cfg, const char *name)
{
	char h[NAME_MAX_LEN];
	const char *argv[3] = { "HDEL", h, name };
	redisReply *rep;
	int rc;

	name_of(cfg, USERS_HASH, "", h, sizeof(h));
	if ((rc = cmd(cfg, 3, argv, &rep)))
		return rc;
	rc = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0 ? CS_OK :
	    CS_ERR_NOT_FOUND;
	freeReplyObject(rep);
	return rc;
}

int
csi_rusers_each(const struct cs_config *cfg,
    int (*fn)(void *, const char *, const char *), void *arg)
{
	char h[NAME_MAX_LEN];
	const char *argv[2] = { "HGETALL", h };
	redisReply *rep;
	size_t i;
	int rc;

	name_of(cfg, USERS_HASH, "", h, sizeof(h));
	if ((rc = cmd(cfg, 2, argv, &rep)))
		return rc;
	for (i = 0; rc == CS_OK && i + 1 < rep->elements; i += 2)
		if (cs_username_valid(rep->element[i]->str))
			rc = fn(arg, rep->element[i]->str,
			    rep->element[i + 1]->str);
	freeReplyObject(rep);
	return rc;
}

int
csi_rusers_cost(const struct cs_config *cfg, unsigned long *high)
{
	char *text;
	int rc;

	*high = 0;
	rc = csi_rusers_get(cfg, COST_FIELD, &text);
	if (rc == CS_OK)
		*high = strtoul(text, NULL, 10);
	free(text);
	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

int
csi_rusers_raise_cost(const struct cs_config *cfg, unsigned long n)
{
	char h[NAME_MAX_LEN], num[24];
	const char *argv[6] = { "EVAL", COST_LUA, "1", h, COST_FIELD, num };

	name_of(cfg, USERS_HASH, "", h, sizeof(h));
	snprintf(num, sizeof(num), "%lu", n);
	return cmd0(cfg, 6, argv);
}

/* --- throttle ----------------------------------------------------------- */

struct tkeys {
	char	user[NAME_MAX_LEN];
	char	addr[NAME_MAX_LEN];
	bool	has_user, has_addr;
};

static void
tkeys_make(const struct cs_config *cfg, struct tkeys *k, const char *user,
    const char *addr)
{
	char tail[CS_USERNAME_MAX + 80];

	k->has_user = user != NULL && cs_username_valid(user);
	k->has_addr = addr != NULL && *addr && strlen(addr) <= 64;
	k->user[0] = k->addr[0] = '\0';
	if (k->has_user) {
		snprintf(tail, sizeof(tail), "u:%s", user);
		name_of(cfg, THROTTLE, tail, k->user, sizeof(k->user));
	}
	if (k->has_addr) {
		snprintf(tail, sizeof(tail), "a:%s", addr);
		name_of(cfg, THROTTLE, tail, k->addr, sizeof(k->addr));
	}
}

int
csi_rthrottle(const struct cs_config *cfg, enum cs_rthrottle_op op,
    const char *user, const char *addr, int64_t *retry)
{
	static const char *const ops[] = { "check", "fail", "reserve" };
	char window[24], lu[24], la[24], nkeys[4];
	const char *argv[10];
	struct tkeys k;
	redisReply *rep;
	int argc = 0, n = 0, rc;

	*retry = 0;
	tkeys_make(cfg, &k, user, addr);
	if (!k.has_user && !k.has_addr)
		return CS_OK;
	snprintf(window, sizeof(window), "%lld",
	    (long long)cfg->login_failure_window);
	snprintf(lu, sizeof(lu), "%ld", cfg->login_failures_per_user);
	snprintf(la, sizeof(la), "%ld", cfg->login_failures_per_address);
	argv[argc++] = "EVAL";
	argv[argc++] = THROTTLE_LUA;
	argv[argc++] = nkeys;
	if (k.has_user)
		argv[argc++] = k.user, n++;
	if (k.has_addr)
		argv[argc++] = k.addr, n++;
	snprintf(nkeys, sizeof(nkeys), "%d", n);
	argv[argc++] = window;
	argv[argc++] = ops[op];
	if (k.has_user)
		argv[argc++] = lu;
	if (k.has_addr)
		argv[argc++] = la;
	if ((rc = cmd(cfg, argc, argv, &rep)))
		return rc;
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		*retry = rep->integer;
	freeReplyObject(rep);
	return op != CS_RTHROTTLE_FAIL && *retry > 0 ? CS_ERR_TOO_LARGE : CS_OK;
}

int
csi_rthrottle_succeeded(const struct cs_config *cfg, const char *user,
    const char *addr)
{
	const char *argv[5] = { "EVAL", SUCCEEDED_LUA, "2", NULL, NULL };
	struct tkeys k;

	tkeys_make(cfg, &k, user, addr);
	argv[3] = k.user;
	argv[4] = k.addr;
	return cmd0(cfg, 5, argv);
}

struct keys_arg {
	int	(*fn)(void *, const char *);
	void	*arg;
};

static int
key_of(void *p, const char *name, size_t len)
{
	struct keys_arg *a = p;

	(void)len;
	return a->fn(a->arg, name);
}

/* Every counter key (SCAN); fn gets each name.  Stops on non-zero. */
static int
each_key(const struct cs_config *cfg, int (*fn)(void *, const char *),
    void *arg)
{
	struct keys_arg a = { fn, arg };
	char pat[NAME_MAX_LEN];
	struct cs_redis *r;
	int rc;

	if ((rc = conn(cfg, &r)))
		return rc;
	/* The prefix is the site's own: glob characters in it would only
	 * widen the match, and every name is checked again by fn. */
	name_of(cfg, THROTTLE, "*", pat, sizeof(pat));
	return csi_redis_scan(r, 0, pat, key_of, &a);
}

struct walk {
	const struct cs_config	*cfg;
	int			(*fn)(void *, const struct cs_throttle_entry *);
	void			*arg;
	size_t			 n;
};

static int
show_one(void *p, const char *key)
{
	struct walk *w = p;
	struct cs_throttle_entry t;
	const char *argv[2] = { "GET", key }, *tail;
	char base[NAME_MAX_LEN];
	redisReply *rep;
	long long ttl;
	int rc;

	name_of(w->cfg, THROTTLE, "", base, sizeof(base));
	tail = key + strlen(base);
	if (strncmp(key, base, strlen(base)) || (tail[0] != 'u' &&
	    tail[0] != 'a') || tail[1] != ':')
		return CS_OK;
	if ((rc = cmd(w->cfg, 2, argv, &rep)))
		return rc;
	t.failures = rep->type == REDIS_REPLY_STRING ?
	    (uint32_t)strtoul(rep->str, NULL, 10) : 0;
	freeReplyObject(rep);
	argv[0] = "TTL";
	if ((rc = cmd(w->cfg, 2, argv, &rep)))
		return rc;
	ttl = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	if (t.failures == 0)
		return CS_OK;	/* expired meanwhile */
	t.kind = tail[0] == 'u' ? "user" : "address";
	t.name = tail + 2;
	t.window_end = cs_now() + (ttl > 0 ? ttl : 0);
	w->n++;
	return w->fn(w->arg, &t);
}

int
csi_rthrottle_each(const struct cs_config *cfg,
    int (*fn)(void *, const struct cs_throttle_entry *), void *arg)
{
	struct walk w = { cfg, fn, arg, 0 };

	return each_key(cfg, show_one, &w);
}

static int
del_one(void *p, const char *key)
{
	struct walk *w = p;
	const char *argv[2] = { "DEL", key };
	redisReply *rep;
	int rc;

	if ((rc = cmd(w->cfg, 2, argv, &rep)))
		return rc;
	if (rep->type == REDIS_REPLY_INTEGER)
		w->n += (size_t)rep->integer;
	freeReplyObject(rep);
	return CS_OK;
}

int
csi_rthrottle_clear(const struct cs_config *cfg, const char *user,
    const char *addr, size_t *cleared)
{
	struct walk w = { cfg, NULL, NULL, 0 };
	struct tkeys k;
	int rc = CS_OK;

	*cleared = 0;
	if (user == NULL && addr == NULL)
		rc = each_key(cfg, del_one, &w);
	else {
		tkeys_make(cfg, &k, user, addr);
		if (k.has_user)
			rc = del_one(&w, k.user);
		if (rc == CS_OK && k.has_addr)
			rc = del_one(&w, k.addr);
	}
	*cleared = w.n;
	return rc;
}
