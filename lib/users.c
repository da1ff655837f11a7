/*
 * users.c -- users in the LMDB store (see csess/users.h).
 *
 * users DBI: name -> JSON {"password": hash, "auth": hex|null,
 * "key": fingerprint of the SECRET_KEY that made "auth" (keyfp.h),
 * "created": epoch, "changed": epoch}.  JSON keeps the record readable with
 * mdb_dump and lets later fields be added without a format version.
 * One more key, COST_KEY (not a username: '#' is refused in names), holds
 * the highest iteration count any stored hash has had, in decimal.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/store.h"
#include "csess/users.h"
#include "keyfp.h"
#include "userdb.h"
#include "users_env.h"

#define COST_KEY	"#iterations"

static struct cs_lmdb_env *users_env;
static char *users_env_path;

int
csi_users_env(const struct cs_config *cfg, struct cs_lmdb_env **out)
{
	char err[256];
	int rc;

	/* A different SESSION_STORE (tests switch stores) gets a new handle. */
	if (users_env && strcmp(users_env_path, cfg->session_store)) {
		csi_lmdb_env_release(users_env);
		users_env = NULL;
		free(users_env_path);
		users_env_path = NULL;
	}
	if (users_env == NULL) {
		if ((users_env_path = strdup(cfg->session_store)) == NULL)
			return CS_ERR_NOMEM;
		if ((rc = csi_lmdb_env_acquire(&users_env, cfg, err, sizeof(err)))) {
			free(users_env_path);
			users_env_path = NULL;
			return rc;
		}
	}
	*out = users_env;
	return CS_OK;
}

bool
cs_username_valid(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > CS_USERNAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789@.+-_", name[i]))
			return false;
	return true;
}

void
cs_user_free(struct cs_user *u)
{
	free(u->name);
	free(u->password_hash);
	free(u->auth_hash);
	free(u->key_fingerprint);
	memset(u, 0, sizeof(*u));
}

static int
decode_json(const char *name, const char *text, size_t len,
    struct cs_user *out)
{
	json_t *j, *pw, *auth, *key;
	json_error_t jerr;
	int rc = CS_ERR_STORE;

	memset(out, 0, sizeof(*out));
	if ((j = json_loadb(text, len, 0, &jerr)) == NULL)
		return CS_ERR_STORE;
	pw = json_object_get(j, "password");
	auth = json_object_get(j, "auth");
	key = json_object_get(j, "key");
	if (json_is_string(pw)) {
		out->name = strdup(name);
		out->password_hash = strdup(json_string_value(pw));
		out->auth_hash = json_is_string(auth) ? strdup(json_string_value(auth)) : NULL;
		out->key_fingerprint = json_is_string(key) ?
		    strdup(json_string_value(key)) : NULL;
		out->created = json_integer_value(json_object_get(j, "created"));
		out->password_changed = json_integer_value(json_object_get(j, "changed"));
		rc = (out->name && out->password_hash &&
		    (out->auth_hash || !json_is_string(auth)) &&
		    (out->key_fingerprint || !json_is_string(key))) ? CS_OK : CS_ERR_NOMEM;
		if (rc)
			cs_user_free(out);
	}
	json_decref(j);
	return rc;
}

/*
 * Decoded records remembered by their exact bytes: the gate and the
 * protected page look the same few users up on every request, and the
 * JSON parse was over a third of a FastCGI gate's work.  A record that
 * changes (password, auth hash, key, a deletion and re-creation) changes
 * its bytes, so a hit gives exactly what decoding would.  The name is not
 * part of a record: it is the caller's.
 */
#define UCACHE_SLOTS	8
#define UCACHE_MAX	1024	/* larger records are decoded every time */

static struct ucache_slot {
	size_t		 len;		/* 0: empty */
	char		*text;
	struct cs_user	 user;		/* name NULL */
} ucache[UCACHE_SLOTS];
static unsigned ucache_next;
static pthread_mutex_t ucache_mu = PTHREAD_MUTEX_INITIALIZER;

static char *
dup_or_null(const char *p, bool *fail)
{
	char *d;

	if (p == NULL)
		return NULL;
	if ((d = strdup(p)) == NULL)
		*fail = true;
	return d;
}

/* *out = *in under another name (NULL: none); CS_ERR_NOMEM or CS_OK. */
static int
user_copy(struct cs_user *out, const char *name, const struct cs_user *in)
{
	bool fail = false;

	memset(out, 0, sizeof(*out));
	out->name = dup_or_null(name, &fail);
	out->password_hash = dup_or_null(in->password_hash, &fail);
	out->auth_hash = dup_or_null(in->auth_hash, &fail);
	out->key_fingerprint = dup_or_null(in->key_fingerprint, &fail);
	out->created = in->created;
	out->password_changed = in->password_changed;
	if (fail)
		cs_user_free(out);
	return fail ? CS_ERR_NOMEM : CS_OK;
}

