/*
 * test_store_redis.c -- the redis engine against a real redis-server
 * (started by each test on a private unix socket, stopped by PID): the
 * django-redis-sessions layout, the atomic create/update/touch, the user
 * index, enumeration, an unreachable or restarted server, the settings.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"
#include "helper_redis.h"
#include "redis_url.h"

#define SECRET	"s3cr3t"
#define KEY_A	"aaaaaaaaaabbbbbbbbbbccccccccccdd"
#define KEY_B	"bbbbbbbbbbccccccccccddddddddddee"

struct rfx {
	struct test_redis	 r;
	struct cs_config	 cfg;
	struct cs_store		*st;
};

static int
rfx_config(struct rfx *f, const char *url, const char *prefix)
{
	char u[512], p[300], err[256];
	char *env[] = { "CSESS_SECRET_KEY=" SECRET,
	    "CSESS_SESSION_ENGINE=redis", u, p, NULL };
	int rc;

	snprintf(u, sizeof(u), "CSESS_SESSION_REDIS_URL=%s", url);
	snprintf(p, sizeof(p), "CSESS_SESSION_REDIS_PREFIX=%s",
	    prefix ? prefix : "");
	if ((rc = cs_config_load_env(&f->cfg, env, err, sizeof(err))))
		return rc;
	rc = cs_store_open(&f->st, &f->cfg, err, sizeof(err));
	cr_assert_eq(rc, CS_OK, "open: %s", err);
	return CS_OK;
}

static void
rfx_open(struct rfx *f, const char *prefix)
{
	memset(f, 0, sizeof(*f));
	cr_assert_eq(test_redis_start(&f->r, 0), 0, "redis-server starts");
	cr_assert_eq(rfx_config(f, f->r.url, prefix), CS_OK);
}

static void
rfx_close(struct rfx *f)
{
	cs_store_close(f->st);
	cs_config_free(&f->cfg);
	test_redis_stop(&f->r);
}

static int
save(struct rfx *f, char **key, const char *data, int64_t expire,
    const char *user, uint64_t *version, enum cs_save_mode mode)
{
	struct cs_record rec = { 0 };
	int rc;

	rec.data = (char *)data;
	rec.data_len = strlen(data);
	rec.expire = expire;
	rec.user = (char *)user;
	rec.version = version ? *version : 0;
	rc = cs_store_save(f->st, key, &rec, mode);
	if (rc == CS_OK && version)
		*version = rec.version;
	return rc;
}

static char *
create(struct rfx *f, const char *key, const char *data, const char *user,
    uint64_t *version)
{
	char *k = key ? strdup(key) : NULL;

	cr_assert_eq(save(f, &k, data, cs_now() + 600, user, version,
	    CS_SAVE_CREATE), CS_OK);
	return k;
}

Test(store_redis, declares_self_expiry_atomic_writes_enumeration_and_user_index)
{
	struct rfx f;

	rfx_open(&f, NULL);
	cr_assert_eq(cs_store_caps(f.st), CS_STORE_ENUMERATE |
	    CS_STORE_USER_INDEX | CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC);
	cr_assert_str_eq(cs_store_name(f.st), "redis");
	cr_assert_not_null(f.st->ops->foreach_user);
	cr_assert_null(f.st->ops->clear_expired, "Redis expires keys itself");
	rfx_close(&f);
}

Test(store_redis, session_is_djangos_encode_string_under_prefix_key_with_ttl)
{
	struct cs_signer s;
	struct cs_buf json = { 0 };
	char val[512], ttl[32];
	struct rfx f;
	char *k;

	rfx_open(&f, "site");
	k = create(&f, KEY_A, "{\"a\":1}", NULL, NULL);
	cr_assert_eq(test_redis_do(&f.r, val, sizeof(val), "GET site:%s", KEY_A),
	    0);
	/* django-redis-sessions' value: SessionStore.encode(), i.e.
	 * signing.dumps(salt="django.contrib.sessions.SessionStore"). */
	cr_assert_eq(cs_signer_init(&s, &f.cfg), CS_OK);
	s.salt = "django.contrib.sessions.SessionStore";
	cr_assert_eq(cs_loads(&s, val, strlen(val), -1, &json), CS_OK);
	cr_assert_str_eq(json.data, "{\"a\":1}");
	cr_assert_eq(test_redis_do(&f.r, ttl, sizeof(ttl), "TTL site:%s", KEY_A),
	    0);
	cr_assert(atoi(ttl) > 590 && atoi(ttl) <= 600, "TTL %s", ttl);
	cs_buf_free(&json);
	free(k);
	rfx_close(&f);
}

