/*
 * middleware.c -- Django's SessionMiddleware as a finish hook: the
 * request's session comes from the cookie, and after the handler the
 * session is saved and the cookie set, refreshed or deleted.
 *
 * Behaviour is Django 3.2's process_response with the later fixes:
 * no save on any 5xx (4.2, #34173), Vary: Cookie whenever the cookie is
 * set (5.2.14, CVE-2026-35192), and the lazy touch for
 * SESSION_SAVE_EVERY_REQUEST.  See session.h for the exact rules.
 */
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "session_impl.h"
#include "log.h"

/* Django's SessionInterrupted message. */
#define INTERRUPTED_MSG	"The request's session was deleted before the " \
	"request completed. The user may have logged out in a concurrent " \
	"request, for example."
#define UNAVAILABLE_MSG	"The session store is unavailable. Please try " \
	"again later."

struct mw {
	struct cs_session	*s;
	bool			 hooked;
};

/* The slot's key: its address, unique to this module. */
static const char slot_key;

static void cs_session_finish(struct cs_req *, struct cs_resp *, void *);

static void
mw_free(void *p)
{
	struct mw *mw = p;

	cs_session_free(mw->s);
	free(mw);
}

/* Does key name a live session (the store is asked)? */
static bool
live(const struct cs_config *cfg, const char *key)
{
	struct cs_record rec = { 0 };
	struct cs_store *st;
	bool ok;

	if (!csi_session_key_acceptable(NULL, cfg, key) ||
	    cs_store_for_process(cfg, &st, NULL, 0) != CS_OK)
		return false;
	ok = cs_store_load(st, key, cs_now(), &rec) == CS_OK;
	cs_record_free(&rec);
	return ok;
}

/*
 * The session key the request names.  Browsers send the most specific path
 * first, so the first cookie wins (and a cookie tossed from a sibling
 * domain does not beat it by creation order, as with Django's last-wins).
 * But a stale cookie left at a longer path (an old SESSION_COOKIE_PATH)
 * would then hide the live one for good, and logging in again could not
 * fix it: with duplicates -- and only then is the store asked -- the first
 * that names a live session is taken; when none does, the last, as Django
 * would (it then only decides whether the dead cookie is deleted).
 */
static const char *
incoming_key(struct cs_req *req, const struct cs_config *cfg)
{
	const char *name = cfg->session_cookie_name;
	const struct cs_cookie_pair *p;
	const struct cs_cookies *cookies;
	size_t i, n;

	if (cs_req_cookies(req, &cookies) != CS_OK)
		return NULL;
	n = cs_cookies_count(cookies, name);
	if (n <= 1)
		return cs_cookies_get(cookies, name);
	for (i = 0; i < n; i++)
		if ((p = cs_cookies_get_nth(cookies, name, i)) != NULL &&
		    live(cfg, p->value))
			return p->value;
	p = cs_cookies_get_nth(cookies, name, n - 1);
	return p ? p->value : NULL;
}

static struct mw *
mw_get(struct cs_req *req)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct mw *mw;

	if ((mw = cs_req_slot(req, &slot_key)) != NULL)
		return mw;
	if (cfg == NULL || (mw = calloc(1, sizeof(*mw))) == NULL)
		return NULL;
	if (cs_session_new(&mw->s, NULL, cfg, incoming_key(req, cfg))) {
		free(mw);
		return NULL;
	}
	if (cs_req_set_slot(req, &slot_key, mw, mw_free)) {
		mw_free(mw);
		return NULL;
	}
	return mw;
}

int
cs_session_middleware(struct cs_req *req)
{
	struct mw *mw;

	if ((mw = mw_get(req)) == NULL)
		return CS_ERR_NOMEM;
	if (!mw->hooked) {
		if (cs_req_on_finish(req, cs_session_finish, NULL))
			return CS_ERR_NOMEM;
		mw->hooked = true;
	}
	return CS_OK;
}

struct cs_session *
cs_session(struct cs_req *req)
{
	if (cs_session_middleware(req))
		return NULL;
	return ((struct mw *)cs_req_slot(req, &slot_key))->s;
}

/* ---- the finish step ------------------------------------------------- */

static void
answer_error(struct cs_resp *resp, int code, const char *msg)
{
	cs_resp_clear_body(resp);
	cs_resp_status(resp, code);
	cs_resp_error(resp, code, msg);
}

/* The operator's one line on a save the store refused (map at
 * SESSION_STORE_MAX_SIZE, disk full): the cause, in the store's words. */
static void
log_store_failure(struct cs_session *s)
{
	struct cs_store *st = NULL;
	const char *why;

	(void)csi_session_store_of(s, &st);
	why = cs_store_error(st);
	csi_log(CS_LOG_ERROR, "session store: %s", *why ? why : "unavailable");
}

static void
delete_cookie(struct cs_resp *resp, const struct cs_config *cfg)
{
	cs_resp_delete_cookie(resp, cfg->session_cookie_name,
	    cfg->session_cookie_path, cfg->session_cookie_domain,
	    cfg->session_cookie_samesite);
	cs_resp_vary(resp, "Cookie");
}

