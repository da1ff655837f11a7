/*
 * fuzz_record.c -- libFuzzer target for session record decoding, from
 * every engine's stored form:
 *  - lmdb: the input is written as the raw value of a sessions record
 *    (what damage or another version may leave in the file), then read
 *    back as a request does (load, session data) and as the operator
 *    commands do (export, verify);
 *  - signed_cookies: the input is the cookie value (the "key"), either as
 *    sent or signed here first, so that decoding sees past the signature.
 * Nothing may crash or leak; a record that loads must carry bounded
 * lengths and, when verify passes it, export must write it.
 */
#include <unistd.h>

#include "fuzz.h"
#include "csess.h"
#include "store_lmdb_int.h"

#define KEY	"fuzzfuzzfuzzfuzzfuzzfuzzfuzz0001"

static struct cs_config cfg;
static struct cs_store *lmdb, *cookies;
static struct cs_signer cookie_signer;
static FILE *sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char store[300], err[256];
	char *env[] = { "CSESS_SECRET_KEY=fuzz-secret-key-fuzz-secret-key-fuzz-secret",
		"CSESS_SESSION_SYNC=none", store, NULL };

	(void)argc;
	(void)argv;
	snprintf(store, sizeof(store), "CSESS_SESSION_STORE=%s/s.mdb",
	    fuzz_tmpdir("record"));
	if (cs_config_load_env(&cfg, env, err, sizeof(err)) ||
	    cs_store_open(&lmdb, &cfg, err, sizeof(err)) ||
	    csi_store_signed_cookies_open(&cookies, &cfg, err, sizeof(err)) ||
	    cs_signer_init(&cookie_signer, &cfg) || cs_crypto_load(true)) {
		fprintf(stderr, "fuzz_record: setup: %s\n", err);
		abort();
	}
	cookie_signer.timestamp = true;
	cookie_signer.salt = "django.contrib.sessions.backends.signed_cookies";
	if ((sink = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

struct raw {
	const void	*data;
	size_t		 len;
};

static int
put_raw(MDB_txn *txn, struct cs_lmdb_env *e, void *arg)
{
	struct raw *r = arg;
	MDB_val k = { CS_SESSION_KEY_LEN, KEY }, v = { r->len, (void *)r->data };

	if (r->data == NULL)
		return csi_lmdb_rc(e, mdb_del(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS),
		    &k, NULL));
	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS), &k,
	    &v, 0));
}

/* A request's view of the record: the session's data and owner. */
static void
read_session(struct cs_store *st, const char *key)
{
	struct cs_session *s;
	json_t *v;

	if (cs_session_new(&s, st, &cfg, key) != CS_OK)
		return;
	(void)cs_session_get(s, "_auth_user_id", &v);
	(void)cs_session_is_empty(s);
	cs_session_free(s);
}

static void
check_lmdb(const uint8_t *d, size_t n)
{
	struct raw r = { d, n };
	struct cs_record rec;
	uint64_t problems = 0;
	int rc;

	if (n > CS_LMDB_DATA_MAX + REC_HDR + CS_LMDB_USER_MAX)
		return;
	FUZZ_CHECK(csi_lmdb_write(lstore_env(lmdb), put_raw, &r) == CS_OK);
	rc = lmdb->ops->load(lmdb, KEY, 0, &rec);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_NOT_FOUND || rc == CS_ERR_STORE);
	if (rc == CS_OK) {
		FUZZ_CHECK(rec.data_len <= CS_LMDB_DATA_MAX);
		FUZZ_CHECK(rec.user == NULL || strlen(rec.user) <= CS_LMDB_USER_MAX);
	}
	cs_record_free(&rec);
	read_session(lmdb, KEY);
	FUZZ_CHECK(cs_lmdb_verify(lmdb, NULL, NULL, &problems) == CS_OK);
	rc = cs_lmdb_export(lmdb, sink);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_STORE || rc == CS_ERR_INVALID);
	r.data = NULL;
	FUZZ_CHECK(csi_lmdb_write(lstore_env(lmdb), put_raw, &r) == CS_OK);
}

static void
check_cookie(const char *value)
{
	struct cs_record rec;
	int rc;

	rc = cookies->ops->load(cookies, value, cs_now(), &rec);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_NOT_FOUND);
	if (rc == CS_OK)
		FUZZ_CHECK(rec.data != NULL && rec.data[0] == '{');
	cs_record_free(&rec);
	read_session(cookies, value);
}

/* The input as the payload of a correctly signed cookie value. */
static void
check_signed_cookie(const char *payload, size_t n)
{
	struct cs_buf tok = { 0 };

	if (csi_sign_at(&cookie_signer, payload, n, cs_now() - 10, &tok) == CS_OK)
		check_cookie(tok.data);
	cs_buf_free(&tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		check_lmdb(data + 1, size - 1);
		return 0;
	}
	s = fuzz_strndup(data + 1, size - 1);
	if (data[0] % 3 == 1)
		check_cookie(s);
	else
		check_signed_cookie(s, strlen(s));
	free(s);
	return 0;
}
