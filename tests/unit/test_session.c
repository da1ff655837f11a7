/*
 * test_session.c -- the session object against Django's SessionBase
 * (reference: django-compat §4): mapping methods and their accessed /
 * modified flags, strict keys, create/save/flush/cycle_key, and the
 * versioned save that merges concurrent changes and never resurrects a
 * vanished record.  Engine: the in-memory test double.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "helper_memstore.h"
#include "csess_test.h"

#define T	1700000000

static struct cs_config cfg;
static struct cs_store *st;

static void
setup(void)
{
	char err[256];
	char *envp[] = { NULL };

	cr_assert_eq(cs_config_load_env(&cfg, envp, err, sizeof(err)), CS_OK,
	    "%s", err);
	csi_clock_fix(T);
	st = memstore_new(&cfg);
	cr_assert_not_null(st);
}

static void
teardown(void)
{
	st->ops->close(st);
	cs_config_free(&cfg);
	csi_clock_fix(-1);
}

TestSuite(session, .init = setup, .fini = teardown);

static struct cs_session *
open_session(const char *key)
{
	struct cs_session *s;

	cr_assert_eq(cs_session_new(&s, st, &cfg, key), CS_OK);
	return s;
}

/* A stored session {"a": 1, "b": "x"} under a fresh key; returns the key. */
static const char *
seed(const char *json)
{
	static char key[CS_SESSION_KEY_LEN + 1];

	cr_assert_eq(cs_session_key_new(key), CS_OK);
	cr_assert_eq(memstore_put(st, key, json, T + 1000, NULL), CS_OK);
	return key;
}

static bool
key_shaped(const char *k)
{
	return k != NULL && strlen(k) == 32 && strspn(k,
	    "abcdefghijklmnopqrstuvwxyz0123456789") == 32;
}

/* ---- flags ----------------------------------------------------------- */

Test(session, new_session_is_empty_and_untouched)
{
	struct cs_session *s = open_session(NULL);

	cr_assert_null(cs_session_key(s));
	cr_assert(cs_session_is_empty(s));
	cr_assert_not(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	cs_session_free(s);
}

Test(session, session_key_does_not_load_or_access)
{
	const char *key = seed("{\"a\":1}");
	struct cs_session *s = open_session(key);

	cr_assert_str_eq(cs_session_key(s), key);
	cr_assert_not(cs_session_accessed(s));
	cr_assert_eq(memstore_stats(st)->loads, 0);
	cr_assert_not(cs_session_is_empty(s));
	cs_session_free(s);
}

Test(session, get_loads_once_and_sets_accessed_only)
{
	struct cs_session *s = open_session(seed("{\"a\":1,\"b\":\"x\"}"));
	json_t *v;

	cr_assert_eq(cs_session_get(s, "a", &v), CS_OK);
	cr_assert_eq(json_integer_value(v), 1);
	cr_assert_eq(cs_session_get(s, "b", &v), CS_OK);
	cr_assert_str_eq(json_string_value(v), "x");
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	cr_assert_eq(memstore_stats(st)->loads, 1);
	cs_session_free(s);
}

Test(session, get_reports_missing_key_distinctly_from_default)
{
	struct cs_session *s = open_session(seed("{\"a\":null}"));
	json_t *v, *def = json_string("d");

	/* s['a'] is None, s['z'] raises KeyError */
	cr_assert_eq(cs_session_get(s, "a", &v), CS_OK);
	cr_assert(json_is_null(v));
	cr_assert_eq(cs_session_get(s, "z", &v), CS_ERR_NOT_FOUND);
	cr_assert_null(v);
	cr_assert_eq(cs_session_get_default(s, "z", def), def);
	cr_assert(json_is_null(cs_session_get_default(s, "a", def)));
	cr_assert_null(cs_session_get_default(s, "z", NULL));
	cr_assert_not(cs_session_modified(s));
	json_decref(def);
	cs_session_free(s);
}

Test(session, contains_accesses_without_modifying)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));

	cr_assert(cs_session_contains(s, "a"));
	cr_assert_not(cs_session_contains(s, "b"));
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	cs_session_free(s);
}

