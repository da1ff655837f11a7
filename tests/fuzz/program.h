/*
 * program.h -- one request through a program's handler, in process, for
 * the libFuzzer harnesses fuzz_login.c, fuzz_protected.c, fuzz_logout.c.
 *
 * A harness defines PROGRAM_SOURCE and PROGRAM_HANDLER and includes this
 * file, which includes the program (its main renamed away) and runs its
 * handler behind the session middleware, as cs_session_serve would, with
 * cs_run_once.  The store is a private LMDB file holding user "alice"
 * (password "pw") and a session of hers under FUZZ_SESSION_KEY, recreated
 * whenever a request (a logout) removed it, so inputs can reach the
 * logged-in paths.  Sessions a request creates are deleted after it, so
 * the store does not grow with the run.
 *
 * Input, lines separated by '\n' (text, so the dictionary's words apply):
 *   method
 *   request URI (path and query; QUERY_STRING is what follows '?')
 *   Cookie header ("-" for none)
 *   extra CGI variables, "NAME=value" separated by TABs (these come first,
 *     so they override: CONTENT_TYPE, CONTENT_LENGTH, HTTPS, HTTP_ORIGIN...)
 *   body (the rest)
 * FUZZ_VERBOSE=1 prints each response.
 */
#include <unistd.h>

#include "fuzz.h"
#include "csess.h"

#define FUZZ_SESSION_KEY	"fuzzsessionfuzzsessionfuzzsessio"
#define MAX_EXTRA		16

#define main program_main
#include PROGRAM_SOURCE
#undef main

static struct cs_config fz_cfg;
static struct cs_store *fz_store;
static struct cs_record fz_fixture;	/* alice's session, to recreate */
static bool fz_verbose;

static void
fz_with_middleware(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)arg;
#ifndef PROGRAM_WITHOUT_MIDDLEWARE	/* the gate serves with cs_serve alone */
	if (cs_session_middleware(req)) {
		cs_resp_error(resp, 500, NULL);
		return;
	}
#endif
	PROGRAM_HANDLER(req, resp, NULL);
}

static void
fz_login_alice(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	int64_t retry;
	int err;

	(void)arg;
	if (cs_session_middleware(req) ||
	    cs_auth_login(req, resp, "alice", "pw", &retry, &err) != CS_AUTH_OK)
		abort();
}

