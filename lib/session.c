/*
 * session.c -- the session object: Django's SessionBase on a cs_store.
 *
 * The data is a jansson object loaded lazily on first access.  Every
 * change is also kept as this request's last operation per key (the
 * change log), so that a save meeting a concurrent writer can reload the
 * record and re-apply just what this request did instead of overwriting
 * the other request's work (Django's last-writer-wins, see session.h).
 */
#include <stdlib.h>
#include <string.h>

#include "session_impl.h"
#include "csess_test.h"

/*
 * Check an incoming key before it reaches any engine, in the shape the
 * engine gives its keys (store NULL: the per-process store's).  Django
 * only asks for 8 characters; csess asks for the engine's own shape, so
 * that a lookup is never made with attacker-chosen bytes.
 */
bool
csi_session_key_acceptable(const struct cs_store *store,
    const struct cs_config *cfg, const char *key)
{
	if (key == NULL)
		return false;
	return cs_store_key_ok(store != NULL ? store->ops :
	    cs_store_for_process_ops(cfg), key);
}

void
csi_session_forget_key(struct cs_session *s)
{
	free(s->key);
	s->key = NULL;
	s->version = 0;
	s->stored_expire = 0;
	s->known = true;
}

void
csi_session_log_reset(struct cs_session *s)
{
	size_t i;

	for (i = 0; i < s->nchanges; i++) {
		free(s->changes[i].name);
		json_decref(s->changes[i].value);
	}
	free(s->changes);
	s->changes = NULL;
	s->nchanges = 0;
}

int
cs_session_new(struct cs_session **out, struct cs_store *store,
    const struct cs_config *cfg, const char *key)
{
	struct cs_session *s;

	*out = NULL;
	if (cfg == NULL)
		return CS_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CS_ERR_NOMEM;
	s->store = store;
	s->cfg = cfg;
	if (csi_session_key_acceptable(store, cfg, key) &&
	    (s->key = strdup(key)) == NULL) {
		free(s);
		return CS_ERR_NOMEM;
	}
	*out = s;
	return CS_OK;
}

void
cs_session_free(struct cs_session *s)
{
	if (s == NULL)
		return;
	csi_session_log_reset(s);
	json_decref(s->data);
	free(s->key);
	free(s->user);
	free(s);
}

int
csi_session_store_of(struct cs_session *s, struct cs_store **st)
{
	if (s->store != NULL) {
		*st = s->store;
		return CS_OK;
	}
	return cs_store_for_process(s->cfg, st, NULL, 0);
}

int
cs_session_store(const struct cs_config *cfg, struct cs_store **out,
    char *err, size_t errlen)
{
	return cs_store_for_process(cfg, out, err, errlen);
}

void
csi_session_store_set(struct cs_store *store)
{
	cs_store_for_process_set(store);
}

/* ---- flags ----------------------------------------------------------- */

bool
cs_session_accessed(const struct cs_session *s)
{
	return s->accessed;
}

bool
cs_session_modified(const struct cs_session *s)
{
	return s->modified;
}

bool
cs_session_is_empty(const struct cs_session *s)
{
	return s->key == NULL &&
	    (s->data == NULL || json_object_size(s->data) == 0);
}

const char *
cs_session_key(const struct cs_session *s)
{
	return s->key;
}

int
cs_session_error(const struct cs_session *s)
{
	return s->err;
}

bool
cs_session_interrupted(const struct cs_session *s)
{
	return s->interrupted;
}

/* ---- loading --------------------------------------------------------- */

/* The stored data as an object; corrupt data reads as {} (Django logs
 * "Session data corrupted" and does the same). */
static json_t *
parse_data(const struct cs_record *rec)
{
	json_t *obj = NULL;

	if (rec->data != NULL)
		obj = json_loadb(rec->data, rec->data_len, 0, NULL);
	if (obj != NULL && json_is_object(obj))
		return obj;
	json_decref(obj);
	return json_object();
}

