/*
 * test_userdb_redis.c -- with SESSION_ENGINE = redis, users and login
 * throttling live in Redis, so every host sees them: two configurations
 * with different SESSION_STORE paths ("two hosts") share one redis-server.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csess.h"
#include "helper_redis.h"
#include "users_env.h"

struct host {
	struct cs_config cfg;
};

static struct test_redis R;

static void
host_init(struct host *h, const char *name, const char *extra)
{
	char url[512], store[400], err[256];
	char *env[] = { "CSESS_SECRET_KEY=s3cr3t", "CSESS_SESSION_ENGINE=redis",
	    url, store, "CSESS_SESSION_REDIS_PREFIX=site",
	    "CSESS_LOGIN_FAILURES_PER_USER=3", "CSESS_LOGIN_FAILURE_WINDOW=600",
	    (char *)extra, NULL };

	snprintf(url, sizeof(url), "CSESS_SESSION_REDIS_URL=%s", R.url);
	/* Each host's LMDB path, never created: nothing goes there. */
	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s/%s.mdb", R.dir,
	    name);
	cr_assert_eq(cs_config_load_env(&h->cfg, env, err, sizeof(err)), CS_OK,
	    "%s", err);
}

static void
setup(void)
{
	cr_assert_eq(test_redis_start(&R, 0), 0, "redis-server starts");
}

static void
teardown(void)
{
	test_redis_stop(&R);
}

TestSuite(userdb_redis, .init = setup, .fini = teardown);

