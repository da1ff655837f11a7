/*
 * cli_check.c -- "csess check [--strict] [--deploy]": validate the
 * configuration the programs would load (CSESS_<NAME> environment,
 * CSESS_CONFIG file, defaults) and warn about risky deployments, as
 * django-admin check --deploy does.
 *
 * Exit status 2, one line on stderr each, nothing on stdout, for what
 * would stop the programs: a setting with a bad value; an engine that is
 * not built in or whose store cannot be opened; a SESSION_STORE that
 * exists but cannot be opened, or whose directory is missing or not
 * writable (users and login throttling live there whatever the engine);
 * a file engine directory that is missing or not writable; and a missing
 * SECRET_KEY where login needs it.  Login signs the session's auth hash,
 * so it needs the key whenever the configuration is meant for serving:
 * when CSESS_CONFIG names a file (what the programs read), with --deploy,
 * or with the signed_cookies engine.  Otherwise (a development shell with
 * only defaults) a missing key stays a warning.
 *
 * Warnings go to stderr and do not change the status; --strict makes them
 * a negative answer (exit 1), for CI and deployment scripts.  The one line
 * on stdout is the result, in Django's words.  The check creates nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define USAGE	"csess check [--strict] [--deploy]"

static void
print_warning(void *arg, const char *setting, const char *msg)
{
	(void)arg;
	fprintf(stderr, "csess check: warning: %s %s\n", setting, msg);
}

static const char missing[] = "does not exist";

/* A directory this process may create files in, or why not (NULL: ok). */
static const char *
dir_unusable(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return errno == ENOENT ? missing : strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return "is not a directory";
	if (access(dir, W_OK | X_OK) != 0)
		return "is not writable";
	return NULL;
}

/*
 * SESSION_STORE: an existing file must open; a missing one must be
 * creatable where the store creates it (its directory, or that
 * directory's parent: one level is made on first use).
 */
static int
check_store(const struct cs_config *cfg, bool open_it)
{
	struct cs_config probe = *cfg;
	struct cs_store *st = NULL;
	char *a = NULL, *b = NULL, *dir, err[512];
	const char *why;
	int rc = 0;

	if (access(cfg->session_store, F_OK) == 0) {
		if (access(cfg->session_store, R_OK | W_OK) != 0)
			return cli_msg(1, "check: SESSION_STORE %s: %s",
			    cfg->session_store, strerror(errno));
		if (!open_it)
			return 0;
		probe.session_store_existing = true;
		if (cs_store_open(&st, &probe, err, sizeof(err)) != CS_OK)
			return cli_msg(1, "check: %s", err);
		cs_store_close(st);
		return 0;
	}
	if ((a = strdup(cfg->session_store)) == NULL ||
	    (b = strdup(cfg->session_store)) == NULL) {
		free(a);
		return cli_msg(1, "check: out of memory");
	}
	dir = dirname(a);
	if ((why = dir_unusable(dir)) != NULL &&
	    (why != missing || dir_unusable(dirname(dirname(b))) != NULL))
		rc = cli_msg(1, "check: SESSION_STORE: directory %s %s", dir,
		    why);
	free(a);
	free(b);
	return rc;
}

/* The engine's own store, where it has one besides SESSION_STORE. */
static int
check_engine(const struct cs_config *cfg)
{
	const char *engine = cfg->session_engine ? cfg->session_engine : "lmdb";
	const char *dir, *why;
	struct cs_store *st = NULL;
	char err[512];

	if (cs_store_engine(cfg) == NULL)
		return cli_msg(1, "check: SESSION_ENGINE: engine '%s' is not "
		    "built in", engine);
	if (!strcmp(engine, "file")) {
		if ((dir = cfg->session_file_path) == NULL &&
		    (dir = getenv("TMPDIR")) == NULL)
			dir = "/tmp";
		if ((why = dir_unusable(dir)) != NULL)
			return cli_msg(1, "check: SESSION_FILE_PATH: %s %s", dir,
			    why);
		return 0;
	}
	if (!strcmp(engine, "lmdb") || !strcmp(engine, "signed_cookies"))
		return 0;	/* SESSION_STORE's check; nothing to open */
	if (cs_store_open(&st, cfg, err, sizeof(err)) != CS_OK)
		return cli_msg(1, "check: SESSION_ENGINE %s: %s", engine, err);
	cs_store_close(st);
	return 0;
}

static bool
for_serving(const struct cs_config *cfg, bool deploy)
{
	const char *file = getenv("CSESS_CONFIG");

	return deploy || (file != NULL && *file != '\0') ||
	    (cfg->session_engine && !strcmp(cfg->session_engine,
	    "signed_cookies"));
}

/* The failures that would stop the programs; returns how many. */
static int
failures(const struct cs_config *cfg, bool deploy)
{
	bool lmdb = cfg->session_engine == NULL ||
	    !strcmp(cfg->session_engine, "lmdb");
	int n = 0;

	n += check_engine(cfg);
	n += check_store(cfg, lmdb);
	if ((cfg->secret_key == NULL || cfg->secret_key[0] == '\0') &&
	    for_serving(cfg, deploy))
		n += cli_msg(1, "check: SECRET_KEY is required by login (it "
		    "signs the session's auth hash)");
	return n;
}

int
cli_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "deploy", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct cs_config cfg;
	struct cli_args a;
	const char *v;
	bool strict = false, deploy = false;
	int c, n, rc;

	cli_args_init(&a, argc, argv, 1, opts, "check", USAGE);
	while ((c = cli_arg(&a, &v)) != CLI_ARG_END) {
		if (c == 's')
			strict = true;
		else if (c == 'd')
			deploy = true;
		else if (c == CLI_ARG_WORD)
			return cli_fail("check: unknown argument '%s' (usage: "
			    USAGE ")", v);
		else
			return cli_arg_status(c);
	}
	if ((rc = cli_config(&cfg)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	n = cs_config_check(&cfg, print_warning, NULL);
	rc = failures(&cfg, deploy);
	cs_config_free(&cfg);
	if (rc > 0)
		return CLI_USAGE;
	if (n == 0)
		printf("System check identified no issues.\n");
	else
		printf("System check identified %d issue%s.\n", n, n == 1 ? "" : "s");
	return (strict && n > 0) ? CLI_NO : CLI_OK;
}