static int
take_user(struct cs_session *s, const struct cs_record *rec)
{
	char *u = NULL;

	if (s->user_set)
		return CS_OK;
	if (rec->user != NULL && (u = strdup(rec->user)) == NULL)
		return CS_ERR_NOMEM;
	free(s->user);
	s->user = u;
	return CS_OK;
}

/* Read the record under s->key: CS_OK with *obj, CS_ERR_NOT_FOUND, or
 * the engine's error.  Version, expiry and owner are taken over. */
int
csi_session_fetch(struct cs_session *s, json_t **obj)
{
	struct cs_record rec;
	struct cs_store *st;
	int rc;

	*obj = NULL;
	if ((rc = csi_session_store_of(s, &st)))
		return rc;
	memset(&rec, 0, sizeof(rec));
	if ((rc = cs_store_load(st, s->key, cs_now(), &rec))) {
		cs_record_free(&rec);
		return rc;
	}
	if ((*obj = parse_data(&rec)) == NULL || take_user(s, &rec)) {
		json_decref(*obj);
		*obj = NULL;
		cs_record_free(&rec);
		return CS_ERR_NOMEM;
	}
	s->version = rec.version;
	s->stored_expire = rec.expire;
	s->known = true;
	cs_record_free(&rec);
	return CS_OK;
}

/*
 * Django's _session property: accessed, then the data, loading it on
 * first use.  NULL only when out of memory.
 */
json_t *
csi_session_data(struct cs_session *s)
{
	json_t *obj = NULL;
	int rc;

	s->accessed = true;
	if (s->data != NULL)
		return s->data;
	if (s->key != NULL && s->err == CS_OK) {
		rc = csi_session_fetch(s, &obj);
		if (rc == CS_ERR_NOT_FOUND)
			csi_session_forget_key(s);
		else if (rc)
			s->err = rc;
	}
	if (obj == NULL)
		obj = json_object();
	s->data = obj;
	return obj;
}

int
cs_session_load(struct cs_session *s)
{
	if (csi_session_data(s) == NULL)
		return CS_ERR_NOMEM;
	return s->err;
}

/* ---- the change log -------------------------------------------------- */

static int
log_change(struct cs_session *s, const char *name, enum cs_change_op op,
    json_t *value)
{
	struct cs_change *c = NULL, *n;
	size_t i;

	s->dirty = true;
	/* After clear() our whole data wins: nothing to replay. */
	if (s->replaced)
		return CS_OK;
	for (i = 0; i < s->nchanges; i++)
		if (strcmp(s->changes[i].name, name) == 0) {
			c = &s->changes[i];
			break;
		}
	if (c == NULL) {
		n = realloc(s->changes, (s->nchanges + 1) * sizeof(*n));
		if (n == NULL)
			return CS_ERR_NOMEM;
		s->changes = n;
		c = &n[s->nchanges];
		if ((c->name = strdup(name)) == NULL)
			return CS_ERR_NOMEM;
		c->value = NULL;
		s->nchanges++;
	}
	c->op = op;
	json_decref(c->value);
	c->value = op == CHANGE_SET ? json_incref(value) : NULL;
	return CS_OK;
}

