/*
 * cli.h -- the csess command's subcommands and their shared helpers.
 * Each subcommand gets argv starting at its own name and returns the exit
 * status: 0 success, 1 a negative answer, 2 usage or input error.
 */
#ifndef CSESS_CLI_H
#define CSESS_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "csess.h"

#define CLI_OK		0
#define CLI_NO		1	/* bad signature, expired, mismatch, not found */
#define CLI_USAGE	2	/* usage or input error, one line on stderr */
#define CLI_HELP	(-1)	/* --help: usage printed on stdout; exit 0 */

int	cli_cookie(int argc, char **argv);
int	cli_sign(int argc, char **argv);
int	cli_unsign(int argc, char **argv);
int	cli_dumps(int argc, char **argv);
int	cli_loads(int argc, char **argv);
int	cli_signed_cookie(int argc, char **argv);
int	cli_password(int argc, char **argv);
int	cli_user(int argc, char **argv);
int	cli_sessions(int argc, char **argv);
int	cli_check(int argc, char **argv);
int	cli_throttle(int argc, char **argv);

/* Print "csess: <msg>" as one line on stderr (control bytes as \xHH);
 * returns CLI_USAGE, or status for cli_msg. */
int	cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	cli_msg(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Load the configuration; on error prints the reason and returns CLI_USAGE. */
int	cli_config(struct cs_config *cfg);
/*
 * For a command that inspects or maintains the store: never create it.
 * Sets cfg->session_store_existing; a missing SESSION_STORE is CLI_USAGE
 * with "CMD: SESSION_STORE: no store at PATH" (what the library says too,
 * for callers whose error detail does not reach us).
 */
int	cli_existing_store(struct cs_config *cfg, const char *cmd);
/* Read all of stdin (up to max bytes; CS_ERR_TOO_LARGE beyond). */
int	cli_read_stdin(struct cs_buf *out, size_t max);
/*
 * Parse the cookie options shared by "cookie set" and "signed-cookie set"
 * (--max-age N, --expires HTTP-DATE, --path P, --domain D, --secure,
 * --httponly, --samesite S, --partitioned; --salt S into *salt when salt
 * is not NULL) from argv[first..argc) into c.
 * Non-option words are returned in order through words/nwords (at most
 * maxwords).  Returns CLI_OK or CLI_USAGE (message already printed).
 */
int	cli_cookie_options(int argc, char **argv, int first, struct cs_set_cookie *c,
	    const char **salt, const char *cmd, const char *usage,
	    char **words, int maxwords, int *nwords);
/*
 * Flush stdout: a result that did not reach it (a full disk, a closed
 * pipe's EIO) is no success, so status CLI_OK becomes CLI_USAGE with the
 * message.  Other statuses are returned unchanged.
 */
int	cli_flushed(int status);
/*
 * The argument convention of every subcommand (cli_args.c): long options
 * parsed by getopt_long ("--opt VALUE" or "--opt=VALUE", exact names),
 * operands anywhere (a single leading '-' is an operand), "--" ends the
 * options, "--help" prints "usage: <usage>" on stdout.  cli_arg returns
 * the option's val (options use printable characters) with *val its
 * value, or CLI_ARG_WORD with *val the operand, CLI_ARG_END, CLI_ARG_HELP,
 * or CLI_ARG_BAD (one line already on stderr).
 */
#define CLI_ARG_END	0
#define CLI_ARG_WORD	1
#define CLI_ARG_HELP	2
#define CLI_ARG_BAD	3
struct cli_args {
	int			 argc;
	char		       **argv;
	int			 next;
	bool			 words_only;	/* after "--" */
	const struct option	*opts;		/* NULL: none */
	const char		*cmd;		/* "sessions list", for messages */
	const char		*usage;		/* without "usage: " */
};
void	cli_args_init(struct cli_args *, int argc, char **argv, int first,
	    const struct option *opts, const char *cmd, const char *usage);
int	cli_arg(struct cli_args *, const char **val);
/* CLI_ARG_HELP -> CLI_HELP, CLI_ARG_BAD -> CLI_USAGE, else CLI_OK. */
int	cli_arg_status(int c);
/* A command without options: min..max operands from argv[first..) into
 * words.  CLI_OK, CLI_HELP or CLI_USAGE (message printed). */
int	cli_words(int argc, char **argv, int first, const char *cmd,
	    const char *usage, int min, int max, const char **words);
/* "-" as a FILE or VALUE operand means stdin. */
#define CLI_STDIN(s)	(strcmp((s), "-") == 0)

/* Drop one trailing "\n" or "\r\n" (how a line arrives on stdin). */
void	cli_chomp(struct cs_buf *);

#endif
