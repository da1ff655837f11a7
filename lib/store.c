/*
 * store.c -- choosing the session engine, and what all engines share:
 * session key shape and generation, record lifetime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"

/*
 * Every engine is a strong reference: a static archive only contributes
 * the objects a program references, so a weak one would leave an engine
 * out of every program linked against libcsess.a.  (signed_cookies pulls
 * in the signing code, not libcrypto: that is loaded on first use.)
 */
static const struct {
	const char		*name;
	cs_engine_open_fn	*open;
} engines[] = {
	{ "lmdb", cs_store_lmdb_open },
	{ "signed_cookies", cs_store_signed_cookies_open },
};

int
cs_store_open(struct cs_store **out, const struct cs_config *cfg,
    char *err, size_t errlen)
{
	const char *name = cfg->session_engine ? cfg->session_engine : "lmdb";
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (strcmp(name, engines[i].name) != 0)
			continue;
		if (engines[i].open == NULL)
			break;
		return engines[i].open(out, cfg, err, errlen);
	}
	snprintf(err, errlen, "SESSION_ENGINE: engine '%s' is not built in", name);
	return CS_ERR_CONFIG;
}

void
cs_store_close(struct cs_store *s)
{
	if (s != NULL && s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s);
}

void
cs_record_free(struct cs_record *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->user);
	r->data = NULL;
	r->user = NULL;
	r->data_len = 0;
}

bool
cs_session_key_valid(const char *key)
{
	size_t i;

	if (key == NULL)
		return false;
	/* CS_SESSION_KEY_CHARS is exactly a-z and 0-9; ranges, not strchr,
	 * because this runs on every request that carries a cookie. */
	for (i = 0; i < CS_SESSION_KEY_LEN; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= '0' && key[i] <= '9')))
			return false;
	return key[CS_SESSION_KEY_LEN] == '\0';
}

int
cs_session_key_new(char out[CS_SESSION_KEY_LEN + 1])
{
	return cs_random_string(out, CS_SESSION_KEY_LEN, CS_SESSION_KEY_CHARS);
}
