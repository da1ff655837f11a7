/*
 * helper_memstore.c -- see helper_memstore.h.
 */
#include <stdlib.h>
#include <string.h>

#include "helper_memstore.h"

struct mem_rec {
	char		*key;
	char		*data;
	int64_t		 expire;
	uint64_t	 version;
	char		*user;
};

struct memstore {
	struct cs_store		 base;
	struct mem_rec		*recs;
	size_t			 n;
	uint64_t		 next_version;
	int			 fail_next;
	unsigned		 collide;
	struct memstore_stats	 stats;
};

static struct memstore *
ms(struct cs_store *st)
{
	return (struct memstore *)st;
}

static struct mem_rec *
find(struct memstore *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->recs[i].key, key) == 0)
			return &m->recs[i];
	return NULL;
}

static void
rec_drop(struct memstore *m, struct mem_rec *r)
{
	free(r->key);
	free(r->data);
	free(r->user);
	*r = m->recs[--m->n];
}

static int
injected(struct memstore *m)
{
	int rc = m->fail_next;

	m->fail_next = CS_OK;
	return rc;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
ms_load(struct cs_store *st, const char *key, int64_t now, struct cs_record *out)
{
	struct memstore *m = ms(st);
	struct mem_rec *r;
	int rc;

	m->stats.loads++;
	if ((rc = injected(m)))
		return rc;
	if ((r = find(m, key)) == NULL || r->expire <= now)
		return CS_ERR_NOT_FOUND;
	out->data = strdup(r->data);
	out->data_len = strlen(r->data);
	out->expire = r->expire;
	out->version = r->version;
	out->user = dup_or_null(r->user);
	return CS_OK;
}

static int
ms_save(struct cs_store *st, char **key, struct cs_record *rec,
    enum cs_save_mode mode)
{
	struct memstore *m = ms(st);
	struct mem_rec *r, *n;
	int64_t now = cs_now();
	int rc;

	if (mode == CS_SAVE_CREATE)
		m->stats.creates++;
	else
		m->stats.updates++;
	if ((rc = injected(m)))
		return rc;
	r = find(m, *key);
	if (mode == CS_SAVE_CREATE) {
		if (m->collide > 0) {
			m->collide--;
			return CS_ERR_EXISTS;
		}
		if (r != NULL && r->expire > now)
			return CS_ERR_EXISTS;
		if (r == NULL) {
			n = realloc(m->recs, (m->n + 1) * sizeof(*n));
			if (n == NULL)
				return CS_ERR_NOMEM;
			m->recs = n;
			r = &n[m->n++];
			memset(r, 0, sizeof(*r));
			r->key = strdup(*key);
		}
	} else if (r == NULL || r->expire <= now || r->version != rec->version) {
		m->stats.conflicts++;
		return CS_ERR_CONFLICT;
	}
	free(r->data);
	free(r->user);
	r->data = strndup(rec->data, rec->data_len);
	r->user = dup_or_null(rec->user);
	r->expire = rec->expire;
	r->version = rec->version = ++m->next_version;
	return CS_OK;
}

static int
ms_touch(struct cs_store *st, const char *key, int64_t expire, uint64_t version)
{
	struct memstore *m = ms(st);
	struct mem_rec *r;
	int rc;

	m->stats.touches++;
	if ((rc = injected(m)))
		return rc;
	if ((r = find(m, key)) == NULL || r->expire <= cs_now() ||
	    r->version != version) {
		m->stats.conflicts++;
		return CS_ERR_CONFLICT;
	}
	r->expire = expire;
	return CS_OK;
}

static int
ms_del(struct cs_store *st, const char *key)
{
	struct memstore *m = ms(st);
	struct mem_rec *r;
	int rc;

	m->stats.dels++;
	if ((rc = injected(m)))
		return rc;
	if ((r = find(m, key)) != NULL)
		rec_drop(m, r);
	return CS_OK;
}

static int
ms_exists(struct cs_store *st, const char *key)
{
	struct memstore *m = ms(st);
	int rc;

	m->stats.exists++;
	if ((rc = injected(m)))
		return rc;
	return find(m, key) ? CS_OK : CS_ERR_NOT_FOUND;
}

static int
ms_clear_expired(struct cs_store *st, int64_t now, size_t batch, bool dry_run,
    struct cs_sweep_stats *out)
{
	struct memstore *m = ms(st);
	size_t i = 0;
	int rc;

	(void)batch;
	if ((rc = injected(m)))
		return rc;
	memset(out, 0, sizeof(*out));
	while (i < m->n) {
		if (m->recs[i].expire <= now) {
			out->removed++;
			if (!dry_run) {
				rec_drop(m, &m->recs[i]);
				continue;
			}
		}
		i++;
	}
	out->remaining = m->n;
	out->batches = 1;
	return CS_OK;
}

static void
ms_close(struct cs_store *st)
{
	struct memstore *m = ms(st);

	while (m->n > 0)
		rec_drop(m, &m->recs[0]);
	free(m->recs);
	free(m);
}

static const struct cs_store_ops memstore_ops = {
	.name = "memstore",
	.load = ms_load,
	.save = ms_save,
	.touch = ms_touch,
	.del = ms_del,
	.exists = ms_exists,
	.clear_expired = ms_clear_expired,
	.close = ms_close,
	/* One process, no threads: create and update-if-present are one
	 * step.  No operator operations. */
	.caps = CS_STORE_ATOMIC,
};

struct cs_store *
memstore_new(const struct cs_config *cfg)
{
	struct memstore *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->base.ops = &memstore_ops;
	m->base.cfg = cfg;
	return &m->base;
}

struct memstore_stats *
memstore_stats(struct cs_store *st)
{
	return &ms(st)->stats;
}

unsigned
memstore_writes(struct cs_store *st)
{
	struct memstore_stats *s = &ms(st)->stats;

	return s->creates + s->updates + s->touches + s->dels;
}

void
memstore_fail_next(struct cs_store *st, int err)
{
	ms(st)->fail_next = err;
}

void
memstore_collide(struct cs_store *st, unsigned n)
{
	ms(st)->collide = n;
}

int
memstore_put(struct cs_store *st, const char *key, const char *json,
    int64_t expire, const char *user)
{
	struct memstore *m = ms(st);
	struct memstore_stats saved = m->stats;
	struct cs_record rec = { 0 };
	char *k = (char *)key;
	struct mem_rec *r;
	int rc;

	if ((r = find(m, key)) != NULL)
		rec_drop(m, r);
	rec.data = (char *)json;
	rec.data_len = strlen(json);
	rec.expire = expire;
	rec.user = (char *)user;
	m->collide = 0;
	m->fail_next = CS_OK;
	rc = ms_save(st, &k, &rec, CS_SAVE_CREATE);
	m->stats = saved;	/* seeding is not a write under test */
	return rc;
}

int
memstore_peek(struct cs_store *st, const char *key, const char **json,
    int64_t *expire, uint64_t *version, const char **user)
{
	struct mem_rec *r = find(ms(st), key);

	if (r == NULL)
		return CS_ERR_NOT_FOUND;
	if (json)
		*json = r->data;
	if (expire)
		*expire = r->expire;
	if (version)
		*version = r->version;
	if (user)
		*user = r->user;
	return CS_OK;
}

size_t
memstore_count(struct cs_store *st)
{
	return ms(st)->n;
}
