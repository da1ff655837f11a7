/*
 * test_session_expiry.c -- Django's expiry policy (django-compat §4:
 * set_expiry, get_expiry_age, get_expiry_date, get_expire_at_browser_close,
 * "_session_expiry" as an int or an ISO-8601 string) and the lazy touch
 * that moves an unchanged session's expiry at most once per
 * SESSION_TOUCH_INTERVAL.  Engine: the in-memory test double.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "session_impl.h"
#include "helper_memstore.h"
#include "csess_test.h"

#define T	1700000000	/* Tue, 14 Nov 2023 22:13:20 GMT */
#define AGE	1209600

static struct cs_config cfg;
static struct cs_store *st;

static void
load_cfg(char **envp)
{
	char err[256];

	cs_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(cs_config_load_env(&cfg, envp, err, sizeof(err)), CS_OK,
	    "%s", err);
}

static void
setup(void)
{
	char *envp[] = { NULL };

	memset(&cfg, 0, sizeof(cfg));
	load_cfg(envp);
	csi_clock_fix(T);
	st = memstore_new(&cfg);
}

static void
teardown(void)
{
	st->ops->close(st);
	cs_config_free(&cfg);
	csi_clock_fix(-1);
}

TestSuite(expiry, .init = setup, .fini = teardown);

static struct cs_session *
open_session(const char *key)
{
	struct cs_session *s;

	cr_assert_eq(cs_session_new(&s, st, &cfg, key), CS_OK);
	return s;
}

static struct cs_session *
with_expiry(const char *json_value)
{
	static char key[CS_SESSION_KEY_LEN + 1];
	char json[200];

	cs_session_key_new(key);
	snprintf(json, sizeof(json), "{\"_session_expiry\":%s}", json_value);
	cr_assert_eq(memstore_put(st, key, json, T + 100000, NULL), CS_OK);
	return open_session(key);
}

Test(expiry, unset_uses_the_cookie_age)
{
	struct cs_session *s = open_session(NULL);

	cr_assert_eq(cs_session_get_expiry_age(s), AGE);
	cr_assert_eq(cs_session_get_expiry_date(s), T + AGE);
	cr_assert_not(cs_session_get_expire_at_browser_close(s));
	cr_assert(cs_session_accessed(s));
	cr_assert_not(cs_session_modified(s));
	cs_session_free(s);
}

Test(expiry, set_expiry_seconds_is_stored_as_an_int)
{
	struct cs_session *s = open_session(NULL);
	json_t *v;

	cr_assert_eq(cs_session_set_expiry(s, 300), CS_OK);
	cr_assert(cs_session_modified(s));
	cr_assert_eq(cs_session_get(s, "_session_expiry", &v), CS_OK);
	cr_assert(json_is_integer(v));
	cr_assert_eq(json_integer_value(v), 300);
	cr_assert_eq(cs_session_get_expiry_age(s), 300);
	cr_assert_eq(cs_session_get_expiry_date(s), T + 300);
	cr_assert_not(cs_session_get_expire_at_browser_close(s));
	cs_session_free(s);
}

Test(expiry, set_expiry_zero_means_browser_close_with_cookie_age_on_server)
{
	struct cs_session *s = open_session(NULL);

	cs_session_set_expiry(s, 0);
	cr_assert_eq(cs_session_get_expiry_age(s), AGE);
	cr_assert_eq(cs_session_get_expiry_date(s), T + AGE);
	cr_assert(cs_session_get_expire_at_browser_close(s));
	cs_session_free(s);
}

Test(expiry, negative_seconds_are_returned_as_is)
{
	struct cs_session *s = open_session(NULL);

	cs_session_set_expiry(s, -5);
	cr_assert_eq(cs_session_get_expiry_age(s), -5);
	cr_assert_eq(cs_session_get_expiry_date(s), T - 5);
	cs_session_free(s);
}

/* An int expiry near INT64_MAX (an application's bug, or data from
 * elsewhere): the date saturates instead of wrapping into the past. */
