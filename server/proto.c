// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: encoding and validation of the wire format.
 *
 * Received bytes are first copied into a zeroed wire structure, so a
 * decoder never reads past what arrived and never depends on the
 * alignment of the buffer the transport handed over.
 *
 * Reserved fields must be zero (rraim_proto.h): the server rejects a hello
 * or a request where they are not, since such a peer speaks something this
 * server does not know.  The client-side decoders, used by the test
 * client only, ignore them.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "proto.h"

static size_t rraim_min(size_t a, size_t b)
{
	return a < b ? a : b;
}


/* ------------------------------------------------------------------ */
/* Hello: client to server, connect private data                       */
/* ------------------------------------------------------------------ */

void rraim_hello_encode(struct rraim_hello *hello,
			const struct rraim_hello_info *info)
{
	memset(hello, 0, sizeof(*hello));
	hello->magic = htole32(RRAIM_PROTO_MAGIC);
	hello->version = htole16(RRAIM_PROTO_VERSION);
	hello->role = htole16(info->role);
	hello->session = htole64(info->session);
	hello->token = htole64(info->token);
	hello->qp_index = htole16(info->qp_index);
	hello->qp_count = htole16(info->qp_count);
	hello->flags = htole32(info->flags);
	memcpy(hello->nonce, info->nonce, sizeof(hello->nonce));
}

static int rraim_bytes_zero(const uint8_t *p, size_t n)
{
	uint8_t any = 0;

	while (n--)
		any |= *p++;
	return !any;
}

/*
 * On RoCE and IB the CM pads the connect private data to 56 bytes with
 * zeros, so @len is usually larger than the hello: the excess is ignored.
 * A short hello therefore mostly shows up as zero fields (session 0...).
 */
uint16_t rraim_hello_decode(const void *data, size_t len,
			    struct rraim_hello_info *info)
{
	struct rraim_hello h;
	uint16_t role;

	memset(info, 0, sizeof(*info));
	if (!data || len < sizeof(h))
		return RRAIM_REFUSE_MALFORMED;
	memcpy(&h, data, sizeof(h));

	if (le32toh(h.magic) != RRAIM_PROTO_MAGIC)
		return RRAIM_REFUSE_MALFORMED;
	if (le16toh(h.version) != RRAIM_PROTO_VERSION)
		return RRAIM_REFUSE_VERSION;

	role = le16toh(h.role);
	info->role = role;
	info->session = le64toh(h.session);
	info->token = le64toh(h.token);
	info->qp_index = le16toh(h.qp_index);
	info->qp_count = le16toh(h.qp_count);
	info->flags = le32toh(h.flags);
	memcpy(info->nonce, h.nonce, sizeof(info->nonce));

	if (role != RRAIM_ROLE_CONTROL && role != RRAIM_ROLE_DATA)
		return RRAIM_REFUSE_MALFORMED;
	if (!info->session)
		return RRAIM_REFUSE_MALFORMED;
	if (!info->qp_count || info->qp_count > RRAIM_QP_COUNT_MAX)
		return RRAIM_REFUSE_MALFORMED;
	if (info->qp_index >= info->qp_count)
		return RRAIM_REFUSE_MALFORMED;
	if (info->flags & ~(uint32_t)RRAIM_HELLO_AUTH)
		return RRAIM_REFUSE_MALFORMED;
	/* a nonce only where it means something: a control hello's */
	if ((info->flags & RRAIM_HELLO_AUTH) && role != RRAIM_ROLE_CONTROL)
		return RRAIM_REFUSE_MALFORMED;
	if (!(info->flags & RRAIM_HELLO_AUTH) &&
	    !rraim_bytes_zero(h.nonce, sizeof(h.nonce)))
		return RRAIM_REFUSE_MALFORMED;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Welcome: server to client, accept private data                      */
/* ------------------------------------------------------------------ */

void rraim_welcome_encode(struct rraim_welcome *welcome,
			  const struct rraim_welcome_info *info)
{
	memset(welcome, 0, sizeof(*welcome));
	welcome->magic = htole32(RRAIM_PROTO_MAGIC);
	welcome->version = htole16(RRAIM_PROTO_VERSION);
	welcome->flags = htole16(info->flags);
	welcome->incarnation = htole64(info->incarnation);
	welcome->capacity = htole64(info->capacity);
	welcome->free = htole64(info->free);
	welcome->chunk_shift = htole32(info->chunk_shift);
	welcome->nr_chunks = htole32(info->nr_chunks);
	memcpy(welcome->nonce, info->nonce, sizeof(welcome->nonce));
	memcpy(welcome->proof, info->proof, sizeof(welcome->proof));
}

int rraim_welcome_decode(const void *data, size_t len,
			 struct rraim_welcome_info *info)
{
	struct rraim_welcome w;

