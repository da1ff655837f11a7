/*
 * test_store_caps.c -- what engines declare about themselves (csess/store.h
 * capabilities) agrees with the operations they provide, and callers that
 * need a capability get CS_ERR_UNSUPPORTED from an engine without it.
 */
#include "store_fixture.h"
#include "helper_memstore.h"

static void
signed_store(struct cs_config *cfg, struct cs_store **st)
{
	char *env[] = { "CSESS_SECRET_KEY=s3cr3t",
	    "CSESS_SESSION_ENGINE=signed_cookies", NULL };
	char err[256];

	cr_assert_eq(cs_config_load_env(cfg, env, err, sizeof(err)), CS_OK,
	    "%s", err);
	cr_assert_eq(cs_store_open(st, cfg, err, sizeof(err)), CS_OK, "%s", err);
}

static bool
has(const struct cs_store_ops *o, unsigned cap)
{
	return (o->caps & cap) != 0;
}

/* The rules of csess/store.h, for any engine. */
static void
assert_coherent(const struct cs_store_ops *o)
{
	cr_assert_not_null(o->name);
	cr_assert(o->load && o->save && o->del && o->exists && o->close,
	    "%s: a required operation is missing", o->name);
	cr_assert(o->clear_expired != NULL ||
	    has(o, CS_STORE_SELF_EXPIRE | CS_STORE_STATELESS),
	    "%s: no sweep, yet records do not expire by themselves", o->name);
	cr_assert_eq(has(o, CS_STORE_ENUMERATE),
	    o->foreach != NULL && o->export_jsonl != NULL,
	    "%s: ENUMERATE and foreach/export disagree", o->name);
	cr_assert_eq(has(o, CS_STORE_USER_INDEX),
	    o->foreach_user != NULL && o->revoke_user != NULL,
	    "%s: USER_INDEX and foreach_user/revoke_user disagree", o->name);
	cr_assert_eq(o->caps & ~(CS_STORE_STATELESS | CS_STORE_ENUMERATE |
	    CS_STORE_USER_INDEX | CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC), 0u,
	    "%s: unknown capability bits", o->name);
	if (has(o, CS_STORE_STATELESS)) {
		cr_assert_not(has(o, CS_STORE_ENUMERATE | CS_STORE_USER_INDEX |
		    CS_STORE_ATOMIC | CS_STORE_SELF_EXPIRE),
		    "%s: a stateless engine keeps nothing to list, index, "
		    "guard or expire", o->name);
		cr_assert_not_null(o->key_valid,
		    "%s: keys derived from data are not Django's shape",
		    o->name);
	}
}

Test(store_caps, lmdb_declares_what_it_keeps_and_its_operations_agree)
{
	struct fx f;

	fx_open(&f);
	assert_coherent(f.st->ops);
	cr_assert_eq(cs_store_caps(f.st),
	    CS_STORE_ENUMERATE | CS_STORE_USER_INDEX | CS_STORE_ATOMIC);
	cr_assert_eq(cs_store_engine(&f.cfg), f.st->ops,
	    "the engine is known before it is opened");
	cr_assert_str_eq(cs_store_name(f.st), "lmdb");
	fx_close(&f);
}

Test(store_caps, signed_cookies_is_stateless_and_nothing_else)
{
	struct cs_config cfg;
	struct cs_store *st;

	signed_store(&cfg, &st);
	assert_coherent(st->ops);
	cr_assert_eq(cs_store_caps(st), CS_STORE_STATELESS);
	cr_assert_eq(cs_store_engine(&cfg), st->ops);
	cs_store_close(st);
	cs_config_free(&cfg);
}

Test(store_caps, the_memstore_double_keeps_the_same_rules)
{
	struct cs_config cfg;
	struct cs_store *st;
	char *env[] = { NULL };
	char err[256];

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_OK);
	cr_assert_not_null(st = memstore_new(&cfg));
	assert_coherent(st->ops);
	cr_assert(cs_store_has(st, CS_STORE_ATOMIC));
	cr_assert_not(cs_store_has(st, CS_STORE_ENUMERATE));
	cs_store_close(st);
	cs_config_free(&cfg);
}