Test(store_redis, without_a_prefix_the_key_is_bare)
{
	char n[32];
	struct rfx f;

	rfx_open(&f, NULL);
	free(create(&f, KEY_A, "{}", NULL, NULL));
	cr_assert_eq(test_redis_do(&f.r, n, sizeof(n), "EXISTS %s", KEY_A), 0);
	cr_assert_str_eq(n, "1");
	rfx_close(&f);
}

Test(store_redis, load_gives_data_expiry_and_owner_from_auth_user_id)
{
	struct cs_record rec;
	struct rfx f;
	int64_t now = cs_now();

	rfx_open(&f, "p");
	free(create(&f, KEY_A, "{\"_auth_user_id\":\"alice\",\"n\":2}",
	    "alice", NULL));
	cr_assert_eq(cs_store_load(f.st, KEY_A, now, &rec), CS_OK);
	cr_assert_str_eq(rec.data, "{\"_auth_user_id\":\"alice\",\"n\":2}");
	cr_assert_str_eq(rec.user, "alice");
	cr_assert(rec.expire >= now + 599 && rec.expire <= now + 601);
	cr_assert_neq(rec.version, 0u);
	cs_record_free(&rec);
	cr_assert_eq(cs_store_load(f.st, KEY_B, now, &rec), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_load(f.st, "../etc", now, &rec),
	    CS_ERR_NOT_FOUND);
	rfx_close(&f);
}

Test(store_redis, create_never_overwrites_a_live_session)
{
	struct rfx f;
	char *k = strdup(KEY_A);

	rfx_open(&f, NULL);
	free(create(&f, KEY_A, "{\"first\":1}", NULL, NULL));
	cr_assert_eq(save(&f, &k, "{\"second\":1}", cs_now() + 60, NULL, NULL,
	    CS_SAVE_CREATE), CS_ERR_EXISTS);
	free(k);
	rfx_close(&f);
}

Test(store_redis, update_needs_the_version_read_and_never_resurrects)
{
	uint64_t v, stale;
	struct rfx f;
	char *k;

	rfx_open(&f, NULL);
	k = create(&f, NULL, "{\"n\":1}", NULL, &v);
	stale = v;
	cr_assert_eq(save(&f, &k, "{\"n\":2}", cs_now() + 60, NULL, &v,
	    CS_SAVE_UPDATE), CS_OK);
	cr_assert_neq(v, stale, "a write gives a new version");
	cr_assert_eq(save(&f, &k, "{\"n\":3}", cs_now() + 60, NULL, &stale,
	    CS_SAVE_UPDATE), CS_ERR_CONFLICT, "a lost update is refused");
	cr_assert_eq(cs_store_del(f.st, k), CS_OK);
	cr_assert_eq(save(&f, &k, "{\"n\":4}", cs_now() + 60, NULL, &v,
	    CS_SAVE_UPDATE), CS_ERR_CONFLICT, "a deleted session stays deleted");
	cr_assert_eq(cs_store_exists(f.st, k), CS_ERR_NOT_FOUND);
	free(k);
	rfx_close(&f);
}

Test(store_redis, touch_moves_the_ttl_only_for_the_version_read)
{
	char ttl[32];
	uint64_t v;
	struct rfx f;
	char *k;

	rfx_open(&f, NULL);
	k = create(&f, NULL, "{}", NULL, &v);
	cr_assert_eq(cs_store_touch(f.st, k, cs_now() + 5000, v), CS_OK);
	test_redis_do(&f.r, ttl, sizeof(ttl), "TTL %s", k);
	cr_assert(atoi(ttl) > 4990, "TTL %s", ttl);
	cr_assert_eq(cs_store_touch(f.st, k, cs_now() + 100, v + 1),
	    CS_ERR_CONFLICT);
	free(k);
	rfx_close(&f);
}

Test(store_redis, a_value_that_does_not_verify_is_no_session)
{
	struct cs_record rec;
	char out[8];
	struct rfx f;

	rfx_open(&f, NULL);
	test_redis_do(&f.r, out, sizeof(out), "SETEX %s 60 %s", KEY_A,
	    "eyJhIjoxfQ:1r31eq:forgedforgedforgedforgedforgedforgedforg");
	cr_assert_eq(cs_store_load(f.st, KEY_A, cs_now(), &rec),
	    CS_ERR_NOT_FOUND);
	rfx_close(&f);
}