Test(session, set_modifies_and_is_read_back)
{
	struct cs_session *s = open_session(NULL);
	json_t *v;

	cr_assert_eq(cs_session_set_new(s, "cart", json_pack("[ii]", 1, 2)),
	    CS_OK);
	cr_assert(cs_session_modified(s));
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_is_empty(s));
	cr_assert_eq(cs_session_get(s, "cart", &v), CS_OK);
	cr_assert_eq(json_array_size(v), 2);
	cr_assert_eq(cs_session_set(s, NULL, v), CS_ERR_INVALID);
	cr_assert_eq(cs_session_set(s, "k", NULL), CS_ERR_INVALID);
	cr_assert_eq(cs_session_set_string(s, "bad\xff", "x"), CS_ERR_INVALID);
	cs_session_free(s);
}

Test(session, setdefault_inserts_only_when_absent)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));
	json_t *def = json_integer(5), *v;

	cr_assert_eq(cs_session_setdefault(s, "a", def, &v), CS_OK);
	cr_assert_eq(json_integer_value(v), 1);
	cr_assert_not(cs_session_modified(s), "present: no insert, no modify");
	cr_assert_eq(cs_session_setdefault(s, "b", def, &v), CS_OK);
	cr_assert_eq(v, def);
	cr_assert(cs_session_modified(s));
	cr_assert_eq(cs_session_get(s, "b", &v), CS_OK);
	cr_assert_eq(json_integer_value(v), 5);
	json_decref(def);
	cs_session_free(s);
}

Test(session, delete_of_missing_key_reports_it_and_does_not_modify)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));

	cr_assert_eq(cs_session_delete(s, "zz"), CS_ERR_NOT_FOUND);
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	cr_assert_eq(cs_session_delete(s, "a"), CS_OK);
	cr_assert(cs_session_modified(s));
	cr_assert_not(cs_session_contains(s, "a"));
	cs_session_free(s);
}

Test(session, pop_returns_value_and_modifies_only_when_present)
{
	struct cs_session *s = open_session(seed("{\"a\":\"v\"}"));
	json_t *v, *def = json_string("d");

	/* pop of a missing key with a default: no modify (RUN-3.2) */
	v = cs_session_pop_default(s, "zz", def);
	cr_assert_eq(v, def);
	json_decref(v);
	cr_assert_not(cs_session_modified(s));
	/* without a default: KeyError */
	cr_assert_eq(cs_session_pop(s, "zz", &v), CS_ERR_NOT_FOUND);
	cr_assert_null(v);
	cr_assert_not(cs_session_modified(s));
	cr_assert_eq(cs_session_pop(s, "a", &v), CS_OK);
	cr_assert_str_eq(json_string_value(v), "v");
	json_decref(v);
	cr_assert(cs_session_modified(s));
	cr_assert_not(cs_session_contains(s, "a"));
	cr_assert_null(cs_session_pop_default(s, "a", NULL));
	json_decref(def);
	cs_session_free(s);
}

Test(session, iteration_keeps_python_dict_insertion_order)
{
	struct cs_session *s = open_session(seed("{\"b\":1,\"a\":2}"));
	struct cs_session_iter it = CS_SESSION_ITER_INIT;
	const char *k;
	json_t *v, *keys, *vals, *items;
	char order[16] = "";

	cs_session_set_int(s, "c", 3);
	cs_session_set_int(s, "b", 9);		/* keeps its place */
	cs_session_delete(s, "a");
	cs_session_set_int(s, "a", 4);		/* deleted, set again: last */
	while (cs_session_next(s, &it, &k, &v))
		strcat(order, k);
	cr_assert_str_eq(order, "bca");
	cr_assert_not(cs_session_next(s, &it, &k, &v), "stays at the end");
	keys = cs_session_keys(s);
	vals = cs_session_values(s);
	items = cs_session_items(s);
	cr_assert_str_eq(json_string_value(json_array_get(keys, 1)), "c");
	cr_assert_eq(json_integer_value(json_array_get(vals, 0)), 9);
	cr_assert_str_eq(json_string_value(json_array_get(
	    json_array_get(items, 2), 0)), "a");
	cr_assert_eq(json_integer_value(json_array_get(
	    json_array_get(items, 2), 1)), 4);
	cr_assert_eq(cs_session_len(s), 3);
	json_decref(keys);
	json_decref(vals);
	json_decref(items);
	cs_session_free(s);
}

