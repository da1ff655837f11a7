/*
 * fuzz_sign.c -- libFuzzer target for Django signing: unsign, loads (base64,
 * zlib, JSON), signed cookies, and the dumps/loads round trip.
 *
 * The first byte picks the target.  Random bytes rarely carry a valid
 * signature, so one target signs the fuzzed payload first and hands the
 * token to loads: decoding, inflating and parsing then see every input.
 * A verified value must never be longer than the bound loads promises,
 * and dumps followed by loads must give back what normalize gave.
 */
#include "fuzz.h"
#include "csess.h"

#define NOW	1700000000

static struct cs_config cfg;
static struct cs_signer ts;	/* TimestampSigner, loads' default salt */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *env[] = { "CSESS_SECRET_KEY=fuzz-secret-key-fuzz-secret-key-fuzz-secret",
		"CSESS_SECRET_KEY_FALLBACKS=old-key-one,old-key-two",
		"CSESS_SIGNING_ACCEPT_SHA1=true", NULL };
	char err[256];

	(void)argc;
	(void)argv;
	if (cs_config_load_env(&cfg, env, err, sizeof(err)) != CS_OK ||
	    cs_signer_init(&ts, &cfg) != CS_OK || cs_crypto_load(true) != CS_OK) {
		fprintf(stderr, "fuzz_sign: setup: %s\n", err);
		abort();
	}
	ts.timestamp = true;
	ts.salt = "django.core.signing";
	return 0;
}

static void
check_unsign(const char *s, size_t n, int64_t max_age)
{
	struct cs_buf out = { 0 };
	int rc;

	rc = csi_unsign_at(&ts, s, n, max_age, NOW, &out);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_BAD_SIGNATURE ||
	    rc == CS_ERR_EXPIRED || rc == CS_ERR_INVALID);
	FUZZ_CHECK(rc != CS_OK || out.len < n);
	cs_buf_free(&out);
}

static void
check_loads(const char *s, size_t n, int64_t max_age)
{
	struct cs_buf out = { 0 };
	int rc;

	rc = csi_loads_at(&ts, s, n, max_age, NOW, &out);
	FUZZ_CHECK(rc != CS_OK || out.len <= 4 * (size_t)CS_LOADS_MAX_INFLATE);
	cs_buf_free(&out);
}

/* The payload as given, signed: loads sees it past the signature. */
static void
check_signed_payload(const char *s, size_t n)
{
	struct cs_buf tok = { 0 };

	if (csi_sign_at(&ts, s, n, NOW - 10, &tok) == CS_OK)
		check_loads(tok.data, tok.len, 3600);
	cs_buf_free(&tok);
}

static void
check_roundtrip(const char *s, size_t n, bool compress)
{
	struct cs_buf norm = { 0 }, tok = { 0 }, back = { 0 };

	if (cs_pyjson_normalize(&norm, s, n) != CS_OK)
		goto out;
	FUZZ_CHECK(csi_dumps_at(&ts, norm.data, norm.len, compress, NOW, &tok) == CS_OK);
	FUZZ_CHECK(csi_loads_at(&ts, tok.data, tok.len, 60, NOW + 1, &back) == CS_OK);
	FUZZ_CHECK(back.len == norm.len && memcmp(back.data, norm.data, norm.len) == 0);
out:
	cs_buf_free(&norm);
	cs_buf_free(&tok);
	cs_buf_free(&back);
}

/* A Cookie header; the signed cookie "c" under salt "s", both salt forms. */
static void
check_signed_cookie(const char *s, size_t n)
{
	struct cs_cookies jar;
	struct cs_buf out = { 0 };
	int rc;

	if (cs_cookies_parse(&jar, s, n, NULL) != CS_OK)
		return;
	rc = csi_get_signed_cookie_at(&out, &cfg, &jar, "c", "s", 100, NOW);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_NOT_FOUND ||
	    rc == CS_ERR_BAD_SIGNATURE || rc == CS_ERR_EXPIRED);
	cs_buf_free(&out);
	cs_cookies_free(&jar);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	s = fuzz_strndup(data + 1, n);
	switch (data[0] % 6) {
	case 0: check_unsign(s, n, data[0] & 0x80 ? -1 : 100); break;
	case 1: check_loads(s, n, data[0] & 0x80 ? -1 : 100); break;
	case 2: check_signed_payload(s, n); break;
	case 3: check_roundtrip(s, n, data[0] & 0x80); break;
	case 4: check_signed_cookie(s, n); break;
	default: check_signed_payload(s, n); break;
	}
	free(s);
	return 0;
}
