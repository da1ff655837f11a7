/*
 * fuzz_form.c -- libFuzzer target for the urlencoded form/query parser
 * and percent-decoding.
 *
 * The parser must keep every field the input holds (up to the field
 * limit), each name and value NUL-terminated and no longer than its
 * source, and find the first of every name again; cs_url_decode must
 * agree with the parser on what is malformed, and cs_url_encode's output
 * must decode back to its input.
 */
#include "fuzz.h"
#include "csess.h"
#include "http_int.h"

#define MAX_FIELDS	64

static void
check_parse(const char *s, size_t n)
{
	struct cs_form f;
	size_t i, seps = 1;
	int rc;

	for (i = 0; i < n; i++)
		seps += s[i] == '&' || s[i] == ';';
	rc = csi_form_parse(&f, s, n, MAX_FIELDS);
	if (rc != CS_OK) {
		FUZZ_CHECK(rc == CS_ERR_BAD_REQUEST);
		FUZZ_CHECK(f.count == 0 && f.fields == NULL);
		FUZZ_CHECK(seps > MAX_FIELDS);
		return;
	}
	FUZZ_CHECK(f.count <= seps && f.count <= MAX_FIELDS);
	for (i = 0; i < f.count; i++) {
		const struct cs_field *fl = &f.fields[i];
		const struct cs_field *first = csi_form_field(&f, fl->name, 0);

		FUZZ_CHECK(strlen(fl->name) + strlen(fl->value) <= n);
		FUZZ_CHECK(first != NULL && first <= fl);
		FUZZ_CHECK(csi_form_get(&f, fl->name) == first->value);
	}
	csi_form_free(&f);
}

static void
check_codec(const char *s, size_t n)
{
	struct cs_buf dec = { 0 }, enc = { 0 }, back = { 0 };
	int rc;

	rc = cs_url_decode(&dec, s, n);
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_BAD_REQUEST);
	if (rc == CS_OK) {
		FUZZ_CHECK(dec.len <= n);
		FUZZ_CHECK(memchr(dec.data ? dec.data : "", '\0', dec.len) == NULL);
		/* Round trip: encode what was decoded, decode it again. */
		if (cs_buf_putc(&dec, '\0') == CS_OK &&
		    cs_url_encode(&enc, dec.data, "/") == CS_OK) {
			FUZZ_CHECK(cs_url_decode(&back, enc.data ? enc.data : "",
			    enc.len) == CS_OK);
			FUZZ_CHECK(back.len + 1 == dec.len &&
			    memcmp(back.data ? back.data : "", dec.data, back.len) == 0);
		}
	} else
		FUZZ_CHECK(dec.len == 0);
	cs_buf_free(&dec);
	cs_buf_free(&enc);
	cs_buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	s = fuzz_strndup(data + 1, size - 1);
	if (data[0] & 1)
		check_codec(s, size - 1);
	else
		check_parse(s, size - 1);
	free(s);
	return 0;
}
