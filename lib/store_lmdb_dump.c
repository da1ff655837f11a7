/*
 * store_lmdb_dump.c -- the lmdb engine's export and import (csess
 * sessions export/import): JSON lines, one session each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_jsonl.h"
#include "store_lmdb_int.h"

/* Sessions per import transaction: large, because every transaction
 * rewrites each page it touches, and a 1M-session import in batches of
 * 10,000 wrote the tree ~100 times over.  Halved on MDB_TXN_FULL. */
#define IMPORT_BATCH	100000

int
cs_lmdb_export(struct cs_store *s, FILE *f)
{
	int rc;

	if ((rc = cs_lmdb_foreach(s, csi_jsonl_export_one, f)))
		return rc;
	return fflush(f) == 0 ? CS_OK : CS_ERR_IO;
}

struct import_rec {
	char		 key[CS_SESSION_KEY_LEN + 1];
	size_t		 seq;		/* input order: the later line wins */
	int64_t		 expire;
	char		*user;		/* NULL when none */
	char		*data;
	size_t		 datalen;
	uint64_t	 version;
};

/* Parse and check one line; with out == NULL only validate. */
static int
import_parse(const char *line, size_t len, struct import_rec *out,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *jk, *je2, *ju, *jd;
	const char *key = NULL, *user = NULL;
	size_t ulen = 0;
	int rc = CS_ERR_INVALID;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return CS_ERR_INVALID;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	jk = json_object_get(o, "key");
	je2 = json_object_get(o, "expire");
	ju = json_object_get(o, "user");
	jd = json_object_get(o, "data");
	if (jk != NULL && !json_is_null(jk)) {
		if (!json_is_string(jk) ||
		    !cs_session_key_valid(key = json_string_value(jk))) {
			snprintf(err, errlen, "\"key\" is not a session key "
			    "(32 characters a-z0-9)");
			goto out;
		}
	}
	if (!json_is_integer(je2) || json_integer_value(je2) < 0) {
		snprintf(err, errlen, "\"expire\" must be a non-negative integer "
		    "(epoch seconds)");
		goto out;
	}
	if (ju != NULL && !json_is_null(ju)) {
		if (!json_is_string(ju) ||
		    (ulen = json_string_length(ju)) == 0 ||
		    ulen > CS_LMDB_USER_MAX ||
		    memchr(user = json_string_value(ju), '\0', ulen) != NULL) {
			snprintf(err, errlen, "\"user\" must be a non-empty "
			    "string of at most %d bytes", CS_LMDB_USER_MAX);
			goto out;
		}
	}
	if (!json_is_object(jd)) {
		snprintf(err, errlen, "\"data\" must be a JSON object");
		goto out;
	}
	if (out == NULL) {
		rc = CS_OK;
		goto out;
	}
	out->expire = (int64_t)json_integer_value(je2);
	if (key)
		memcpy(out->key, key, CS_SESSION_KEY_LEN + 1);
	else if ((rc = cs_session_key_new(out->key)))
		goto out;
	rc = CS_ERR_NOMEM;
	if (user && (out->user = strdup(user)) == NULL)
		goto out;
	if ((out->data = json_dumps(jd, JSON_COMPACT)) == NULL)
		goto out;
	out->datalen = strlen(out->data);
	if (out->datalen > CS_LMDB_DATA_MAX) {
		snprintf(err, errlen, "\"data\" over %d bytes", CS_LMDB_DATA_MAX);
		rc = CS_ERR_INVALID;
		goto out;
	}
	rc = CS_OK;
out:
	/* Nothing is handed back on error: the caller frees only a record. */
	if (rc != CS_OK && out != NULL) {
		free(out->user);
		free(out->data);
		out->user = out->data = NULL;
	}
	json_decref(o);
	return rc;
}

struct import_batch {
	struct import_rec	*recs;		/* sorted by key, then input order */
	struct import_rec	**by;		/* scratch: index order */
	size_t			 n;
	size_t			 off, len;	/* the slice a transaction writes */
};

static int
by_expiry(const void *a, const void *b)
{
	const struct import_rec *x = *(struct import_rec *const *)a;
	const struct import_rec *y = *(struct import_rec *const *)b;

	if (x->expire != y->expire)
		return x->expire < y->expire ? -1 : 1;
	return memcmp(x->key, y->key, CS_SESSION_KEY_LEN);
}

static int
by_user(const void *a, const void *b)
{
	const struct import_rec *x = *(struct import_rec *const *)a;
	const struct import_rec *y = *(struct import_rec *const *)b;
	int c = strcmp(x->user, y->user);

	return c ? c : memcmp(x->key, y->key, CS_SESSION_KEY_LEN);
}

/* The same key later in the batch replaces this line entirely. */
static bool
superseded(const struct import_batch *b, size_t i)
{
	return i + 1 < b->off + b->len &&
	    memcmp(b->recs[i].key, b->recs[i + 1].key, CS_SESSION_KEY_LEN) == 0;
}

