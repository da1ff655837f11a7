/*
 * test_store_lmdb_damage.c -- sessions records damaged from outside (a
 * disk error, another program, an attacker with write access to the
 * file): every reader skips or reports them and never reads past what
 * the record holds (issue 11, defect 3: a user length of 65535 copied
 * into a 256-byte buffer by "csess sessions list/export").
 */
#include <time.h>

#include "store_fixture.h"
#include "lmdb_env.h"

#define NOW	((int64_t)time(NULL))
#define HDR	22	/* expire 8, version 8, flags 4, userlen 2 */

static const char damaged[] = "dddddddddddddddddddddddddddddddd";

struct raw_rec {
	const char	*key;
	unsigned char	*val;
	size_t		 len;
};

static int
put_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	struct raw_rec *r = p;
	MDB_val k = { CS_SESSION_KEY_LEN, (void *)r->key }, v = { r->len, r->val };

	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_SESSIONS),
	    &k, &v, 0));
}

static int
put_user_entry_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *p)
{
	unsigned char uk[64];
	MDB_val k = { 0, uk }, v = { 0, "" };

	memcpy(uk, "mallory", 8);		/* with its NUL */
	memcpy(uk + 8, p, CS_SESSION_KEY_LEN);
	k.mv_size = 8 + CS_SESSION_KEY_LEN;
	return csi_lmdb_rc(e, mdb_put(txn,
	    csi_lmdb_dbi(e, CS_DBI_USER_SESSIONS), &k, &v, 0));
}

/* Put a value under key as it is, and optionally a user index entry of
 * "mallory" for it. */
static void
put_raw(struct fx *f, const char *key, unsigned char *val, size_t len,
    bool user_entry)
{
	struct raw_rec r = { key, val, len };
	struct cs_lmdb_env *e;
	char err[256];

	cr_assert_eq(csi_lmdb_env_acquire(&e, &f->cfg, err, sizeof(err)), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, put_fn, &r), CS_OK);
	if (user_entry)
		cr_assert_eq(csi_lmdb_write(e, put_user_entry_fn, (void *)key),
		    CS_OK);
	csi_lmdb_env_release(e);
}

/*
 * Write a record under `damaged' whose header claims a user of ulen bytes
 * and that holds body bytes after the header (all 'u').  The header is as
 * csess writes it (host byte order).
 */
static void
put_damaged(struct fx *f, uint16_t ulen, size_t body, bool user_entry)
{
	unsigned char *v;
	int64_t expire = NOW + 3600;
	uint64_t version = 7;
	uint32_t flags = 0;

	cr_assert_not_null(v = malloc(HDR + body));
	memcpy(v, &expire, 8);
	memcpy(v + 8, &version, 8);
	memcpy(v + 16, &flags, 4);
	memcpy(v + 20, &ulen, 2);
	memset(v + HDR, 'u', body);
	put_raw(f, damaged, v, HDR + body, user_entry);
	free(v);
}

struct seen {
	unsigned	 n;
	bool		 damaged;
};

static int
count_one(void *arg, const struct cs_lmdb_session *s)
{
	struct seen *seen = arg;

	seen->n++;
	if (strcmp(s->key, damaged) == 0)
		seen->damaged = true;
	cr_assert(s->user == NULL || strlen(s->user) <= CS_LMDB_USER_MAX);
	return 0;
}

static void
collect(void *arg, const char *line)
{
	struct cs_buf *b = arg;

	cr_assert_eq(cs_buf_append(b, line, strlen(line)), CS_OK);
	cr_assert_eq(cs_buf_append(b, "\n", 1), CS_OK);
}

/* A second, good session beside the damaged one. */
static char *
good_session(struct fx *f)
{
	return fx_create(f, NULL, "{\"a\":1}", NOW + 3600, "alice", NULL);
}

