/*
 * session_record.c -- writing a session: create, save (with the
 * conflict merge that prevents lost updates), flush, cycle_key, and the
 * middleware's persist step with the lazy touch.
 */
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"

/* Fresh keys collide with probability ~2^-165; this only bounds a store
 * that keeps answering CS_ERR_EXISTS. */
#define CREATE_TRIES	16

/* An engine whose "record" is the cookie itself must write to refresh. */
static bool
stateless(const struct cs_store *st)
{
	return cs_store_has(st, CS_STORE_STATELESS);
}

static void
written(struct cs_session *s, const struct cs_record *rec)
{
	s->version = rec->version;
	s->stored_expire = rec->expire;
	s->known = true;
	s->dirty = false;
	s->replaced = false;
	s->written = true;
	csi_session_log_reset(s);
}

static int
write_record(struct cs_session *s, struct cs_store *st, enum cs_save_mode mode)
{
	struct cs_record rec;
	char *key = s->key;
	int rc;

	memset(&rec, 0, sizeof(rec));
	if ((rec.data = json_dumps(s->data, JSON_COMPACT)) == NULL)
		return CS_ERR_NOMEM;
	rec.data_len = strlen(rec.data);
	rec.expire = csi_session_expire_for_store(s, cs_now());
	rec.version = mode == CS_SAVE_UPDATE ? s->version : 0;
	rec.user = s->user;
	rc = cs_store_save(st, &key, &rec, mode);
	/* A stateless engine derives the key from the data: it frees the
	 * old one and hands back a new malloc'd one. */
	s->key = key;
	free(rec.data);
	if (rc == CS_OK)
		written(s, &rec);
	/* Django's signed_cookies save() sets modified: the key is new and
	 * the cookie must carry it (so for every stateless engine). */
	if (rc == CS_OK && stateless(st))
		s->modified = true;
	return rc;
}

/* Take the stored record as it is now and put this request's changes on
 * top.  CS_ERR_NOT_FOUND when it vanished. */
static int
merge_latest(struct cs_session *s)
{
	json_t *obj;
	int rc;

	if ((rc = csi_session_fetch(s, &obj)))
		return rc;
	if (s->replaced) {
		/* clear() ran: this request's data replaces the record. */
		json_decref(obj);
		return CS_OK;
	}
	if ((rc = csi_session_replay(s, obj))) {
		json_decref(obj);
		return rc;
	}
	json_decref(s->data);
	s->data = obj;
	return CS_OK;
}

int
cs_session_create(struct cs_session *s)
{
	char key[CS_SESSION_KEY_LEN + 1];
	struct cs_store *st;
	char *k;
	int rc, i;

	if (s->err)
		return s->err;
	/* Django's _get_session(no_load=True): the data as it is, no load. */
	s->accessed = true;
	if (s->data == NULL && (s->data = json_object()) == NULL)
		return CS_ERR_NOMEM;
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	for (i = 0; i < CREATE_TRIES; i++) {
		if ((rc = cs_session_key_new(key)))
			return rc;
		if ((k = strdup(key)) == NULL)
			return CS_ERR_NOMEM;
		free(s->key);
		s->key = k;
		rc = write_record(s, st, CS_SAVE_CREATE);
		if (rc == CS_ERR_EXISTS)
			continue;
		if (rc)
			break;
		s->modified = true;
		return CS_OK;
	}
	/* Never leave a key in place that has no record behind it. */
	free(s->key);
	s->key = NULL;
	s->version = 0;
	return rc == CS_ERR_EXISTS ? CS_ERR_STORE : rc;
}

/* The version of a record whose data was replaced (clear()) before it
 * was ever loaded: needed for the UPDATE. */
static int
learn_version(struct cs_session *s)
{
	json_t *obj;
	int rc;

	rc = csi_session_fetch(s, &obj);
	if (rc == CS_ERR_NOT_FOUND) {
		csi_session_forget_key(s);
		return CS_OK;
	}
	json_decref(obj);
	return rc;
}

