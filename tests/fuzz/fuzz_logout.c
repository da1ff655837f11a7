/*
 * fuzz_logout.c -- libFuzzer target: one request through cgi-bin/logout's
 * handler (see program.h for the input format and the store it runs on).
 */
#define PROGRAM_SOURCE	"../../cgi-bin/logout.c"
#define PROGRAM_NAME	"logout"
#define PROGRAM_HANDLER	logout
#include "program.h"
