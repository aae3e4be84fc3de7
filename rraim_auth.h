/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM: the cluster's shared secret on the client side, and the proofs
 * of the connection handshake (rraim_proto.h, "Authentication").
 */
#ifndef RRAIM_AUTH_H
#define RRAIM_AUTH_H

#include <linux/types.h>

#include "rraim_proto.h"

/**
 * rraim_auth_enabled - does this host authenticate its servers?
 *
 * True once the auth_key parameter named a logon key holding a secret.
 */
bool rraim_auth_enabled(void);

/**
 * rraim_auth_proof - a proof of holding the secret
 * @label: RRAIM_AUTH_SERVER_LABEL (the server's proof, to check it) or
 *	RRAIM_AUTH_CLIENT_LABEL (ours)
 * @other: the nonce of the side the proof answers
 * @own: the nonce of the side that proves
 * @session: the session the connection belongs to
 * @proof: the result
 *
 * Sleeps.  Return: 0, -ENOKEY when no secret is set, or the crypto API's
 * error.
 */
int rraim_auth_proof(const char *label, const u8 *other, const u8 *own,
		     u64 session, u8 proof[RRAIM_AUTH_PROOF_LEN]);

/**
 * rraim_auth_set_secret - use @len bytes at @key as the secret
 * @key: the secret; NULL (with @len 0) forgets it
 * @len: RRAIM_SECRET_MIN..RRAIM_SECRET_MAX, or 0
 *
 * For the auth_key parameter and the KUnit tests.  Return: 0 or -EINVAL.
 */
int rraim_auth_set_secret(const u8 *key, size_t len);

/**
 * rraim_logon_key_copy - hand the payload of a logon key to @use
 * @param: the module parameter that names the key, for the messages
 * @desc: the key's description, looked up in the caller's keyrings
 * @use: takes the payload (RRAIM_SECRET_MIN..RRAIM_SECRET_MAX bytes) and
 *	copies what it keeps
 *
 * Sleeps.  Return: what @use returned, -ENOKEY (no such key), -EINVAL (a
 * payload of another size), -EKEYREVOKED.
 */
int rraim_logon_key_copy(const char *param, const char *desc,
			 int (*use)(const u8 *data, size_t len));

/**
 * rraim_auth_exit - forget the secret, free the HMAC transform
 */
void rraim_auth_exit(void);

#endif /* RRAIM_AUTH_H */
