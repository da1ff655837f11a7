/* cli_sign.c -- placeholder until this subcommand lands. */
#include "cli.h"

int
cli_sign(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

int
cli_unsign(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

int
cli_dumps(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

int
cli_loads(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

int
cli_signed_cookie(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

int
cli_password(int argc, char **argv)
{
	(void)argc;
	return cli_fail("%s: not available yet", argv[0]);
}

