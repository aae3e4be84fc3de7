/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM: the cluster's shared secret (a file) and the proofs built from it
 * (rraim_proto.h, "Authentication").  Used by the memory server and by
 * rraimctl, which hands the secret to the kernel module as a logon key.
 */
#ifndef RRAIM_SERVER_SECRET_H
#define RRAIM_SERVER_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../rraim_proto.h"

/**
 * struct rraim_secret - a shared secret, as read from its file
 * @len: bytes of @key in use, RRAIM_SECRET_MIN..RRAIM_SECRET_MAX
 * @key: the file's bytes, as they are
 */
struct rraim_secret {
	size_t len;
	uint8_t key[RRAIM_SECRET_MAX];
};

/*
 * Read the secret from @path: a regular file that only its owner may read
 * or write (mode 0600 or stricter: a secret others can read is no secret),
 * of RRAIM_SECRET_MIN..RRAIM_SECRET_MAX bytes.  0, or -1 with a message
 * in @err.
 */
int rraim_secret_load(const char *path, struct rraim_secret *secret,
		      char *err, size_t errlen);

/* Forget the key. */
void rraim_secret_wipe(struct rraim_secret *secret);

/*
 * The proof with @label (RRAIM_AUTH_SERVER_LABEL or _CLIENT_LABEL) of the
 * side whose nonce is @own, answering @other, for @session.
 */
void rraim_auth_proof(const struct rraim_secret *secret, const char *label,
		      const uint8_t other[RRAIM_AUTH_NONCE_LEN],
		      const uint8_t own[RRAIM_AUTH_NONCE_LEN],
		      uint64_t session, uint8_t proof[RRAIM_AUTH_PROOF_LEN]);

/* Compare two proofs in a time that does not depend on where they differ. */
bool rraim_proof_equal(const uint8_t a[RRAIM_AUTH_PROOF_LEN],
		       const uint8_t b[RRAIM_AUTH_PROOF_LEN]);

#endif /* RRAIM_SERVER_SECRET_H */