/* CS_OK with *out, CS_ERR_NOT_FOUND when the bytes are not remembered. */
static int
ucache_get(const char *name, const char *text, size_t len,
    struct cs_user *out)
{
	int rc = CS_ERR_NOT_FOUND, i;

	pthread_mutex_lock(&ucache_mu);
	for (i = 0; i < UCACHE_SLOTS; i++)
		if (ucache[i].len == len && memcmp(ucache[i].text, text, len) == 0) {
			rc = user_copy(out, name, &ucache[i].user);
			break;
		}
	pthread_mutex_unlock(&ucache_mu);
	return rc;
}

static void
ucache_put(const char *text, size_t len, const struct cs_user *u)
{
	struct ucache_slot *sl;

	pthread_mutex_lock(&ucache_mu);
	sl = &ucache[ucache_next++ % UCACHE_SLOTS];
	free(sl->text);
	cs_user_free(&sl->user);
	sl->len = 0;
	if ((sl->text = malloc(len)) != NULL &&
	    user_copy(&sl->user, NULL, u) == CS_OK) {
		memcpy(sl->text, text, len);
		sl->len = len;
	} else {
		free(sl->text);
		sl->text = NULL;
	}
	pthread_mutex_unlock(&ucache_mu);
}

static int
decode_user_text(const char *name, const char *text, size_t len,
    struct cs_user *out)
{
	int rc;

	if (len == 0 || len > UCACHE_MAX)
		return decode_json(name, text, len, out);
	if ((rc = ucache_get(name, text, len, out)) != CS_ERR_NOT_FOUND)
		return rc;
	if ((rc = decode_json(name, text, len, out)) == CS_OK)
		ucache_put(text, len, out);
	return rc;
}

static int
decode_user(const char *name, const MDB_val *v, struct cs_user *out)
{
	return decode_user_text(name, v->mv_data, v->mv_size, out);
}

struct get_arg {
	const char	*name;
	struct cs_user	*out;
};

static int
get_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct get_arg *a = p;
	MDB_val k = { strlen(a->name), (void *)a->name }, v;
	int rc;

	if ((rc = csi_lmdb_rc(e, mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v))))
		return rc;
	return decode_user(a->name, &v, a->out);
}

static int
redis_get(const struct cs_config *cfg, const char *name, struct cs_user *out)
{
	char *text;
	int rc;

	if ((rc = csi_rusers_get(cfg, name, &text)))
		return rc;
	rc = decode_user_text(name, text, strlen(text), out);
	free(text);
	return rc;
}

int
cs_user_get(const struct cs_config *cfg, const char *name, struct cs_user *out)
{
	struct cs_lmdb_env *e;
	struct get_arg a = { name, out };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cs_username_valid(name))
		return CS_ERR_NOT_FOUND;
	if (csi_userdb_redis(cfg))
		return redis_get(cfg, name, out);
	if ((rc = csi_users_env(cfg, &e)))
		return rc;
	return csi_lmdb_read(e, get_fn, &a);
}

/* The count of a "algorithm$iterations$..." hash, 0 when there is none. */
static unsigned long
hash_iterations(const char *hash)
{
	const char *d = strchr(hash, '$');

	return d && d[1] >= '1' && d[1] <= '9' ? strtoul(d + 1, NULL, 10) : 0;
}

static int
read_cost(MDB_txn *txn, struct cs_lmdb_env *e, unsigned long *cost)
{
	MDB_val k = { sizeof(COST_KEY) - 1, COST_KEY }, v;
	char text[24];
	int rc;

	*cost = 0;
	rc = csi_lmdb_rc(e, mdb_get(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v));
	if (rc == CS_OK && v.mv_size < sizeof(text)) {
		memcpy(text, v.mv_data, v.mv_size);
		text[v.mv_size] = '\0';
		*cost = strtoul(text, NULL, 10);
	}
	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

/* Keep COST_KEY at the highest count seen (a high-water mark: a deleted
 * user's count stays, which costs time, never secrecy). */
static int
raise_cost(MDB_txn *txn, struct cs_lmdb_env *e, unsigned long n)
{
	MDB_val k = { sizeof(COST_KEY) - 1, COST_KEY }, v;
	unsigned long have;
	char text[24];
	int rc;

	if ((rc = read_cost(txn, e, &have)) || n <= have)
		return rc;
	v.mv_size = (size_t)snprintf(text, sizeof(text), "%lu", n);
	v.mv_data = text;
	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v, 0));
}

static int
cost_read_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	return read_cost(txn, e, p);
}

