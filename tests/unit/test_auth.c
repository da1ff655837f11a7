/*
 * Login, the current user and logout through whole requests (cs_run_once)
 * on a real LMDB store; CSRF checks on requests.
 */
#include "users_fixture.h"

static struct ufx f;

enum action { LOGIN, WHOAMI, LOGOUT, CSRF, GATE };

struct call {
	enum action	 action;
	const char	*user;		/* out: WHOAMI */
	enum cs_auth_result result;	/* out: LOGIN */
	enum cs_csrf_result csrf;	/* out: CSRF */
	int64_t		 retry;
	char		 name[64];
};

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct call *c = arg;
	const char *u = NULL, *p = NULL;
	int err;

	cs_session_middleware(req);
	switch (c->action) {
	case LOGIN:
		cs_req_form(req, "username", &u);
		cs_req_form(req, "password", &p);
		c->result = cs_auth_login(req, resp, u ? u : "", p ? p : "", &c->retry, &err);
		break;
	case WHOAMI:
		c->user = cs_auth_user(req);
		snprintf(c->name, sizeof(c->name), "%s", c->user ? c->user : "");
		break;
	case LOGOUT:
		cs_auth_logout(req);
		break;
	case CSRF:
		c->csrf = cs_csrf_check(req);
		break;
	case GATE: {
		char *u = NULL;

		if (cs_gate_user(req, &u) == CS_OK) {
			snprintf(c->name, sizeof(c->name), "%s", u);
			c->user = c->name;
		}
		free(u);
		break;
	}
	}
}

struct out {
	char	*text;
	char	 session[64];	/* sessionid value set, "" deleted, or none */
	bool	 session_set;
	char	 csrf[80];
};

static void
parse(struct out *o)
{
	const char *line = o->text, *end;
	int n;

	for (; line && *line && strncmp(line, "\r\n", 2); line = end ? end + 2 : NULL) {
		end = strstr(line, "\r\n");
		if (!strncmp(line, "Set-Cookie: sessionid=", 22)) {
			n = (int)strcspn(line + 22, ";\r");
			snprintf(o->session, sizeof(o->session), "%.*s", n, line + 22);
			if (!strcmp(o->session, "\"\""))
				o->session[0] = '\0';
			o->session_set = true;
		} else if (!strncmp(line, "Set-Cookie: csrftoken=", 22)) {
			n = (int)strcspn(line + 22, ";\r");
			snprintf(o->csrf, sizeof(o->csrf), "%.*s", n, line + 22);
		}
	}
}

/* One request: method, cookie header (or NULL), body (form, or NULL), extra vars. */
static struct out
request(struct call *c, const char *method, const char *cookie, const char *body,
    char **extra)
{
	char *envp[20], m[32], ck[600], len[48];
	struct cs_buf buf = { 0 };
	struct out o = { 0 };
	int n = 0;

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	envp[n++] = m;
	envp[n++] = "REQUEST_URI=/login";
	envp[n++] = "REMOTE_ADDR=203.0.113.9";
	if (cookie) {
		snprintf(ck, sizeof(ck), "HTTP_COOKIE=%s", cookie);
		envp[n++] = ck;
	}
	if (body) {
		envp[n++] = "CONTENT_TYPE=application/x-www-form-urlencoded";
		snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));
		envp[n++] = len;
	}
	while (extra && *extra && n < 19)
		envp[n++] = *extra++;
	envp[n] = NULL;
	cr_assert_eq(cs_run_once(&f.cfg, envp, body, body ? strlen(body) : 0,
	    handler, c, &buf), CS_OK);
	o.text = cs_buf_steal(&buf);
	parse(&o);
	return o;
}

static void
setup(void)
{
	ufx_init(&f);
	ufx_load(&f);
	ufx_add_user(&f, "alice", "s3cret!");
	ufx_add_user(&f, "bob", "hunter2");
}

TestSuite(auth, .init = setup);

/* Log in as user/password with an optional existing session cookie. */
static struct out
login(const char *cookie, const char *user, const char *pw, enum cs_auth_result *r)
{
	struct call c = { .action = LOGIN };
	char body[200];
	struct out o;

	snprintf(body, sizeof(body), "username=%s&password=%s", user, pw);
	o = request(&c, "POST", cookie, body, NULL);
	*r = c.result;
	return o;
}

