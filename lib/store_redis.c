/*
 * store_redis.c -- the redis session engine, byte-compatible with
 * django-redis-sessions (redis_sessions.session): a session is the key
 * PREFIX:KEY (bare KEY without a prefix) holding Django's encode() string,
 * signing.dumps(data, salt="django.contrib.sessions.SessionStore",
 * compress=True) with SECRET_KEY, set with the expiry age as its TTL.  A
 * Django site on that backend and csess read, write and delete each
 * other's sessions; Redis expires them itself.
 *
 * What Django does not keep is derived or kept beside, never in the value:
 *  - the version (CS_SAVE_UPDATE's no-lost-update check) is the first 64
 *    bits of the SHA-1 of the stored string: the value changes on every
 *    write (its signature carries the time), and a Lua script compares and
 *    writes in one step, so a save never resurrects a deleted session
 *    (SET XX) and never overwrites a write it did not read;
 *  - the owner (the user index) is the session's _auth_user_id; the index
 *    is a set PREFIX:csess:user:NAME of session keys, on the first server
 *    of a pool, pruned of keys that expired when it is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/sign.h"
#include "engines.h"
#include "redis_conn.h"
#include "csess_test.h"

#define SESSION_SALT	"django.contrib.sessions.SessionStore"
#define AUTH_USER_KEY	"_auth_user_id"
#define DATA_MAX	(4u << 20)	/* JSON bytes of one session */
#define USER_MAX	255
#define NAME_MAX_LEN	(512 + CS_SESSION_KEY_LEN)

