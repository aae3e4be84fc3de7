/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout of a fuzzer input, shared by the targets and mkcorpus.c.
 *
 * An input is an 8-byte header, then the bytes a peer "sent":
 *
 *   byte 0     what to feed them to (enum rraim_fuzz_client or
 *              rraim_fuzz_proto, modulo their number)
 *   byte 1     flags: RRAIM_FUZZ_NULL hands the parser a NULL buffer (of
 *              the same length), as a transport may for "no data";
 *              RRAIM_FUZZ_ASKED, for a welcome, says the hello asked
 *              for a proof
 *   bytes 2-3  a message type, little-endian: the request a reply
 *              answers, or a value for the name and status lookups
 *   bytes 4-7  a sequence number, little-endian: the request a reply
 *              answers, or the last one sent
 *
 * The header keeps the bytes after it 8-byte aligned in libFuzzer's copy
 * of the input, as the transports' buffers are; a parser that reads past
 * the end of what was sent reads past the end of that copy, which
 * AddressSanitizer reports.
 *
 * input.c writes the header (mkcorpus) and reads it (rraim_fuzz_run()),
 * with the helpers the targets share.
 */
#ifndef RRAIM_FUZZ_INPUT_H
#define RRAIM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RRAIM_FUZZ_HEADER	8
#define RRAIM_FUZZ_NULL		0x01
#define RRAIM_FUZZ_ASKED	0x80

/* fuzz_client: the module's checks (rraim_wire.h) */
enum rraim_fuzz_client {
	RRAIM_FUZZ_WELCOME,	/* rraim_wire_welcome_check() */
	RRAIM_FUZZ_REFUSAL,	/* rraim_wire_refusal_check(), _name() */
	RRAIM_FUZZ_REPLY,	/* rraim_wire_reply_check(type, seq) */
	RRAIM_FUZZ_ANSWER,	/* rraim_wire_answer_check(type, seq) */
	RRAIM_FUZZ_STALE,	/* rraim_wire_stale_check(seq) */
	RRAIM_FUZZ_GRANT,	/* rraim_wire_grant_check() */
	RRAIM_FUZZ_STATUS,	/* rraim_wire_status_errno(type) */
	RRAIM_FUZZ_CLIENT_NR
};

/* fuzz_proto: the server's parsers (../proto.c) */
enum rraim_fuzz_proto {
	RRAIM_FUZZ_HELLO,	/* rraim_hello_decode(): connect private data */
	RRAIM_FUZZ_REQUEST,	/* rraim_msg_decode_request(): a control SEND */
	RRAIM_FUZZ_WELCOME_DEC,	/* rraim_welcome_decode() (test peers) */
	RRAIM_FUZZ_REFUSAL_DEC,	/* rraim_refusal_decode() (test peers) */
	RRAIM_FUZZ_REPLY_DEC,	/* rraim_msg_decode_reply() (test peers) */
	RRAIM_FUZZ_NAMES,	/* the *_str() of a received value */
	RRAIM_FUZZ_PROTO_NR
};

/*
 * fuzz_server: an input is a script instead, with no header: operations,
 * each a byte (modulo their number), then its arguments (fuzz_server.c).
 */
enum rraim_fuzz_op {
	RRAIM_FUZZ_OP_CONNECT,		/* a hello: built (2 bytes) or raw */
	RRAIM_FUZZ_OP_ESTABLISH,	/* connection */
	RRAIM_FUZZ_OP_REQUEST,		/* connection, request: built or raw */
	RRAIM_FUZZ_OP_READ,		/* connection: read the replies */
	RRAIM_FUZZ_OP_DISCONNECT,	/* connection */
	RRAIM_FUZZ_OP_BREAK,		/* connection: break its QP */
	RRAIM_FUZZ_OP_NR
};

struct rraim_fuzz_input {
	uint8_t what;
	uint8_t flags;
	uint16_t type;
	uint32_t seq;
	const uint8_t *buf;	/* NULL with RRAIM_FUZZ_NULL */
	size_t len;
};

/* One check of a target: what byte 0 picks. */
typedef void rraim_fuzz_fn(const struct rraim_fuzz_input *in);

/*
 * A target's LLVMFuzzerTestOneInput(): reads the header of @data and
 * hands the input to @fns[what % @nr].  Returns -1 for an input too
 * short for a header (not worth keeping), else 0.
 */
int rraim_fuzz_run(const uint8_t *data, size_t size,
		   rraim_fuzz_fn *const *fns, size_t nr);

/* The header of an input (mkcorpus). */
void rraim_fuzz_header(uint8_t head[RRAIM_FUZZ_HEADER], uint8_t what,
		       uint8_t flags, uint16_t type, uint32_t seq);

/*
 * The type and sequence number the reply to a request of @len bytes
 * echoes, read only from the bytes that arrived (0 for a field that did
 * not arrive whole, or with no buffer).
 */
void rraim_fuzz_echo(const uint8_t *buf, size_t len, uint16_t *type,
		     uint32_t *seq);

struct rraim_msg_info;

/*
 * Encoding what a decoder accepted from @buf gives back the very bytes
 * received: nothing is accepted that a correct peer would not have sent.
 */
void rraim_fuzz_same_msg(const struct rraim_msg_info *info, const void *buf);

/* A broken promise is a crash: libFuzzer keeps the input that made it. */
#define RRAIM_FUZZ_ASSERT(cond) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: broken: %s\n", __FILE__,	\
			__LINE__, __func__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* RRAIM_FUZZ_INPUT_H */
