/*
 * fuzz_gate.c -- libFuzzer target: one request through cgi-bin/gate's
 * handler, served as the gate is, without the session middleware (see
 * program.h for the input format and the store it runs on).
 */
#define PROGRAM_SOURCE	"../../cgi-bin/gate.c"
#define PROGRAM_NAME	"gate"
#define PROGRAM_HANDLER	gate
#define PROGRAM_WITHOUT_MIDDLEWARE
#include "program.h"