/* GET and PTTL in one step. */
static const char LOAD_LUA[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if not v then return false end "
    "return {v, redis.call('PTTL', KEYS[1])}";
/* ARGV: version (16 hex), value, ttl.  1 written, 0 conflict. */
static const char UPDATE_LUA[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if not v or string.sub(redis.sha1hex(v), 1, 16) ~= ARGV[1] then "
    "return 0 end "
    "redis.call('SET', KEYS[1], ARGV[2], 'XX', 'EX', ARGV[3]) return 1";
/* ARGV: version, ttl. */
static const char TOUCH_LUA[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if not v or string.sub(redis.sha1hex(v), 1, 16) ~= ARGV[1] then "
    "return 0 end "
    "redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1";
/* ARGV: session key, ttl: the set lives as long as its longest member. */
static const char INDEX_LUA[] =
    "redis.call('SADD', KEYS[1], ARGV[1]) "
    "if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then "
    "redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 1";

struct redis_store {
	struct cs_store	 base;
	struct cs_redis	 r;
	char		*prefix;	/* NULL: bare keys */
};

static struct redis_store *
rs_of(struct cs_store *st)
{
	return (struct redis_store *)st;
}

static void
name_of(const struct redis_store *rs, const char *what, const char *key,
    char *out, size_t len)
{
	if (rs->prefix)
		snprintf(out, len, "%s:%s%s", rs->prefix, what, key);
	else
		snprintf(out, len, "%s%s", what, key);
}

static int
signer_of(const struct cs_store *st, struct cs_signer *s)
{
	if (cs_signer_init(s, st->cfg))
		return CS_ERR_CONFIG;
	s->salt = SESSION_SALT;
	s->timestamp = true;
	return CS_OK;
}

/* The first 64 bits of SHA-1(value) (what the scripts compare). */
static int
version_of(const char *v, size_t len, uint64_t *out)
{
	unsigned char d[20];
	int rc, i;

	if ((rc = cs_digest(CS_HASH_SHA1, v, len, d)))
		return rc;
	*out = 0;
	for (i = 0; i < 8; i++)
		*out = *out << 8 | d[i];
	/* 0 means "not stored" to the session; a value hashing to it (one
	 * in 2^64) then always conflicts, which only costs a retry. */
	if (*out == 0)
		*out = 1;
	return CS_OK;
}

/* EVALSHA, and EVAL once when the server does not have the script (a
 * restarted or new primary). */
static int
script(struct redis_store *rs, size_t srv, const char *lua, int nargs,
    const char **args, const size_t *lens, redisReply **out)
{
	const char *argv[8];
	size_t alen[8];
	unsigned char d[20];
	char sha[41];
	int i, rc;

	if ((rc = cs_digest(CS_HASH_SHA1, lua, strlen(lua), d)))
		return rc;
	for (i = 0; i < 20; i++)
		snprintf(sha + 2 * i, 3, "%02x", d[i]);
	argv[0] = "EVALSHA";
	argv[1] = sha;
	argv[2] = "1";
	alen[0] = 7;
	alen[1] = 40;
	alen[2] = 1;
	for (i = 0; i < nargs; i++) {
		argv[3 + i] = args[i];
		alen[3 + i] = lens ? lens[i] : strlen(args[i]);
	}
	rc = csi_redis_cmd(&rs->r, srv, 3 + nargs, argv, alen, out);
	if (rc != CS_ERR_STORE || strstr(rs->r.error, "NOSCRIPT") == NULL)
		return rc;
	argv[0] = "EVAL";
	argv[1] = lua;
	alen[0] = 4;
	alen[1] = strlen(lua);
	return csi_redis_cmd(&rs->r, srv, 3 + nargs, argv, alen, out);
}

/* The owner of a session: its _auth_user_id when that is a string. */
static int
owner_of(const char *json, size_t len, char **user)
{
	json_t *o = json_loadb(json, len, 0, NULL), *u;
	int rc = CS_OK;

	*user = NULL;
	u = json_object_get(o, AUTH_USER_KEY);
	if (json_is_string(u) && json_string_length(u) > 0 &&
	    json_string_length(u) <= USER_MAX &&
	    (*user = strdup(json_string_value(u))) == NULL)
		rc = CS_ERR_NOMEM;
	json_decref(o);
	return rc;
}

/* Decode a stored value into out (data, user, version; not expire). */
static int
decode(struct cs_store *st, const char *v, size_t len, int64_t now,
    struct cs_record *out)
{
	struct cs_signer s;
	struct cs_buf json = {0};
	int rc;

	if ((rc = signer_of(st, &s)))
		return rc;
	/* Django's decode(): no max_age, the TTL does the expiry. */
	rc = csi_loads_at(&s, v, len, -1, now, &json);
	if (rc == CS_ERR_NOMEM || rc == CS_ERR_CRYPTO)
		return rc;
	if (rc || json.len == 0 || json.data[0] != '{') {
		/* Django: "Session data corrupted", an empty session. */
		cs_buf_free(&json);
		return CS_ERR_NOT_FOUND;
	}
	if ((rc = version_of(v, len, &out->version)) ||
	    (rc = owner_of(json.data, json.len, &out->user))) {
		cs_buf_free(&json);
		return rc;
	}
	out->data_len = json.len;
	out->data = cs_buf_steal(&json);
	return CS_OK;
}

static int
fetch(struct cs_store *st, const char *key, int64_t now, struct cs_record *out)
{
	struct redis_store *rs = rs_of(st);
	char name[NAME_MAX_LEN];
	const char *args[1] = { name };
	redisReply *rep;
	long long pttl;
	int rc;

	memset(out, 0, sizeof(*out));
	name_of(rs, "", key, name, sizeof(name));
	if ((rc = script(rs, csi_redis_server_for(&rs->r, key), LOAD_LUA, 1,
	    args, NULL, &rep)))
		return rc;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING) {
		freeReplyObject(rep);
		return CS_ERR_NOT_FOUND;
	}
	pttl = rep->element[1]->integer;
	rc = decode(st, rep->element[0]->str, rep->element[0]->len, now, out);
	freeReplyObject(rep);
	if (rc)
		return rc;
	/* No TTL (not set by a Django backend): the cookie age from now. */
	out->expire = pttl >= 0 ? now + (pttl + 999) / 1000 :
	    now + st->cfg->session_cookie_age;
	return CS_OK;
}

static int
redis_load(struct cs_store *st, const char *key, int64_t now,
    struct cs_record *out)
{
	memset(out, 0, sizeof(*out));
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return fetch(st, key, now, out);
}

static int
redis_get(struct cs_store *st, const char *key, struct cs_record *out)
{
	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	return fetch(st, key, cs_now(), out);
}

/* Seconds to live for an absolute expiry: at least 1 (SETEX refuses 0). */
static void
ttl_text(int64_t expire, char out[24])
{
	int64_t ttl = expire - cs_now();

	snprintf(out, 24, "%lld", (long long)(ttl > 0 ? ttl : 1));
}

static int
index_user(struct redis_store *rs, const char *user, const char *key,
    const char *ttl)
{
	char name[NAME_MAX_LEN];
	const char *args[3] = { name, key, ttl };
	redisReply *rep;
	int rc;

	if (user == NULL || user[0] == '\0' || strlen(user) > USER_MAX)
		return CS_OK;
	name_of(rs, "csess:user:", user, name, sizeof(name));
	if ((rc = script(rs, 0, INDEX_LUA, 3, args, NULL, &rep)) == CS_OK)
		freeReplyObject(rep);
	return rc;
}

/* SET key value NX EX ttl: CS_ERR_EXISTS when taken. */
static int
create_one(struct redis_store *rs, const char *key, const struct cs_buf *val,
    const char *ttl)
{
	char name[NAME_MAX_LEN];
	const char *argv[6] = { "SET", name, val->data, "NX", "EX", ttl };
	size_t lens[6];
	redisReply *rep;
	int i, rc;

	name_of(rs, "", key, name, sizeof(name));
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	lens[2] = val->len;
	if ((rc = csi_redis_cmd(&rs->r, csi_redis_server_for(&rs->r, key), 6,
	    argv, lens, &rep)))
		return rc;
	rc = rep->type == REDIS_REPLY_NIL ? CS_ERR_EXISTS : CS_OK;
	freeReplyObject(rep);
	return rc;
}

/* A script that changes key only at the version read: 1 when it did,
 * else CS_ERR_CONFLICT (vanished, expired or written meanwhile). */
static int
guarded(struct redis_store *rs, const char *key, const char *lua, int nargs,
    const char **args, const size_t *lens)
{
	redisReply *rep;
	int rc;

	if ((rc = script(rs, csi_redis_server_for(&rs->r, key), lua, nargs,
	    args, lens, &rep)))
		return rc;
	rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? CS_OK :
	    CS_ERR_CONFLICT;
	freeReplyObject(rep);
	return rc;
}

static int
update_one(struct redis_store *rs, const char *key, uint64_t expect,
    const struct cs_buf *val, const char *ttl)
{
	char name[NAME_MAX_LEN], ver[17];
	const char *args[4] = { name, ver, val->data, ttl };
	size_t lens[4];

	name_of(rs, "", key, name, sizeof(name));
	snprintf(ver, sizeof(ver), "%016llx", (unsigned long long)expect);
	lens[0] = strlen(name);
	lens[1] = 16;
	lens[2] = val->len;
	lens[3] = strlen(ttl);
	return guarded(rs, key, UPDATE_LUA, 4, args, lens);
}

static int
encode(struct cs_store *st, const struct cs_record *rec, struct cs_buf *out)
{
	struct cs_signer s;
	int rc;

	if ((rc = signer_of(st, &s)))
		return rc;
	return cs_dumps(&s, rec->data, rec->data_len, true, out);
}

static int
redis_save(struct cs_store *st, char **keyp, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct redis_store *rs = rs_of(st);
	struct cs_buf val = {0};
	char fresh[CS_SESSION_KEY_LEN + 1], ttl[24];
	uint64_t version;
	int rc, tries;

	if (rec->data == NULL || rec->expire < 0)
		return CS_ERR_INVALID;
	if (rec->data_len > DATA_MAX)
		return CS_ERR_TOO_LARGE;
	if (*keyp != NULL && !cs_session_key_valid(*keyp))
		return CS_ERR_INVALID;
	if (mode == CS_SAVE_UPDATE && *keyp == NULL)
		return CS_ERR_INVALID;
	if ((rc = encode(st, rec, &val)) ||
	    (rc = version_of(val.data, val.len, &version)))
		goto out;
	ttl_text(rec->expire, ttl);
	if (mode == CS_SAVE_UPDATE)
		rc = update_one(rs, *keyp, rec->version, &val, ttl);
	else if (*keyp != NULL)
		rc = create_one(rs, *keyp, &val, ttl);
	else {
		/* No key: make one, as Django's create() does. */
		for (tries = 0; tries < 16; tries++) {
			if ((rc = cs_session_key_new(fresh)))
				goto out;
			if ((rc = create_one(rs, fresh, &val, ttl)) !=
			    CS_ERR_EXISTS)
				break;
		}
		if (rc == CS_OK && (*keyp = strdup(fresh)) == NULL)
			rc = CS_ERR_NOMEM;
	}
	if (rc == CS_OK)
		rc = index_user(rs, rec->user, *keyp, ttl);
	if (rc == CS_OK)
		rec->version = version;
out:
	cs_buf_free(&val);
	return rc;
}

static int
redis_touch(struct cs_store *st, const char *key, int64_t expire,
    uint64_t version)
{
	struct redis_store *rs = rs_of(st);
	char name[NAME_MAX_LEN], ver[17], ttl[24];
	const char *args[3] = { name, ver, ttl };

	if (key == NULL || !cs_session_key_valid(key) || expire < 0)
		return CS_ERR_INVALID;
	name_of(rs, "", key, name, sizeof(name));
	snprintf(ver, sizeof(ver), "%016llx", (unsigned long long)version);
	ttl_text(expire, ttl);
	return guarded(rs, key, TOUCH_LUA, 3, args, NULL);
}

/* A one-key command on the key's server: DEL, EXISTS; *n its integer. */
static int
key_cmd(struct redis_store *rs, const char *cmd, const char *key,
    long long *n)
{
	char name[NAME_MAX_LEN];
	const char *argv[2] = { cmd, name };
	redisReply *rep;
	int rc;

	name_of(rs, "", key, name, sizeof(name));
	if ((rc = csi_redis_cmd(&rs->r, csi_redis_server_for(&rs->r, key), 2,
	    argv, NULL, &rep)))
		return rc;
	*n = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	return CS_OK;
}

static int
redis_del(struct cs_store *st, const char *key)
{
	long long n;

	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_INVALID;
	return key_cmd(rs_of(st), "DEL", key, &n);
}

/* DEL or EXISTS: CS_OK when the key was there, else CS_ERR_NOT_FOUND. */
static int
key_there(struct cs_store *st, const char *cmd, const char *key)
{
	long long n;
	int rc;

	if (key == NULL || !cs_session_key_valid(key))
		return CS_ERR_NOT_FOUND;
	if ((rc = key_cmd(rs_of(st), cmd, key, &n)))
		return rc;
	return n > 0 ? CS_OK : CS_ERR_NOT_FOUND;
}

static int
redis_remove(struct cs_store *st, const char *key)
{
	return key_there(st, "DEL", key);
}

static int
redis_exists(struct cs_store *st, const char *key)
{
	return key_there(st, "EXISTS", key);
}

/* --- enumeration (SCAN), the user index -------------------------------- */

/* Hand one session to fn; a key that vanished or does not decode is
 * skipped.  Returns fn's non-zero, or an engine error. */
static int
visit(struct cs_store *st, const char *key, cs_store_session_fn *fn,
    void *arg, bool *gone)
{
	struct cs_store_session sv;
	struct cs_record rec;
	int rc;

	*gone = false;
	rc = fetch(st, key, cs_now(), &rec);
	if (rc == CS_ERR_NOT_FOUND) {
		*gone = true;
		return CS_OK;
	}
	if (rc)
		return rc;
	memset(&sv, 0, sizeof(sv));
	memcpy(sv.key, key, CS_SESSION_KEY_LEN + 1);
	sv.expire = rec.expire;
	sv.version = rec.version;
	sv.user = rec.user;
	sv.data = rec.data;
	sv.data_len = rec.data_len;
	rc = fn(arg, &sv);
	cs_record_free(&rec);
	return rc;
}

/* The session key in a Redis key name, or NULL when it is not one. */
static const char *
session_in(const struct redis_store *rs, const char *name, size_t len)
{
	size_t plen = rs->prefix ? strlen(rs->prefix) + 1 : 0;

	if (len != plen + CS_SESSION_KEY_LEN)
		return NULL;
	if (plen && (strncmp(name, rs->prefix, plen - 1) || name[plen - 1] != ':'))
		return NULL;
	return name + plen;
}

/* A glob matching PREFIX:* with the prefix's glob characters escaped. */
static void
scan_pattern(const struct redis_store *rs, char *out, size_t len)
{
	const char *p = rs->prefix;
	size_t n = 0;

	if (p != NULL)
		for (; *p && n + 4 < len; p++) {
			if (strchr("*?[]\\", *p))
				out[n++] = '\\';
			out[n++] = *p;
		}
	if (p != NULL)
		out[n++] = ':';
	out[n++] = '*';
	out[n] = '\0';
}

struct scan_arg {
	struct cs_store		*st;
	size_t			 srv;
	cs_store_session_fn	*fn;
	void			*arg;
};

static int
scan_one(void *p, const char *name, size_t len)
{
	struct scan_arg *a = p;
	char key[CS_SESSION_KEY_LEN + 1];
	const char *k;
	bool gone;

	k = session_in(rs_of(a->st), name, len);
	if (k == NULL || !cs_session_key_valid(k))
		return CS_OK;
	memcpy(key, k, sizeof(key));
	/* Only this server's keys: a pool walks each once. */
	if (csi_redis_server_for(&rs_of(a->st)->r, key) != a->srv)
		return CS_OK;
	return visit(a->st, key, a->fn, a->arg, &gone);
}

static int
scan_server(struct cs_store *st, size_t srv, cs_store_session_fn *fn, void *arg)
{
	struct scan_arg a = { st, srv, fn, arg };
	char pat[NAME_MAX_LEN * 2];

	scan_pattern(rs_of(st), pat, sizeof(pat));
	return csi_redis_scan(&rs_of(st)->r, srv, pat, scan_one, &a);
}

static int
redis_foreach(struct cs_store *st, cs_store_session_fn *fn, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < rs_of(st)->r.nservers; i++)
		if ((rc = scan_server(st, i, fn, arg)))
			return rc;
	return CS_OK;
}

/* SMEMBERS of the user's set; *rep the caller's. */
static int
user_members(struct redis_store *rs, const char *user, char *name,
    size_t nlen, redisReply **rep)
{
	const char *argv[2] = { "SMEMBERS", name };

	if (user == NULL || user[0] == '\0' || strlen(user) > USER_MAX)
		return CS_ERR_INVALID;
	name_of(rs, "csess:user:", user, name, nlen);
	return csi_redis_cmd(&rs->r, 0, 2, argv, NULL, rep);
}

static void
user_forget(struct redis_store *rs, const char *set, const char *key)
{
	const char *argv[3] = { "SREM", set, key };
	redisReply *rep;

	if (csi_redis_cmd(&rs->r, 0, 3, argv, NULL, &rep) == CS_OK)
		freeReplyObject(rep);
}

static int
redis_foreach_user(struct cs_store *st, const char *user,
    cs_store_session_fn *fn, void *arg)
{
	struct redis_store *rs = rs_of(st);
	char set[NAME_MAX_LEN];
	redisReply *rep;
	const char *k;
	size_t i;
	bool gone;
	int rc;

	if ((rc = user_members(rs, user, set, sizeof(set), &rep)))
		return rc;
	for (i = 0; rc == CS_OK && i < rep->elements; i++) {
		k = rep->element[i]->str;
		if (!cs_session_key_valid(k))
			continue;
		rc = visit(st, k, fn, arg, &gone);
		if (rc == CS_OK && gone)
			user_forget(rs, set, k);
	}
	freeReplyObject(rep);
	return rc;
}

static int
redis_revoke_user(struct cs_store *st, const char *user, uint64_t *count)
{
	struct redis_store *rs = rs_of(st);
	char set[NAME_MAX_LEN];
	const char *argv[2] = { "DEL", set };
	redisReply *rep, *r2;
	long long n;
	size_t i;
	int rc;

	*count = 0;
	if ((rc = user_members(rs, user, set, sizeof(set), &rep)))
		return rc;
	for (i = 0; rc == CS_OK && i < rep->elements; i++) {
		if (!cs_session_key_valid(rep->element[i]->str))
			continue;
		if ((rc = key_cmd(rs, "DEL", rep->element[i]->str, &n)) == CS_OK)
			*count += (uint64_t)n;
	}
	freeReplyObject(rep);
	if (rc == CS_OK && (rc = csi_redis_cmd(&rs->r, 0, 2, argv, NULL, &r2)) ==
	    CS_OK)
		freeReplyObject(r2);
	return rc;
}

static int
count_one(void *arg, const struct cs_store_session *sv)
{
	(void)sv;
	(*(uint64_t *)arg)++;
	return 0;
}

static int
redis_stats(struct cs_store *st, int64_t now, cs_store_stat_fn *fn, void *arg)
{
	uint64_t n = 0;
	int rc;

	(void)now;
	if ((rc = redis_foreach(st, count_one, &n)))
		return rc;
	fn(arg, "sessions", n);
	fn(arg, "servers", rs_of(st)->r.nservers);
	return CS_OK;
}

/* --- export / import: JSON lines (csess sessions export/import) -------- */

static int
export_one(void *arg, const struct cs_store_session *sv)
{
	FILE *f = arg;
	json_t *o, *d;
	int rc;

	if ((d = json_loadb(sv->data, sv->data_len, 0, NULL)) == NULL)
		return 0;
	o = json_pack("{s:s, s:I, s:o}", "key", sv->key, "expire",
	    (json_int_t)sv->expire, "data", d);
	if (o == NULL)
		return CS_ERR_NOMEM;
	if (sv->user)
		json_object_set_new(o, "user", json_string(sv->user));
	rc = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc || putc('\n', f) == EOF)
		return CS_ERR_IO;
	return 0;
}

