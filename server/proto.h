/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: encoding and validation of the wire format.
 *
 * The structures of ../rraim_proto.h are little-endian and may sit at any
 * alignment in a received buffer.  These helpers convert between them and
 * host-order "info" structures, and a decoder checks every field a peer
 * sent before any of it is used.  Nothing here touches RDMA, so the host
 * unit tests cover all of it.
 */
#ifndef RRAIM_SERVER_PROTO_H
#define RRAIM_SERVER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "../rraim_proto.h"

/* Largest qp_count a hello may announce. */
#define RRAIM_QP_COUNT_MAX	64

/* A connect hello, host order. */
struct rraim_hello_info {
	uint16_t role;		/* enum rraim_conn_role */
	uint64_t session;	/* nonzero */
	uint64_t token;		/* session secret */
	uint16_t qp_index;	/* < qp_count */
	uint16_t qp_count;	/* 1..RRAIM_QP_COUNT_MAX */
	uint32_t flags;		/* RRAIM_HELLO_* */
	uint8_t nonce[RRAIM_AUTH_NONCE_LEN];	/* with RRAIM_HELLO_AUTH */
};

/* An accept welcome, host order. */
struct rraim_welcome_info {
	uint16_t flags;		/* RRAIM_WELCOME_* */
	uint64_t incarnation;	/* server process identity */
	uint64_t capacity;	/* pool bytes */
	uint64_t free;		/* pool bytes not granted, capped by the
				 * client's quota left (quota.c) */
	uint32_t chunk_shift;	/* RRAIM_CHUNK_SHIFT */
	uint32_t nr_chunks;	/* chunks the session holds */
	uint8_t nonce[RRAIM_AUTH_NONCE_LEN];	/* with RRAIM_WELCOME_AUTH */
	uint8_t proof[RRAIM_AUTH_PROOF_LEN];	/* with RRAIM_WELCOME_AUTH */
};

/* A control message, request or reply, host order. */
struct rraim_msg_info {
	uint16_t type;		/* enum rraim_msg_type, | RRAIM_MSG_REPLY */
	uint16_t status;	/* enum rraim_status; 0 in requests */
	uint32_t seq;		/* echoed in the reply */
	uint32_t chunk;		/* chunk number */
	uint32_t rkey;		/* chunk's remote key */
	uint32_t nr_chunks;	/* chunks the session holds */
	uint64_t addr;		/* chunk's remote address */
	uint64_t capacity;	/* pool bytes */
	uint64_t free;		/* pool bytes not granted, capped by the
				 * client's quota left (quota.c) */
	uint8_t proof[RRAIM_AUTH_PROOF_LEN];	/* AUTH requests only */
};

void rraim_hello_encode(struct rraim_hello *hello,
			const struct rraim_hello_info *info);
/*
 * Validate @len bytes of connect private data.  Returns 0 and fills @info
 * when the hello is acceptable, or the enum rraim_refusal_reason to send.
 */
uint16_t rraim_hello_decode(const void *data, size_t len,
			    struct rraim_hello_info *info);

void rraim_welcome_encode(struct rraim_welcome *welcome,
			  const struct rraim_welcome_info *info);
/* Client side: 0, or -EINVAL (short, magic, version, chunk_shift). */
int rraim_welcome_decode(const void *data, size_t len,
			 struct rraim_welcome_info *info);

void rraim_refusal_encode(struct rraim_refusal *refusal, uint16_t reason);
/* Client side: 0 and the reason and version, or -EINVAL. */
int rraim_refusal_decode(const void *data, size_t len, uint16_t *reason,
			 uint16_t *version);

void rraim_msg_encode(struct rraim_msg *msg, const struct rraim_msg_info *info);
/*
 * Validate a received request of @len bytes.  Returns RRAIM_OK and fills
 * @info, or the enum rraim_status to answer with; even then @info->type and
 * @info->seq hold what could be read, so the reply can echo them.
 */
uint16_t rraim_msg_decode_request(const void *buf, size_t len,
				  struct rraim_msg_info *info);
/* Client side: 0 and @info, or -EINVAL (length, magic, reply bit). */
int rraim_msg_decode_reply(const void *buf, size_t len,
			   struct rraim_msg_info *info);

const char *rraim_refusal_str(uint16_t reason);
const char *rraim_status_str(uint16_t status);
const char *rraim_msg_type_str(uint16_t type);
const char *rraim_role_str(uint16_t role);

#endif /* RRAIM_SERVER_PROTO_H */
