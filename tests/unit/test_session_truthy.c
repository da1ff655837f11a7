/*
 * test_session_truthy.c -- request.session.get(key, False) as one call:
 * Python's truthiness of the stored JSON value.
 */
#include <criterion/criterion.h>

#include "csess.h"
#include "helper_memstore.h"

static struct cs_config cfg;
static struct cs_store *st;
static struct cs_session *s;

static void
setup(void)
{
	char err[256];
	char key[CS_SESSION_KEY_LEN + 1];

	cr_assert_eq(cs_config_load_env(&cfg, (char *[]){ NULL }, err, sizeof(err)), CS_OK);
	cr_assert_not_null(st = memstore_new(&cfg));
	cr_assert_eq(cs_session_key_new(key), CS_OK);
	cr_assert_eq(memstore_put(st, key, "{\"is_login\": true, \"f\": false, \"n\": null,"
	    " \"z\": 0, \"zr\": 0.0, \"nz\": -0.0, \"e\": \"\", \"ea\": [], \"eo\": {},"
	    " \"one\": 1, \"half\": 0.5, \"s\": \"0\", \"a\": [0], \"o\": {\"k\": null}}",
	    cs_now() + 1000, NULL), CS_OK);
	cr_assert_eq(cs_session_new(&s, st, &cfg, key), CS_OK);
}

static void
teardown(void)
{
	cs_session_free(s);
	st->ops->close(st);
	cs_config_free(&cfg);
}

TestSuite(session_truthy, .init = setup, .fini = teardown);

Test(session_truthy, python_false_values_are_false)
{
	const char *keys[] = { "f", "n", "z", "zr", "nz", "e", "ea", "eo", "missing" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not(cs_session_truthy(s, keys[i]), "%s", keys[i]);
}

Test(session_truthy, everything_else_is_true)
{
	const char *keys[] = { "is_login", "one", "half", "s", "a", "o" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert(cs_session_truthy(s, keys[i]), "%s", keys[i]);
}

Test(session_truthy, reading_sets_accessed_but_not_modified)
{
	cr_assert_not(cs_session_accessed(s));
	cs_session_truthy(s, "is_login");
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
}

Test(session_truthy, no_session_is_false)
{
	cr_assert_not(cs_session_truthy(NULL, "is_login"));
	cr_assert_not(cs_json_truthy(NULL));
}
