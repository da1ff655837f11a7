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
	{ "cookie", cli_cookie, "cookie parse | cookie set NAME VALUE [options]" },
	{ "sign", cli_sign, "sign [--salt S] [--timestamp] VALUE" },
	{ "unsign", cli_unsign, "unsign [--salt S] [--timestamp] [--max-age N] SIGNED" },
	{ "dumps", cli_dumps, "dumps [--salt S] [--compress] JSON" },
	{ "loads", cli_loads, "loads [--salt S] [--max-age N] TOKEN" },
	{ "signed-cookie", cli_signed_cookie, "signed-cookie get NAME | set NAME VALUE [options]" },
	{ "password", cli_password, "password hash [--iterations N] [--salt S] | check HASH" },
	{ "user", cli_user, "user add|passwd|del NAME | list | import FILE" },
	{ "sessions", cli_sessions, "sessions list|show|delete|revoke-user|stats|verify|clear-expired|export|import" },
	{ "throttle", cli_throttle, "throttle list | reset [--user NAME] [--address ADDR]" },
	{ "check", cli_check, "check [--strict]" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: csess COMMAND ...\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  csess %s\n", commands[i].usage);
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
