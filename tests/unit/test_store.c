/*
 * test_store.c -- what every engine shares: key shape and generation,
 * engine dispatch, record lifetime.
 */
#include "store_fixture.h"

Test(store, key_valid_accepts_32_lowercase_letters_and_digits)
{
	cr_assert(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz012345"));
	cr_assert(cs_session_key_valid("00000000000000000000000000000000"));
}

Test(store, key_valid_rejects_wrong_length)
{
	cr_assert_not(cs_session_key_valid(""));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz01234"));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	cr_assert_not(cs_session_key_valid(NULL));
}

Test(store, key_valid_rejects_uppercase_and_other_characters)
{
	cr_assert_not(cs_session_key_valid("Abcdefghijklmnopqrstuvwxyz012345"));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz01234-"));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnop qrstuvwxyz01234"));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz01234/"));
	cr_assert_not(cs_session_key_valid("abcdefghijklmnopqrstuvwxyz01234\xc3"));
}

Test(store, new_keys_are_valid_and_distinct)
{
	char a[CS_SESSION_KEY_LEN + 1], b[CS_SESSION_KEY_LEN + 1];
	int i;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(cs_session_key_new(a), CS_OK);
		cr_assert_eq(cs_session_key_new(b), CS_OK);
		cr_assert(cs_session_key_valid(a), "%s", a);
		cr_assert(cs_session_key_valid(b), "%s", b);
		cr_assert_str_neq(a, b);
	}
}

Test(store, new_keys_use_every_character_of_the_alphabet)
{
	char k[CS_SESSION_KEY_LEN + 1];
	bool seen[256] = { false };
	const char *c;
	int i, j;

	for (i = 0; i < 200; i++) {
		cr_assert_eq(cs_session_key_new(k), CS_OK);
		for (j = 0; j < CS_SESSION_KEY_LEN; j++)
			seen[(unsigned char)k[j]] = true;
	}
	for (c = CS_SESSION_KEY_CHARS; *c; c++)
		cr_assert(seen[(unsigned char)*c], "never drew '%c'", *c);
}

Test(store, open_dispatches_default_engine_to_lmdb)
{
	struct fx f;

	fx_open(&f);
	cr_assert_str_eq(f.st->ops->name, "lmdb");
	cr_assert_eq(f.st->cfg, &f.cfg);
	fx_close(&f);
}

Test(store, open_of_engine_not_built_in_is_a_config_error_naming_it)
{
	struct cs_store *st = (struct cs_store *)1;
	char err[256] = "";
	struct fx f;

	fx_init(&f);
	fx_config(&f, NULL, NULL, NULL);
	free(f.cfg.session_engine);
	f.cfg.session_engine = strdup("redis-cluster");
	cr_assert_eq(cs_store_open(&st, &f.cfg, err, sizeof(err)), CS_ERR_CONFIG);
	cr_assert_null(st);
	cr_assert(strstr(err, "redis-cluster") != NULL, "%s", err);
	cr_assert(strstr(err, "SESSION_ENGINE") != NULL, "%s", err);
	fx_close(&f);
}

Test(store, record_free_releases_and_clears)
{
	struct cs_record r = { 0 };

	r.data = strdup("{}");
	r.data_len = 2;
	r.user = strdup("alice");
	cs_record_free(&r);
	cr_assert_null(r.data);
	cr_assert_null(r.user);
	cr_assert_eq(r.data_len, 0);
	cs_record_free(&r);
	cs_record_free(NULL);
	cs_store_close(NULL);
}
