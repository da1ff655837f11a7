/*
 * fuzz_login.c -- libFuzzer target: one request through cgi-bin/login's
 * handler (see program.h for the input format and the store it runs on).
 */
#define PROGRAM_SOURCE	"../../cgi-bin/login.c"
#define PROGRAM_NAME	"login"
#define PROGRAM_HANDLER	login
#include "program.h"
