/*
 * csess/session.h -- request.session, as Django's SessionBase and
 * SessionMiddleware define it, on top of a session engine (store.h).
 *
 * Values are JSON (jansson).  Reference conventions follow jansson's:
 * "borrowed" means the session keeps its own reference and the caller's
 * is untouched; "stolen" (the _new variants) means the session takes the
 * caller's reference, also on error; "new reference" means the caller
 * must json_decref() the result.
 *
 * FLAGS, exactly as Django sets them
 *  - accessed: set by every read or write of the data (get, contains,
 *    iteration, set, delete, pop, setdefault, update, clear, the expiry
 *    getters, save, cycle_key).  Not by cs_session_key().
 *  - modified: set by set, update (always, even with an empty object),
 *    clear, flush, create and cycle_key; by delete and pop only when the
 *    key existed; by setdefault only when it inserted.  A failed delete
 *    (CS_ERR_NOT_FOUND) or a pop of a missing key leave it unchanged.
 *  - Mutating a JSON value in place (json_array_append on a value from
 *    cs_session_get) does not set modified: set it again, as in Django.
 *
 * KEYS
 *  An incoming key (the cookie) is checked with cs_session_key_valid()
 *  before any lookup (for SESSION_ENGINE=signed_cookies: only bounded in
 *  length and charset; the engine checks its signature).  A malformed key
 *  is dropped at once; a key whose record does not exist or has expired is
 *  dropped on load.  Such a key is never adopted: the next save issues a
 *  fresh one (cs_session_key_new, retried on CS_ERR_EXISTS).
 *
 * LOADING
 *  The record is read lazily, on the first access to the data.  A store
 *  failure during that lazy load leaves the session empty and sticky in
 *  error (cs_session_error() == CS_ERR_STORE): calls that report errors
 *  return it, the others act on the empty data, save refuses, and the
 *  middleware step answers 503.
 *
 * NO LOST UPDATES
 *  Each record has a version.  Save writes with the version it loaded
 *  (CS_SAVE_UPDATE).  When the engine answers CS_ERR_CONFLICT:
 *   - the record still exists but another request wrote it meanwhile:
 *     the session reloads it, re-applies this request's own changes key by
 *     key (the last set or delete of each key; after clear() or flush(),
 *     this request's whole data replaces the stored data) and retries, up
 *     to CS_SESSION_SAVE_RETRIES times.  Two requests that change
 *     different keys both keep their changes; for the same key the later
 *     save wins.
 *   - the record has vanished (a concurrent logout, flush or cycle_key
 *     deleted it, or it expired): the save is refused with
 *     CS_ERR_CONFLICT and cs_session_interrupted() becomes true.  The
 *     record is never re-created under the old key, and no new key is
 *     issued: the middleware answers 400 without a session Set-Cookie, as
 *     Django does with SessionInterrupted.
 *   Still conflicting after the retries: CS_ERR_CONFLICT (400) too.
 *
 * WHERE CSESS DIFFERS FROM DJANGO 3.2 (on purpose)
 *  - Django's later fixes: no save on any 5xx (4.2), Vary: Cookie
 *    whenever the session cookie is set (5.2.14, CVE-2026-35192),
 *    "_session_expiry" as an ISO-8601 string for an absolute time (4.2).
 *  - Keys must have csess's shape (above); Django takes any 8+ characters.
 *  - SESSION_SAVE_EVERY_REQUEST: an unchanged session's record is touched
 *    at most once per SESSION_TOUCH_INTERVAL instead of rewritten; a
 *    cookie whose record is gone is deleted instead of an empty session
 *    being created under a new key.
 *  - signed_cookies: a cookie that does not verify reads as no session
 *    and, once accessed, is deleted; Django replaces it with a freshly
 *    signed empty session.  Under save-every-request this engine is
 *    re-signed on every response (its expiry is in the signature).  A
 *    session too big for a browser cookie answers 500 without it, where
 *    Django sends a cookie the browser drops (store_cookie.c).
 *  - A session already written during the request (create, cycle_key,
 *    save) is not written again by the middleware unless it changed
 *    since; Django writes it twice.
 *  - A store failure answers 503 (Django: 500 from the database error).
 *    That 503 and the 400 of a vanished record keep a Vary: Cookie the
 *    step had already added (Django's 400 is a new response).
 *  - clear() (or a save) before any load, on a key whose record is gone
 *    or expired: the save issues a fresh key, as after a load that found
 *    nothing (KEYS); Django's UPDATE of the gone row answers 400.
 *  - Of duplicate session cookies the first that names a live session is
 *    read (browsers send the most specific path first; a stale cookie at
 *    a longer path must not hide the live one), else the last; Django
 *    always reads the last.
 *  - Data is what jansson holds: a Django session holding an integer
 *    beyond 64 bits, NaN/Infinity or a lone surrogate does not parse and
 *    reads as an empty session (pyjson.c, limits).
 *  - An expiry already past (an absolute time) is written Max-Age=0, not
 *    Django's negative Max-Age; Expires is Django's (now + the age).
 *  - cs_session_load() is "do the lazy load now"; Django's load() returns
 *    a fresh copy of the record without touching the session.
 *
 * THREADS AND FORK
 *  A session object belongs to one thread.  The per-process store
 *  (cs_session_store) is opened on first use (serialised by a lock) and
 *  reopened when getpid() changes; a store is never used across fork().
 *  A request with another configuration (engine, path) closes it and
 *  opens its own: do not mix configurations across threads.
 */