static const char *
whoami(const char *session, struct out *o)
{
	static struct call c;
	char cookie[100];

	memset(&c, 0, sizeof(c));
	c.action = WHOAMI;
	snprintf(cookie, sizeof(cookie), "sessionid=%s", session);
	*o = request(&c, "GET", cookie, NULL, NULL);
	return c.user ? c.name : NULL;
}

Test(auth, right_password_logs_in_and_the_session_names_the_user)
{
	enum cs_auth_result r;
	struct out o = login(NULL, "alice", "s3cret!", &r), w;

	cr_assert_eq(r, CS_AUTH_OK);
	cr_assert(o.session_set);
	cr_assert_eq(strlen(o.session), CS_SESSION_KEY_LEN);
	cr_assert_eq(strlen(o.csrf), CS_CSRF_SECRET_LEN, "login rotates the CSRF secret");
	cr_assert_str_eq(whoami(o.session, &w), "alice");
	free(o.text);
	free(w.text);
}

Test(auth, wrong_password_and_unknown_user_get_the_same_answer)
{
	enum cs_auth_result r1, r2;
	struct out a = login(NULL, "alice", "nope", &r1);
	struct out b = login(NULL, "mallory", "nope", &r2);

	cr_assert_eq(r1, CS_AUTH_BAD_CREDENTIALS);
	cr_assert_eq(r2, CS_AUTH_BAD_CREDENTIALS);
	cr_assert_not(a.session_set);
	cr_assert_not(b.session_set);
	free(a.text);
	free(b.text);
}

Test(auth, login_cycles_an_anonymous_session_key)
{
	enum cs_auth_result r;
	struct cs_session *s;
	struct out o;
	const char *cart = NULL;
	char *key = NULL, cookie[100];

	/* An anonymous session with data, as the test cookie makes. */
	cr_assert_eq(cs_session_new(&s, NULL, &f.cfg, NULL), CS_OK);
	cs_session_set_string(s, "cart", "apples");
	cr_assert_eq(cs_session_save(s), CS_OK);
	key = strdup(cs_session_key(s));
	cs_session_free(s);
	snprintf(cookie, sizeof(cookie), "sessionid=%s", key);
	o = login(cookie, "alice", "s3cret!", &r);
	cr_assert_eq(r, CS_AUTH_OK);
	cr_assert_str_neq(o.session, key, "fixation: the key must change");
	/* The old key is gone, the data came along. */
	cr_assert_eq(cs_session_new(&s, NULL, &f.cfg, key), CS_OK);
	cr_assert(cs_session_is_empty(s) || !cs_session_contains(s, "cart"));
	cs_session_free(s);
	cr_assert_eq(cs_session_new(&s, NULL, &f.cfg, o.session), CS_OK);
	cr_assert_eq(cs_session_get_string(s, "cart", &cart), CS_OK);
	cr_assert_str_eq(cart, "apples");
	cs_session_free(s);
	free(key);
	free(o.text);
}

Test(auth, another_users_login_flushes_the_previous_session)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r), b, w;
	char cookie[100];

	snprintf(cookie, sizeof(cookie), "sessionid=%s", a.session);
	b = login(cookie, "bob", "hunter2", &r);
	cr_assert_eq(r, CS_AUTH_OK);
	cr_assert_str_neq(b.session, a.session);
	cr_assert_null(whoami(a.session, &w), "alice's session must be gone");
	free(w.text);
	cr_assert_str_eq(whoami(b.session, &w), "bob");
	free(a.text);
	free(b.text);
	free(w.text);
}

Test(auth, logging_in_again_as_the_same_user_still_cycles_the_key)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r), b, w;
	char cookie[100];

	cr_assert_eq(r, CS_AUTH_OK);
	snprintf(cookie, sizeof(cookie), "sessionid=%s", a.session);
	b = login(cookie, "alice", "s3cret!", &r);
	cr_assert_eq(r, CS_AUTH_OK);
	cr_assert(b.session_set);
	cr_assert_str_neq(b.session, a.session, "every successful login cycles the key");
	cr_assert_null(whoami(a.session, &w), "the old key is no longer a session");
	free(w.text);
	cr_assert_str_eq(whoami(b.session, &w), "alice");
	free(a.text);
	free(b.text);
	free(w.text);
}