static int
redis_export(struct cs_store *st, FILE *f)
{
	int rc;

	if ((rc = redis_foreach(st, export_one, f)))
		return rc;
	return fflush(f) == 0 ? CS_OK : CS_ERR_IO;
}

/* One import line: key (or a fresh one), expire, user, data.  The later
 * line wins, so the write is a plain SET, not a create. */
static int
import_line(struct cs_store *st, json_t *o, char *err, size_t errlen)
{
	struct redis_store *rs = rs_of(st);
	struct cs_record rec;
	struct cs_buf val = {0};
	json_t *jk = json_object_get(o, "key"), *je = json_object_get(o, "expire");
	json_t *ju = json_object_get(o, "user"), *jd = json_object_get(o, "data");
	char key[CS_SESSION_KEY_LEN + 1], name[NAME_MAX_LEN], ttl[24];
	const char *argv[5] = { "SET", name, NULL, "EX", ttl };
	size_t lens[5];
	redisReply *rep;
	int rc, i;

	if (jk && !json_is_null(jk) && (!json_is_string(jk) ||
	    !cs_session_key_valid(json_string_value(jk)))) {
		snprintf(err, errlen, "\"key\" is not a session key "
		    "(32 characters a-z0-9)");
		return CS_ERR_INVALID;
	}
	if (!json_is_integer(je) || json_integer_value(je) < 0 ||
	    !json_is_object(jd) || (ju && !json_is_null(ju) &&
	    !json_is_string(ju))) {
		snprintf(err, errlen, "needs \"expire\" (epoch seconds), "
		    "\"data\" (an object), and \"user\" a string when given");
		return CS_ERR_INVALID;
	}
	if (json_integer_value(je) <= cs_now())
		return CS_OK;	/* expired: Redis would drop it at once */
	if (json_is_string(jk))
		memcpy(key, json_string_value(jk), sizeof(key));
	else if ((rc = cs_session_key_new(key)))
		return rc;
	memset(&rec, 0, sizeof(rec));
	if ((rec.data = json_dumps(jd, JSON_COMPACT)) == NULL)
		return CS_ERR_NOMEM;
	rec.data_len = strlen(rec.data);
	rec.expire = (int64_t)json_integer_value(je);
	rc = encode(st, &rec, &val);
	free(rec.data);
	if (rc)
		return rc;
	name_of(rs, "", key, name, sizeof(name));
	ttl_text(rec.expire, ttl);
	argv[2] = val.data;
	for (i = 0; i < 5; i++)
		lens[i] = i == 2 ? val.len : strlen(argv[i]);
	rc = csi_redis_cmd(&rs->r, csi_redis_server_for(&rs->r, key), 5, argv,
	    lens, &rep);
	cs_buf_free(&val);
	if (rc)
		return rc;
	freeReplyObject(rep);
	return index_user(rs, json_is_string(ju) ? json_string_value(ju) : NULL,
	    key, ttl);
}

