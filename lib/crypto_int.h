/*
 * crypto_int.h -- internal: counters of the lazily loaded crypto layer.
 */
#ifndef CSESS_CRYPTO_INT_H
#define CSESS_CRYPTO_INT_H

#include <stdint.h>

/* PBKDF2 rounds this process has run.  Lets tests check that an unknown
 * user or a wrong password costs the configured work, without timing. */
uint64_t csi_crypto_pbkdf2_rounds(void);

#endif
