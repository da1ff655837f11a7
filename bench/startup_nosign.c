/*
 * startup_nosign.c -- a CGI that links libcsess, loads the configuration
 * and makes a session key, but signs nothing: the protected-page path with
 * an LMDB session.  libcrypto must not be loaded here.
 */
#include <stdio.h>

#include "csess.h"

int
main(void)
{
	struct cs_config cfg;
	char err[256], key[CS_SESSION_KEY_LEN + 1];

	if (cs_config_load(&cfg, err, sizeof(err)) != CS_OK ||
	    cs_random_string(key, CS_SESSION_KEY_LEN, CS_SESSION_KEY_CHARS)) {
		cs_config_free(&cfg);
		return 1;
	}
	printf("Content-Type: text/plain\r\n\r\n%zu\n", sizeof(key));
	cs_config_free(&cfg);
	return 0;
}
