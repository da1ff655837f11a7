/*
 * cli_util.c -- helpers shared by the csess subcommands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("csess: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
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
	if (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
	if (b->len && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
}
