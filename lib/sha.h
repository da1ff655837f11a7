/*
 * sha.h -- internal: incremental SHA-1 / SHA-256 (sha.c), for HMAC and
 * for anything that hashes a message in pieces.
 */
#ifndef CSESS_SHA_H
#define CSESS_SHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csess/sign.h"

#pragma GCC visibility push(hidden)

struct csi_sha {
	uint32_t	 s[8];		/* the chaining state (5 words for SHA-1) */
	uint64_t	 total;		/* bytes hashed */
	unsigned char	 buf[64];	/* a partial block */
	size_t		 used;
	bool		 sha1;
};

void	 csi_sha_init(struct csi_sha *, enum cs_hash);
void	 csi_sha_update(struct csi_sha *, const void *, size_t);
/* Writes cs_hash_len() bytes and wipes the context. */
void	 csi_sha_final(struct csi_sha *, unsigned char *out);

#pragma GCC visibility pop

#endif
