/*
 * test_users_cache.c -- user records are decoded once per distinct bytes
 * and remembered (users.c): whatever changes a record must be seen at
 * once by the same process, and every caller gets its own copy under its
 * own name.
 */
#include "users_fixture.h"

static struct ufx f;

static void
setup(void)
{
	ufx_init(&f);
	ufx_load(&f);
}

TestSuite(users_cache, .init = setup);

static void
expect(const char *name, const char *hash, const char *auth)
{
	struct cs_user u;

	cr_assert_eq(cs_user_get(&f.cfg, name, &u), CS_OK, "%s", name);
	cr_assert_str_eq(u.name, name);
	cr_assert_str_eq(u.password_hash, hash);
	if (auth == NULL)
		cr_assert_null(u.auth_hash);
	else
		cr_assert_str_eq(u.auth_hash, auth);
	cs_user_free(&u);
}

Test(users_cache, a_changed_record_is_read_again_in_the_same_process)
{
	struct cs_user u;

	cr_assert_eq(cs_user_put(&f.cfg, "alice", "pbkdf2_sha256$1$s$one", "a1",
	    true), CS_OK);
	expect("alice", "pbkdf2_sha256$1$s$one", "a1");
	expect("alice", "pbkdf2_sha256$1$s$one", "a1");
	cr_assert_eq(cs_user_put(&f.cfg, "alice", "pbkdf2_sha256$1$s$two", "a2",
	    false), CS_OK);
	expect("alice", "pbkdf2_sha256$1$s$two", "a2");
	cr_assert_eq(cs_user_set_auth_hash(&f.cfg, "alice", "a3"), CS_OK);
	expect("alice", "pbkdf2_sha256$1$s$two", "a3");
	cr_assert_eq(cs_user_delete(&f.cfg, "alice"), CS_OK);
	cr_assert_eq(cs_user_get(&f.cfg, "alice", &u), CS_ERR_NOT_FOUND);
}

/* Records hold no name: two users with the same bytes (created in the
 * same second with the same hash) share an entry, not a name. */
Test(users_cache, users_with_identical_records_keep_their_own_names)
{
	cr_assert_eq(cs_user_put(&f.cfg, "amy", "pbkdf2_sha256$1$s$same", NULL,
	    true), CS_OK);
	cr_assert_eq(cs_user_put(&f.cfg, "ben", "pbkdf2_sha256$1$s$same", NULL,
	    true), CS_OK);
	expect("amy", "pbkdf2_sha256$1$s$same", NULL);
	expect("ben", "pbkdf2_sha256$1$s$same", NULL);
	expect("amy", "pbkdf2_sha256$1$s$same", NULL);
}

Test(users_cache, more_users_than_remembered_records_all_read_right)
{
	char name[16], hash[64];
	int i, round;

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		snprintf(hash, sizeof(hash), "pbkdf2_sha256$1$s$h%d", i);
		cr_assert_eq(cs_user_put(&f.cfg, name, hash, NULL, true), CS_OK);
	}
	for (round = 0; round < 3; round++)
		for (i = 0; i < 20; i++) {
			snprintf(name, sizeof(name), "u%d", i);
			snprintf(hash, sizeof(hash), "pbkdf2_sha256$1$s$h%d", i);
			expect(name, hash, NULL);
		}
}