#ifndef CSESS_SESSION_H
#define CSESS_SESSION_H

#include <jansson.h>

#include "base.h"
#include "config.h"
#include "http.h"
#include "store.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

/* Django's reserved keys and values. */
#define CS_SESSION_EXPIRY_KEY	"_session_expiry"
#define CS_SESSION_TEST_COOKIE_NAME	"testcookie"
#define CS_SESSION_TEST_COOKIE_VALUE	"worked"

/* Attempts at an UPDATE that keeps meeting concurrent writers. */
#define CS_SESSION_SAVE_RETRIES	5

struct cs_session;

/* ---- with a request (the usual way) --------------------------------- */

/*
 * The request's session, created on the first call (not loaded: that
 * happens on first access to its data) from the SESSION_COOKIE_NAME
 * cookie.  The first call also registers the middleware step.  NULL only
 * when out of memory.  Freed with the request.
 */
struct cs_session *cs_session(struct cs_req *);

/*
 * The middleware step.  Call it once at the start of every request of a
 * program that uses sessions (or serve with cs_session_serve, which does):
 * Django deletes a stale session cookie even when the view never touches
 * the session, and that needs the step to run.  It registers a finish
 * hook (cs_req_on_finish) that, after the handler:
 *  - cookie sent and session empty: deletes the cookie
 *    (path, domain, samesite from the settings) and adds Vary: Cookie;
 *  - otherwise adds Vary: Cookie when the session was accessed, and when
 *    it was modified or SESSION_SAVE_EVERY_REQUEST is on, and it is not
 *    empty, and the status is below 500: saves it (or, when nothing
 *    changed, moves its expiry at most once per SESSION_TOUCH_INTERVAL)
 *    and sets the cookie (Max-Age/Expires from the expiry age, none when
 *    it expires at browser close; Domain, Path, Secure -- "auto" follows
 *    cs_req_is_https --, HttpOnly, SameSite from the settings) with
 *    Vary: Cookie (Django 5.2.14's fix: never a cookie without Vary);
 *  - a store failure turns the response into a 503, a vanished record
 *    into a 400, both without the session cookie.  Headers the handler
 *    set besides (other cookies) are kept: the response API cannot
 *    remove them.
 * Idempotent.  Returns CS_OK or CS_ERR_NOMEM.
 */
int	 cs_session_middleware(struct cs_req *);

/* cs_serve(handler, arg) with cs_session_middleware run before handler. */
int	 cs_session_serve(cs_handler_fn *handler, void *arg);

/* ---- without a request (tools, tests) ------------------------------- */

/*
 * A session on store (NULL: the per-process store for cfg) with the given
 * incoming key (NULL: none).  cfg must outlive the session.
 */
int	 cs_session_new(struct cs_session **out, struct cs_store *store,
	    const struct cs_config *cfg, const char *key);
void	 cs_session_free(struct cs_session *);

