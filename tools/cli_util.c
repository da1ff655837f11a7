/*
 * cli_util.c -- helpers shared by the csess subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "userdb.h"

/*
 * One line on stderr, whatever the message echoes: the words being refused
 * may hold CR, LF or other control bytes, written here as \xHH.
 */
static void
put_line(const char *fmt, va_list ap)
{
	char *msg = NULL;
	const unsigned char *p;

	fputs("csess: ", stderr);
	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs("out of memory\n", stderr);
		return;
	}
	for (p = (const unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	fputc('\n', stderr);
	free(msg);
}

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line(fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int
cli_msg(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line(fmt, ap);
	va_end(ap);
	return status;
}

int
cli_flushed(int status)
{
	if (status == CLI_HELP)
		status = CLI_OK;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (status == CLI_OK)
			status = cli_fail("cannot write the output");
	}
	return status;
}

int
cli_config(struct cs_config *cfg)
{
	char err[512];

	if (cs_config_load(cfg, err, sizeof(err)) != CS_OK)
		return cli_fail("%s", err);
	return CLI_OK;
}

int
cli_read_stdin(struct cs_buf *out, size_t max)
{
	char chunk[8192];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0)
			return CS_ERR_IO;
		if (out->len + (size_t)n > max)
			return CS_ERR_TOO_LARGE;
		if (cs_buf_append(out, chunk, (size_t)n))
			return CS_ERR_NOMEM;
	}
	if (out->data == NULL && cs_buf_append(out, "", 0))
		return CS_ERR_NOMEM;
	return CS_OK;
}

void
cli_chomp(struct cs_buf *b)
{
	/* A CR is part of the line ending only before the LF: "pw\r" keeps it. */
	if (b->len == 0 || b->data[b->len - 1] != '\n')
		return;
	b->data[--b->len] = '\0';
	if (b->len && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
}

int
cli_existing_store(struct cs_config *cfg, const char *cmd)
{
	cfg->session_store_existing = true;
	/* Users and counters in Redis: no store file to find. */
	if (csi_userdb_redis(cfg))
		return CLI_OK;
	if (access(cfg->session_store, F_OK) != 0 && errno == ENOENT)
		return cli_fail("%s: SESSION_STORE: no store at %s", cmd,
		    cfg->session_store);
	return CLI_OK;
}