int
cs_session_save(struct cs_session *s)
{
	struct cs_store *st;
	int rc, i;

	if (s->err)
		return s->err;
	if (s->interrupted)
		return CS_ERR_CONFLICT;
	if (csi_session_data(s) == NULL)
		return CS_ERR_NOMEM;
	if (s->err)
		return s->err;
	if (s->key != NULL && !s->known && (rc = learn_version(s)))
		return rc;
	/* No key, or the incoming one had no record: a fresh key. */
	if (s->key == NULL)
		return cs_session_create(s);
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	for (i = 0; i < CS_SESSION_SAVE_RETRIES; i++) {
		rc = write_record(s, st, CS_SAVE_UPDATE);
		if (rc != CS_ERR_CONFLICT)
			return rc;
		rc = merge_latest(s);
		if (rc == CS_ERR_NOT_FOUND) {
			/* Logged out (or cycled) meanwhile: refuse, never
			 * resurrect. */
			s->interrupted = true;
			return CS_ERR_CONFLICT;
		}
		if (rc)
			return rc;
	}
	return CS_ERR_CONFLICT;
}

int
cs_session_delete_record(struct cs_session *s, const char *key)
{
	struct cs_store *st;
	int rc;

	if (key == NULL)
		key = s->key;
	if (key == NULL)
		return CS_OK;
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	return cs_store_del(st, key);
}

int
cs_session_exists(struct cs_session *s, const char *key)
{
	struct cs_store *st;
	int rc;

	if (key == NULL || !csi_session_key_acceptable(s->store, s->cfg, key))
		return CS_ERR_NOT_FOUND;
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	return cs_store_exists(st, key);
}

int
cs_session_flush(struct cs_session *s)
{
	int rc;

	if ((rc = cs_session_clear(s)))
		return rc;
	rc = cs_session_delete_record(s, NULL);
	csi_session_forget_key(s);
	/* Nothing to replay into: the next save creates a new record. */
	s->replaced = false;
	if (rc)
		/* A logout that left the record behind must not look done. */
		s->err = rc;
	return rc;
}

int
cs_session_cycle_key(struct cs_session *s)
{
	char *old;
	int rc;

	if ((rc = cs_session_load(s)))
		return rc;
	old = s->key;
	s->key = NULL;
	if ((rc = cs_session_create(s))) {
		s->key = old;
		return rc;
	}
	if (old != NULL) {
		rc = cs_session_delete_record(s, old);
		free(old);
		if (rc)
			s->err = rc;
	}
	return rc;
}

int
cs_session_clear_expired(struct cs_session *s, size_t batch, bool dry_run,
    struct cs_sweep_stats *stats)
{
	struct cs_sweep_stats tmp;
	struct cs_store *st;
	int rc;

	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	rc = cs_store_clear_expired(st, cs_now(), batch, dry_run,
	    stats != NULL ? stats : &tmp);
	/* An engine that cannot sweep keeps nothing a sweep would find. */
	return rc == CS_ERR_UNSUPPORTED ? CS_OK : rc;
}

/* Unchanged session, save-every-request: move the expiry when it is due. */
static int
lazy_touch(struct cs_session *s, struct cs_store *st)
{
	int64_t expire;
	int rc;

	/* A signed cookie carries its expiry in its timestamp: re-sign on
	 * every response, as Django does (the interval spares store writes,
	 * and this engine has none; its stored_expire is the signature's,
	 * which a custom expiry shorter than the cookie age never passes). */
	if (stateless(st)) {
		s->dirty = true;
		return cs_session_save(s);
	}
	expire = csi_session_expire_for_store(s, cs_now());
	if (expire - s->stored_expire <= s->cfg->session_touch_interval)
		return CS_OK;
	rc = cs_store_touch(st, s->key, expire, s->version);
	if (rc == CS_ERR_UNSUPPORTED) {
		s->dirty = true;
		return cs_session_save(s);
	}
	if (rc == CS_OK) {
		s->stored_expire = expire;
		return CS_OK;
	}
	if (rc != CS_ERR_CONFLICT)
		return rc;
	/* Someone wrote it meanwhile (and so moved its expiry), or it is
	 * gone: that is a logout we must not undo. */
	if ((rc = merge_latest(s)) == CS_ERR_NOT_FOUND) {
		s->interrupted = true;
		return CS_ERR_CONFLICT;
	}
	return rc;
}

int
csi_session_persist(struct cs_session *s, bool every_request)
{
	struct cs_store *st;
	int rc;

	if (s->err)
		return s->err;
	if (s->interrupted)
		return CS_ERR_CONFLICT;
	if (s->dirty || s->key == NULL)
		return cs_session_save(s);
	/* Untouched by the handler: load to learn whether it still exists,
	 * its version and expiry (Django's save() loads here too). */
	if ((rc = cs_session_load(s)))
		return rc;
	if (s->key == NULL || s->written || !every_request)
		return CS_OK;
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	return lazy_touch(s, st);
}