/*
 * The per-process store for cfg: cs_store_for_process() (store.h), under
 * the session API's older name.  Opened on first use, reopened when the
 * pid changed (after fork the parent's store is abandoned, never used or
 * closed in the child) or when cfg names another engine or path; closed at
 * exit.  CS_ERR_STORE (and one line in err, when given) if it cannot open.
 */
int	 cs_session_store(const struct cs_config *cfg, struct cs_store **out,
	    char *err, size_t errlen);

/* ---- state ----------------------------------------------------------- */

bool	 cs_session_accessed(const struct cs_session *);
bool	 cs_session_modified(const struct cs_session *);
/* No key and no data (Django's is_empty()): nothing worth a cookie. */
bool	 cs_session_is_empty(const struct cs_session *);
/* Django's session_key: does not load, so before the first access it is
 * the incoming key unverified; NULL when there is none. */
const char *cs_session_key(const struct cs_session *);
/* Sticky error of the lazy load (CS_ERR_STORE, CS_ERR_NOMEM) or CS_OK. */
int	 cs_session_error(const struct cs_session *);
/* True once a save found the record vanished (SessionInterrupted). */
bool	 cs_session_interrupted(const struct cs_session *);

/* ---- the mapping ----------------------------------------------------- */

/* s[name]: *value borrowed; CS_ERR_NOT_FOUND (Django's KeyError). */
int	 cs_session_get(struct cs_session *, const char *name, json_t **value);
/* s.get(name, def): borrowed value, or def when absent. */
json_t	*cs_session_get_default(struct cs_session *, const char *name,
	    json_t *def);
/* name in s (also has_key). */
bool	 cs_session_contains(struct cs_session *, const char *name);
/* s[name] = value: value borrowed / stolen. */
int	 cs_session_set(struct cs_session *, const char *name, json_t *value);
int	 cs_session_set_new(struct cs_session *, const char *name, json_t *value);
/* s.setdefault(name, def): inserts def (borrowed) only when absent;
 * *value (may be NULL) gets the borrowed value now under name.
 * CS_ERR_INVALID when name is absent and def is NULL. */
int	 cs_session_setdefault(struct cs_session *, const char *name,
	    json_t *def, json_t **value);
/* del s[name]: CS_ERR_NOT_FOUND when absent, modified untouched then. */
int	 cs_session_delete(struct cs_session *, const char *name);
/* s.pop(name): *value is a new reference; CS_ERR_NOT_FOUND when absent. */
int	 cs_session_pop(struct cs_session *, const char *name, json_t **value);
/* s.pop(name, def): new reference to the value, or to def (may be NULL);
 * a missing key does not set modified. */
json_t	*cs_session_pop_default(struct cs_session *, const char *name,
	    json_t *def);
/* s.update(obj): obj (borrowed) must be an object; always sets modified. */
int	 cs_session_update(struct cs_session *, json_t *obj);
/* s.clear(): empties without loading; accessed = modified = true. */
int	 cs_session_clear(struct cs_session *);
size_t	 cs_session_len(struct cs_session *);

/*
 * keys(), values(), items(): in insertion order (a key set again keeps
 * its place; deleted and set again goes last), as a Python dict.
 *	struct cs_session_iter it = CS_SESSION_ITER_INIT;
 *	while (cs_session_next(s, &it, &name, &value)) ...
 * name and value are borrowed; do not change the session while iterating.
 * The array variants return new references (NULL when out of memory).
 */
struct cs_session_iter {
	void	*pos;
	bool	 started;
};
#define CS_SESSION_ITER_INIT	{ NULL, false }
bool	 cs_session_next(struct cs_session *, struct cs_session_iter *,
	    const char **name, json_t **value);
json_t	*cs_session_keys(struct cs_session *);		/* ["k", ...] */
json_t	*cs_session_values(struct cs_session *);	/* [v, ...] */
json_t	*cs_session_items(struct cs_session *);		/* [["k", v], ...] */

/* Typed access.  Getters: CS_ERR_NOT_FOUND when absent, CS_ERR_INVALID
 * when the value has another JSON type; *out (borrowed string) untouched
 * then.  A JSON integer only is an int; true/false only are bools. */
int	 cs_session_get_string(struct cs_session *, const char *name,
	    const char **out);