Test(expiry, huge_seconds_saturate_the_date)
{
	struct cs_session *s = with_expiry("9223372036854775807");

	cr_assert_eq(cs_session_get_expiry_age(s), INT64_MAX);
	cr_assert_eq(cs_session_get_expiry_date(s), INT64_MAX);
	cs_session_free(s);
}

Test(expiry, absolute_time_is_stored_as_iso_8601_utc)
{
	struct cs_session *s = open_session(NULL);
	const char *iso;

	cr_assert_eq(cs_session_set_expiry_at(s, T + 90), CS_OK);
	cr_assert_eq(cs_session_get_string(s, "_session_expiry", &iso), CS_OK);
	cr_assert_str_eq(iso, "2023-11-14T22:14:50+00:00");
	cr_assert_eq(cs_session_get_expiry_age(s), 90);
	cr_assert_eq(cs_session_get_expiry_date(s), T + 90);
	cr_assert_not(cs_session_get_expire_at_browser_close(s));
	cs_session_set_expiry_at(s, T - 10);
	cr_assert_eq(cs_session_get_expiry_age(s), -10);
	cs_session_free(s);
}

Test(expiry, reads_what_django_writes)
{
	static const struct {
		const char *stored;
		int64_t age;
	} cases[] = {
		{ "300", 300 },					/* 3.2 int */
		{ "\"2023-11-14T22:14:50+00:00\"", 90 },	/* 4.2 isoformat */
		{ "\"2023-11-14T22:14:50.500000+00:00\"", 90 },	/* 90.5 floors */
		{ "\"2023-11-14T22:14:49.999999+00:00\"", 89 },
		{ "\"2023-11-14T23:14:50+01:00\"", 90 },	/* offset */
		{ "\"2023-11-14T17:14:50-05:00\"", 90 },
		{ "\"2023-11-14T22:14:50Z\"", 90 },
		{ "\"2023-11-14T22:14:50\"", 90 },		/* naive: UTC */
		{ "\"2023-11-14 22:14:50+00:00\"", 90 },
		{ "\"2023-11-14T22:13:10+00:00\"", -10 },	/* past */
		{ "\"2023-11-15\"", 6400 },
		{ "300.7", 300 },
		{ "null", AGE },
		{ "0", AGE },
		{ "\"tomorrow\"", AGE },			/* not Django's */
		{ "\"2023-02-29T00:00:00\"", AGE },		/* no such day */
		{ "\"2023-11-14T24:00:00\"", AGE },
		{ "[1]", AGE },
	};
	struct cs_session *s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = with_expiry(cases[i].stored);
		cr_assert_eq(cs_session_get_expiry_age(s), cases[i].age,
		    "%s: %lld", cases[i].stored,
		    (long long)cs_session_get_expiry_age(s));
		cs_session_free(s);
	}
}

Test(expiry, browser_close_follows_the_setting_only_when_unset)
{
	char *envp[] = { "CSESS_SESSION_EXPIRE_AT_BROWSER_CLOSE=true", NULL };
	struct cs_session *s;

	load_cfg(envp);
	s = open_session(NULL);
	cr_assert(cs_session_get_expire_at_browser_close(s));
	cs_session_set_expiry(s, 60);
	cr_assert_not(cs_session_get_expire_at_browser_close(s));
	cs_session_set_expiry(s, 0);
	cr_assert(cs_session_get_expire_at_browser_close(s));
	cs_session_unset_expiry(s);
	cr_assert(cs_session_get_expire_at_browser_close(s));
	cs_session_free(s);

	s = with_expiry("null");
	cr_assert(cs_session_get_expire_at_browser_close(s), "None: setting");
	cs_session_free(s);
	s = with_expiry("false");
	cr_assert(cs_session_get_expire_at_browser_close(s), "False == 0");
	cs_session_free(s);
}

