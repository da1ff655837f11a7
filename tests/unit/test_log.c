/*
 * The library's messages reach the operator through one hook: a program
 * that sets it gets every message and stderr gets nothing; unset, they go
 * to stderr as "csess: MSG" (the web server's error log).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csess.h"

static char seen[8][512];
static enum cs_log_level levels[8];
static int nseen;

static void
collect(void *arg, enum cs_log_level level, const char *msg)
{
	cr_assert_eq(arg, (void *)seen, "the hook gets its own argument");
	if (nseen < 8) {
		levels[nseen] = level;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", msg);
	}
}

static void
missing_page(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	(void)arg;
	cs_template_respond(resp, cs_req_config(req), 200, "no-such-page", NULL, 0);
}

/* A request whose page cannot be rendered: the library logs why. */
static int
render_missing_page(void)
{
	char *env[] = { "REQUEST_METHOD=GET", NULL };
	struct cs_buf out = { 0 };
	struct cs_config cfg;
	char err[256];
	int rc;

	cr_assert_eq(cs_config_load_env(&cfg, NULL, err, sizeof(err)), CS_OK, "%s", err);
	rc = cs_run_once(&cfg, env, NULL, 0, missing_page, NULL, &out);
	cr_assert_eq(rc, CS_OK);
	rc = strncmp(out.data, "Status: 500", 11) == 0 ? CS_ERR_NOT_FOUND : CS_OK;
	cs_buf_free(&out);
	cs_config_free(&cfg);
	return rc;
}

/* stderr into a file for the duration of fn; returns what was written. */
static char *
capture_stderr(int (*fn)(void), int *rc)
{
	char path[] = "/tmp/csess-log-XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	long n;

	cr_assert(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	*rc = fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	return text;
}

Test(log, a_hook_receives_the_message_and_stderr_gets_nothing)
{
	char *out;
	int rc;

	nseen = 0;
	cs_log_set(collect, seen);
	out = capture_stderr(render_missing_page, &rc);
	cs_log_set(NULL, NULL);
	cr_assert_eq(rc, CS_ERR_NOT_FOUND);
	cr_assert_eq(nseen, 1, "one line per failure");
	cr_assert_eq(levels[0], CS_LOG_ERROR);
	cr_assert(strstr(seen[0], "template no-such-page") != NULL, "names the page: %s", seen[0]);
	cr_assert(strchr(seen[0], '\n') == NULL, "no newline in a message");
	cr_assert_str_eq(out, "", "nothing on stderr: %s", out);
	free(out);
}

Test(log, without_a_hook_messages_go_to_stderr_with_the_prefix)
{
	char *out;
	int rc;

	cs_log_set(NULL, NULL);
	out = capture_stderr(render_missing_page, &rc);
	cr_assert_eq(rc, CS_ERR_NOT_FOUND);
	cr_assert(strncmp(out, "csess: template no-such-page: ", 30) == 0, "%s", out);
	cr_assert_eq(strchr(out, '\n') - out + 1, (long)strlen(out), "one line: %s", out);
	free(out);
}
