/*
 * fuzz_protected.c -- libFuzzer target: one request through cgi-bin/protected's
 * handler (see program.h for the input format and the store it runs on).
 */
#define PROGRAM_SOURCE	"../../cgi-bin/protected.c"
#define PROGRAM_NAME	"protected"
#define PROGRAM_HANDLER	protected
#include "program.h"
