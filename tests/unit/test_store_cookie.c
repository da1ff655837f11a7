/*
 * test_store_cookie.c -- the signed_cookies engine, against Django 3.2's
 * SessionStore (SECRET_KEY='s3cr3t', time 1700000000).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"
#include "engines.h"
#include "csess_test.h"

#define T	1700000000
#define A1	"eyJhIjoxfQ:1r31eq:905b6WpZHJ2u6tY9DA5PXMA2CYOBt-xPMDFAjqD2BUo"

static struct cs_config cfg;
static struct cs_store *st;

static void
setup(void)
{
	char err[256];
	char *env[] = { "CSESS_SECRET_KEY=s3cr3t",
	    "CSESS_SESSION_ENGINE=signed_cookies", NULL };

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_eq(csi_store_signed_cookies_open(&st, &cfg, err, sizeof(err)), CS_OK, "%s", err);
	csi_clock_fix(T);
}

static void
teardown(void)
{
	csi_clock_fix(-1);
	st->ops->close(st);
	cs_config_free(&cfg);
}

/* cs_record_free lives in the store module; this engine only sets data. */
static void
record_free(struct cs_record *r)
{
	free(r->data);
	free(r->user);
}

TestSuite(store_cookie, .init = setup, .fini = teardown);

static char *
save(const char *json, int *rc)
{
	struct cs_record rec = { .data = (char *)json, .data_len = strlen(json) };
	char *key = strdup("old");

	*rc = st->ops->save(st, &key, &rec, CS_SAVE_CREATE);
	return key;
}

Test(store_cookie, save_writes_djangos_cookie_value)
{
	int rc;
	char *key = save("{\"a\": 1}", &rc);

	cr_assert_eq(rc, CS_OK);
	cr_expect_str_eq(key, A1);
	free(key);
}

Test(store_cookie, load_reads_djangos_cookie_value)
{
	struct cs_record r;

	cr_assert_eq(st->ops->load(st, A1, T, &r), CS_OK);
	cr_expect_str_eq(r.data, "{\"a\":1}");
	cr_expect_eq(r.data_len, 7);
	cr_expect_eq(r.expire, T + 1209600);
	cr_expect_neq(r.version, 0);
	record_free(&r);
}

Test(store_cookie, round_trips_large_compressible_session)
{
	struct cs_buf json = {0};
	struct cs_record r;
	int i, rc;
	char *key;

	cs_buf_puts(&json, "{");
	for (i = 0; i < 200; i++)
		cs_buf_printf(&json, "%s\"k%d\":\"\xc3\xa9t\xc3\xa9 %d\"", i ? "," : "", i, i);
	cs_buf_puts(&json, "}");
	key = save(json.data, &rc);
	cr_assert_eq(rc, CS_OK);
	cr_expect_eq(key[0], '.');
	cr_assert_eq(st->ops->load(st, key, T + 5, &r), CS_OK);
	cr_expect_eq(strncmp(r.data, "{\"k0\":\"\\u00e9t\\u00e9 0\",", 24), 0, "%s", r.data);
	record_free(&r);
	free(key);
	cs_buf_free(&json);
}