Test(session, iteration_alone_accesses_without_modifying)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));
	json_t *keys = cs_session_keys(s);

	cr_assert_eq(json_array_size(keys), 1);
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	json_decref(keys);
	cs_session_free(s);
}

Test(session, clear_does_not_load_and_sets_both_flags)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));

	cr_assert_eq(cs_session_clear(s), CS_OK);
	cr_assert_eq(memstore_stats(st)->loads, 0);
	cr_assert(cs_session_accessed(s));
	cr_assert(cs_session_modified(s));
	cr_assert_eq(cs_session_len(s), 0);
	cs_session_free(s);
}

Test(session, clear_then_save_replaces_the_stored_data_under_the_same_key)
{
	const char *key = seed("{\"a\":1}");
	struct cs_session *s = open_session(key);
	const char *json;

	cs_session_clear(s);
	cs_session_set_int(s, "b", 2);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert_str_eq(cs_session_key(s), key);
	cr_assert_eq(memstore_peek(st, key, &json, NULL, NULL, NULL), CS_OK);
	cr_assert_str_eq(json, "{\"b\":2}");
	cs_session_free(s);
}

Test(session, update_always_modifies_even_when_empty)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));
	json_t *empty = json_object(), *d = json_pack("{si}", "b", 2), *v;

	cr_assert_eq(cs_session_update(s, empty), CS_OK);
	cr_assert(cs_session_modified(s));
	cr_assert_eq(cs_session_update(s, d), CS_OK);
	cr_assert_eq(cs_session_get(s, "b", &v), CS_OK);
	cr_assert_eq(json_integer_value(v), 2);
	cr_assert_eq(cs_session_update(s, v), CS_ERR_INVALID);
	json_decref(empty);
	json_decref(d);
	cs_session_free(s);
}

Test(session, nested_mutation_does_not_set_modified)
{
	struct cs_session *s = open_session(seed("{\"cart\":[]}"));
	json_t *v;

	cr_assert_eq(cs_session_get(s, "cart", &v), CS_OK);
	json_array_append_new(v, json_integer(1));
	cr_assert_not(cs_session_modified(s));
	cs_session_free(s);
}

Test(session, typed_getters_check_presence_and_type)
{
	struct cs_session *s = open_session(
	    seed("{\"s\":\"x\",\"i\":7,\"b\":true,\"f\":1.5}"));
	const char *str = "untouched";
	int64_t i = -1;
	bool b = false;

	cr_assert_eq(cs_session_get_string(s, "s", &str), CS_OK);
	cr_assert_str_eq(str, "x");
	cr_assert_eq(cs_session_get_int(s, "i", &i), CS_OK);
	cr_assert_eq(i, 7);
	cr_assert_eq(cs_session_get_bool(s, "b", &b), CS_OK);
	cr_assert(b);
	cr_assert_eq(cs_session_get_int(s, "f", &i), CS_ERR_INVALID);
	cr_assert_eq(cs_session_get_int(s, "s", &i), CS_ERR_INVALID);
	cr_assert_eq(cs_session_get_bool(s, "i", &b), CS_ERR_INVALID);
	cr_assert_eq(cs_session_get_string(s, "i", &str), CS_ERR_INVALID);
	cr_assert_eq(cs_session_get_string(s, "none", &str), CS_ERR_NOT_FOUND);
	cr_assert_str_eq(str, "x");
	cr_assert_eq(i, 7);
	cr_assert_not(cs_session_modified(s));

	cr_assert_eq(cs_session_set_string(s, "s2", "y"), CS_OK);
	cr_assert_eq(cs_session_set_int(s, "i2", INT64_C(-9000000000)), CS_OK);
	cr_assert_eq(cs_session_set_bool(s, "b2", false), CS_OK);
	cr_assert_eq(cs_session_get_int(s, "i2", &i), CS_OK);
	cr_assert_eq(i, INT64_C(-9000000000));
	cr_assert_eq(cs_session_get_bool(s, "b2", &b), CS_OK);
	cr_assert_not(b);
	cr_assert(cs_session_modified(s));
	cs_session_free(s);
}

