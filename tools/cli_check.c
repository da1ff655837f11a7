/*
 * cli_check.c -- "csess check [--strict]": validate the configuration the
 * programs would load (CSESS_<NAME> environment, CSESS_CONFIG file,
 * defaults) and warn about risky deployments, as django-admin check
 * --deploy does.
 *
 * Exit status: 2 when a setting has a bad value (one line on stderr naming
 * it), else 0.  Warnings go to stderr and do not change the status: a
 * development setup (no HTTPS, no secret yet) is valid, just not ready for
 * deployment.  --strict makes warnings a negative answer (exit 1), for CI
 * and deployment scripts.  The one line on stdout is the result, in
 * Django's words.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
print_warning(void *arg, const char *setting, const char *msg)
{
	(void)arg;
	fprintf(stderr, "csess check: warning: %s %s\n", setting, msg);
}

int
cli_check(int argc, char **argv)
{
	struct cs_config cfg;
	bool strict = false;
	int i, n, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--strict") == 0)
			strict = true;
		else
			return cli_fail("check: unknown argument '%s' (usage: csess check [--strict])",
			    argv[i]);
	}
	if ((rc = cli_config(&cfg)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	n = cs_config_check(&cfg, print_warning, NULL);
	cs_config_free(&cfg);
	if (n == 0)
		printf("System check identified no issues.\n");
	else
		printf("System check identified %d issue%s.\n", n, n == 1 ? "" : "s");
	return (strict && n > 0) ? CLI_NO : CLI_OK;
}
