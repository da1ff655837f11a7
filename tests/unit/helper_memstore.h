/*
 * helper_memstore.h -- an in-memory session engine for unit tests of the
 * session logic: the cs_store_ops contract (versions, CS_ERR_CONFLICT,
 * expiry on read) with counters of every write and failure injection.
 * A test double only: the real engines are tested against the same
 * behaviour elsewhere.
 */
#ifndef HELPER_MEMSTORE_H
#define HELPER_MEMSTORE_H

#include "csess.h"

struct memstore_stats {
	unsigned	loads;
	unsigned	creates;
	unsigned	updates;
	unsigned	touches;
	unsigned	dels;
	unsigned	exists;
	unsigned	conflicts;	/* UPDATE/touch answered CS_ERR_CONFLICT */
};

struct cs_store	*memstore_new(const struct cs_config *cfg);
/* Counters since creation (writes = creates + updates + touches + dels). */
struct memstore_stats *memstore_stats(struct cs_store *);
unsigned	 memstore_writes(struct cs_store *);
/* The next call of any operation returns err instead (once). */
void		 memstore_fail_next(struct cs_store *, int err);
/* The next n CREATEs answer CS_ERR_EXISTS (a key collision). */
void		 memstore_collide(struct cs_store *, unsigned n);
/* Seed or inspect a record directly (bypassing the counters). */
int		 memstore_put(struct cs_store *, const char *key,
		    const char *json, int64_t expire, const char *user);
/* CS_OK and a borrowed view of the record, or CS_ERR_NOT_FOUND. */
int		 memstore_peek(struct cs_store *, const char *key,
		    const char **json, int64_t *expire, uint64_t *version,
		    const char **user);
size_t		 memstore_count(struct cs_store *);

#endif
