/* cli_sessions.c -- placeholder until this subcommand lands. */
#include "cli.h"

int
cli_sessions(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

