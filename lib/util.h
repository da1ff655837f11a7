/*
 * util.h -- internal: small helpers more than one module needs.
 */
#ifndef CSESS_UTIL_H
#define CSESS_UTIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's civil-date algorithms: exact for every int64 year in range). */
int64_t	csi_days_from_civil(int64_t y, int m, int d);
void	csi_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Value of one hexadecimal digit, or -1. */
int	csi_hexval(unsigned char c);

/*
 * A number that changes in the child of every fork() made after the first
 * call: what a process opened (a store, a connection, buffered random
 * bytes) belongs to it while the number is the one it saw.  Cheaper than
 * getpid(), which glibc no longer caches: a system call per check.  Limit:
 * a child of a raw clone(2) that skips the atfork handlers is not noticed
 * (vfork children may only exec).
 */
unsigned long	csi_fork_gen(void);

#endif
