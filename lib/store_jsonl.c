/*
 * store_jsonl.c -- export and import as JSON lines for engines that walk
 * their sessions with foreach and write them one at a time (see
 * store_jsonl.h).  The line format and its checks are the lmdb engine's
 * (csess/lmdb.h, cs_lmdb_import), so a dump moves between engines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csess/lmdb.h"
#include "store_jsonl.h"

static void
json_put_string(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ch;
	size_t i;

	putc('"', f);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			putc('\\', f);
			putc(ch, f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
		} else
			putc(ch, f);
	}
	putc('"', f);
}

int
csi_jsonl_export_one(void *arg, const struct cs_store_session *sv)
{
	FILE *f = arg;

	fprintf(f, "{\"key\":\"%s\",\"expire\":%lld", sv->key,
	    (long long)sv->expire);
	if (sv->user) {
		fputs(",\"user\":", f);
		json_put_string(f, sv->user, strlen(sv->user));
	}
	fputs(",\"data\":", f);
	/* The data is stored as JSON object text; written as is. */
	if (sv->data_len)
		fwrite(sv->data, 1, sv->data_len, f);
	else
		fputs("{}", f);
	fputs("}\n", f);
	return ferror(f) ? CS_ERR_IO : 0;
}

int
csi_jsonl_export(struct cs_store *st, FILE *f)
{
	int rc;

	if ((rc = cs_store_foreach(st, csi_jsonl_export_one, f)))
		return rc;
	return fflush(f) == 0 ? CS_OK : CS_ERR_IO;
}

static void
rec_free(struct cs_jsonl_rec *r)
{
	free(r->user);
	free(r->data);
}

static int
bad(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return CS_ERR_INVALID;
}

/* Check one line and fill out (the caller frees it on CS_OK). */
static int
parse_line(const char *line, size_t len, struct cs_jsonl_rec *out,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *jk, *jx, *ju, *jd;
	int rc = CS_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return CS_ERR_INVALID;
	}
	jk = json_object_get(o, "key");
	jx = json_object_get(o, "expire");
	ju = json_object_get(o, "user");
	jd = json_object_get(o, "data");
	if (!json_is_object(o))
		rc = bad(err, errlen, "not a JSON object");
	else if (jk && !json_is_null(jk) && (!json_is_string(jk) ||
	    !cs_session_key_valid(json_string_value(jk))))
		rc = bad(err, errlen, "\"key\" is not a session key "
		    "(32 characters a-z0-9)");
	else if (!json_is_integer(jx) || json_integer_value(jx) < 0)
		rc = bad(err, errlen, "\"expire\" must be a non-negative "
		    "integer (epoch seconds)");
	else if (ju && !json_is_null(ju) && (!json_is_string(ju) ||
	    json_string_length(ju) == 0 ||
	    json_string_length(ju) > CS_LMDB_USER_MAX ||
	    strlen(json_string_value(ju)) != json_string_length(ju)))
		rc = bad(err, errlen, "\"user\" must be a non-empty string "
		    "of at most 255 bytes");
	else if (!json_is_object(jd))
		rc = bad(err, errlen, "\"data\" must be a JSON object");
	else
		rc = CS_OK;
	if (rc)
		goto out;
	out->expire = (int64_t)json_integer_value(jx);
	if (jk && json_is_string(jk))
		memcpy(out->key, json_string_value(jk), CS_SESSION_KEY_LEN + 1);
	else if ((rc = cs_session_key_new(out->key)))
		goto out;
	rc = CS_ERR_NOMEM;
	if (json_is_string(ju) &&
	    (out->user = strdup(json_string_value(ju))) == NULL)
		goto out;
	if ((out->data = json_dumps(jd, JSON_COMPACT)) == NULL)
		goto out;
	out->datalen = strlen(out->data);
	rc = CS_OK;
	if (out->datalen > CS_JSONL_DATA_MAX)
		rc = bad(err, errlen, "\"data\" is over 1 MiB");
out:
	json_decref(o);
	if (rc)
		rec_free(out);
	return rc;
}

static void
recs_free(struct cs_jsonl_rec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rec_free(&recs[i]);
	free(recs);
}

/* Every line parsed into *recs, or the first bad one. */
static int
read_all(FILE *f, struct cs_jsonl_rec **recs, size_t *n, size_t *bad_line,
    char *err, size_t errlen)
{
	struct cs_jsonl_rec *v = NULL, *nv;
	size_t cap = 0, lineno = 0, linecap = 0;
	char *line = NULL;
	ssize_t len;
	int rc = CS_OK;

	*n = 0;
	while ((len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = CS_ERR_NOMEM;
				break;
			}
			v = nv;
		}
		if ((rc = parse_line(line, (size_t)len, &v[*n], err, errlen))) {
			*bad_line = lineno;
			break;
		}
		(*n)++;
	}
	free(line);
	if (rc == CS_OK && ferror(f))
		rc = CS_ERR_IO;
	if (rc) {
		recs_free(v, *n);
		*n = 0;
		v = NULL;
	}
	*recs = v;
	return rc;
}

int
csi_jsonl_import(struct cs_store *st, FILE *f, cs_jsonl_put_fn *put,
    uint64_t *count, size_t *bad_line, char *err, size_t errlen)
{
	struct cs_jsonl_rec *recs;
	size_t n, i;
	int rc;

	*count = 0;
	*bad_line = 0;
	if ((rc = read_all(f, &recs, &n, bad_line, err, errlen)))
		return rc;
	for (i = 0; i < n && rc == CS_OK; i++)
		if ((rc = put(st, &recs[i])) == CS_OK)
			(*count)++;
	recs_free(recs, n);
	return rc;
}
