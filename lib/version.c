/*
 * version.c -- the library's version, for programs linked against a shared
 * libcsess that may be newer than the headers they were built with.
 */
#include "csess/base.h"

const char *
cs_version(void)
{
	return CSESS_VERSION;
}
