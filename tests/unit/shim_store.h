/*
 * shim_store.h -- weak stand-ins for the store module's key and record
 * helpers, so the session tests link before that module is in the tree.
 * A real definition always wins over these.
 */
#ifndef SHIM_STORE_H
#define SHIM_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess.h"

__attribute__((weak)) bool
cs_session_key_valid(const char *key)
{
	return key != NULL && strlen(key) == CS_SESSION_KEY_LEN &&
	    strspn(key, CS_SESSION_KEY_CHARS) == CS_SESSION_KEY_LEN;
}

__attribute__((weak)) int
cs_session_key_new(char out[CS_SESSION_KEY_LEN + 1])
{
	return cs_random_string(out, CS_SESSION_KEY_LEN, CS_SESSION_KEY_CHARS);
}

__attribute__((weak)) void
cs_record_free(struct cs_record *r)
{
	free(r->data);
	free(r->user);
	r->data = r->user = NULL;
}

__attribute__((weak)) int
cs_store_open(struct cs_store **out, const struct cs_config *cfg, char *err,
    size_t errlen)
{
	(void)cfg;
	*out = NULL;
	snprintf(err, errlen, "no engine in this build");
	return CS_ERR_STORE;
}

__attribute__((weak)) void
cs_store_close(struct cs_store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

#endif