static int
redis_import(struct cs_store *st, FILE *f, uint64_t *count, size_t *bad_line,
    char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	json_t *o;
	int rc = CS_OK;

	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		o = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o)) {
			snprintf(err, errlen, "not a JSON object");
			rc = CS_ERR_INVALID;
		} else
			rc = import_line(st, o, err, errlen);
		json_decref(o);
		if (rc) {
			if (rc == CS_ERR_INVALID)
				*bad_line = lineno;
			break;
		}
		(*count)++;
	}
	free(line);
	return rc;
}

static const char *
redis_error(struct cs_store *st)
{
	return rs_of(st)->r.error;
}

static void
redis_close(struct cs_store *st)
{
	struct redis_store *rs = rs_of(st);

	csi_redis_fini(&rs->r);
	free(rs->prefix);
	free(rs);
}

const struct cs_store_ops csi_store_redis_ops = {
	.name = "redis",
	.load = redis_load,
	.save = redis_save,
	.touch = redis_touch,
	.del = redis_del,
	.exists = redis_exists,
	.close = redis_close,
	.caps = CS_STORE_ENUMERATE | CS_STORE_USER_INDEX |
	    CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC,
	.get = redis_get,
	.remove = redis_remove,
	.foreach = redis_foreach,
	.foreach_user = redis_foreach_user,
	.revoke_user = redis_revoke_user,
	.stats = redis_stats,
	.export_jsonl = redis_export,
	.import_jsonl = redis_import,
	.error = redis_error,
};

int
csi_store_redis_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	struct redis_store *rs;
	struct cs_signer s;
	int rc;

	*out = NULL;
	if (cs_signer_init(&s, cfg)) {
		snprintf(err, errlen, "SECRET_KEY: required by "
		    "SESSION_ENGINE = redis");
		return CS_ERR_CONFIG;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return CS_ERR_NOMEM;
	if ((rc = csi_redis_init(&rs->r, cfg, err, errlen)) ||
	    (cfg->session_redis_prefix && (rs->prefix =
	    strdup(cfg->session_redis_prefix)) == NULL)) {
		csi_redis_fini(&rs->r);
		free(rs);
		return rc ? rc : CS_ERR_NOMEM;
	}
	rs->base.ops = &csi_store_redis_ops;
	rs->base.cfg = cfg;
	*out = &rs->base;
	return CS_OK;
}
