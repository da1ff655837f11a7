/*
 * error.h -- internal: record the detail of a failure for cs_errdetail().
 */
#ifndef CSESS_ERROR_H
#define CSESS_ERROR_H

#include "csess/base.h"

/* Set this thread's detail (one line, no secrets, no session data). */
void	csi_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
