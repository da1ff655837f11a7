/*
 * cli_throttle.c -- csess throttle list | reset [--user NAME] [--address ADDR]:
 * the login failure counters in the configured store, for an operator who
 * must see who is locked out, or let someone back in before the window ends.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define USAGE	"usage: csess throttle list | reset [--user NAME] [--address ADDR]"

static int
print_counter(void *arg, const struct cs_throttle_entry *t)
{
	struct tm tm;
	time_t end = (time_t)t->window_end;
	char when[32] = "-";

	(void)arg;
	if (gmtime_r(&end, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\t%s\t%u\t%s\n", t->kind, t->name, (unsigned)t->failures, when);
	return 0;
}

static int
list(const struct cs_config *cfg)
{
	int rc;

	puts("kind\tname\tfailures\twindow_end");
	if ((rc = cs_throttle_each(cfg, print_counter, NULL)))
		return cli_fail("throttle list: %s", cs_strerror(rc));
	return CLI_OK;
}

static int
reset(const struct cs_config *cfg, const char *user, const char *addr)
{
	size_t n;
	int rc;

	if ((rc = cs_throttle_clear(cfg, user, addr, &n)))
		return cli_fail("throttle reset: %s", cs_strerror(rc));
	if (n == 0)
		return cli_msg(CLI_NO, "throttle reset: no counter matched");
	return CLI_OK;
}

/* Options of "reset"; CLI_OK, CLI_HELP, or CLI_USAGE with the message. */
static int
reset_options(int argc, char **argv, const char **user, const char **addr)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "address", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args a;
	const char *v;
	int c;

	*user = *addr = NULL;
	cli_args_init(&a, argc, argv, 1, opts, "throttle reset",
	    "csess throttle reset [--user NAME] [--address ADDR]");
	while ((c = cli_arg(&a, &v)) != CLI_ARG_END) {
		if (c == 'u')
			*user = v;
		else if (c == 'a')
			*addr = v;
		else if (c == CLI_ARG_WORD)
			return cli_fail("throttle reset: unexpected '%s' (" USAGE ")",
			    v);
		else
			return cli_arg_status(c);
	}
	if (*user && !cs_username_valid(*user))
		return cli_fail("throttle reset: invalid username '%s'", *user);
	if (*addr && **addr == '\0')
		return cli_fail("throttle reset: empty --address");
	return CLI_OK;
}

int
cli_throttle(int argc, char **argv)
{
	struct cs_config cfg;
	const char *cmd = argc > 1 ? argv[1] : "", *user = NULL, *addr = NULL;
	int rc;

	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		puts(USAGE);
		return CLI_HELP;
	}
	if (!strcmp(cmd, "list"))
		rc = cli_words(argc - 1, argv + 1, 1, "throttle list",
		    "csess throttle list", 0, 0, NULL);
	else if (!strcmp(cmd, "reset"))
		rc = reset_options(argc - 1, argv + 1, &user, &addr);
	else
		return cli_fail(USAGE);
	if (rc)
		return rc;
	if ((rc = cli_config(&cfg))) {
		cs_config_free(&cfg);
		return rc;
	}
	/* Inspect or maintain a store, never create one: a typo in the path
	 * would otherwise list an empty new store. */
	if ((rc = cli_existing_store(&cfg, !strcmp(cmd, "list") ?
	    "throttle list" : "throttle reset")))
		;
	else if (!strcmp(cmd, "list"))
		rc = list(&cfg);
	else
		rc = reset(&cfg, user, addr);
	cs_config_free(&cfg);
	return rc;
}