static int
collect(void *arg, const struct cs_store_session *sv)
{
	char *keys = arg;

	strcat(keys, sv->key);
	strcat(keys, " ");
	return 0;
}

Test(store_redis, scan_lists_this_prefixs_sessions_only)
{
	char keys[512] = "", out[8];
	uint64_t n;
	struct rfx f;

	rfx_open(&f, "p");
	free(create(&f, KEY_A, "{}", NULL, NULL));
	test_redis_do(&f.r, out, sizeof(out), "SET other:%s x", KEY_B);
	test_redis_do(&f.r, out, sizeof(out), "SET p:notasessionkey x");
	cr_assert_eq(cs_store_foreach(f.st, collect, keys), CS_OK);
	cr_assert_str_eq(keys, KEY_A " ");
	cr_assert_eq(cs_store_delete(f.st, KEY_A), CS_OK);
	cr_assert_eq(cs_store_delete(f.st, KEY_A), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_revoke_user(f.st, "nobody", &n), CS_OK);
	cr_assert_eq(n, 0u);
	rfx_close(&f);
}

Test(store_redis, revoke_user_ends_every_session_of_the_user)
{
	char keys[512] = "";
	uint64_t n;
	struct rfx f;

	rfx_open(&f, "p");
	free(create(&f, KEY_A, "{\"_auth_user_id\":\"bob\"}", "bob", NULL));
	free(create(&f, KEY_B, "{\"_auth_user_id\":\"bob\"}", "bob", NULL));
	free(create(&f, NULL, "{\"_auth_user_id\":\"eve\"}", "eve", NULL));
	cr_assert_eq(cs_store_foreach_user(f.st, "bob", collect, keys), CS_OK);
	cr_assert(strstr(keys, KEY_A) && strstr(keys, KEY_B), "%s", keys);
	cr_assert_eq(cs_store_revoke_user(f.st, "bob", &n), CS_OK);
	cr_assert_eq(n, 2u);
	cr_assert_eq(cs_store_exists(f.st, KEY_A), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_store_exists(f.st, KEY_B), CS_ERR_NOT_FOUND);
	keys[0] = '\0';
	cr_assert_eq(cs_store_foreach_user(f.st, "eve", collect, keys), CS_OK);
	cr_assert_neq(keys[0], '\0', "another user's session stays");
	rfx_close(&f);
}

Test(store_redis, export_then_import_round_trips)
{
	char path[400];
	uint64_t n;
	size_t bad;
	char err[128];
	struct cs_record rec;
	struct rfx f;
	FILE *fp;

	rfx_open(&f, NULL);
	free(create(&f, KEY_A, "{\"x\":[1,2]}", NULL, NULL));
	snprintf(path, sizeof(path), "%s/dump.jsonl", f.r.dir);
	cr_assert_not_null(fp = fopen(path, "w+"));
	cr_assert_eq(cs_store_export(f.st, fp), CS_OK);
	cr_assert_eq(cs_store_delete(f.st, KEY_A), CS_OK);
	rewind(fp);
	cr_assert_eq(cs_store_import(f.st, fp, &n, &bad, err, sizeof(err)),
	    CS_OK, "%s", err);
	fclose(fp);
	cr_assert_eq(n, 1u);
	cr_assert_eq(cs_store_load(f.st, KEY_A, cs_now(), &rec), CS_OK);
	cr_assert_str_eq(rec.data, "{\"x\":[1,2]}");
	cs_record_free(&rec);
	rfx_close(&f);
}

Test(store_redis, import_names_the_bad_line)
{
	uint64_t n;
	size_t bad;
	char err[128];
	struct rfx f;
	FILE *fp;

	rfx_open(&f, NULL);
	cr_assert_not_null(fp = fmemopen("\n{\"expire\":1}\n", 15, "r"));
	cr_assert_eq(cs_store_import(f.st, fp, &n, &bad, err, sizeof(err)),
	    CS_ERR_INVALID);
	fclose(fp);
	cr_assert_eq(bad, 2u);
	cr_assert(strstr(err, "data") != NULL, "%s", err);
	rfx_close(&f);
}

Test(store_redis, redis_down_is_a_store_error_naming_redis_and_the_address)
{
	struct cs_record rec;
	struct rfx f;

	rfx_open(&f, NULL);
	test_redis_kill(&f.r);
	cr_assert_eq(cs_store_load(f.st, KEY_A, cs_now(), &rec), CS_ERR_STORE);
	cr_assert(strstr(cs_store_error(f.st), "redis") != NULL &&
	    strstr(cs_store_error(f.st), f.r.sock) != NULL, "%s",
	    cs_store_error(f.st));
	rfx_close(&f);
}