Test(session, test_cookie_is_a_key_inside_the_session)
{
	struct cs_session *s = open_session(NULL);
	const char *v;

	cr_assert_not(cs_session_test_cookie_worked(s));
	cr_assert_not(cs_session_modified(s));
	cr_assert_eq(cs_session_set_test_cookie(s), CS_OK);
	cr_assert(cs_session_test_cookie_worked(s));
	cr_assert_eq(cs_session_get_string(s, "testcookie", &v), CS_OK);
	cr_assert_str_eq(v, "worked");
	cr_assert_eq(cs_session_delete_test_cookie(s), CS_OK);
	cr_assert_not(cs_session_test_cookie_worked(s));
	cr_assert_eq(cs_session_delete_test_cookie(s), CS_ERR_NOT_FOUND);
	cs_session_set_string(s, "testcookie", "other");
	cr_assert_not(cs_session_test_cookie_worked(s));
	cs_session_free(s);
}

/* ---- keys ------------------------------------------------------------ */

static void
assert_not_adopted(const char *incoming, bool looks_valid)
{
	struct cs_session *s = open_session(incoming);
	const char *json;

	if (!looks_valid) {
		cr_assert_null(cs_session_key(s), "'%s' dropped at once",
		    incoming);
		cr_assert(cs_session_is_empty(s));
	}
	cs_session_set_int(s, "x", 1);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_str_neq(cs_session_key(s), incoming);
	json = NULL;
	memstore_peek(st, incoming, &json, NULL, NULL, NULL);
	cr_assert(json == NULL || strstr(json, "\"x\"") == NULL,
	    "nothing stored under '%s'", incoming);
	if (!looks_valid)
		cr_assert_eq(memstore_stats(st)->loads, 0,
		    "malformed key never looked up");
	cs_session_free(s);
}

Test(session, malformed_incoming_keys_are_never_looked_up_or_adopted)
{
	assert_not_adopted("short", false);
	assert_not_adopted("abcdefghijklmnopqrstuvwxyz0123456", false); /* 33 */
	assert_not_adopted("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", false);
	assert_not_adopted("abcdefghijklmnopqrstuvwxyz01234-", false);
	assert_not_adopted("abcdefghijklmnopqrstuvwxyz01234\n", false);
	assert_not_adopted("", false);
}

Test(session, unknown_key_is_dropped_on_load_and_replaced_on_store)
{
	const char *unknown = "abcdefghijklmnopqrstuvwxyz012345";
	struct cs_session *s = open_session(unknown);

	cr_assert_not(cs_session_contains(s, "x"));
	cr_assert_null(cs_session_key(s));
	cr_assert(cs_session_is_empty(s));
	cs_session_free(s);
	assert_not_adopted(unknown, true);
}

Test(session, expired_record_is_not_adopted)
{
	char key[33];
	struct cs_session *s;
	const char *json;
	int64_t expire;

	cs_session_key_new(key);
	memstore_put(st, key, "{\"user\":\"bob\"}", T, NULL);	/* expire <= now */
	s = open_session(key);
	cr_assert_not(cs_session_contains(s, "user"));
	cr_assert_null(cs_session_key(s));
	cs_session_free(s);
	assert_not_adopted(key, true);
	cr_assert_eq(memstore_peek(st, key, &json, &expire, NULL, NULL), CS_OK);
	cr_assert_str_eq(json, "{\"user\":\"bob\"}", "expired record untouched");
	cr_assert_eq(expire, T);
}

/* ---- create, save, flush, cycle_key ----------------------------------- */

Test(session, first_save_creates_a_fresh_key_with_the_data)
{
	struct cs_session *s = open_session(NULL);
	const char *json;
	int64_t expire;

	cs_session_set_string(s, "u", "bob");
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_eq(memstore_peek(st, cs_session_key(s), &json, &expire,
	    NULL, NULL), CS_OK);
	cr_assert_str_eq(json, "{\"u\":\"bob\"}");
	cr_assert_eq(expire, T + 1209600);
	cr_assert_eq(memstore_stats(st)->creates, 1);
	cs_session_free(s);
}

