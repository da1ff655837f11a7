/*
 * startup_sign.c -- the same CGI signing one value (Django Signer with
 * SECRET_KEY), so libcrypto is loaded on first use.
 */
#include <stdio.h>

#include "csess.h"

int
main(void)
{
	struct cs_config cfg;
	struct cs_signer s;
	struct cs_buf out = {0};
	char err[256];
	int rc = 1;

	if (cs_config_load(&cfg, err, sizeof(err)) == CS_OK &&
	    cs_signer_init(&s, &cfg) == CS_OK &&
	    cs_sign(&s, "hello", 5, &out) == CS_OK) {
		printf("Content-Type: text/plain\r\n\r\n%s\n", out.data);
		rc = 0;
	}
	cs_buf_free(&out);
	cs_config_free(&cfg);
	return rc;
}