Test(store_redis, a_restarted_redis_is_reconnected_to)
{
	struct cs_record rec;
	struct rfx f;

	rfx_open(&f, NULL);
	free(create(&f, KEY_A, "{}", NULL, NULL));
	test_redis_kill(&f.r);
	cr_assert_eq(cs_store_exists(f.st, KEY_A), CS_ERR_STORE,
	    "during the outage");
	cr_assert_eq(test_redis_restart(&f.r), 0);
	/* Without persistence the data is gone, but the store answers. */
	cr_assert_eq(cs_store_load(f.st, KEY_A, cs_now(), &rec),
	    CS_ERR_NOT_FOUND, "after the restart: %s", cs_store_error(f.st));
	free(create(&f, KEY_B, "{}", NULL, NULL));
	rfx_close(&f);
}

Test(store_redis, a_broken_connection_is_retried_once)
{
	char out[16];
	struct rfx f;

	rfx_open(&f, NULL);
	free(create(&f, KEY_A, "{}", NULL, NULL));
	/* Drop every client connection: the next command finds it closed. */
	cr_assert_eq(test_redis_do(&f.r, out, sizeof(out),
	    "CLIENT KILL TYPE normal"), 0);
	cr_assert_eq(cs_store_exists(f.st, KEY_A), CS_OK, "%s",
	    cs_store_error(f.st));
	rfx_close(&f);
}

Test(store_redis, pool_choice_is_django_redis_sessions_one)
{
	long w123[] = { 1, 2, 3 }, w51[] = { 5, 1 };

	/* Expected values computed with redis_sessions' get_server(). */
	cr_assert_eq(csi_redis_pool_pick(w123, 3,
	    "aaaa0000000000000000000000000000"), 1u);
	cr_assert_eq(csi_redis_pool_pick(w123, 3,
	    "k3x9abcdefabcdefabcdefabcdefabcd"), 2u);
	cr_assert_eq(csi_redis_pool_pick(w51, 2,
	    "k3x9abcdefabcdefabcdefabcdefabcd"), 1u);
	cr_assert_eq(csi_redis_pool_pick(w51, 2,
	    "0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p"), 0u);
}

Test(store_redis, a_pool_spreads_sessions_and_finds_each_on_its_server)
{
	struct test_redis r2;
	char url[1000], n1[16], n2[16];
	struct cs_record rec;
	struct rfx f;
	int i;

	memset(&f, 0, sizeof(f));
	cr_assert_eq(test_redis_start(&f.r, 0), 0);
	cr_assert_eq(test_redis_start(&r2, 0), 0);
	snprintf(url, sizeof(url), "%s, %s?weight=2", f.r.url, r2.url);
	cr_assert_eq(rfx_config(&f, url, NULL), CS_OK);
	for (i = 0; i < 30; i++)
		free(create(&f, NULL, "{}", NULL, NULL));
	test_redis_do(&f.r, n1, sizeof(n1), "DBSIZE");
	test_redis_do(&r2, n2, sizeof(n2), "DBSIZE");
	cr_assert(atoi(n1) > 0 && atoi(n2) > 0 && atoi(n1) + atoi(n2) == 30,
	    "%s + %s", n1, n2);
	/* "aaaa..." goes to server 1 of weights (1, 2): 0x61616161 % 3 = 1 */
	free(create(&f, KEY_A, "{}", NULL, NULL));
	test_redis_do(&r2, n1, sizeof(n1), "EXISTS %s", KEY_A);
	cr_assert_str_eq(n1, "1");
	cr_assert_eq(cs_store_load(f.st, KEY_A, cs_now(), &rec), CS_OK);
	cs_record_free(&rec);
	test_redis_stop(&r2);
	rfx_close(&f);
}

static const char *
config_error(const char *name, const char *value)
{
	static char err[256];
	char set[600];
	char *env[] = { set, NULL };
	struct cs_config cfg;
	int rc;

	snprintf(set, sizeof(set), "CSESS_%s=%s", name, value);
	err[0] = '\0';
	rc = cs_config_load_env(&cfg, env, err, sizeof(err));
	/* A partial configuration is the caller's to free, as a whole one. */
	cs_config_free(&cfg);
	return rc == CS_OK ? NULL : err;
}