Test(expiry, unset_expiry_modifies_only_when_one_was_set)
{
	struct cs_session *s = with_expiry("60");

	cr_assert_eq(cs_session_unset_expiry(s), CS_OK);
	cr_assert(cs_session_modified(s));
	cr_assert_eq(cs_session_get_expiry_age(s), AGE);
	cs_session_free(s);
	s = open_session(NULL);
	cr_assert_eq(cs_session_unset_expiry(s), CS_OK);
	cr_assert_not(cs_session_modified(s));
	cs_session_free(s);
}

Test(expiry, custom_cookie_age_is_the_default)
{
	char *envp[] = { "CSESS_SESSION_COOKIE_AGE=3600", NULL };
	struct cs_session *s;

	load_cfg(envp);
	s = open_session(NULL);
	cr_assert_eq(cs_session_get_expiry_age(s), 3600);
	cs_session_free(s);
}

Test(expiry, the_store_gets_the_expiry_date_at_save)
{
	struct cs_session *s = open_session(NULL);
	int64_t expire;

	cs_session_set_expiry(s, 300);
	cs_session_save(s);
	memstore_peek(st, cs_session_key(s), NULL, &expire, NULL, NULL);
	cr_assert_eq(expire, T + 300);
	cs_session_set_expiry_at(s, T + 5000);
	cs_session_save(s);
	memstore_peek(st, cs_session_key(s), NULL, &expire, NULL, NULL);
	cr_assert_eq(expire, T + 5000);
	cs_session_set_expiry(s, 0);		/* browser close: cookie age */
	cs_session_save(s);
	memstore_peek(st, cs_session_key(s), NULL, &expire, NULL, NULL);
	cr_assert_eq(expire, T + AGE);
	cs_session_free(s);
}

Test(expiry, a_record_past_its_custom_expiry_is_gone)
{
	struct cs_session *s = open_session(NULL);
	char key[33];

	cs_session_set_expiry(s, 60);
	cs_session_set_int(s, "n", 1);
	cs_session_save(s);
	strcpy(key, cs_session_key(s));
	cs_session_free(s);
	csi_clock_fix(T + 61);
	s = open_session(key);
	cr_assert_not(cs_session_contains(s, "n"));
	cr_assert_null(cs_session_key(s));
	cs_session_free(s);
}

Test(expiry, iso_8601_round_trips)
{
	char buf[40];
	int64_t t;

	cr_assert_eq(csi_iso8601_format(buf, sizeof(buf), 0), CS_OK);
	cr_assert_str_eq(buf, "1970-01-01T00:00:00+00:00");
	cr_assert_eq(csi_iso8601_format(buf, sizeof(buf), 951782400), CS_OK);
	cr_assert_str_eq(buf, "2000-02-29T00:00:00+00:00");
	cr_assert_eq(csi_iso8601_parse(buf, &t), CS_OK);
	cr_assert_eq(t, 951782400);
	cr_assert_eq(csi_iso8601_parse("1969-12-31T23:59:59.5+00:00", &t), CS_OK);
	cr_assert_eq(t, -1, "floored, not truncated");
	cr_assert_eq(csi_iso8601_parse("2023-11-14T22:13:20+00:00x", &t),
	    CS_ERR_INVALID);
	cr_assert_eq(csi_iso8601_parse("2023-11-14T22:13:20+0", &t),
	    CS_ERR_INVALID);
	cr_assert_eq(csi_iso8601_format(buf, 10, T), CS_ERR_INVALID);
}

/* ---- lazy touch (save-every-request, unchanged session) --------------- */

/* One request that only reads the session, as the middleware persists it. */
static int
request_reading(const char *key, bool every)
{
	struct cs_session *s = open_session(key);
	int rc;

	cs_session_contains(s, "n");
	rc = csi_session_persist(s, every);
	cs_session_free(s);
	return rc;
}

static char *
stored_session(void)
{
	static char key[33];
	struct cs_session *s = open_session(NULL);

	cs_session_set_int(s, "n", 1);
	cr_assert_eq(cs_session_save(s), CS_OK);
	strcpy(key, cs_session_key(s));
	cs_session_free(s);
	return key;
}

