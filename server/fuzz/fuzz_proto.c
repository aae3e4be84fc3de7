// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_proto: the server's parsers of what a peer sends (../proto.c),
 * under libFuzzer.
 *
 * The server parses exactly two things a client sends: the hello in the
 * connect private data (rraim_hello_decode(), called by cm.c with what
 * the CM delivered) and each control message (rraim_msg_decode_request(),
 * called by conn.c with the receive buffer and the completion's byte
 * count).  Everything else it acts on is what these let through.  The
 * client-side decoders (welcome, refusal, reply) serve the test peers and
 * are fed too, as are the name lookups of received values.
 *
 * An input is a header that picks the parser, then the bytes received
 * (see input.h).  Beyond memory safety (ASan, UBSan), it holds the
 * parsers to what they promise:
 *
 *   - a verdict is one the parser documents, and "malformed" is the only
 *     one a short buffer gets;
 *   - what the server accepts has every field in its documented range
 *     (proto.h), and encoding it again gives back the bytes received:
 *     nothing is accepted that a correct peer would not have sent;
 *   - a malformed request still yields the type and sequence number its
 *     reply echoes, read only from the bytes that arrived.
 */
#include <stdbool.h>
#include <string.h>

#include "../proto.h"
#include "input.h"

static void rraim_fuzz_hello(const struct rraim_fuzz_input *in)
{
	struct rraim_hello_info info;
	struct rraim_hello again;
	uint16_t reason = rraim_hello_decode(in->buf, in->len, &info);

	RRAIM_FUZZ_ASSERT(reason == 0 || reason == RRAIM_REFUSE_MALFORMED ||
			  reason == RRAIM_REFUSE_VERSION);
	if (!in->buf || in->len < sizeof(struct rraim_hello))
		RRAIM_FUZZ_ASSERT(reason == RRAIM_REFUSE_MALFORMED);
	if (reason)
		return;
	RRAIM_FUZZ_ASSERT(info.role == RRAIM_ROLE_CONTROL ||
			  info.role == RRAIM_ROLE_DATA);
	RRAIM_FUZZ_ASSERT(info.session);
	RRAIM_FUZZ_ASSERT(info.qp_count >= 1 &&
			  info.qp_count <= RRAIM_QP_COUNT_MAX);
	RRAIM_FUZZ_ASSERT(info.qp_index < info.qp_count);
	rraim_hello_encode(&again, &info);
	RRAIM_FUZZ_ASSERT(!memcmp(&again, in->buf, sizeof(again)));
}

static void rraim_fuzz_request(const struct rraim_fuzz_input *in)
{
	struct rraim_msg_info info;
	uint16_t status = rraim_msg_decode_request(in->buf, in->len, &info);
	uint16_t type;
	uint32_t seq;

	RRAIM_FUZZ_ASSERT(status == RRAIM_OK || status == RRAIM_EINVAL ||
			  status == RRAIM_ENOTSUP);
	/* the echo: read from what arrived, never from beyond it */
	rraim_fuzz_echo(in->buf, in->len, &type, &seq);
	RRAIM_FUZZ_ASSERT(info.type == type && info.seq == seq);
	if (status != RRAIM_OK)
		return;
	RRAIM_FUZZ_ASSERT(in->buf && in->len == RRAIM_MSG_SIZE);
	RRAIM_FUZZ_ASSERT(info.type >= RRAIM_MSG_ALLOC &&
			  info.type <= RRAIM_MSG_AUTH && !info.status);
	rraim_fuzz_same_msg(&info, in->buf);
}

static void rraim_fuzz_welcome_dec(const struct rraim_fuzz_input *in)
{
	struct rraim_welcome_info info;

	if (rraim_welcome_decode(in->buf, in->len, &info))
		return;
	RRAIM_FUZZ_ASSERT(in->buf && in->len >= sizeof(struct rraim_welcome));
	RRAIM_FUZZ_ASSERT(info.chunk_shift == RRAIM_CHUNK_SHIFT);
}

static void rraim_fuzz_refusal_dec(const struct rraim_fuzz_input *in)
{
	uint16_t reason, version;

	if (rraim_refusal_decode(in->buf, in->len, &reason, &version))
		return;
	RRAIM_FUZZ_ASSERT(in->buf && in->len >= sizeof(struct rraim_refusal));
	RRAIM_FUZZ_ASSERT(rraim_refusal_str(reason));
}

static void rraim_fuzz_reply_dec(const struct rraim_fuzz_input *in)
{
	struct rraim_msg_info info;

	if (rraim_msg_decode_reply(in->buf, in->len, &info))
		return;
	RRAIM_FUZZ_ASSERT(in->buf && in->len == RRAIM_MSG_SIZE);
	RRAIM_FUZZ_ASSERT(info.type & RRAIM_MSG_REPLY);
	/* every field, the proof included, goes through the decoder */
	rraim_fuzz_same_msg(&info, in->buf);
}

static void rraim_fuzz_names(const struct rraim_fuzz_input *in)
{
	uint16_t value = in->type;

	RRAIM_FUZZ_ASSERT(*rraim_refusal_str(value));
	RRAIM_FUZZ_ASSERT(*rraim_status_str(value));
	RRAIM_FUZZ_ASSERT(*rraim_msg_type_str(value));
	RRAIM_FUZZ_ASSERT(*rraim_role_str(value));
}

static rraim_fuzz_fn *const rraim_fuzz_parsers[RRAIM_FUZZ_PROTO_NR] = {
	[RRAIM_FUZZ_HELLO] = rraim_fuzz_hello,
	[RRAIM_FUZZ_REQUEST] = rraim_fuzz_request,
	[RRAIM_FUZZ_WELCOME_DEC] = rraim_fuzz_welcome_dec,
	[RRAIM_FUZZ_REFUSAL_DEC] = rraim_fuzz_refusal_dec,
	[RRAIM_FUZZ_REPLY_DEC] = rraim_fuzz_reply_dec,
	[RRAIM_FUZZ_NAMES] = rraim_fuzz_names,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rraim_fuzz_run(data, size, rraim_fuzz_parsers,
			      RRAIM_FUZZ_PROTO_NR);
}