Test(store_caps, an_engine_without_a_user_index_cannot_revoke_or_list)
{
	struct cs_record r;
	struct cs_config cfg;
	struct cs_store *st;
	uint64_t n = 99;
	size_t bad = 99;
	char err[64] = "x";

	signed_store(&cfg, &st);
	cr_assert_eq(cs_store_revoke_user(st, "alice", &n), CS_ERR_UNSUPPORTED);
	cr_assert_eq(n, 0);
	cr_assert_eq(cs_store_foreach(st, NULL, NULL), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_foreach_user(st, "alice", NULL, NULL),
	    CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_export(st, stdout), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_import(st, stdin, &n, &bad, err, sizeof(err)),
	    CS_ERR_UNSUPPORTED);
	cr_assert(n == 0 && bad == 0 && err[0] == '\0');
	cr_assert_eq(cs_store_get(st, "k", &r), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_delete(st, "k"), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_stats(st, 0, NULL, NULL), CS_ERR_UNSUPPORTED);
	cr_assert_eq(cs_store_verify(st, NULL, NULL, &n), CS_ERR_UNSUPPORTED);
	cr_assert_str_eq(cs_store_error(st), "");
	cr_assert_str_neq(cs_strerror(CS_ERR_UNSUPPORTED), "unknown error");
	cs_store_close(st);
	cs_config_free(&cfg);
}

Test(store_caps, clear_expired_on_an_engine_that_keeps_nothing_removes_nothing)
{
	struct cs_sweep_stats s = { 5, 5, 5, 5.0 };
	struct cs_config cfg;
	struct cs_store *st;

	signed_store(&cfg, &st);
	cr_assert_eq(cs_store_clear_expired(st, 0, 0, false, &s), CS_OK);
	cr_assert_eq(s.removed, 0);
	cr_assert_eq(s.remaining, 0);
	cs_store_close(st);
	cs_config_free(&cfg);
}

Test(store_caps, each_engine_accepts_only_its_own_key_shape)
{
	static const char django[] = "abcdefghijklmnopqrstuvwxyz012345";
	static const char token[] = "eyJhIjoxfQ:1tYk2N:Xy-_Zz";
	struct cs_config cfg;
	struct cs_store *st;
	struct fx f;

	signed_store(&cfg, &st);
	cr_assert(cs_store_key_ok(st->ops, token));
	cr_assert_not(cs_store_key_ok(st->ops, "short"));
	cr_assert_not(cs_store_key_ok(st->ops, "has space:in:it"));
	cr_assert_not(cs_store_key_ok(st->ops, NULL));
	cs_store_close(st);
	cs_config_free(&cfg);

	fx_open(&f);
	cr_assert(cs_store_key_ok(f.st->ops, django));
	cr_assert_not(cs_store_key_ok(f.st->ops, token));
	cr_assert(cs_store_key_ok(NULL, django), "no engine: Django's shape");
	fx_close(&f);
}

Test(store_caps, the_process_store_set_by_the_embedder_is_the_one_asked)
{
	struct cs_store *st, *got;
	struct fx f;

	fx_open(&f);
	cr_assert_eq(cs_store_for_process_ops(&f.cfg), f.st->ops);
	cr_assert_not_null(st = memstore_new(&f.cfg));
	cs_store_for_process_set(st);
	cr_assert_eq(cs_store_for_process_ops(&f.cfg), st->ops);
	cr_assert_eq(cs_store_for_process(&f.cfg, &got, NULL, 0), CS_OK);
	cr_assert_eq(got, st);
	cr_assert_eq(cs_session_store(&f.cfg, &got, NULL, 0), CS_OK);
	cr_assert_eq(got, st, "the session API's name gives the same store");
	cs_store_for_process_set(NULL);
	cs_store_close(st);
	fx_close(&f);
}

Test(store_caps, file_cache_and_cached_db_declare_what_they_keep)
{
	static const struct { const char *env; unsigned caps; } want[] = {
		{ "CSESS_SESSION_ENGINE=file", CS_STORE_ENUMERATE },
		{ "CSESS_SESSION_ENGINE=cache",
		    CS_STORE_SELF_EXPIRE | CS_STORE_ATOMIC },
		{ "CSESS_SESSION_ENGINE=cached_db", CS_STORE_ENUMERATE |
		    CS_STORE_USER_INDEX | CS_STORE_ATOMIC },
	};
	const struct cs_store_ops *o;
	struct cs_config cfg;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *env[] = { (char *)want[i].env, NULL };

		cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)),
		    CS_OK, "%s", err);
		cr_assert_not_null(o = cs_store_engine(&cfg), "%s", want[i].env);
		assert_coherent(o);
		cr_assert_eq(o->caps, want[i].caps, "%s", o->name);
		cs_config_free(&cfg);
	}
}