Test(store_cookie, tampered_expired_and_junk_are_not_found)
{
	struct cs_record r;
	const char *junk[] = {
		"", "x", "eyJhIjoxfQ:1r31eq:905b6WpZHJ2u6tY9DA5PXMA2CYOBt-xPMDFAjqD2BUO",
		"eyJhIjoyfQ:1r31eq:905b6WpZHJ2u6tY9DA5PXMA2CYOBt-xPMDFAjqD2BUo",
		"abcdefghijklmnopqrstuvwxyz012345",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		cr_expect_eq(st->ops->load(st, junk[i], T, &r), CS_ERR_NOT_FOUND,
		    "%s", junk[i]);
	cr_expect_eq(st->ops->load(st, A1, T + 1209600, &r), CS_OK);
	record_free(&r);
	cr_expect_eq(st->ops->load(st, A1, T + 1209601, &r), CS_ERR_NOT_FOUND);
}

Test(store_cookie, non_object_payload_is_not_a_session)
{
	struct cs_signer s = { .key = "s3cr3t",
	    .salt = "django.contrib.sessions.backends.signed_cookies" };
	struct cs_buf tok = {0};
	struct cs_record r;

	cr_assert_eq(csi_dumps_at(&s, "[1]", 3, true, T, &tok), CS_OK);
	cr_expect_eq(st->ops->load(st, tok.data, T, &r), CS_ERR_NOT_FOUND);
	cs_buf_free(&tok);
}

Test(store_cookie, oversized_session_is_an_error_not_a_dropped_cookie)
{
	struct cs_buf json = {0};
	unsigned char rnd[4000];
	int rc;
	char *key;

	cs_random_bytes(rnd, sizeof(rnd));
	cs_buf_puts(&json, "{\"blob\":\"");
	cs_b64url_encode(&json, rnd, sizeof(rnd));
	cs_buf_puts(&json, "\"}");
	key = save(json.data, &rc);
	cr_expect_eq(rc, CS_ERR_TOO_LARGE);
	cr_expect_str_eq(key, "old", "the key is left alone on failure");
	free(key);
	cs_buf_free(&json);
}

Test(store_cookie, exists_never_and_delete_touch_sweep_are_noops)
{
	struct cs_sweep_stats stats = { .removed = 7 };

	cr_expect_eq(st->ops->exists(st, A1), CS_ERR_NOT_FOUND);
	cr_expect_eq(st->ops->del(st, A1), CS_OK);
	cr_expect_eq(st->ops->touch(st, A1, T + 10, 1), CS_OK);
	cr_expect_eq(st->ops->clear_expired(st, T, 100, false, &stats), CS_OK);
	cr_expect_eq(stats.removed, 0);
	cr_expect_str_eq(st->ops->name, "signed_cookies");
}

Test(store_cookie, bad_json_is_refused_on_save)
{
	int rc;
	char *key = save("{not json", &rc);

	cr_expect_eq(rc, CS_ERR_INVALID);
	free(key);
}

Test(store_cookie_open, needs_secret_key)
{
	struct cs_config none;
	struct cs_store *s = NULL;
	char err[256] = "";
	char *env[] = { NULL };

	cr_assert_eq(cs_config_load_env(&none, env, err, sizeof(err)), CS_OK);
	cr_expect_eq(csi_store_signed_cookies_open(&s, &none, err, sizeof(err)), CS_ERR_CONFIG);
	cr_expect_null(s);
	cr_expect_not_null(strstr(err, "SECRET_KEY"));
	cs_config_free(&none);
}

Test(store_cookie_open, chosen_by_session_engine_setting)
{
	struct cs_config c;
	struct cs_store *s = NULL;
	struct cs_record r;
	char err[256] = "";
	char *env[] = { "CSESS_SECRET_KEY=s3cr3t",
	    "CSESS_SESSION_ENGINE=signed_cookies", NULL };

	cr_assert_eq(cs_config_load_env(&c, env, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_eq(cs_store_open(&s, &c, err, sizeof(err)), CS_OK, "%s", err);
	cr_expect_str_eq(s->ops->name, "signed_cookies");
	cr_expect_eq(s->ops->load(s, A1, T, &r), CS_OK);
	record_free(&r);
	cs_store_close(s);
	cs_config_free(&c);
}

/*
 * The per-process store outlives a configuration freed and loaded again
 * in the same struct (session_process.c keeps it when engine and path are
 * unchanged): the engine must sign with the SECRET_KEY now in cfg, not
 * with a pointer into the freed one.
 */
Test(store_cookie, follows_a_config_reloaded_in_place)
{
	char err[256], *key;
	char *env[] = { "CSESS_SECRET_KEY=an0ther-s3cr3t-that-is-longer",
	    "CSESS_SESSION_ENGINE=signed_cookies", NULL };
	struct cs_signer sg;
	struct cs_buf want = {0};
	int rc;

	cs_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_eq(cs_signer_init(&sg, &cfg), CS_OK);
	sg.salt = "django.contrib.sessions.backends.signed_cookies";
	sg.timestamp = true;
	cr_assert_eq(cs_dumps(&sg, "{\"a\": 1}", 8, true, &want), CS_OK);
	key = save("{\"a\": 1}", &rc);
	cr_assert_eq(rc, CS_OK);
	cr_expect_str_eq(key, want.data);
	free(key);
	cs_buf_free(&want);
}