Test(lmdb_damage, a_user_length_past_the_limit_is_skipped_by_iteration)
{
	struct seen seen = { 0, false };
	struct fx f;
	char *k;

	fx_open(&f);
	k = good_session(&f);
	/* 65535 claimed and present: the old decoder accepted it. */
	put_damaged(&f, 65535, 65535 + 2, false);
	cr_assert_eq(cs_lmdb_foreach(f.st, count_one, &seen), CS_OK);
	cr_assert_eq(seen.n, 1);
	cr_assert_not(seen.damaged);
	free(k);
	fx_close(&f);
}

Test(lmdb_damage, export_writes_the_good_sessions_and_skips_the_damaged_one)
{
	char line[4096];
	unsigned lines = 0;
	struct fx f;
	FILE *tmp;
	char *k;

	fx_open(&f);
	k = good_session(&f);
	put_damaged(&f, 65535, 65535 + 2, false);
	cr_assert_not_null(tmp = tmpfile());
	cr_assert_eq(cs_lmdb_export(f.st, tmp), CS_OK);
	rewind(tmp);
	while (fgets(line, sizeof(line), tmp) != NULL) {
		lines++;
		cr_assert(strstr(line, k) != NULL, "%s", line);
	}
	cr_assert_eq(lines, 1);
	fclose(tmp);
	free(k);
	fx_close(&f);
}

Test(lmdb_damage, the_user_index_leading_to_a_damaged_record_is_skipped)
{
	struct seen seen = { 0, false };
	struct fx f;

	fx_open(&f);
	put_damaged(&f, 300, 300 + 2, true);
	cr_assert_eq(cs_lmdb_foreach_user(f.st, "mallory", count_one, &seen),
	    CS_OK);
	cr_assert_eq(seen.n, 0);
	fx_close(&f);
}

Test(lmdb_damage, verify_reports_the_damaged_record)
{
	struct cs_buf out = { 0 };
	uint64_t problems;
	struct fx f;
	char *k;

	fx_open(&f);
	k = good_session(&f);
	put_damaged(&f, 65535, 65535 + 2, false);
	cr_assert_eq(cs_lmdb_verify(f.st, collect, &out, &problems), CS_OK);
	cr_assert_geq(problems, 1);
	cr_assert(strstr(out.data, "session dddddddddddddddddddddddddddddddd: "
	    "undecodable record") != NULL, "%s", out.data);
	cs_buf_free(&out);
	free(k);
	fx_close(&f);
}

Test(lmdb_damage, a_request_reads_no_session_and_the_operator_an_error)
{
	struct cs_record r;
	struct fx f;

	fx_open(&f);
	put_damaged(&f, 65535, 65535 + 2, false);
	cr_assert_eq(f.st->ops->load(f.st, damaged, NOW, &r), CS_ERR_NOT_FOUND);
	cr_assert_eq(cs_lmdb_get(f.st, damaged, &r), CS_ERR_STORE);
	cr_assert_eq(cs_lmdb_delete(f.st, damaged), CS_OK);
	cr_assert_eq(cs_lmdb_get(f.st, damaged, &r), CS_ERR_NOT_FOUND);
	fx_close(&f);
}

Test(lmdb_damage, a_nul_inside_the_user_or_a_short_header_is_damage)
{
	static const char shortkey[] = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
	unsigned char v[HDR + 7];
	struct cs_buf out = { 0 };
	struct cs_record r;
	uint64_t problems;
	uint16_t ulen = 5;
	struct fx f;

	fx_open(&f);
	/* user "uuu\0u": csess never writes a NUL into a user name. */
	memset(v, 0, HDR);
	memset(v + HDR, 'u', sizeof(v) - HDR);
	memcpy(v + 20, &ulen, 2);
	v[HDR + 3] = '\0';
	put_raw(&f, damaged, v, sizeof(v), false);
	put_raw(&f, shortkey, v, HDR - 1, false);
	cr_assert_eq(cs_lmdb_get(f.st, damaged, &r), CS_ERR_STORE);
	cr_assert_eq(cs_lmdb_get(f.st, shortkey, &r), CS_ERR_STORE);
	cr_assert_eq(cs_lmdb_verify(f.st, collect, &out, &problems), CS_OK);
	cr_assert_eq(problems, 2, "%s", out.data);
	cs_buf_free(&out);
	fx_close(&f);
}
