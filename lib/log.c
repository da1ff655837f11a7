/*
 * log.c -- where the library's messages go: a hook set once by the
 * program (slowcgi's "struct loggers" habit), stderr by default.  Under
 * CGI and FastCGI stderr is the web server's error log, which is what the
 * shipped programs want.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void
to_stderr(void *arg, enum cs_log_level level, const char *msg)
{
	(void)arg;
	fprintf(stderr, "csess: %s%s\n", level == CS_LOG_WARNING ? "warning: " : "", msg);
}

static cs_log_fn *hook = to_stderr;
static void *hook_arg;

void
cs_log_set(cs_log_fn *fn, void *arg)
{
	hook = fn != NULL ? fn : to_stderr;
	hook_arg = fn != NULL ? arg : NULL;
}

void
csi_log(enum cs_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hook(hook_arg, level, msg);
}