Test(session, create_retries_when_the_key_is_taken)
{
	struct cs_session *s = open_session(NULL);

	memstore_collide(st, 3);
	cr_assert_eq(cs_session_create(s), CS_OK);
	cr_assert_eq(memstore_stats(st)->creates, 4);
	cr_assert(cs_session_modified(s));
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_eq(memstore_count(st), 1);
	cs_session_free(s);
}

Test(session, create_failure_leaves_no_key_behind)
{
	struct cs_session *s = open_session(NULL);

	memstore_fail_next(st, CS_ERR_STORE);
	cr_assert_eq(cs_session_create(s), CS_ERR_STORE);
	cr_assert_null(cs_session_key(s));
	cs_session_free(s);
}

Test(session, save_of_a_loaded_session_updates_in_place)
{
	const char *key = seed("{\"a\":1}");
	struct cs_session *s = open_session(key);
	const char *json;

	cs_session_set_int(s, "a", 2);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert_str_eq(cs_session_key(s), key);
	memstore_peek(st, key, &json, NULL, NULL, NULL);
	cr_assert_str_eq(json, "{\"a\":2}");
	cr_assert_eq(memstore_stats(st)->updates, 1);
	cr_assert_eq(memstore_stats(st)->creates, 0);
	cs_session_free(s);
}

Test(session, flush_deletes_the_record_and_forgets_the_key)
{
	const char *key = seed("{\"user\":\"bob\"}");
	struct cs_session *s = open_session(key);

	cr_assert_eq(cs_session_flush(s), CS_OK);
	cr_assert_null(cs_session_key(s));
	cr_assert(cs_session_is_empty(s));
	cr_assert(cs_session_modified(s));
	cr_assert_eq(memstore_peek(st, key, NULL, NULL, NULL, NULL),
	    CS_ERR_NOT_FOUND);
	/* the next save makes a new key, never the old one */
	cs_session_set_int(s, "n", 1);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert_str_neq(cs_session_key(s), key);
	cr_assert_eq(memstore_count(st), 1);
	cs_session_free(s);
}

Test(session, flush_that_cannot_delete_is_sticky)
{
	struct cs_session *s = open_session(seed("{\"user\":\"bob\"}"));

	cs_session_load(s);
	memstore_fail_next(st, CS_ERR_STORE);
	cr_assert_eq(cs_session_flush(s), CS_ERR_STORE);
	cr_assert_eq(cs_session_error(s), CS_ERR_STORE);
	cr_assert_eq(cs_session_save(s), CS_ERR_STORE);
	cs_session_free(s);
}

Test(session, cycle_key_keeps_data_under_a_new_key_and_deletes_the_old)
{
	const char *key = seed("{\"cart\":[1]}");
	char old[33];
	struct cs_session *s = open_session(key);
	const char *json;

	strcpy(old, key);
	cr_assert_eq(cs_session_cycle_key(s), CS_OK);
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_str_neq(cs_session_key(s), old);
	cr_assert(cs_session_modified(s));
	cr_assert_eq(memstore_peek(st, old, NULL, NULL, NULL, NULL),
	    CS_ERR_NOT_FOUND);
	cr_assert_eq(memstore_peek(st, cs_session_key(s), &json, NULL, NULL,
	    NULL), CS_OK);
	cr_assert_str_eq(json, "{\"cart\":[1]}");
	cr_assert(cs_session_contains(s, "cart"));
	cs_session_free(s);
}

Test(session, cycle_key_of_a_new_session_just_creates)
{
	struct cs_session *s = open_session(NULL);

	cs_session_set_int(s, "a", 1);
	cr_assert_eq(cs_session_cycle_key(s), CS_OK);
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_eq(memstore_count(st), 1);
	cr_assert_eq(memstore_stats(st)->dels, 0);
	cs_session_free(s);
}