/* Apply this request's changes on top of freshly loaded data. */
int
csi_session_replay(struct cs_session *s, json_t *obj)
{
	size_t i;

	for (i = 0; i < s->nchanges; i++) {
		if (s->changes[i].op == CHANGE_DEL)
			json_object_del(obj, s->changes[i].name);
		else if (json_object_set(obj, s->changes[i].name,
		    s->changes[i].value))
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/* ---- the mapping ----------------------------------------------------- */

int
cs_session_get(struct cs_session *s, const char *name, json_t **value)
{
	json_t *d, *v;

	*value = NULL;
	if ((d = csi_session_data(s)) == NULL)
		return CS_ERR_NOMEM;
	if (name == NULL || (v = json_object_get(d, name)) == NULL)
		return CS_ERR_NOT_FOUND;
	*value = v;
	return CS_OK;
}

json_t *
cs_session_get_default(struct cs_session *s, const char *name, json_t *def)
{
	json_t *v;

	return cs_session_get(s, name, &v) == CS_OK ? v : def;
}

bool
cs_session_contains(struct cs_session *s, const char *name)
{
	json_t *v;

	return cs_session_get(s, name, &v) == CS_OK;
}

int
cs_session_set(struct cs_session *s, const char *name, json_t *value)
{
	json_t *d;

	if (name == NULL || value == NULL)
		return CS_ERR_INVALID;
	if ((d = csi_session_data(s)) == NULL)
		return CS_ERR_NOMEM;
	/* jansson refuses keys that are not UTF-8. */
	if (json_object_set(d, name, value))
		return CS_ERR_INVALID;
	s->modified = true;
	return log_change(s, name, CHANGE_SET, value);
}

int
cs_session_set_new(struct cs_session *s, const char *name, json_t *value)
{
	int rc;

	if (value == NULL)
		return name == NULL ? CS_ERR_INVALID : CS_ERR_NOMEM;
	rc = cs_session_set(s, name, value);
	json_decref(value);
	return rc;
}

int
cs_session_setdefault(struct cs_session *s, const char *name, json_t *def,
    json_t **value)
{
	json_t *v;
	int rc;

	if (value != NULL)
		*value = NULL;
	rc = cs_session_get(s, name, &v);
	if (rc == CS_ERR_NOT_FOUND) {
		if ((rc = cs_session_set(s, name, def)))
			return rc;
		v = def;
	} else if (rc)
		return rc;
	if (value != NULL)
		*value = v;
	return CS_OK;
}

int
cs_session_delete(struct cs_session *s, const char *name)
{
	json_t *d;

	if ((d = csi_session_data(s)) == NULL)
		return CS_ERR_NOMEM;
	if (name == NULL || json_object_del(d, name))
		return CS_ERR_NOT_FOUND;
	s->modified = true;
	return log_change(s, name, CHANGE_DEL, NULL);
}

int
cs_session_pop(struct cs_session *s, const char *name, json_t **value)
{
	json_t *v;
	int rc;

	*value = NULL;
	if ((rc = cs_session_get(s, name, &v)))
		return rc;
	json_incref(v);
	if ((rc = cs_session_delete(s, name))) {
		json_decref(v);
		return rc;
	}
	*value = v;
	return CS_OK;
}

json_t *
cs_session_pop_default(struct cs_session *s, const char *name, json_t *def)
{
	json_t *v;

	if (cs_session_pop(s, name, &v) == CS_OK)
		return v;
	return json_incref(def);
}

int
cs_session_update(struct cs_session *s, json_t *obj)
{
	const char *k;
	json_t *d, *v;
	int rc;

	if (!json_is_object(obj))
		return CS_ERR_INVALID;
	if ((d = csi_session_data(s)) == NULL)
		return CS_ERR_NOMEM;
	json_object_foreach(obj, k, v) {
		if (json_object_set(d, k, v))
			return CS_ERR_NOMEM;
		if ((rc = log_change(s, k, CHANGE_SET, v)))
			return rc;
	}
	/* Django sets modified even for an empty update; so must the store
	 * then be written (with a fresh expiry). */
	s->modified = s->dirty = true;
	return CS_OK;
}

int
cs_session_clear(struct cs_session *s)
{
	json_t *d;

	if ((d = json_object()) == NULL)
		return CS_ERR_NOMEM;
	json_decref(s->data);
	s->data = d;
	csi_session_log_reset(s);
	s->replaced = true;
	s->accessed = s->modified = s->dirty = true;
	return CS_OK;
}

size_t
cs_session_len(struct cs_session *s)
{
	json_t *d = csi_session_data(s);

	return d == NULL ? 0 : json_object_size(d);
}

bool
cs_session_next(struct cs_session *s, struct cs_session_iter *it,
    const char **name, json_t **value)
{
	json_t *d = csi_session_data(s);

	if (d == NULL)
		return false;
	if (!it->started) {
		it->started = true;
		it->pos = json_object_iter(d);
	} else if (it->pos != NULL)
		it->pos = json_object_iter_next(d, it->pos);
	if (it->pos == NULL)
		return false;
	if (name != NULL)
		*name = json_object_iter_key(it->pos);
	if (value != NULL)
		*value = json_object_iter_value(it->pos);
	return true;
}

enum view { VIEW_KEYS, VIEW_VALUES, VIEW_ITEMS };

static json_t *
view(struct cs_session *s, enum view what)
{
	struct cs_session_iter it = CS_SESSION_ITER_INIT;
	const char *k;
	json_t *arr, *v, *e;

	if ((arr = json_array()) == NULL)
		return NULL;
	while (cs_session_next(s, &it, &k, &v)) {
		if (what == VIEW_KEYS)
			e = json_string(k);
		else if (what == VIEW_VALUES)
			e = json_incref(v);
		else
			e = json_pack("[sO]", k, v);
		if (json_array_append_new(arr, e)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *
cs_session_keys(struct cs_session *s)
{
	return view(s, VIEW_KEYS);
}

json_t *
cs_session_values(struct cs_session *s)
{
	return view(s, VIEW_VALUES);
}

json_t *
cs_session_items(struct cs_session *s)
{
	return view(s, VIEW_ITEMS);
}

/* ---- typed access ---------------------------------------------------- */

int
cs_session_get_string(struct cs_session *s, const char *name, const char **out)
{
	json_t *v;
	int rc;

	if ((rc = cs_session_get(s, name, &v)))
		return rc;
	if (!json_is_string(v))
		return CS_ERR_INVALID;
	*out = json_string_value(v);
	return CS_OK;
}

int
cs_session_get_int(struct cs_session *s, const char *name, int64_t *out)
{
	json_t *v;
	int rc;

	if ((rc = cs_session_get(s, name, &v)))
		return rc;
	if (!json_is_integer(v))
		return CS_ERR_INVALID;
	*out = (int64_t)json_integer_value(v);
	return CS_OK;
}

int
cs_session_get_bool(struct cs_session *s, const char *name, bool *out)
{
	json_t *v;
	int rc;

	if ((rc = cs_session_get(s, name, &v)))
		return rc;
	if (!json_is_boolean(v))
		return CS_ERR_INVALID;
	*out = json_is_true(v);
	return CS_OK;
}

int
cs_session_set_string(struct cs_session *s, const char *name, const char *value)
{
	json_t *v;

	if (value == NULL)
		return CS_ERR_INVALID;
	/* jansson refuses strings that are not UTF-8. */
	if ((v = json_string(value)) == NULL)
		return CS_ERR_INVALID;
	return cs_session_set_new(s, name, v);
}

int
cs_session_set_int(struct cs_session *s, const char *name, int64_t value)
{
	return cs_session_set_new(s, name, json_integer((json_int_t)value));
}

int
cs_session_set_bool(struct cs_session *s, const char *name, bool value)
{
	return cs_session_set_new(s, name, json_boolean(value));
}

/* ---- the test cookie ------------------------------------------------- */

int
cs_session_set_test_cookie(struct cs_session *s)
{
	return cs_session_set_string(s, CS_SESSION_TEST_COOKIE_NAME,
	    CS_SESSION_TEST_COOKIE_VALUE);
}

bool
cs_session_test_cookie_worked(struct cs_session *s)
{
	const char *v;

	return cs_session_get_string(s, CS_SESSION_TEST_COOKIE_NAME, &v) ==
	    CS_OK && strcmp(v, CS_SESSION_TEST_COOKIE_VALUE) == 0;
}

int
cs_session_delete_test_cookie(struct cs_session *s)
{
	return cs_session_delete(s, CS_SESSION_TEST_COOKIE_NAME);
}

/* ---- the owner ------------------------------------------------------- */

int
cs_session_set_user(struct cs_session *s, const char *user)
{
	char *u = NULL;

	if (csi_session_data(s) == NULL)
		return CS_ERR_NOMEM;
	if (user != NULL && (u = strdup(user)) == NULL)
		return CS_ERR_NOMEM;
	free(s->user);
	s->user = u;
	s->user_set = true;
	s->modified = s->dirty = true;
	return CS_OK;
}

const char *
cs_session_user(struct cs_session *s)
{
	csi_session_data(s);
	return s->user;
}