Test(auth, a_password_change_logs_out_existing_sessions)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r), w;

	ufx_add_user(&f, "alice", "new password");
	cr_assert_null(whoami(a.session, &w));
	free(w.text);
	free(a.text);
}

/* The user record is remembered between requests of one process
 * (users.c): a changed password must still end access at once. */
Test(auth, a_password_change_ends_access_in_a_process_that_just_read_the_user)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r), w;

	cr_assert_str_eq(whoami(a.session, &w), "alice");
	free(w.text);
	cr_assert_str_eq(whoami(a.session, &w), "alice");
	free(w.text);
	ufx_add_user(&f, "alice", "new password");
	cr_assert_null(whoami(a.session, &w));
	free(w.text);
	free(a.text);
}

Test(auth, a_stale_auth_hash_in_the_session_is_refused_and_flushed)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r), w;

	/* The record's hash changes without revoking (as a SECRET_KEY change). */
	cr_assert_eq(cs_user_set_auth_hash(&f.cfg, "alice", "0000"), CS_OK);
	cr_assert_null(whoami(a.session, &w));
	cr_assert(w.session_set && w.session[0] == '\0', "the cookie is deleted");
	free(w.text);
	free(a.text);
}

Test(auth, deleting_the_user_ends_the_session)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "bob", "hunter2", &r), w;

	cr_assert_eq(cs_user_delete(&f.cfg, "bob"), CS_OK);
	cr_assert_null(whoami(a.session, &w));
	free(w.text);
	free(a.text);
}

/* cs_gate_user's answer for one session cookie, or NULL. */
static const char *
gate_user(const char *session)
{
	static struct call c;
	char cookie[100];
	struct out o;

	memset(&c, 0, sizeof(c));
	c.action = GATE;
	snprintf(cookie, sizeof(cookie), "sessionid=%s", session);
	o = request(&c, "GET", cookie, NULL, NULL);
	free(o.text);
	return c.user;
}

/* The gate remembers parsed session data between requests of a process
 * (lib/gate.c): every change must still be seen by the next request. */
Test(auth, the_gate_sees_each_change_of_session_or_user_in_one_process)
{
	enum cs_auth_result r;
	struct out a = login(NULL, "alice", "s3cret!", &r);
	struct out b = login(NULL, "bob", "hunter2", &r), o;
	struct call c = { .action = LOGOUT };
	struct cs_record rec, cur;
	struct cs_store *st;
	char cookie[100], *key;

	cr_assert_str_eq(gate_user(a.session), "alice");
	cr_assert_str_eq(gate_user(a.session), "alice");
	cr_assert_str_eq(gate_user(b.session), "bob");
	/* Bob's data under alice's key: the same key, other bytes. */
	cr_assert_eq(cs_session_store(&f.cfg, &st, NULL, 0), CS_OK);
	cr_assert_eq(st->ops->load(st, a.session, cs_now(), &cur), CS_OK);
	cr_assert_eq(st->ops->load(st, b.session, cs_now(), &rec), CS_OK);
	rec.version = cur.version;
	key = strdup(a.session);
	cr_assert_eq(st->ops->save(st, &key, &rec, CS_SAVE_UPDATE), CS_OK);
	cs_record_free(&cur);
	cs_record_free(&rec);
	free(key);
	cr_assert_str_eq(gate_user(a.session), "bob");
	/* The user's record changes, the session's bytes do not. */
	cr_assert_eq(cs_user_set_auth_hash(&f.cfg, "bob", "0000"), CS_OK);
	cr_assert_null(gate_user(b.session));
	cr_assert_null(gate_user(a.session));
	/* A logged-out session is gone. */
	snprintf(cookie, sizeof(cookie), "sessionid=%s", b.session);
	o = request(&c, "POST", cookie, NULL, NULL);
	cr_assert_null(gate_user(b.session));
	free(o.text);
	free(a.text);
	free(b.text);
}