/* The session cookie's attributes that come from the settings and the
 * request alone (no expiry: computing it would load the session). */
static void
static_cookie(struct cs_req *req, const struct cs_config *cfg, const char *value,
    struct cs_set_cookie *c)
{
	memset(c, 0, sizeof(*c));
	c->name = cfg->session_cookie_name;
	c->value = value;
	c->path = cfg->session_cookie_path;
	c->domain = cfg->session_cookie_domain;
	cs_set_cookie_session_policy(c, req);
}

static int
set_cookie(struct cs_req *req, struct cs_resp *resp, struct cs_session *s)
{
	struct cs_set_cookie c;

	static_cookie(req, s->cfg, s->key, &c);
	/* At browser close: neither Max-Age nor Expires.  Expires is
	 * now + age even when the age is negative (a past absolute expiry),
	 * as Django writes it; the cookie writer clamps Max-Age to 0. */
	if (!cs_session_get_expire_at_browser_close(s)) {
		c.has_max_age = true;
		c.max_age = cs_session_get_expiry_age(s);
		/* Out of range (an int expiry near INT64_MAX): left to the
		 * cookie writer, which refuses it. */
		c.has_expires = !__builtin_add_overflow(cs_now(), c.max_age,
		    &c.expires);
	}
	return cs_resp_set_cookie(resp, &c);
}

/*
 * Would the settings make a cookie this request can carry?  Checked before
 * saving, so that a cookie the serializer must refuse (a __Host- name over
 * plain HTTP with SESSION_COOKIE_SECURE=auto, SameSite=None without Secure)
 * leaves no record behind that no browser could ever name.
 */
static bool
cookie_possible(struct cs_req *req, const struct cs_config *cfg)
{
	static const char shape[] = "abcdefghijklmnopqrstuvwxyz012345";
	struct cs_set_cookie c;
	const char *why = NULL;

	static_cookie(req, cfg, shape, &c);
	if (cs_set_cookie_validate(&c, cs_now(), &why) == CS_OK)
		return true;
	csi_log(CS_LOG_ERROR, "session cookie refused: %s (check the "
	    "SESSION_COOKIE_* settings)", why ? why : "invalid");
	return false;
}

static void
cs_session_finish(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct mw *mw = cs_req_slot(req, &slot_key);
	const struct cs_config *cfg;
	struct cs_session *s;
	bool accessed, modified, empty, sent, every;
	int rc;

	(void)arg;
	if (mw == NULL)
		return;
	s = mw->s;
	cfg = s->cfg;
	/* Django reads the flags once, before saving. */
	accessed = s->accessed;
	modified = s->modified;
	empty = cs_session_is_empty(s);
	sent = cs_req_cookie(req, cfg->session_cookie_name) != NULL;
	every = cfg->session_save_every_request;

	if (s->err) {
		/* The handler saw an empty session for want of the store, or
		 * a logout could not delete the record. */
		answer_error(resp, 503, UNAVAILABLE_MSG);
		return;
	}
	if (sent && empty) {
		delete_cookie(resp, cfg);
		return;
	}
	if (accessed)
		cs_resp_vary(resp, "Cookie");
	if (!(modified || every) || empty || cs_resp_get_status(resp) >= 500)
		return;
	if (!cookie_possible(req, cfg)) {
		answer_error(resp, 500, "The session cookie could not be set.");
		return;
	}
	rc = csi_session_persist(s, every);
	if (rc == CS_ERR_CONFLICT) {
		answer_error(resp, 400, INTERRUPTED_MSG);
		return;
	}
	if (rc) {
		/* CS_ERR_STORE is the store being down; anything else (too
		 * large for the engine, out of memory) is this server's fault. */
		if (rc == CS_ERR_STORE) {
			log_store_failure(s);
			answer_error(resp, 503, UNAVAILABLE_MSG);
		}
		else
			answer_error(resp, 500, "The session could not be saved.");
		return;
	}
	if (s->key == NULL) {
		/* Save-every-request found no record behind the cookie and
		 * there was nothing to store: no new key for nothing. */
		if (sent)
			delete_cookie(resp, cfg);
		return;
	}
	if (set_cookie(req, resp, s) == CS_OK)
		cs_resp_vary(resp, "Cookie");
	else
		answer_error(resp, 500, "The session cookie could not be set.");
}

/* ---- serving --------------------------------------------------------- */

struct serve {
	cs_handler_fn	*handler;
	void		*arg;
};

static void
serve_one(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct serve *sv = arg;

	if (cs_session_middleware(req)) {
		answer_error(resp, 500, "Out of memory.");
		return;
	}
	sv->handler(req, resp, sv->arg);
}

int
cs_session_serve(cs_handler_fn *handler, void *arg)
{
	struct serve sv = { handler, arg };

	return cs_serve(serve_one, &sv);
}
