#include "users_fixture.h"
#include "csess_test.h"

static struct ufx f;

static void
setup(void)
{
	ufx_init(&f);
	ufx_load(&f);
}

TestSuite(users, .init = setup);

Test(users, usernames_follow_djangos_default_validator)
{
	char long_name[CS_USERNAME_MAX + 2];

	cr_assert(cs_username_valid("alice"));
	cr_assert(cs_username_valid("a.b+c-d_e@example.com"));
	cr_assert_not(cs_username_valid(""));
	cr_assert_not(cs_username_valid("with space"));
	cr_assert_not(cs_username_valid("semi;colon"));
	cr_assert_not(cs_username_valid("caf\xc3\xa9"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[CS_USERNAME_MAX] = '\0';
	cr_assert(cs_username_valid(long_name));
	long_name[CS_USERNAME_MAX] = 'a';
	long_name[CS_USERNAME_MAX + 1] = '\0';
	cr_assert_not(cs_username_valid(long_name));
}

Test(users, a_created_user_reads_back)
{
	struct cs_user u;

	cr_assert_eq(cs_user_put(&f.cfg, "alice", "pbkdf2_sha256$1$s$h", "ab", true), CS_OK);
	cr_assert_eq(cs_user_get(&f.cfg, "alice", &u), CS_OK);
	cr_assert_str_eq(u.name, "alice");
	cr_assert_str_eq(u.password_hash, "pbkdf2_sha256$1$s$h");
	cr_assert_str_eq(u.auth_hash, "ab");
	cr_assert_gt(u.created, 0);
	cs_user_free(&u);
}

Test(users, create_only_never_overwrites)
{
	struct cs_user u;

	cr_assert_eq(cs_user_put(&f.cfg, "bob", "pbkdf2_sha256$1$s$one", NULL, true), CS_OK);
	cr_assert_eq(cs_user_put(&f.cfg, "bob", "pbkdf2_sha256$1$s$two", NULL, true), CS_ERR_EXISTS);
	cr_assert_eq(cs_user_get(&f.cfg, "bob", &u), CS_OK);
	cr_assert_str_eq(u.password_hash, "pbkdf2_sha256$1$s$one");
	cr_assert_null(u.auth_hash);
	cs_user_free(&u);
}

Test(users, missing_and_invalid_names_are_not_found)
{
	struct cs_user u;

	cr_assert_eq(cs_user_get(&f.cfg, "nobody", &u), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_user_get(&f.cfg, "bad name", &u), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_user_delete(&f.cfg, "nobody"), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_user_put(&f.cfg, "bad name", "x", NULL, false), CS_ERR_INVALID);
	cr_assert_eq(cs_user_put(&f.cfg, "carol", "", NULL, false), CS_ERR_INVALID);
}

Test(users, setting_the_auth_hash_keeps_the_password)
{
	struct cs_user u;

	cr_assert_eq(cs_user_put(&f.cfg, "dan", "pbkdf2_sha256$1$s$h", "old", true), CS_OK);
	cr_assert_eq(cs_user_set_auth_hash(&f.cfg, "dan", "new"), CS_OK);
	cr_assert_eq(cs_user_get(&f.cfg, "dan", &u), CS_OK);
	cr_assert_str_eq(u.password_hash, "pbkdf2_sha256$1$s$h");
	cr_assert_str_eq(u.auth_hash, "new");
	cs_user_free(&u);
	cr_assert_eq(cs_user_set_auth_hash(&f.cfg, "nobody", "x"), CS_ERR_NOT_FOUND);
}

static int
collect(void *arg, const struct cs_user *u)
{
	struct cs_buf *b = arg;

	cs_buf_printf(b, "%s,", u->name);
	return 0;
}

Test(users, each_lists_users_in_name_order_and_delete_removes)
{
	struct cs_buf names = { 0 };

	cs_user_put(&f.cfg, "zed", "pbkdf2_sha256$1$s$h", NULL, true);
	cs_user_put(&f.cfg, "amy", "pbkdf2_sha256$1$s$h", NULL, true);
	cs_user_put(&f.cfg, "max", "pbkdf2_sha256$1$s$h", NULL, true);
	cr_assert_eq(cs_user_delete(&f.cfg, "max"), CS_OK);
	cr_assert_eq(cs_user_each(&f.cfg, collect, &names), CS_OK);
	cr_assert_str_eq(names.data, "amy,zed,");
	cs_buf_free(&names);
}

Test(users, replacing_a_password_revokes_the_users_sessions)
{
	struct cs_store *st;
	struct cs_record rec = { 0 }, got;
	char *key = malloc(CS_SESSION_KEY_LEN + 1);

	cr_assert_eq(cs_session_store(&f.cfg, &st, NULL, 0), CS_OK);
	cs_session_key_new(key);
	rec.data = strdup("{}");
	rec.data_len = 2;
	rec.expire = cs_now() + 100;
	rec.user = strdup("erin");
	cr_assert_eq(st->ops->save(st, &key, &rec, CS_SAVE_CREATE), CS_OK);
	cs_user_put(&f.cfg, "erin", "pbkdf2_sha256$1$s$one", NULL, true);
	cr_assert_eq(st->ops->load(st, key, cs_now(), &got), CS_OK);
	cs_record_free(&got);
	cr_assert_eq(cs_user_put(&f.cfg, "erin", "pbkdf2_sha256$1$s$two", NULL, false), CS_OK);
	cr_assert_eq(st->ops->load(st, key, cs_now(), &got), CS_ERR_NOT_FOUND);
	cs_record_free(&rec);
	free(key);
}

/* ---- throttling ------------------------------------------------------ */

TestSuite(throttle, .init = setup);

Test(throttle, five_failures_for_a_username_block_the_sixth_try)
{
	int64_t retry;
	int i;

	csi_clock_fix(1000000);
	for (i = 0; i < 4; i++)
		cr_assert_eq(cs_throttle_fail(&f.cfg, "alice", "10.0.0.1"), CS_OK);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", "10.0.0.2", &retry), CS_OK);
	cr_assert_eq(cs_throttle_fail(&f.cfg, "alice", "10.0.0.1"), CS_OK);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", "10.0.0.2", &retry), CS_ERR_TOO_LARGE);
	cr_assert_eq(retry, 900);
	/* Another user from another address is not affected. */
	cr_assert_eq(cs_throttle_check(&f.cfg, "bob", "10.0.0.2", &retry), CS_OK);
}

Test(throttle, the_block_ends_when_the_window_passes)
{
	int64_t retry;
	int i;

	csi_clock_fix(2000000);
	for (i = 0; i < 5; i++)
		cs_throttle_fail(&f.cfg, "alice", NULL);
	csi_clock_fix(2000000 + 600);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", NULL, &retry), CS_ERR_TOO_LARGE);
	cr_assert_eq(retry, 300);
	csi_clock_fix(2000000 + 900);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", NULL, &retry), CS_OK);
	/* A failure after the window starts a new one. */
	cs_throttle_fail(&f.cfg, "alice", NULL);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", NULL, &retry), CS_OK);
}

Test(throttle, a_success_resets_the_username_but_not_the_address)
{
	int64_t retry;
	int i;

	csi_clock_fix(3000000);
	ufx_set(&f, "LOGIN_FAILURES_PER_ADDRESS", "5");
	cs_config_free(&f.cfg);
	ufx_load(&f);
	for (i = 0; i < 5; i++)
		cs_throttle_fail(&f.cfg, "alice", "192.0.2.7");
	cr_assert_eq(cs_throttle_reset(&f.cfg, "alice"), CS_OK);
	cr_assert_eq(cs_throttle_check(&f.cfg, "alice", "192.0.2.8", &retry), CS_OK);
	cr_assert_eq(cs_throttle_check(&f.cfg, "zoe", "192.0.2.7", &retry), CS_ERR_TOO_LARGE);
}

Test(throttle, fifty_failures_from_one_address_block_every_username)
{
	char name[32];
	int64_t retry;
	int i;

	csi_clock_fix(4000000);
	for (i = 0; i < 49; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		cs_throttle_fail(&f.cfg, name, "198.51.100.1");
	}
	cr_assert_eq(cs_throttle_check(&f.cfg, "fresh", "198.51.100.1", &retry), CS_OK);
	cs_throttle_fail(&f.cfg, "user49", "198.51.100.1");
	cr_assert_eq(cs_throttle_check(&f.cfg, "fresh", "198.51.100.1", &retry), CS_ERR_TOO_LARGE);
	cr_assert_eq(cs_throttle_check(&f.cfg, "fresh", "198.51.100.2", &retry), CS_OK);
}

Test(throttle, counters_are_shared_across_processes)
{
	int64_t retry;
	pid_t pid;
	int i, status;

	csi_clock_fix(5000000);
	for (i = 0; i < 5; i++) {
		if ((pid = fork()) == 0)
			_exit(cs_throttle_fail(&f.cfg, "shared", NULL) == CS_OK ? 0 : 1);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert_eq(WEXITSTATUS(status), 0);
	}
	cr_assert_eq(cs_throttle_check(&f.cfg, "shared", NULL, &retry), CS_ERR_TOO_LARGE);
}