Test(userdb_redis, a_user_added_on_one_host_is_found_on_another)
{
	struct host a, b;
	struct cs_user u;
	struct stat sb;
	char path[400];

	host_init(&a, "a", NULL);
	host_init(&b, "b", NULL);
	cr_assert_eq(cs_user_put(&a.cfg, "alice", "pbkdf2_sha256$1$s$h", "ab",
	    true), CS_OK);
	cr_assert_eq(cs_user_get(&b.cfg, "alice", &u), CS_OK);
	cr_assert_str_eq(u.password_hash, "pbkdf2_sha256$1$s$h");
	cs_user_free(&u);
	cr_assert_eq(cs_user_put(&b.cfg, "alice", "pbkdf2_sha256$1$s$x", NULL,
	    true), CS_ERR_EXISTS, "create only, on the other host too");
	cr_assert_eq(cs_user_delete(&b.cfg, "alice"), CS_OK);
	cr_assert_eq(cs_user_get(&a.cfg, "alice", &u), CS_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/a.mdb", R.dir);
	cr_assert_neq(stat(path, &sb), 0, "no LMDB store was made");
	cs_config_free(&a.cfg);
	cs_config_free(&b.cfg);
}

static int
count_user(void *arg, const struct cs_user *u)
{
	(void)u;
	(*(int *)arg)++;
	return 0;
}

Test(userdb_redis, users_list_and_the_wrong_password_cost_are_shared)
{
	struct host a, b;
	long cost = 0;
	int n = 0;

	host_init(&a, "a", NULL);
	host_init(&b, "b", "CSESS_PASSWORD_ITERATIONS=1000");
	cr_assert_eq(cs_user_put(&a.cfg, "u1", "pbkdf2_sha256$900000$s$h", NULL,
	    false), CS_OK);
	cr_assert_eq(cs_user_put(&a.cfg, "u2", "pbkdf2_sha256$1$s$h", NULL,
	    false), CS_OK);
	cr_assert_eq(cs_user_each(&b.cfg, count_user, &n), CS_OK);
	cr_assert_eq(n, 2, "the cost mark is not a user");
	cr_assert_eq(csi_users_wrong_password_cost(&b.cfg, &cost),
	    CS_OK);
	cr_assert_eq(cost, 900000, "a wrong password costs the highest count");
	cs_config_free(&a.cfg);
	cs_config_free(&b.cfg);
}

Test(userdb_redis, a_password_change_on_one_host_ends_sessions_everywhere)
{
	struct cs_session *s;
	struct cs_store *st;
	struct host a, b;
	char err[256];
	char *key;

	host_init(&a, "a", NULL);
	host_init(&b, "b", NULL);
	cr_assert_eq(cs_user_put(&a.cfg, "bob", "pbkdf2_sha256$1$s$h", NULL,
	    false), CS_OK);
	/* A session of bob's, logged in "on host A". */
	cr_assert_eq(cs_store_open(&st, &a.cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(cs_session_new(&s, st, &a.cfg, NULL), CS_OK);
	cr_assert_eq(cs_session_set_string(s, "_auth_user_id", "bob"), CS_OK);
	cr_assert_eq(cs_session_set_user(s, "bob"), CS_OK);
	cr_assert_eq(cs_session_save(s), CS_OK);
	key = strdup(cs_session_key(s));
	cs_session_free(s);
	/* "Host B" changes the password. */
	cr_assert_eq(cs_user_put(&b.cfg, "bob", "pbkdf2_sha256$1$s$new", NULL,
	    false), CS_OK);
	cr_assert_eq(cs_store_exists(st, key), CS_ERR_NOT_FOUND,
	    "the session ended");
	cs_store_close(st);
	free(key);
	cs_config_free(&a.cfg);
	cs_config_free(&b.cfg);
}

Test(userdb_redis, failures_on_both_hosts_count_together)
{
	struct host a, b;
	int64_t retry;

	host_init(&a, "a", NULL);
	host_init(&b, "b", NULL);
	cr_assert_eq(cs_throttle_reserve(&a.cfg, "carol", "10.0.0.1", &retry),
	    CS_OK);
	cr_assert_eq(cs_throttle_reserve(&b.cfg, "carol", "10.0.0.2", &retry),
	    CS_OK);
	cr_assert_eq(cs_throttle_fail(&a.cfg, "carol", NULL), CS_OK);
	cr_assert_eq(cs_throttle_reserve(&b.cfg, "carol", "10.0.0.3", &retry),
	    CS_ERR_TOO_LARGE, "the third failure was on host A");
	cr_assert(retry > 590 && retry <= 600, "retry %lld", (long long)retry);
	cr_assert_eq(cs_throttle_check(&a.cfg, "carol", NULL, &retry),
	    CS_ERR_TOO_LARGE);
	cr_assert_eq(cs_throttle_reset(&b.cfg, "carol"), CS_OK);
	cr_assert_eq(cs_throttle_check(&a.cfg, "carol", NULL, &retry), CS_OK);
	cs_config_free(&a.cfg);
	cs_config_free(&b.cfg);
}

static int
collect(void *arg, const struct cs_throttle_entry *t)
{
	char *out = arg;
	char line[128];

	snprintf(line, sizeof(line), "%s:%s:%u ", t->kind, t->name, t->failures);
	strcat(out, line);
	return 0;
}

Test(userdb_redis, a_success_clears_the_user_and_refunds_the_address)
{
	char seen[512] = "";
	struct host a;
	int64_t retry;
	size_t n;

	host_init(&a, "a", NULL);
	cr_assert_eq(cs_throttle_fail(&a.cfg, "dave", "10.1.1.1"), CS_OK);
	cr_assert_eq(cs_throttle_reserve(&a.cfg, "dave", "10.1.1.1", &retry),
	    CS_OK);
	cr_assert_eq(cs_throttle_succeeded(&a.cfg, "dave", "10.1.1.1"), CS_OK);
	cr_assert_eq(cs_throttle_each(&a.cfg, collect, seen), CS_OK);
	cr_assert_str_eq(seen, "address:10.1.1.1:1 ",
	    "the failure stays, the reserved attempt is taken back");
	cr_assert_eq(cs_throttle_clear(&a.cfg, NULL, NULL, &n), CS_OK);
	cr_assert_eq(n, 1u);
	cs_config_free(&a.cfg);
}

Test(userdb_redis, redis_down_is_a_store_error_not_an_unknown_user)
{
	struct cs_user u;
	struct host a;
	int64_t retry;

	host_init(&a, "a", NULL);
	test_redis_kill(&R);
	cr_assert_eq(cs_user_get(&a.cfg, "alice", &u), CS_ERR_STORE);
	cr_assert_eq(cs_throttle_reserve(&a.cfg, "alice", "10.0.0.1", &retry),
	    CS_ERR_STORE);
	cs_config_free(&a.cfg);
}
