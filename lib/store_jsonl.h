/*
 * store_jsonl.h -- internal: csess sessions export/import (JSON lines
 * {"key", "expire", "user", "data"}) for engines that can enumerate but
 * keep no bulk path of their own (file; any engine with a foreach and a
 * way to write one record).  The lmdb engine has its own, batched.
 */
#ifndef CSESS_STORE_JSONL_H
#define CSESS_STORE_JSONL_H

#include <stdio.h>

#include "csess/store.h"

#pragma GCC visibility push(hidden)

/* Largest data object an import line may carry (and the file engine
 * keeps): as the lmdb engine's limit. */
#define CS_JSONL_DATA_MAX	(1024 * 1024)

/* One session of an import: key (generated when the line had none),
 * malloc'd user (NULL when none) and compact JSON data. */
struct cs_jsonl_rec {
	char		 key[CS_SESSION_KEY_LEN + 1];
	int64_t		 expire;
	char		*user;
	char		*data;
	size_t		 datalen;
};

/* One session as a JSON line on the FILE *arg (a foreach callback). */
int	csi_jsonl_export_one(void *arg, const struct cs_store_session *);

/* Every session of st as a JSON line (cs_store_foreach). */
int	csi_jsonl_export(struct cs_store *st, FILE *f);

/* Write one imported record, replacing any record under its key. */
typedef int cs_jsonl_put_fn(struct cs_store *, const struct cs_jsonl_rec *);

/*
 * Read every line of f and check it; a bad line imports nothing
 * (CS_ERR_INVALID, *bad_line from 1, err the reason).  Then put each,
 * in input order (a later line with the same key wins); *count says how
 * many were written when a put fails part-way.
 */
int	csi_jsonl_import(struct cs_store *st, FILE *f, cs_jsonl_put_fn *put,
	    uint64_t *count, size_t *bad_line, char *err, size_t errlen);

#pragma GCC visibility pop

#endif
