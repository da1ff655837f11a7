/* cli_user.c -- placeholder until this subcommand lands. */
#include "cli.h"

int
cli_user(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