Test(session, exists_and_delete_record_go_to_the_engine)
{
	const char *key = seed("{}");
	char k[33];
	struct cs_session *s = open_session(NULL);

	strcpy(k, key);
	cr_assert_eq(cs_session_exists(s, k), CS_OK);
	cr_assert_eq(cs_session_exists(s, "nope"), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_session_delete_record(s, k), CS_OK);
	cr_assert_eq(cs_session_exists(s, k), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_session_delete_record(s, k), CS_OK, "missing: no error");
	cr_assert_eq(cs_session_delete_record(s, NULL), CS_OK, "no key: no-op");
	cr_assert_not(cs_session_accessed(s));
	cs_session_free(s);
}

Test(session, clear_expired_goes_through_the_engine)
{
	struct cs_session *s = open_session(NULL);
	struct cs_sweep_stats stats;

	memstore_put(st, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "{}", T - 1, NULL);
	memstore_put(st, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "{}", T, NULL);
	memstore_put(st, "cccccccccccccccccccccccccccccccc", "{}", T + 1, NULL);
	cr_assert_eq(cs_session_clear_expired(s, 0, false, &stats), CS_OK);
	cr_assert_eq(stats.removed, 2);
	cr_assert_eq(memstore_count(st), 1);
	cs_session_free(s);
}

Test(session, owner_is_kept_from_the_record_and_can_be_set)
{
	char key[33];
	struct cs_session *s;
	const char *user;

	cs_session_key_new(key);
	memstore_put(st, key, "{}", T + 100, "alice");
	s = open_session(key);
	cr_assert_str_eq(cs_session_user(s), "alice");
	cs_session_set_int(s, "n", 1);
	cs_session_save(s);
	memstore_peek(st, key, NULL, NULL, NULL, &user);
	cr_assert_str_eq(user, "alice", "owner kept on save");
	cr_assert_eq(cs_session_set_user(s, "bob"), CS_OK);
	cr_assert(cs_session_modified(s));
	cs_session_save(s);
	memstore_peek(st, key, NULL, NULL, NULL, &user);
	cr_assert_str_eq(user, "bob");
	cs_session_free(s);
}

Test(session, corrupt_stored_data_reads_as_empty)
{
	struct cs_session *s = open_session(seed("[1,2]"));

	cr_assert_eq(cs_session_len(s), 0);
	cr_assert_not_null(cs_session_key(s), "the record exists");
	cs_session_free(s);
}

Test(session, store_failure_on_load_is_sticky_and_refuses_save)
{
	struct cs_session *s = open_session(seed("{\"a\":1}"));
	json_t *v;

	memstore_fail_next(st, CS_ERR_STORE);
	cr_assert_eq(cs_session_load(s), CS_ERR_STORE);
	cr_assert_eq(cs_session_error(s), CS_ERR_STORE);
	cr_assert_eq(cs_session_get(s, "a", &v), CS_ERR_NOT_FOUND);
	cs_session_set_int(s, "b", 1);
	cr_assert_eq(cs_session_save(s), CS_ERR_STORE);
	cr_assert_eq(memstore_stats(st)->updates + memstore_stats(st)->creates,
	    0);
	cs_session_free(s);
}

/* ---- concurrent requests --------------------------------------------- */

Test(session, concurrent_changes_to_different_keys_are_both_kept)
{
	const char *key = seed("{\"a\":1}");
	struct cs_session *x = open_session(key), *y = open_session(key);
	const char *json;

	cs_session_load(x);
	cs_session_load(y);
	cs_session_set_int(y, "y", 2);
	cr_assert_eq(cs_session_save(y), CS_OK);
	cs_session_set_int(x, "x", 1);
	cs_session_delete(x, "a");
	cr_assert_eq(cs_session_save(x), CS_OK);
	cr_assert_eq(memstore_stats(st)->conflicts, 1);
	memstore_peek(st, key, &json, NULL, NULL, NULL);
	cr_assert_str_eq(json, "{\"y\":2,\"x\":1}");
	/* x now sees y's change too */
	cr_assert(cs_session_contains(x, "y"));
	cs_session_free(x);
	cs_session_free(y);
}

