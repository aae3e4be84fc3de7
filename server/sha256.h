/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104),
 * for the authentication of clients.  Small and self-contained, so the
 * server needs no crypto library; tests/test_unit.c checks them against
 * the published test vectors.
 */
#ifndef RRAIM_SERVER_SHA256_H
#define RRAIM_SERVER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RRAIM_SHA256_LEN	32
#define RRAIM_SHA256_BLOCK	64

/**
 * struct rraim_sha256 - a SHA-256 computation in progress
 * @state: the eight chaining words
 * @bytes: message bytes hashed so far
 * @buf: the partial block
 * @used: bytes of @buf in use
 */
struct rraim_sha256 {
	uint32_t state[8];
	uint64_t bytes;
	uint8_t buf[RRAIM_SHA256_BLOCK];
	size_t used;
};

void rraim_sha256_init(struct rraim_sha256 *c);
void rraim_sha256_update(struct rraim_sha256 *c, const void *data, size_t len);
void rraim_sha256_final(struct rraim_sha256 *c, uint8_t out[RRAIM_SHA256_LEN]);

/**
 * struct rraim_hmac - an HMAC-SHA256 computation in progress
 * @inner: hash of the inner pad and the message
 * @opad: the key XOR the outer pad, for the final hash
 */
struct rraim_hmac {
	struct rraim_sha256 inner;
	uint8_t opad[RRAIM_SHA256_BLOCK];
};

void rraim_hmac_init(struct rraim_hmac *h, const void *key, size_t len);
void rraim_hmac_update(struct rraim_hmac *h, const void *data, size_t len);
/* Writes the MAC and wipes @h, which held the key. */
void rraim_hmac_final(struct rraim_hmac *h, uint8_t out[RRAIM_SHA256_LEN]);

#endif /* RRAIM_SERVER_SHA256_H */
