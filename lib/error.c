/*
 * error.c -- the detail behind the last failure, one way for every call.
 *
 * Every fallible csess function returns an enum cs_err; cs_strerror()
 * names the code.  What the code cannot say -- which setting, which path,
 * which rule of a cookie or a hash -- is kept here, per thread, by the
 * call that failed, and read with cs_errdetail().  Functions that also
 * take an err buffer or a why pointer fill those too (older callers).
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

static _Thread_local char detail[512];

const char *
cs_errdetail(void)
{
	return detail;
}

void
csi_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
}
