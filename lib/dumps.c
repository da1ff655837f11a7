/*
 * dumps.c -- django.core.signing.dumps / loads: Python-compact JSON,
 * optionally zlib-compressed (kept only when it saves 2 or more bytes, as
 * Django does), base64url without padding, '.' prefixed when compressed,
 * then timestamp-signed.  The '.' is inside the signature, so nobody can
 * make csess inflate data it did not sign; inflation is capped anyway.
 */
#include <string.h>

#include "csess/sign.h"
#include "csess_test.h"

/* The caller's signer as a TimestampSigner with dumps' default salt. */
static void
dumps_signer(struct cs_signer *t, const struct cs_signer *s)
{
	*t = *s;
	t->timestamp = true;
	if (t->salt == NULL || t->salt[0] == '\0')
		t->salt = CS_DUMPS_SALT;
}

int
csi_dumps_at(const struct cs_signer *s, const char *json, size_t len,
    bool compress, int64_t now, struct cs_buf *out)
{
	struct cs_signer t;
	struct cs_buf data = {0}, z = {0}, b64 = {0};
	const struct cs_buf *payload;
	int rc;

	dumps_signer(&t, s);
	if ((rc = cs_pyjson_normalize(&data, json, len)))
		goto done;
	payload = &data;
	if (compress) {
		if ((rc = cs_zlib_compress(&z, data.data, data.len)))
			goto done;
		if (z.len + 1 < data.len)
			payload = &z;
	}
	if (payload == &z && (rc = cs_buf_putc(&b64, '.')))
		goto done;
	if ((rc = cs_b64url_encode(&b64, payload->data, payload->len)))
		goto done;
	rc = csi_sign_at(&t, b64.data, b64.len, now, out);
done:
	cs_buf_free(&data);
	cs_buf_free(&z);
	cs_buf_free(&b64);
	return rc;
}

int
cs_dumps(const struct cs_signer *s, const char *json, size_t len,
    bool compress, struct cs_buf *out)
{
	return csi_dumps_at(s, json, len, compress, cs_now(), out);
}

int
csi_loads_at(const struct cs_signer *s, const char *token, size_t len,
    int64_t max_age, int64_t now, struct cs_buf *out)
{
	struct cs_signer t;
	struct cs_buf b64 = {0}, raw = {0}, data = {0};
	const struct cs_buf *json;
	bool compressed;
	int rc;

	dumps_signer(&t, s);
	if ((rc = csi_unsign_at(&t, token, len, max_age, now, &b64)))
		goto done;
	compressed = b64.len > 0 && b64.data[0] == '.';
	if ((rc = cs_b64url_decode(&raw, b64.data + compressed,
	    b64.len - compressed)))
		goto done;
	json = &raw;
	if (compressed) {
		if ((rc = cs_zlib_decompress(&data, raw.data, raw.len,
		    CS_LOADS_MAX_INFLATE)))
			goto done;
		json = &data;
	}
	rc = cs_pyjson_normalize(out, json->data ? json->data : "", json->len);
done:
	cs_buf_free(&b64);
	cs_buf_free(&raw);
	cs_buf_free(&data);
	return rc;
}

int
cs_loads(const struct cs_signer *s, const char *token, size_t len,
    int64_t max_age, struct cs_buf *out)
{
	return csi_loads_at(s, token, len, max_age, cs_now(), out);
}
