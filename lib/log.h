/*
 * log.h -- internal: the one way the library reports to an operator.
 * Messages go to the hook set with cs_log_set() (csess/base.h); stderr,
 * the web server's error log, by default.
 */
#ifndef CSESS_LOG_H
#define CSESS_LOG_H

#include "csess/base.h"

/* One line, printf-style, without a trailing newline and never with
 * session data or secrets in it. */
void	csi_log(enum cs_log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
