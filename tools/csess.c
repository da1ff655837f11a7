/*
 * csess.c -- the operator and developer command: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *usage;
} commands[] = {
	{ "cookie", cli_cookie, "cookie parse [HEADER|-] | cookie set NAME VALUE [cookie options]" },
	{ "sign", cli_sign, "sign [--salt S] [--timestamp] VALUE|-" },
	{ "unsign", cli_unsign, "unsign [--salt S] [--timestamp] [--max-age N] SIGNED|-" },
	{ "dumps", cli_dumps, "dumps [--salt S] [--compress] JSON|-" },
	{ "loads", cli_loads, "loads [--salt S] [--max-age N] TOKEN|-" },
	{ "signed-cookie", cli_signed_cookie, "signed-cookie get NAME [--salt S] [--max-age N] | set NAME VALUE [--salt S] [cookie options]" },
	{ "password", cli_password, "password hash [--iterations N] [--salt S] | check HASH" },
	{ "user", cli_user, "user add|passwd|del NAME | list | import FILE|-" },
	{ "sessions", cli_sessions, "sessions list [--epoch] | show KEY | delete KEY | revoke-user NAME | stats | verify | clear-expired [--batch N] [--dry-run] [--verbose] | export | import FILE|-" },
	{ "throttle", cli_throttle, "throttle list | reset [--user NAME] [--address ADDR]" },
	{ "check", cli_check, "check [--strict] [--deploy]" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: csess COMMAND ...\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  csess %s\n", commands[i].usage);
	fputs("Options: --opt VALUE or --opt=VALUE, anywhere; -- ends them; "
	    "- is stdin;\nCOMMAND --help for one command.  See csess(1).\n", f);
}

int
main(int argc, char **argv)
{
	size_t i;

	/* A usage error is one line; the full list is what --help is for. */
	if (argc < 2)
		return cli_fail("missing command (usage: csess COMMAND ...; "
		    "try csess --help)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return cli_flushed(CLI_OK);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return cli_flushed(commands[i].run(argc - 1, argv + 1));
	cli_fail("unknown command '%s' (try csess --help)", argv[1]);
	return CLI_USAGE;
}