Test(session, concurrent_changes_to_the_same_key_last_save_wins)
{
	const char *key = seed("{\"n\":0}");
	struct cs_session *x = open_session(key), *y = open_session(key);
	const char *json;

	cs_session_load(x);
	cs_session_load(y);
	cs_session_set_int(x, "n", 1);
	cs_session_set_int(y, "n", 2);
	cr_assert_eq(cs_session_save(y), CS_OK);
	cr_assert_eq(cs_session_save(x), CS_OK);
	memstore_peek(st, key, &json, NULL, NULL, NULL);
	cr_assert_str_eq(json, "{\"n\":1}");
	cs_session_free(x);
	cs_session_free(y);
}

Test(session, concurrent_clear_replaces_the_other_writers_data)
{
	const char *key = seed("{\"a\":1}");
	struct cs_session *x = open_session(key), *y = open_session(key);
	const char *json;

	cs_session_load(x);
	cs_session_load(y);
	cs_session_set_int(y, "y", 2);
	cr_assert_eq(cs_session_save(y), CS_OK);
	cs_session_clear(x);
	cs_session_set_int(x, "z", 3);
	cr_assert_eq(cs_session_save(x), CS_OK);
	memstore_peek(st, key, &json, NULL, NULL, NULL);
	cr_assert_str_eq(json, "{\"z\":3}");
	cs_session_free(x);
	cs_session_free(y);
}

Test(session, save_after_concurrent_logout_is_refused_and_nothing_resurrects)
{
	const char *key = seed("{\"user\":\"bob\"}");
	char k[33];
	struct cs_session *x = open_session(key), *y = open_session(key);

	strcpy(k, key);
	cs_session_load(x);
	cr_assert_eq(cs_session_flush(y), CS_OK);	/* logout elsewhere */
	cs_session_set_int(x, "views", 1);
	cr_assert_eq(cs_session_save(x), CS_ERR_CONFLICT);
	cr_assert(cs_session_interrupted(x));
	cr_assert_eq(memstore_peek(st, k, NULL, NULL, NULL, NULL),
	    CS_ERR_NOT_FOUND, "old key not re-created");
	cr_assert_eq(memstore_count(st), 0, "no new key issued either");
	cr_assert_eq(cs_session_save(x), CS_ERR_CONFLICT, "stays refused");
	cr_assert_eq(memstore_count(st), 0);
	cs_session_free(x);
	cs_session_free(y);
}

Test(session, save_after_concurrent_cycle_key_is_refused)
{
	const char *key = seed("{\"user\":\"bob\"}");
	struct cs_session *x = open_session(key), *y = open_session(key);

	cs_session_load(x);
	cr_assert_eq(cs_session_cycle_key(y), CS_OK);
	cs_session_set_int(x, "views", 1);
	cr_assert_eq(cs_session_save(x), CS_ERR_CONFLICT);
	cr_assert_eq(memstore_count(st), 1, "only the cycled record");
	cs_session_free(x);
	cs_session_free(y);
}

/* ---- the same rules on the real LMDB engine ----------------------------- */

static char lmdb_dir[128];