int	 cs_session_get_int(struct cs_session *, const char *name, int64_t *out);
int	 cs_session_get_bool(struct cs_session *, const char *name, bool *out);
int	 cs_session_set_string(struct cs_session *, const char *name,
	    const char *value);
int	 cs_session_set_int(struct cs_session *, const char *name, int64_t value);
int	 cs_session_set_bool(struct cs_session *, const char *name, bool value);

/* ---- the record ------------------------------------------------------ */

/* Do the lazy load now (accessed = true).  CS_OK, or the sticky error. */
int	 cs_session_load(struct cs_session *);
/* Is there a record under key (expired or not)?  CS_OK / CS_ERR_NOT_FOUND /
 * CS_ERR_STORE.  Does not touch this session. */
int	 cs_session_exists(struct cs_session *, const char *key);
/* Delete the record under key (NULL: this session's key; nothing when it
 * has none).  The session's data and key are unchanged (Django's delete). */
int	 cs_session_delete_record(struct cs_session *, const char *key);
/* New key, record created with the current data; modified = true. */
int	 cs_session_create(struct cs_session *);
/* Write now: create when there is no key, else UPDATE as described above
 * (CS_ERR_CONFLICT: vanished or still conflicting; CS_ERR_STORE). */
int	 cs_session_save(struct cs_session *);
/* clear(), delete the record, forget the key: the next save makes a new
 * one, and the middleware deletes the cookie if nothing is stored. */
int	 cs_session_flush(struct cs_session *);
/* Same data under a new key; the old record is deleted (login). */
int	 cs_session_cycle_key(struct cs_session *);
/* The engine's sweep of expired records (clearsessions). */
int	 cs_session_clear_expired(struct cs_session *, size_t batch,
	    bool dry_run, struct cs_sweep_stats *);

/* The record's owner, for the engine's user index (revoke-user); the
 * owner loaded with the record until set.  Setting marks modified. */
int	 cs_session_set_user(struct cs_session *, const char *user);
const char *cs_session_user(struct cs_session *);

/* ---- expiry (stored under "_session_expiry", as Django 4.2+) ---------- */

/* seconds of inactivity (an int); 0 means at browser close. */
int	 cs_session_set_expiry(struct cs_session *, int64_t seconds);
/* an absolute time (epoch seconds), stored as ISO-8601 "...+00:00". */
int	 cs_session_set_expiry_at(struct cs_session *, int64_t when);
/* set_expiry(None): back to the global policy (modified only if set). */
int	 cs_session_unset_expiry(struct cs_session *);
/*
 * Seconds left: SESSION_COOKIE_AGE when unset or 0, the int as is,
 * an absolute time minus now (may be negative).  Reads an int, an
 * ISO-8601 string (with or without offset: naive is UTC), as Django 3.2,
 * 4.2 and 5.2 write them; anything else counts as unset.
 */
int64_t	 cs_session_get_expiry_age(struct cs_session *);
/* Epoch seconds: the absolute time, else now + (seconds or cookie age). */
int64_t	 cs_session_get_expiry_date(struct cs_session *);
/* Unset: SESSION_EXPIRE_AT_BROWSER_CLOSE; else whether it is 0. */
bool	 cs_session_get_expire_at_browser_close(struct cs_session *);

/* ---- the test cookie (a key inside the session) ---------------------- */

int	 cs_session_set_test_cookie(struct cs_session *);
bool	 cs_session_test_cookie_worked(struct cs_session *);
/* CS_ERR_NOT_FOUND when it was not set (Django raises KeyError). */
int	 cs_session_delete_test_cookie(struct cs_session *);

/* ---- truthiness (session_truthy.c) ---------------------------------- */

/*
 * bool(request.session.get(key, False)): false when key is absent or its
 * value is false, null, 0, 0.0, "", [] or {} (Python's truthiness), true
 * otherwise.  Reads the session (sets accessed) like cs_session_get; a
 * session that failed to load has no keys, and a NULL session is false.
 *
 *	if (!cs_session_truthy(cs_session(req), "is_login"))
 *		return (void)cs_resp_redirect(resp, 302, "/login/");
 */
bool	 cs_session_truthy(struct cs_session *, const char *key);
/* Python's bool() of one JSON value; NULL is false. */
bool	 cs_json_truthy(const json_t *);

#pragma GCC visibility pop
#endif
