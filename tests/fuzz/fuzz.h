/*
 * fuzz.h -- shared by the libFuzzer harnesses: a check that aborts (so
 * libFuzzer records the input) and a NUL-terminated copy of an input.
 */
#ifndef CSESS_FUZZ_H
#define CSESS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The _at twins (a fixed clock) are test hooks; where they have left the
 * public header, they are declared here. */
#if __has_include("csess_test.h")
#include "csess_test.h"
#endif

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy (the input may hold NULs of its own). */
static inline char *
fuzz_strndup(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* A private directory under /tmp for this process, removed at exit. */
static char fuzz_dir[64];

static inline void
fuzz_rm_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

static inline const char *
fuzz_tmpdir(const char *name)
{
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/csess-fuzz-%s.XXXXXX", name);
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_rm_dir);
	return fuzz_dir;
}

#endif