static int
cost_raise_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	return raise_cost(txn, e, *(unsigned long *)p);
}

int
csi_users_wrong_password_cost(const struct cs_config *cfg, long *cost)
{
	struct cs_lmdb_env *e;
	unsigned long high = 0;
	int rc;

	*cost = cfg->password_iterations;
	if (csi_userdb_redis(cfg))
		rc = csi_rusers_cost(cfg, &high);
	else if ((rc = csi_users_env(cfg, &e)) == CS_OK)
		rc = csi_lmdb_read(e, cost_read_fn, &high);
	if (rc)
		return rc;
	if (high > (unsigned long)cfg->password_max_iterations)
		high = (unsigned long)cfg->password_max_iterations;
	if (high > (unsigned long)*cost)
		*cost = (long)high;
	return CS_OK;
}

int
csi_users_note_hash(const struct cs_config *cfg, const char *hash, long *cost)
{
	struct cs_lmdb_env *e;
	unsigned long n = hash ? hash_iterations(hash) : 0;
	int rc;

	if (n <= (unsigned long)*cost ||
	    n > (unsigned long)cfg->password_max_iterations)
		return CS_OK;
	if (csi_userdb_redis(cfg))
		rc = csi_rusers_raise_cost(cfg, n);
	else if ((rc = csi_users_env(cfg, &e)) == CS_OK)
		rc = csi_lmdb_write(e, cost_raise_fn, &n);
	if (rc)
		return rc;
	*cost = (long)n;
	return CS_OK;
}

struct put_arg {
	const char	*name;
	const char	*hash;
	const char	*auth;
	const char	*key;		/* fingerprint of the key that made auth */
	bool		 create_only;
	bool		 auth_only;	/* keep the password, set auth */
	bool		 replaced;	/* out: an existing password was replaced */
	long		 max_iterations;	/* counts above never raise COST_KEY */
};

/*
 * The record to store for a put over old (NULL: no user of that name);
 * *text malloc'd.  Shared by the LMDB and Redis user databases.
 */
static int
compose(struct put_arg *a, const char *old_text, size_t old_len, char **text)
{
	struct cs_user old = { 0 };
	json_t *j;
	int64_t now = cs_now(), created = now, changed = now;
	const char *hash = a->hash;
	int rc;

	a->replaced = false;
	*text = NULL;
	if (old_text != NULL) {
		if (a->create_only)
			return CS_ERR_EXISTS;
		if ((rc = decode_user_text(a->name, old_text, old_len, &old)))
			return rc;
		created = old.created;
		if (a->auth_only || !strcmp(old.password_hash, hash)) {
			/* The same hash again (a re-import) is no change:
			 * its sessions stay. */
			changed = old.password_changed;
			hash = old.password_hash;
		} else {
			a->replaced = true;
		}
	} else if (a->auth_only) {
		return CS_ERR_NOT_FOUND;
	}
	j = json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "password", hash,
	    "auth", a->auth, "key", a->auth ? a->key : NULL,
	    "created", (json_int_t)created, "changed", (json_int_t)changed);
	*text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	cs_user_free(&old);
	return *text == NULL ? CS_ERR_NOMEM : CS_OK;
}

static int
put_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct put_arg *a = p;
	MDB_dbi dbi = csi_lmdb_dbi(e, CS_DBI_USERS);
	MDB_val k = { strlen(a->name), (void *)a->name }, v;
	char *text;
	int rc;

	rc = csi_lmdb_rc(e, mdb_get(txn, dbi, &k, &v));
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND)
		return rc;
	if ((rc = compose(a, rc == CS_OK ? v.mv_data : NULL, v.mv_size, &text)))
		return rc;
	v.mv_size = strlen(text);
	v.mv_data = text;
	rc = csi_lmdb_rc(e, mdb_put(txn, dbi, &k, &v, 0));
	free(text);
	if (rc == CS_OK && !a->auth_only &&
	    hash_iterations(a->hash) <= (unsigned long)a->max_iterations)
		rc = raise_cost(txn, e, hash_iterations(a->hash));
	return rc;
}

/* The same in Redis: read, compose, write (HSETNX for a new user). */
static int
redis_put(const struct cs_config *cfg, struct put_arg *a)
{
	char *old, *text;
	int rc;

	rc = csi_rusers_get(cfg, a->name, &old);
	if (rc != CS_OK && rc != CS_ERR_NOT_FOUND)
		return rc;
	rc = compose(a, old, old ? strlen(old) : 0, &text);
	if (rc == CS_OK)
		rc = csi_rusers_put(cfg, a->name, text, old == NULL);
	free(old);
	free(text);
	if (rc == CS_OK && !a->auth_only &&
	    hash_iterations(a->hash) <= (unsigned long)a->max_iterations &&
	    hash_iterations(a->hash) > 0)
		rc = csi_rusers_raise_cost(cfg, hash_iterations(a->hash));
	return rc;
}

