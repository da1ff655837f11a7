/*
 * clear_expired.c -- bin/clear-expired, the cron tool: the same as
 * "csess sessions clear-expired [--batch N] [--dry-run] [--verbose]".
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int i;

	if (args == NULL)
		return CLI_USAGE;
	args[0] = "sessions";
	args[1] = "clear-expired";
	for (i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	i = cli_flushed(cli_sessions(argc + 1, args));
	free(args);
	return i;
}