Test(auth, logout_flushes_and_deletes_the_cookie)
{
	enum cs_auth_result r;
	struct call c = { .action = LOGOUT };
	struct out a = login(NULL, "alice", "s3cret!", &r), o, w;
	char cookie[100];

	snprintf(cookie, sizeof(cookie), "sessionid=%s", a.session);
	o = request(&c, "POST", cookie, NULL, NULL);
	cr_assert(o.session_set && o.session[0] == '\0');
	cr_assert_null(whoami(a.session, &w), "no resurrection after logout");
	free(a.text);
	free(o.text);
	free(w.text);
}

Test(auth, failures_throttle_even_the_right_password)
{
	enum cs_auth_result r;
	struct out o;
	int i;

	for (i = 0; i < 5; i++) {
		o = login(NULL, "alice", "wrong", &r);
		free(o.text);
	}
	o = login(NULL, "alice", "s3cret!", &r);
	cr_assert_eq(r, CS_AUTH_THROTTLED);
	free(o.text);
}

Test(auth, a_weak_hash_is_upgraded_on_login)
{
	struct cs_buf weak = { 0 };
	enum cs_auth_result r;
	struct cs_user u;
	struct out o;

	cs_password_hash(&weak, "pw", 2, 500, NULL);
	cs_user_put(&f.cfg, "carol", weak.data, NULL, false);
	o = login(NULL, "carol", "pw", &r);
	cr_assert_eq(r, CS_AUTH_OK);
	cr_assert_eq(cs_user_get(&f.cfg, "carol", &u), CS_OK);
	cr_assert(strncmp(u.password_hash, "pbkdf2_sha256$1000$", 19) == 0, "%s", u.password_hash);
	cr_assert_not_null(u.auth_hash, "the session auth hash is stored at login");
	cs_user_free(&u);
	cs_buf_free(&weak);
	free(o.text);
}

Test(auth, safe_next_allows_only_local_paths)
{
	cr_assert(cs_auth_safe_next("/protected"));
	cr_assert(cs_auth_safe_next("/a/b?c=d&e=%2F"));
	cr_assert_not(cs_auth_safe_next(NULL));
	cr_assert_not(cs_auth_safe_next(""));
	cr_assert_not(cs_auth_safe_next("protected"));
	cr_assert_not(cs_auth_safe_next("//evil.example"));
	cr_assert_not(cs_auth_safe_next("/\\evil.example"));
	cr_assert_not(cs_auth_safe_next("/x\\y"));
	cr_assert_not(cs_auth_safe_next("https://evil.example/"));
	cr_assert_not(cs_auth_safe_next("javascript:alert(1)"));
	cr_assert_not(cs_auth_safe_next("/\t/evil.example"));
	cr_assert_not(cs_auth_safe_next("/\n/evil.example"));
	cr_assert_not(cs_auth_safe_next(" /x"));
	cr_assert_not(cs_auth_safe_next("/caf\xc3\xa9"));
}

static void
local_path_is(const char *path, const char *want)
{
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_auth_local_path(&b, path, strlen(path)), CS_OK);
	cr_assert_str_eq(b.data, want, "%s -> %s, want %s", path, b.data, want);
	cr_assert(cs_auth_safe_next(b.data), "%s is a safe local path", b.data);
	cs_buf_free(&b);
}

Test(auth, local_path_can_only_name_this_site)
{
	local_path_is("/login", "/login");
	local_path_is("/a/b;c=d/%2F", "/a/b;c=d/%2F");
	local_path_is("//evil.example/login", "/evil.example/login");
	local_path_is("/\\evil.example/login", "/evil.example/login");
	local_path_is("/\\/\\evil.example/x", "/evil.example/x");
	local_path_is("/%5Cevil.example", "/%5Cevil.example");
	local_path_is("/\t/evil.example", "/%09/evil.example");
	local_path_is("/\r\n/evil.example", "/%0D%0A/evil.example");
	local_path_is("/x\\y z", "/x%5Cy%20z");
	local_path_is("/\"><script>?#", "/%22%3E%3Cscript%3E%3F%23");
	local_path_is("/caf\xc3\xa9", "/caf%C3%A9");
	local_path_is("", "/");
	local_path_is("evil.example", "/evil.example");
}