/*
 * End a user's sessions where the engine can find them.  Without a user
 * index the stored auth hash no longer matching logs them out; the store
 * is not even opened then (a signed_cookies site has none to open).
 */
static int
revoke_sessions(const struct cs_config *cfg, const char *name)
{
	struct cs_store *store;
	uint64_t n;
	int rc;

	if (!cs_store_ops_has(cs_store_for_process_ops(cfg),
	    CS_STORE_USER_INDEX))
		return CS_OK;
	if ((rc = cs_store_for_process(cfg, &store, NULL, 0)))
		return rc;
	rc = cs_store_revoke_user(store, name, &n);
	return rc == CS_ERR_UNSUPPORTED ? CS_OK : rc;
}

static int
put(const struct cs_config *cfg, struct put_arg *a)
{
	struct cs_lmdb_env *e;
	char key[CS_KEY_FP_LEN + 1];
	int rc;

	if (!cs_username_valid(a->name))
		return CS_ERR_INVALID;
	a->max_iterations = cfg->password_max_iterations;
	/* The callers make auth with SECRET_KEY: name that key beside it. */
	if (a->auth && cfg->secret_key && *cfg->secret_key) {
		csi_keyfp(cfg->secret_key, key);
		a->key = key;
	}
	if (csi_userdb_redis(cfg))
		rc = redis_put(cfg, a);
	else if ((rc = csi_users_env(cfg, &e)) == CS_OK)
		rc = csi_lmdb_write(e, put_fn, a);
	if (rc)
		return rc;
	return a->replaced ? revoke_sessions(cfg, a->name) : CS_OK;
}

int
cs_user_put(const struct cs_config *cfg, const char *name,
    const char *password_hash, const char *auth_hash, bool create_only)
{
	struct put_arg a = { name, password_hash, auth_hash, NULL, create_only,
	    false, false, 0 };

	if (password_hash == NULL || *password_hash == '\0')
		return CS_ERR_INVALID;
	return put(cfg, &a);
}

int
cs_user_set_auth_hash(const struct cs_config *cfg, const char *name,
    const char *auth_hash)
{
	struct put_arg a = { name, NULL, auth_hash, NULL, false, true, false, 0 };

	return put(cfg, &a);
}

static int
del_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	const char *name = p;
	MDB_val k = { strlen(name), (void *)name };

	return csi_lmdb_rc(e, mdb_del(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, NULL));
}

int
cs_user_delete(const struct cs_config *cfg, const char *name)
{
	struct cs_lmdb_env *e;
	int rc;

	if (!cs_username_valid(name))
		return CS_ERR_NOT_FOUND;
	if (csi_userdb_redis(cfg))
		rc = csi_rusers_del(cfg, name);
	else if ((rc = csi_users_env(cfg, &e)) == CS_OK)
		rc = csi_lmdb_write(e, del_fn, (void *)name);
	if (rc)
		return rc;
	return revoke_sessions(cfg, name);
}

struct each_arg {
	int	(*fn)(void *, const struct cs_user *);
	void	*arg;
};

static int
each_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct each_arg *a = p;
	MDB_cursor *c;
	MDB_val k, v;
	struct cs_user u;
	char name[CS_USERNAME_MAX + 1];
	int mrc, rc = CS_OK;

	if ((mrc = mdb_cursor_open(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &c)))
		return csi_lmdb_rc(e, mrc);
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0 && rc == CS_OK;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size > CS_USERNAME_MAX)
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (!cs_username_valid(name))
			continue;	/* COST_KEY */
		if ((rc = decode_user(name, &v, &u)))
			break;
		rc = a->fn(a->arg, &u);
		cs_user_free(&u);
	}
	mdb_cursor_close(c);
	return rc;
}

static int
redis_each_fn(void *p, const char *name, const char *json)
{
	struct each_arg *a = p;
	struct cs_user u;
	int rc;

	if ((rc = decode_user_text(name, json, strlen(json), &u)))
		return rc;
	rc = a->fn(a->arg, &u);
	cs_user_free(&u);
	return rc;
}

int
cs_user_each(const struct cs_config *cfg, int (*fn)(void *, const struct cs_user *),
    void *arg)
{
	struct cs_lmdb_env *e;
	struct each_arg a = { fn, arg };
	int rc;

	if (csi_userdb_redis(cfg))
		return csi_rusers_each(cfg, redis_each_fn, &a);
	if ((rc = csi_users_env(cfg, &e)))
		return rc;
	return csi_lmdb_read(e, each_fn, &a);
}