/*
 * One slice, database by database, each in its own key order: records
 * (sorted by key), then expiry entries (by time), then user entries (by
 * user).  Walking each B-tree in order keeps the pages in cache and
 * touches each once; interleaving the three made every put a cache miss.
 */
static int
import_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct import_batch *b = p;
	struct import_rec *ir;
	struct lrec_old o;
	struct lrec_new n;
	struct lrec r;
	size_t i, k = 0, u;
	int rc;

	for (i = b->off; i < b->off + b->len; i++) {
		ir = &b->recs[i];
		if (superseded(b, i))
			continue;
		n.expire = ir->expire;
		n.version = ir->version;
		n.user = ir->user;
		n.userlen = ir->user ? strlen(ir->user) : 0;
		n.data = ir->data;
		n.datalen = ir->datalen;
		rc = lrec_get(txn, e, ir->key, &r);
		if (rc == CS_OK) {
			/* Replacing: the old index entries go now. */
			lrec_remember(&o, &r);
			if ((rc = lrec_expiry_del(txn, e, o.expire, ir->key)) ||
			    (rc = lrec_user_del(txn, e, o.user, o.userlen, ir->key)))
				return rc;
		} else if (rc != CS_ERR_NOT_FOUND)
			return rc;
		if ((rc = lrec_put(txn, e, ir->key, &n)))
			return rc;
		b->by[k++] = ir;
	}
	qsort(b->by, k, sizeof(*b->by), by_expiry);
	for (i = 0; i < k; i++)
		if ((rc = lrec_expiry_put(txn, e, b->by[i]->expire, b->by[i]->key)))
			return rc;
	for (i = u = 0; i < k; i++)
		if (b->by[i]->user != NULL)
			b->by[u++] = b->by[i];
	qsort(b->by, u, sizeof(*b->by), by_user);
	for (i = 0; i < u; i++)
		if ((rc = lrec_user_put(txn, e, b->by[i]->user,
		    strlen(b->by[i]->user), b->by[i]->key)))
			return rc;
	return CS_OK;
}

static void
import_batch_clear(struct import_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->recs[i].user);
		free(b->recs[i].data);
	}
	b->n = 0;
}

/* A line longer than this cannot hold a valid record. */
#define IMPORT_LINE_MAX	(4 * (size_t)CS_LMDB_DATA_MAX)

static bool
blank(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 0;
}

/*
 * Pass 1 parses and checks every line and writes the records, already
 * in binary form, to an anonymous spool file; nothing reaches the store
 * unless every line is valid.  Pass 2 reads the spool back in batches.
 * Each line is parsed once, and the input may be a pipe.
 * Spool record: key[32] expire[8] version[8] userlen[2] datalen[4] user data
 */
#define SPOOL_HDR	(CS_SESSION_KEY_LEN + 8 + 8 + 2 + 4)

static int
spool_put(FILE *t, const struct import_rec *ir)
{
	unsigned char h[SPOOL_HDR];
	uint16_t ulen = (uint16_t)(ir->user ? strlen(ir->user) : 0);
	uint32_t dlen = (uint32_t)ir->datalen;

	memcpy(h, ir->key, CS_SESSION_KEY_LEN);
	memcpy(h + 32, &ir->expire, 8);
	memcpy(h + 40, &ir->version, 8);
	memcpy(h + 48, &ulen, 2);
	memcpy(h + 50, &dlen, 4);
	if (fwrite(h, 1, sizeof(h), t) != sizeof(h) ||
	    (ulen && fwrite(ir->user, 1, ulen, t) != ulen) ||
	    fwrite(ir->data, 1, dlen, t) != dlen)
		return CS_ERR_IO;
	return CS_OK;
}

/* 1 on a record, 0 at the end, a cs_err (negated) on failure. */
static int
spool_get(FILE *t, struct import_rec *ir)
{
	unsigned char h[SPOOL_HDR];
	uint16_t ulen;
	uint32_t dlen;
	size_t got;

	memset(ir, 0, sizeof(*ir));
	if ((got = fread(h, 1, sizeof(h), t)) == 0)
		return 0;
	if (got != sizeof(h))
		return -CS_ERR_IO;
	memcpy(ir->key, h, CS_SESSION_KEY_LEN);
	ir->key[CS_SESSION_KEY_LEN] = '\0';
	memcpy(&ir->expire, h + 32, 8);
	memcpy(&ir->version, h + 40, 8);
	memcpy(&ulen, h + 48, 2);
	memcpy(&dlen, h + 50, 4);
	if (ulen && ((ir->user = malloc((size_t)ulen + 1)) == NULL))
		return -CS_ERR_NOMEM;
	if ((ir->data = malloc((size_t)dlen + 1)) == NULL) {
		free(ir->user);
		ir->user = NULL;
		return -CS_ERR_NOMEM;
	}
	if ((ulen && fread(ir->user, 1, ulen, t) != ulen) ||
	    fread(ir->data, 1, dlen, t) != dlen) {
		free(ir->user);
		free(ir->data);
		ir->user = ir->data = NULL;
		return -CS_ERR_IO;
	}
	if (ir->user)
		ir->user[ulen] = '\0';
	ir->data[dlen] = '\0';
	ir->datalen = dlen;
	return 1;
}