/* The session key the response sets, or NULL; malloc'd. */
static char *
fz_set_session_key(const struct cs_buf *out)
{
	char pat[128], *p, *end;

	snprintf(pat, sizeof(pat), "Set-Cookie: %s=", fz_cfg.session_cookie_name);
	if (out->data == NULL || (p = strstr(out->data, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	end = p + strcspn(p, ";\r\n");
	return end > p ? strndup(p, (size_t)(end - p)) : NULL;
}

static void
fz_ensure_fixture(void)
{
	struct cs_record r = fz_fixture;
	char *key;

	if (fz_store->ops->exists(fz_store, FUZZ_SESSION_KEY) == CS_OK)
		return;
	if ((key = strdup(FUZZ_SESSION_KEY)) == NULL)
		abort();
	if (fz_store->ops->save(fz_store, &key, &r, CS_SAVE_CREATE) != CS_OK)
		abort();
	free(key);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char storev[300], err[256], *key;
	struct cs_buf hash = { 0 }, out = { 0 };
	char *env[] = { "CSESS_SECRET_KEY=fuzz-secret-key-fuzz-secret-key-fuzz-secret",
		"CSESS_SESSION_SYNC=none", "CSESS_PASSWORD_ITERATIONS=1",
		"CSESS_LOGIN_FAILURES_PER_USER=1000000",
		"CSESS_LOGIN_FAILURES_PER_ADDRESS=1000000",
		"CSESS_LOGIN_FAILURE_WINDOW=1",
		"CSESS_SESSION_STORE_MAX_SIZE=1073741824", storev, NULL };
	char *req[] = { "REQUEST_METHOD=POST", "REMOTE_ADDR=192.0.2.1", NULL };

	(void)argc;
	(void)argv;
	fz_verbose = getenv("FUZZ_VERBOSE") != NULL;
	snprintf(storev, sizeof(storev), "CSESS_SESSION_STORE=%s/s.mdb",
	    fuzz_tmpdir(PROGRAM_NAME));
	if (cs_config_load_env(&fz_cfg, env, err, sizeof(err)) ||
	    cs_session_store(&fz_cfg, &fz_store, err, sizeof(err)) ||
	    cs_password_hash(&hash, "pw", 2, 1, NULL) ||
	    cs_user_put(&fz_cfg, "alice", hash.data, NULL, false)) {
		fprintf(stderr, "fuzz: setup: %s\n", err);
		abort();
	}
	cs_buf_free(&hash);
	/* A real login makes alice's session; keep it under a fixed key. */
	if (cs_run_once(&fz_cfg, req, NULL, 0, fz_login_alice, NULL, &out) ||
	    (key = fz_set_session_key(&out)) == NULL ||
	    fz_store->ops->load(fz_store, key, cs_now(), &fz_fixture) != CS_OK)
		abort();
	fz_store->ops->del(fz_store, key);
	free(key);
	cs_buf_free(&out);
	fz_ensure_fixture();
	return 0;
}

/* Next '\n'-terminated field of the input, or the rest. */
static char *
fz_field(char **s)
{
	char *f = *s;

	if (f == NULL)
		return "";
	if ((*s = strchr(f, '\n')) != NULL)
		*(*s)++ = '\0';
	return f;
}

static void
fz_run(char *in, size_t n)
{
	char *env[MAX_EXTRA + 16], *vars[12], *p = in, *extra, *tab, *key;
	const char *method, *uri, *cookie, *query, *body;
	struct cs_buf out = { 0 };
	size_t i = 0, k = 0, blen;

	method = fz_field(&p);
	uri = fz_field(&p);
	cookie = fz_field(&p);
	extra = fz_field(&p);
	body = p ? p : "";
	blen = p ? n - (size_t)(p - in) : 0;
	while (i < MAX_EXTRA && *extra) {
		env[i++] = extra;
		if ((tab = strchr(extra, '\t')) == NULL)
			break;
		*tab = '\0';
		extra = tab + 1;
	}
	query = strchr(uri, '?');
	if (asprintf(&vars[k++], "REQUEST_METHOD=%s", method) < 0 ||
	    asprintf(&vars[k++], "REQUEST_URI=%s", uri) < 0 ||
	    asprintf(&vars[k++], "QUERY_STRING=%s", query ? query + 1 : "") < 0 ||
	    asprintf(&vars[k++], "CONTENT_LENGTH=%zu", blen) < 0)
		abort();
	if (strcmp(cookie, "-") != 0 &&
	    asprintf(&vars[k++], "HTTP_COOKIE=%s", cookie) < 0)
		abort();
	for (size_t j = 0; j < k; j++)
		env[i++] = vars[j];
	env[i++] = "CONTENT_TYPE=application/x-www-form-urlencoded";
	env[i++] = "SCRIPT_NAME=/cgi-bin/" PROGRAM_NAME;
	env[i++] = "REMOTE_ADDR=192.0.2.7";
	env[i++] = "HTTP_HOST=example.com";
	env[i++] = "SERVER_NAME=example.com";
	env[i++] = "SERVER_PORT=80";
	env[i] = NULL;

	fz_ensure_fixture();
	FUZZ_CHECK(cs_run_once(&fz_cfg, env, body, blen, fz_with_middleware, NULL,
	    &out) == CS_OK);
	FUZZ_CHECK(out.len > 8 && strncmp(out.data, "Status: ", 8) == 0);
	/* Every header line ends in CRLF and holds no bare CR or LF. */
	if (fz_verbose)
		fprintf(stderr, "---\n%s\n", out.data);
	if ((key = fz_set_session_key(&out)) != NULL) {
		if (strcmp(key, FUZZ_SESSION_KEY) != 0 && *key)
			fz_store->ops->del(fz_store, key);
		free(key);
	}
	cs_buf_free(&out);
	for (size_t j = 0; j < k; j++)
		free(vars[j]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);

	fz_run(s, size);
	free(s);
	return 0;
}