	memset(info, 0, sizeof(*info));
	if (!data || len < sizeof(w))
		return -EINVAL;
	memcpy(&w, data, sizeof(w));
	if (le32toh(w.magic) != RRAIM_PROTO_MAGIC ||
	    le16toh(w.version) != RRAIM_PROTO_VERSION ||
	    le32toh(w.chunk_shift) != RRAIM_CHUNK_SHIFT)
		return -EINVAL;

	info->flags = le16toh(w.flags);
	info->incarnation = le64toh(w.incarnation);
	info->capacity = le64toh(w.capacity);
	info->free = le64toh(w.free);
	info->chunk_shift = le32toh(w.chunk_shift);
	info->nr_chunks = le32toh(w.nr_chunks);
	memcpy(info->nonce, w.nonce, sizeof(info->nonce));
	memcpy(info->proof, w.proof, sizeof(info->proof));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Refusal: server to client, reject private data                      */
/* ------------------------------------------------------------------ */

void rraim_refusal_encode(struct rraim_refusal *refusal, uint16_t reason)
{
	memset(refusal, 0, sizeof(*refusal));
	refusal->magic = htole32(RRAIM_PROTO_MAGIC);
	refusal->version = htole16(RRAIM_PROTO_VERSION);
	refusal->reason = htole16(reason);
}

int rraim_refusal_decode(const void *data, size_t len, uint16_t *reason,
			 uint16_t *version)
{
	struct rraim_refusal r;

	if (!data || len < sizeof(r))
		return -EINVAL;
	memcpy(&r, data, sizeof(r));
	if (le32toh(r.magic) != RRAIM_PROTO_MAGIC)
		return -EINVAL;
	*reason = le16toh(r.reason);
	*version = le16toh(r.version);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Control messages                                                    */
/* ------------------------------------------------------------------ */

void rraim_msg_encode(struct rraim_msg *msg, const struct rraim_msg_info *info)
{
	memset(msg, 0, sizeof(*msg));
	msg->magic = htole32(RRAIM_PROTO_MAGIC);
	msg->type = htole16(info->type);
	msg->status = htole16(info->status);
	msg->seq = htole32(info->seq);
	msg->chunk = htole32(info->chunk);
	msg->rkey = htole32(info->rkey);
	msg->nr_chunks = htole32(info->nr_chunks);
	msg->addr = htole64(info->addr);
	msg->capacity = htole64(info->capacity);
	msg->free = htole64(info->free);
	memcpy(msg->proof, info->proof, sizeof(msg->proof));
}

static void rraim_msg_to_info(const struct rraim_msg *m,
			      struct rraim_msg_info *info)
{
	info->type = le16toh(m->type);
	info->status = le16toh(m->status);
	info->seq = le32toh(m->seq);
	info->chunk = le32toh(m->chunk);
	info->rkey = le32toh(m->rkey);
	info->nr_chunks = le32toh(m->nr_chunks);
	info->addr = le64toh(m->addr);
	info->capacity = le64toh(m->capacity);
	info->free = le64toh(m->free);
	memcpy(info->proof, m->proof, sizeof(info->proof));
}

/*
 * The fields a request does not use (rkey, addr, capacity, free,
 * nr_chunks, and chunk for ALLOC, PING and BYE) are not checked: the
 * header documents them for replies only and does not ask a requester to
 * zero them.  They are never read either.
 */
uint16_t rraim_msg_decode_request(const void *buf, size_t len,
				  struct rraim_msg_info *info)
{
	struct rraim_msg m;

	memset(&m, 0, sizeof(m));
	if (buf)
		memcpy(&m, buf, rraim_min(len, sizeof(m)));
	memset(info, 0, sizeof(*info));
	/* What a reply can echo even from a malformed request. */
	if (len >= offsetof(struct rraim_msg, status))
		info->type = le16toh(m.type);
	if (len >= offsetof(struct rraim_msg, chunk))
		info->seq = le32toh(m.seq);

	if (!buf || len != RRAIM_MSG_SIZE)
		return RRAIM_EINVAL;
	if (le32toh(m.magic) != RRAIM_PROTO_MAGIC || m.status)
		return RRAIM_EINVAL;
	/* the proof field carries a proof in an AUTH request only */
	if (info->type != RRAIM_MSG_AUTH &&
	    !rraim_bytes_zero(m.proof, sizeof(m.proof)))
		return RRAIM_EINVAL;
	if (info->type & RRAIM_MSG_REPLY)
		return RRAIM_EINVAL;

	switch (info->type) {
	case RRAIM_MSG_ALLOC:
	case RRAIM_MSG_FREE:
	case RRAIM_MSG_PING:
	case RRAIM_MSG_QUERY:
	case RRAIM_MSG_BYE:
	case RRAIM_MSG_AUTH:
		break;
	default:
		return RRAIM_ENOTSUP;
	}
	rraim_msg_to_info(&m, info);
	return RRAIM_OK;
}

int rraim_msg_decode_reply(const void *buf, size_t len,
			   struct rraim_msg_info *info)
{
	struct rraim_msg m;

	memset(info, 0, sizeof(*info));
	if (!buf || len != RRAIM_MSG_SIZE)
		return -EINVAL;
	memcpy(&m, buf, sizeof(m));
	if (le32toh(m.magic) != RRAIM_PROTO_MAGIC ||
	    !(le16toh(m.type) & RRAIM_MSG_REPLY))
		return -EINVAL;
	rraim_msg_to_info(&m, info);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names for logs                                                      */
/* ------------------------------------------------------------------ */

const char *rraim_refusal_str(uint16_t reason)
{
	switch (reason) {
	case RRAIM_REFUSE_MALFORMED:	return "malformed";
	case RRAIM_REFUSE_VERSION:	return "version";
	case RRAIM_REFUSE_NO_SESSION:	return "no_session";
	case RRAIM_REFUSE_BAD_TOKEN:	return "bad_token";
	case RRAIM_REFUSE_BUSY:		return "busy";
	case RRAIM_REFUSE_SHUTDOWN:	return "shutdown";
	case RRAIM_REFUSE_AUTH:		return "auth";
	default:			return "unknown";
	}
}

const char *rraim_status_str(uint16_t status)
{
	switch (status) {
	case RRAIM_OK:		return "ok";
	case RRAIM_ENOSPC:	return "enospc";
	case RRAIM_ENOENT:	return "enoent";
	case RRAIM_EINVAL:	return "einval";
	case RRAIM_ENOTSUP:	return "enotsup";
	case RRAIM_EIO:		return "eio";
	case RRAIM_EPERM:	return "eperm";
	default:		return "unknown";
	}
}

const char *rraim_msg_type_str(uint16_t type)
{
	switch (type & ~RRAIM_MSG_REPLY) {
	case RRAIM_MSG_ALLOC:	return "alloc";
	case RRAIM_MSG_FREE:	return "free";
	case RRAIM_MSG_PING:	return "ping";
	case RRAIM_MSG_QUERY:	return "query";
	case RRAIM_MSG_BYE:	return "bye";
	case RRAIM_MSG_AUTH:	return "auth";
	default:		return "unknown";
	}
}

const char *rraim_role_str(uint16_t role)
{
	switch (role) {
	case RRAIM_ROLE_CONTROL:	return "control";
	case RRAIM_ROLE_DATA:		return "data";
	default:			return "unknown";
	}
}