static int
import_parse_all(FILE *in, FILE *t, size_t *bad_line, char *err, size_t errlen)
{
	struct import_rec ir;
	uint64_t version;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc;

	/* Versions: a random base per import, then consecutive. */
	if ((rc = lrec_fresh_version(&version)))
		return rc;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (blank(line, (size_t)len))
			continue;
		if ((size_t)len > IMPORT_LINE_MAX) {
			snprintf(err, errlen, "line too long");
			rc = CS_ERR_INVALID;
		} else
			rc = import_parse(line, (size_t)len, &ir, err, errlen);
		if (rc) {
			*bad_line = lineno;
			break;
		}
		if (++version == 0)
			version = 1;
		ir.version = version;
		rc = spool_put(t, &ir);
		free(ir.user);
		free(ir.data);
		if (rc) {
			snprintf(err, errlen, "temporary file: %s", strerror(errno));
			break;
		}
	}
	if (rc == CS_OK && ferror(in)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		rc = CS_ERR_IO;
	}
	free(line);
	return rc;
}

static int
import_rec_cmp(const void *a, const void *b)
{
	const struct import_rec *x = a, *y = b;
	int c = memcmp(x->key, y->key, CS_SESSION_KEY_LEN);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Write a full batch, in key order (neighbouring keys share pages), in as
 * few transactions as LMDB's dirty-page limit allows.
 */
static int
import_commit(struct cs_store *s, struct import_batch *b, uint64_t *count)
{
	size_t len = b->n;
	int rc;

	qsort(b->recs, b->n, sizeof(*b->recs), import_rec_cmp);
	b->off = 0;
	while (b->off < b->n) {
		b->len = len < b->n - b->off ? len : b->n - b->off;
		rc = csi_lmdb_write(lstore_env(s), import_fn, b);
		if (rc == CS_ERR_TOO_LARGE && b->len > 1) {
			len = b->len / 2;
			continue;
		}
		if (rc)
			return rc;
		*count += b->len;
		b->off += b->len;
	}
	return CS_OK;
}

/* Pass 2: the spooled records, in batches of up to IMPORT_BATCH. */
static int
import_write(struct cs_store *s, FILE *t, uint64_t *count, char *err,
    size_t errlen)
{
	struct import_batch b = { NULL, NULL, 0, 0, 0 };
	size_t seq = 0;
	int rc = CS_OK, got;

	if ((b.recs = calloc(IMPORT_BATCH, sizeof(*b.recs))) == NULL ||
	    (b.by = calloc(IMPORT_BATCH, sizeof(*b.by))) == NULL) {
		free(b.recs);
		return CS_ERR_NOMEM;
	}
	while ((got = spool_get(t, &b.recs[b.n])) == 1) {
		b.recs[b.n].seq = seq++;
		if (++b.n == IMPORT_BATCH) {
			if ((rc = import_commit(s, &b, count)))
				break;
			import_batch_clear(&b);
		}
	}
	if (got < 0)
		rc = -got;
	if (rc == CS_OK && b.n > 0)
		rc = import_commit(s, &b, count);
	if (rc == CS_ERR_STORE || rc == CS_ERR_TOO_LARGE)
		snprintf(err, errlen, "%s", csi_lmdb_env_error(lstore_env(s)));
	else if (rc == CS_ERR_IO)
		snprintf(err, errlen, "reading the temporary file back");
	import_batch_clear(&b);
	free(b.recs);
	free(b.by);
	return rc;
}

int
cs_lmdb_import(struct cs_store *s, FILE *in, uint64_t *count, size_t *bad_line,
    char *err, size_t errlen)
{
	FILE *t;
	int rc;

	*count = 0;
	*bad_line = 0;
	if (errlen)
		err[0] = '\0';
	if (!lstore_is(s))
		return CS_ERR_INVALID;
	if ((t = tmpfile()) == NULL) {
		snprintf(err, errlen, "temporary file: %s", strerror(errno));
		return CS_ERR_IO;
	}
	if ((rc = import_parse_all(in, t, bad_line, err, errlen)) == CS_OK) {
		if (fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
			snprintf(err, errlen, "temporary file: %s",
			    strerror(errno));
			rc = CS_ERR_IO;
		} else
			rc = import_write(s, t, count, err, errlen);
	}
	fclose(t);
	return rc;
}