Test(expiry, unchanged_session_is_not_written_within_the_touch_interval)
{
	char *key = stored_session();
	unsigned before = memstore_writes(st);
	int64_t expire;

	csi_clock_fix(T + 60);		/* moved by exactly the interval */
	cr_assert_eq(request_reading(key, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before);
	csi_clock_fix(T + 61);
	cr_assert_eq(request_reading(key, true), CS_OK);
	cr_assert_eq(memstore_stats(st)->touches, 1);
	cr_assert_eq(memstore_writes(st), before + 1);
	memstore_peek(st, key, NULL, &expire, NULL, NULL);
	cr_assert_eq(expire, T + 61 + AGE);
}

Test(expiry, store_is_written_at_most_once_per_interval)
{
	char *key = stored_session();
	unsigned before = memstore_writes(st);
	int64_t t;

	/* a request every 7 s for 10 minutes */
	for (t = T; t <= T + 600; t += 7) {
		csi_clock_fix(t);
		cr_assert_eq(request_reading(key, true), CS_OK);
	}
	cr_assert_leq(memstore_writes(st) - before, 600 / 60);
	cr_assert_geq(memstore_writes(st) - before, 600 / 60 - 1);
	cr_assert_eq(memstore_stats(st)->updates, 0, "touch, not rewrite");
}

Test(expiry, without_save_every_request_a_read_never_writes)
{
	char *key = stored_session();
	unsigned before = memstore_writes(st);

	csi_clock_fix(T + 100000);
	cr_assert_eq(request_reading(key, false), CS_OK);
	cr_assert_eq(memstore_writes(st), before);
}

Test(expiry, touch_interval_zero_touches_whenever_the_expiry_moved)
{
	char *envp[] = { "CSESS_SESSION_TOUCH_INTERVAL=0", NULL };
	char *key;
	unsigned before;

	load_cfg(envp);
	key = stored_session();
	before = memstore_writes(st);
	cr_assert_eq(request_reading(key, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before, "same second: not moved");
	csi_clock_fix(T + 1);
	cr_assert_eq(request_reading(key, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before + 1);
}

Test(expiry, absolute_expiry_is_never_touched)
{
	struct cs_session *s = open_session(NULL);
	char key[33];
	unsigned before;

	cs_session_set_expiry_at(s, T + 5000);
	cs_session_save(s);
	strcpy(key, cs_session_key(s));
	cs_session_free(s);
	before = memstore_writes(st);
	csi_clock_fix(T + 4000);
	cr_assert_eq(request_reading(key, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before);
}

Test(expiry, touch_of_a_vanished_record_is_refused)
{
	char *key = stored_session();
	struct cs_session *s = open_session(key);

	cs_session_load(s);
	memstore_put(st, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "{}", T + 10, NULL);
	st->ops->del(st, key);			/* logout elsewhere */
	csi_clock_fix(T + 120);
	cr_assert_eq(csi_session_persist(s, true), CS_ERR_CONFLICT);
	cr_assert(cs_session_interrupted(s));
	cr_assert_eq(memstore_peek(st, key, NULL, NULL, NULL, NULL),
	    CS_ERR_NOT_FOUND);
	cs_session_free(s);
}

Test(expiry, modified_session_is_written_once_even_with_save_every_request)
{
	struct cs_session *s = open_session(stored_session());
	unsigned before = memstore_writes(st);

	cs_session_set_int(s, "n", 2);
	cr_assert_eq(csi_session_persist(s, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before + 1);
	cr_assert_eq(memstore_stats(st)->updates, 1);
	cs_session_free(s);
}

Test(expiry, cycle_key_then_persist_does_not_write_twice)
{
	struct cs_session *s = open_session(stored_session());
	unsigned before = memstore_writes(st);

	cs_session_cycle_key(s);		/* create + delete old */
	cr_assert_eq(memstore_writes(st), before + 2);
	cr_assert_eq(csi_session_persist(s, true), CS_OK);
	cr_assert_eq(memstore_writes(st), before + 2);
	cs_session_free(s);
}