static void
setup_lmdb(void)
{
	char store[200], err[256];
	char *envp[] = { store, "CSESS_SESSION_SYNC=none", NULL };
	const char *tmp = getenv("TMPDIR");

	snprintf(lmdb_dir, sizeof(lmdb_dir), "%s/csess-session-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(lmdb_dir));
	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s/s.mdb", lmdb_dir);
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(cs_config_load_env(&cfg, envp, err, sizeof(err)), CS_OK,
	    "%s", err);
	csi_clock_fix(T);
	cr_assert_eq(cs_store_open(&st, &cfg, err, sizeof(err)), CS_OK, "%s",
	    err);
}

static void
teardown_lmdb(void)
{
	char cmd[200];

	cs_store_close(st);
	cs_config_free(&cfg);
	csi_clock_fix(-1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", lmdb_dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(session_lmdb, .init = setup_lmdb, .fini = teardown_lmdb);

/* A record written through a session; returns its key (static). */
static const char *
lmdb_seed(const char *name, int64_t value)
{
	static char key[CS_SESSION_KEY_LEN + 1];
	struct cs_session *s = open_session(NULL);

	cs_session_set_int(s, name, value);
	cr_assert_eq(cs_session_save(s), CS_OK);
	strcpy(key, cs_session_key(s));
	cs_session_free(s);
	return key;
}

static json_t *
lmdb_data(const char *key)
{
	struct cs_record rec = { 0 };
	json_t *j;

	if (st->ops->load(st, key, cs_now(), &rec) != CS_OK)
		return NULL;
	j = json_loads(rec.data, 0, NULL);
	cs_record_free(&rec);
	return j;
}

Test(session_lmdb, unknown_and_expired_keys_are_not_adopted)
{
	const char *unknown = "abcdefghijklmnopqrstuvwxyz012345";
	char old[33];
	struct cs_session *s;

	s = open_session(unknown);
	cs_session_set_int(s, "x", 1);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert(key_shaped(cs_session_key(s)));
	cr_assert_str_neq(cs_session_key(s), unknown);
	cr_assert_eq(st->ops->exists(st, unknown), CS_ERR_NOT_FOUND);
	cs_session_free(s);

	strcpy(old, lmdb_seed("user", 1));
	csi_clock_fix(T + 1209600);		/* expire <= now */
	s = open_session(old);
	cr_assert_not(cs_session_contains(s, "user"));
	cr_assert_null(cs_session_key(s));
	cs_session_set_int(s, "x", 1);
	cr_assert_eq(cs_session_save(s), CS_OK);
	cr_assert_str_neq(cs_session_key(s), old);
	cs_session_free(s);
}

Test(session_lmdb, concurrent_changes_merge_and_logout_is_final)
{
	char key[33];
	struct cs_session *x, *y;
	json_t *d;

	strcpy(key, lmdb_seed("a", 1));
	x = open_session(key);
	y = open_session(key);
	cs_session_load(x);
	cs_session_load(y);
	cs_session_set_int(y, "y", 2);
	cr_assert_eq(cs_session_save(y), CS_OK);
	cs_session_set_int(x, "x", 3);
	cs_session_delete(x, "a");
	cr_assert_eq(cs_session_save(x), CS_OK);
	d = lmdb_data(key);
	cr_assert_not_null(d);
	cr_assert_null(json_object_get(d, "a"));
	cr_assert_eq(json_integer_value(json_object_get(d, "y")), 2);
	cr_assert_eq(json_integer_value(json_object_get(d, "x")), 3);
	json_decref(d);

	/* y logs out; x's next save is refused and nothing comes back */
	cr_assert_eq(cs_session_flush(y), CS_OK);
	cs_session_set_int(x, "x", 4);
	cr_assert_eq(cs_session_save(x), CS_ERR_CONFLICT);
	cr_assert(cs_session_interrupted(x));
	cr_assert_eq(st->ops->exists(st, key), CS_ERR_NOT_FOUND);
	cs_session_free(x);
	cs_session_free(y);
}

Test(session_lmdb, cycle_key_moves_data_and_owner_and_deletes_the_old)
{
	char key[33];
	struct cs_session *s;
	struct cs_record rec = { 0 };

	strcpy(key, lmdb_seed("cart", 7));
	s = open_session(key);
	cr_assert_eq(cs_session_set_user(s, "alice"), CS_OK);
	cr_assert_eq(cs_session_cycle_key(s), CS_OK);
	cr_assert_str_neq(cs_session_key(s), key);
	cr_assert_eq(st->ops->exists(st, key), CS_ERR_NOT_FOUND);
	cr_assert_eq(st->ops->load(st, cs_session_key(s), cs_now(), &rec), CS_OK);
	cr_assert_str_eq(rec.data, "{\"cart\":7}");
	cr_assert_str_eq(rec.user, "alice");
	cs_record_free(&rec);
	cs_session_free(s);
}

Test(session_lmdb, clear_expired_sweeps_through_the_engine)
{
	struct cs_session *s;
	struct cs_sweep_stats stats;

	lmdb_seed("a", 1);
	s = open_session(NULL);
	cs_session_set_expiry(s, 10);
	cs_session_save(s);
	csi_clock_fix(T + 11);
	cr_assert_eq(cs_session_clear_expired(s, 0, false, &stats), CS_OK);
	cr_assert_eq(stats.removed, 1);
	cr_assert_eq(stats.remaining, 1);
	cs_session_free(s);
}