Test(store_redis, settings_refuse_bad_urls_naming_the_setting)
{
	const char *e;

	cr_assert_null(config_error("SESSION_REDIS_URL", "redis://:pw@h:6380/2"));
	cr_assert_null(config_error("SESSION_REDIS_URL", "unix:///run/r.sock?db=3"));
	cr_assert_null(config_error("SESSION_REDIS_URL",
	    "redis://a/0?weight=2, redis://b:6379"));
	cr_assert_null(config_error("SESSION_REDIS_SOCKET_TIMEOUT", "0.25"));
	e = config_error("SESSION_REDIS_URL", "rediss://h:6380");
	cr_assert(e && strstr(e, "SESSION_REDIS_URL") && strstr(e, "TLS"), "%s", e);
	e = config_error("SESSION_REDIS_URL", "http://h");
	cr_assert(e && strstr(e, "SESSION_REDIS_URL"), "%s", e);
	e = config_error("SESSION_REDIS_URL", "redis://h:99999");
	cr_assert(e && strstr(e, "port"), "%s", e);
	e = config_error("SESSION_REDIS_URL", "redis://h/x");
	cr_assert(e && strstr(e, "database"), "%s", e);
	e = config_error("SESSION_REDIS_SOCKET_TIMEOUT", "abc");
	cr_assert(e && strstr(e, "SESSION_REDIS_SOCKET_TIMEOUT"), "%s", e);
	e = config_error("SESSION_REDIS_SOCKET_TIMEOUT", "0");
	cr_assert_not_null(e);
	e = config_error("SESSION_REDIS_SENTINEL_LIST", "h:notaport");
	cr_assert(e && strstr(e, "SESSION_REDIS_SENTINEL_LIST"), "%s", e);
}

Test(store_redis, sentinel_without_master_alias_is_a_config_error)
{
	char *env[] = { "CSESS_SECRET_KEY=" SECRET, "CSESS_SESSION_ENGINE=redis",
	    "CSESS_SESSION_REDIS_SENTINEL_LIST=127.0.0.1:26379", NULL };
	struct cs_config cfg;
	struct cs_store *st;
	char err[256];

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK);
	cr_assert_eq(cs_store_open(&st, &cfg, err, sizeof(err)), CS_ERR_CONFIG);
	cr_assert(strstr(err, "SESSION_REDIS_SENTINEL_MASTER_ALIAS"), "%s", err);
	cs_config_free(&cfg);
}

/* The session object on redis: a login-like write, a read by another
 * "request", the no-lost-update merge, a logout. */
Test(store_redis, session_object_saves_merges_and_flushes)
{
	struct cs_session *a, *b, *c;
	const char *v;
	struct rfx f;
	char *key;

	rfx_open(&f, "s");
	cr_assert_eq(cs_session_new(&a, f.st, &f.cfg, NULL), CS_OK);
	cr_assert_eq(cs_session_set_string(a, "x", "1"), CS_OK);
	cr_assert_eq(cs_session_save(a), CS_OK);
	key = strdup(cs_session_key(a));
	cr_assert_eq(cs_session_new(&b, f.st, &f.cfg, key), CS_OK);
	cr_assert_eq(cs_session_new(&c, f.st, &f.cfg, key), CS_OK);
	cr_assert_eq(cs_session_get_string(b, "x", &v), CS_OK);
	cr_assert_eq(cs_session_get_string(c, "x", &v), CS_OK);
	cr_assert_eq(cs_session_set_string(b, "y", "b"), CS_OK);
	cr_assert_eq(cs_session_set_string(c, "z", "c"), CS_OK);
	cr_assert_eq(cs_session_save(b), CS_OK);
	cr_assert_eq(cs_session_save(c), CS_OK, "merged over b's write");
	cs_session_free(b);
	cr_assert_eq(cs_session_new(&b, f.st, &f.cfg, key), CS_OK);
	cr_assert_eq(cs_session_get_string(b, "y", &v), CS_OK);
	cr_assert_eq(cs_session_get_string(b, "z", &v), CS_OK);
	cr_assert_eq(cs_session_flush(a), CS_OK);
	cr_assert_eq(cs_session_set_string(c, "w", "late"), CS_OK);
	cr_assert_eq(cs_session_save(c), CS_ERR_CONFLICT,
	    "a write after the logout does not bring the session back");
	cr_assert_eq(cs_store_exists(f.st, key), CS_ERR_NOT_FOUND);
	cs_session_free(a);
	cs_session_free(b);
	cs_session_free(c);
	free(key);
	rfx_close(&f);
}
