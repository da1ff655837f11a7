/*
 * session_driver.c -- runs requests through csess's session middleware
 * for tests/interop/django_sessions.py, which runs the same requests
 * through Django's SessionMiddleware and compares.
 *
 * stdin, one JSON object per line:
 *   {"now": T, "config": ["CSESS_NAME=value", ...], "cgi": ["HTTP_COOKIE=...", ...],
 *    "status": 200, "vary": "Accept-Encoding" or null, "ops": [["set", "k", v], ...]}
 * stdout, one JSON object per line:
 *   {"results": [...], "view": {accessed, modified, empty, data?}, "raw": "<CGI response>"}
 * The ops are those of the Python side (see op() below); a KeyError is
 * the result "KeyError".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"
#include "csess_test.h"

struct job {
	json_t	*ops;
	json_t	*results;
	json_t	*view;
	int	 status;
	const char *vary;	/* the view's own Vary, or NULL */
};

static json_t *
key_error(int rc)
{
	return json_string(rc == CS_ERR_NOT_FOUND ? "KeyError" : "error");
}

static json_t *
op(struct cs_session *s, json_t *o)
{
	const char *name = json_string_value(json_array_get(o, 0));
	const char *k = json_string_value(json_array_get(o, 1));
	json_t *a = json_array_get(o, 1), *b = json_array_get(o, 2), *v;
	int rc;

	if (strcmp(name, "get") == 0) {
		rc = cs_session_get(s, k, &v);
		return rc == CS_OK ? json_incref(v) : key_error(rc);
	}
	if (strcmp(name, "getd") == 0)
		return json_incref(cs_session_get_default(s, k, b));
	if (strcmp(name, "contains") == 0)
		return json_boolean(cs_session_contains(s, k));
	if (strcmp(name, "set") == 0)
		return cs_session_set(s, k, b) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "setdefault") == 0) {
		rc = cs_session_setdefault(s, k, b, &v);
		return rc == CS_OK ? json_incref(v) : json_string("error");
	}
	if (strcmp(name, "pop") == 0) {
		rc = cs_session_pop(s, k, &v);
		return rc == CS_OK ? v : key_error(rc);
	}
	if (strcmp(name, "popd") == 0) {
		v = cs_session_pop_default(s, k, b);
		return v != NULL ? v : json_null();
	}
	if (strcmp(name, "del") == 0) {
		rc = cs_session_delete(s, k);
		return rc == CS_OK ? json_null() : key_error(rc);
	}
	if (strcmp(name, "update") == 0)
		return cs_session_update(s, a) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "clear") == 0)
		return cs_session_clear(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "flush") == 0)
		return cs_session_flush(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "cycle") == 0)
		return cs_session_cycle_key(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "save") == 0)
		return cs_session_save(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "expiry") == 0)
		return cs_session_set_expiry(s, json_integer_value(a)) == CS_OK ?
		    json_null() : json_string("error");
	if (strcmp(name, "expiry_none") == 0)
		return cs_session_unset_expiry(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "expiry_at") == 0)
		return cs_session_set_expiry_at(s, json_integer_value(a)) ==
		    CS_OK ? json_null() : json_string("error");
	if (strcmp(name, "age") == 0)
		return json_integer(cs_session_get_expiry_age(s));
	if (strcmp(name, "date") == 0)
		return json_integer(cs_session_get_expiry_date(s));
	if (strcmp(name, "close") == 0)
		return json_boolean(cs_session_get_expire_at_browser_close(s));
	if (strcmp(name, "set_test") == 0)
		return cs_session_set_test_cookie(s) == CS_OK ? json_null() :
		    json_string("error");
	if (strcmp(name, "test_worked") == 0)
		return json_boolean(cs_session_test_cookie_worked(s));
	if (strcmp(name, "del_test") == 0) {
		rc = cs_session_delete_test_cookie(s);
		return rc == CS_OK ? json_null() : key_error(rc);
	}
	if (strcmp(name, "keys") == 0)
		return cs_session_keys(s);
	if (strcmp(name, "len") == 0)
		return json_integer(cs_session_len(s));
	if (strcmp(name, "key") == 0)
		return cs_session_key(s) != NULL ?
		    json_string(cs_session_key(s)) : json_null();
	if (strcmp(name, "state") == 0)
		return json_pack("{s:b,s:b,s:b}", "accessed",
		    cs_session_accessed(s), "modified", cs_session_modified(s),
		    "empty", cs_session_is_empty(s));
	return json_string("unknown op");
}

static void
handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct job *j = arg;
	struct cs_session *s;
	const char *name;
	json_t *o, *v;
	size_t i;

	cs_session_middleware(req);
	s = cs_session(req);
	json_array_foreach(j->ops, i, o)
		json_array_append_new(j->results, op(s, o));
	j->view = json_pack("{s:b,s:b,s:b}", "accessed", cs_session_accessed(s),
	    "modified", cs_session_modified(s), "empty", cs_session_is_empty(s));
	if (cs_session_accessed(s)) {
		struct cs_session_iter it = CS_SESSION_ITER_INIT;
		json_t *d = json_object();

		while (cs_session_next(s, &it, &name, &v))
			json_object_set(d, name, v);
		json_object_set_new(j->view, "data", d);
	}
	cs_resp_status(resp, j->status);
	if (j->vary != NULL)
		cs_resp_header(resp, "Vary", j->vary);
	cs_resp_puts(resp, "ok");
}

static char **
strv(json_t *a)
{
	char **v = calloc(json_array_size(a) + 1, sizeof(*v));
	json_t *x;
	size_t i;

	json_array_foreach(a, i, x)
		v[i] = (char *)json_string_value(x);
	return v;
}

int
main(void)
{
	char line[1 << 16], err[256];
	json_error_t jerr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct cs_config cfg;
		struct cs_buf out = { 0 };
		struct job j = { 0 };
		json_t *in, *reply;
		char **cv, **gv;

		if ((in = json_loads(line, 0, &jerr)) == NULL) {
			fprintf(stderr, "driver: %s\n", jerr.text);
			return 2;
		}
		memset(&cfg, 0, sizeof(cfg));
		cv = strv(json_object_get(in, "config"));
		if (cs_config_load_env(&cfg, cv, err, sizeof(err)) != CS_OK) {
			fprintf(stderr, "driver: %s\n", err);
			return 2;
		}
		csi_clock_fix(json_integer_value(json_object_get(in, "now")));
		gv = strv(json_object_get(in, "cgi"));
		j.ops = json_object_get(in, "ops");
		j.results = json_array();
		j.status = json_integer_value(json_object_get(in, "status"));
		j.vary = json_string_value(json_object_get(in, "vary"));
		cs_run_once(&cfg, gv, NULL, 0, handler, &j, &out);
		reply = json_pack("{s:o,s:o?,s:s%}", "results", j.results,
		    "view", j.view, "raw", out.data, out.len);
		json_dumpf(reply, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(reply);
		json_decref(in);
		cs_buf_free(&out);
		cs_config_free(&cfg);
		free(cv);
		free(gv);
	}
	return 0;
}