/* ---- CSRF on requests ------------------------------------------------ */

#define SECRET	"abcdefghijklmnopqrstuvwxyzABCDEF"

static enum cs_csrf_result
csrf(const char *method, const char *cookie, const char *body, char **extra)
{
	struct call c = { .action = CSRF };
	struct out o = request(&c, method, cookie, body, extra);

	free(o.text);
	return c.csrf;
}

Test(auth, csrf_accepts_a_masked_token_matching_the_cookie)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], body[128];

	cs_csrf_mask(SECRET, tok);
	snprintf(body, sizeof(body), "csrfmiddlewaretoken=%s", tok);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, NULL), CS_CSRF_OK);
}

Test(auth, csrf_refusals_name_their_reason)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], body[128];
	char *wrong_origin[] = { "HTTP_HOST=example.com", "HTTP_ORIGIN=http://evil.example", NULL };

	cs_csrf_mask(SECRET, tok);
	snprintf(body, sizeof(body), "csrfmiddlewaretoken=%s", tok);
	cr_assert_eq(csrf("GET", NULL, NULL, NULL), CS_CSRF_OK, "safe methods pass");
	cr_assert_eq(csrf("POST", NULL, body, NULL), CS_CSRF_NO_COOKIE);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, "a=b", NULL), CS_CSRF_NO_TOKEN);
	cr_assert_eq(csrf("POST", "csrftoken=zyxwvutsrqponmlkjihgfedcbaZYXWVU", body, NULL),
	    CS_CSRF_BAD_TOKEN);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, "csrfmiddlewaretoken=short", NULL),
	    CS_CSRF_BAD_TOKEN);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, wrong_origin), CS_CSRF_BAD_ORIGIN);
}

Test(auth, csrf_token_may_come_in_the_header)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], hdr[128];
	char *extra[] = { hdr, NULL };

	cs_csrf_mask(SECRET, tok);
	snprintf(hdr, sizeof(hdr), "HTTP_X_CSRFTOKEN=%s", tok);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, "a=b", extra), CS_CSRF_OK);
}

Test(auth, csrf_origin_may_carry_the_server_port_when_host_has_none)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], body[128];
	char *nginx[] = { "HTTP_HOST=127.0.0.1", "SERVER_PORT=8080",
	    "HTTP_ORIGIN=http://127.0.0.1:8080", NULL };
	char *other[] = { "HTTP_HOST=127.0.0.1", "SERVER_PORT=8080",
	    "HTTP_ORIGIN=http://127.0.0.1:9090", NULL };

	cs_csrf_mask(SECRET, tok);
	snprintf(body, sizeof(body), "csrfmiddlewaretoken=%s", tok);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, nginx), CS_CSRF_OK);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, other), CS_CSRF_BAD_ORIGIN);
}

Test(auth, csrf_over_https_without_origin_needs_a_same_origin_referer)
{
	char tok[CS_CSRF_TOKEN_LEN + 1], body[128];
	char *none[] = { "HTTPS=on", "HTTP_HOST=example.com", NULL };
	char *good[] = { "HTTPS=on", "HTTP_HOST=example.com",
	    "HTTP_REFERER=https://example.com/login", NULL };
	char *plain[] = { "HTTPS=on", "HTTP_HOST=example.com",
	    "HTTP_REFERER=http://example.com/login", NULL };
	char *prefix[] = { "HTTPS=on", "HTTP_HOST=example.com",
	    "HTTP_REFERER=https://example.com.evil.example/", NULL };

	cs_csrf_mask(SECRET, tok);
	snprintf(body, sizeof(body), "csrfmiddlewaretoken=%s", tok);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, none), CS_CSRF_NO_REFERER);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, good), CS_CSRF_OK);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, plain), CS_CSRF_BAD_REFERER);
	cr_assert_eq(csrf("POST", "csrftoken=" SECRET, body, prefix), CS_CSRF_BAD_REFERER);
}
