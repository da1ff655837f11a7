/*
 * cli_args.c -- the one way every csess subcommand reads its arguments.
 *
 * Options are long only and parsed by getopt_long: "--opt VALUE" and
 * "--opt=VALUE"; names are matched exactly (no abbreviations, so adding an
 * option later never changes what an old script meant).  Operands may come
 * before, between or after the options and may start with a single '-'
 * (a cookie value, "-" for stdin); "--" ends the options, for an operand
 * that starts with "--".  "--help" prints the command's usage on stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void
cli_args_init(struct cli_args *a, int argc, char **argv, int first,
    const struct option *opts, const char *cmd, const char *usage)
{
	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	a->next = first;
	a->opts = opts;
	a->cmd = cmd;
	a->usage = usage;
}

/* The option's name as typed, without "--" and without "=VALUE" (a value
 * may hold the very bytes being refused, so it is never echoed). */
static int
name_len(const char *s)
{
	return (int)strcspn(s + 2, "=");
}

static int
bad_option(const struct cli_args *a, const char *s, const char *why)
{
	return cli_fail("%s: %s --%.*s (usage: %s)", a->cmd, why, name_len(s),
	    s + 2, a->usage);
}

int
cli_arg(struct cli_args *a, const char **val)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	const struct option *o;
	const char *s;
	int c, idx = -1;

	*val = NULL;
	if (a->next >= a->argc)
		return CLI_ARG_END;
	s = a->argv[a->next];
	if (!a->words_only && strcmp(s, "--") == 0) {
		a->words_only = true;
		a->next++;
		return cli_arg(a, val);
	}
	if (a->words_only || strncmp(s, "--", 2) != 0) {
		*val = s;
		a->next++;
		return CLI_ARG_WORD;
	}
	if (strcmp(s, "--help") == 0) {
		printf("usage: %s\n", a->usage);
		return CLI_ARG_HELP;
	}
	/* One option at a time from where we are: "+" stops getopt at an
	 * operand, which this loop takes itself. */
	opterr = 0;
	optind = a->next;
	c = getopt_long(a->argc, a->argv, "+:", a->opts ? a->opts : none, &idx);
	if (c == ':') {
		cli_fail("%s: --%.*s needs a value", a->cmd, name_len(s), s + 2);
		return CLI_ARG_BAD;
	}
	if (c == '?' && optopt != 0) {
		cli_fail("%s: --%.*s takes no value", a->cmd, name_len(s), s + 2);
		return CLI_ARG_BAD;
	}
	if (c == '?' || c == -1 || idx < 0) {
		bad_option(a, s, "unknown option");
		return CLI_ARG_BAD;
	}
	o = &a->opts[idx];
	if ((int)strlen(o->name) != name_len(s) ||
	    strncmp(o->name, s + 2, (size_t)name_len(s)) != 0) {
		bad_option(a, s, "unknown option");
		return CLI_ARG_BAD;
	}
	a->next = optind;
	*val = optarg;
	return c;
}

int
cli_words(int argc, char **argv, int first, const char *cmd,
    const char *usage, int min, int max, const char **words)
{
	struct cli_args a;
	const char *v;
	int c, n = 0;

	cli_args_init(&a, argc, argv, first, NULL, cmd, usage);
	while ((c = cli_arg(&a, &v)) != CLI_ARG_END) {
		if (c != CLI_ARG_WORD)
			return cli_arg_status(c);
		if (n == max)
			return cli_fail("%s: unexpected '%s' (usage: %s)", cmd, v,
			    usage);
		words[n++] = v;
	}
	if (n < min)
		return cli_fail("%s: missing operand (usage: %s)", cmd, usage);
	return CLI_OK;
}

int
cli_arg_status(int c)
{
	if (c == CLI_ARG_HELP)
		return CLI_HELP;
	if (c == CLI_ARG_BAD)
		return CLI_USAGE;
	return CLI_OK;
}
