/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM: the client's checks of what a memory server sends.
 *
 * Everything the module reads from a server passes one of these before
 * the module acts on it: the accept private data (struct rraim_welcome),
 * the reject private data (struct rraim_refusal), and the control replies
 * (struct rraim_msg), on time, late or stale, and the chunk a grant names.
 *
 * Each check is a pure function of the bytes received (and of the request
 * they answer): no peer, no lock, no log.  It returns 0 when the bytes are
 * acceptable, or a negative errno that says what is wrong, and the caller
 * logs and acts.  So the same header builds in the kernel and in user
 * space, where server/fuzz feeds the checks arbitrary bytes: there the
 * includer's rraim_wire_shim.h gives the few kernel names used here (u16,
 * u32, u64, s32, le*_to_cpu, ARRAY_SIZE, PAGE_SIZE, the errno values).
 *
 * A buffer handed to a check may be shorter than the structure it should
 * hold: every check reads nothing before it has checked the length.
 */
#ifndef RRAIM_WIRE_H
#define RRAIM_WIRE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <asm/page.h>
#else
#include "rraim_wire_shim.h"
#endif

#include "rraim_proto.h"

/**
 * rraim_wire_welcome_check - is this an acceptable welcome?
 * @data: the accept private data, may be NULL
 * @len: its length in bytes; the CM may pad it, so more is fine
 * @asked: the hello asked the server for a proof (RRAIM_HELLO_AUTH)
 *
 * Return: 0 when @data holds a welcome of this protocol version with zero
 * reserved fields and this module's chunk size, with a proof
 * (RRAIM_WELCOME_AUTH) only if @asked; -EMSGSIZE when it is missing or
 * short; -EPROTONOSUPPORT for another magic or version; -EBADMSG when a
 * reserved field is set; -ERANGE for another chunk size; -EPERM for a
 * proof nobody asked for.  Whether a proof that was asked for came, and
 * is right, is for the authentication to judge (rraim_auth.h).
 * Once the length is checked (any other error), the caller may read the
 * welcome's fields to say what was wrong.
 */
static inline int rraim_wire_welcome_check(const void *data, size_t len,
					   bool asked)
{
	const struct rraim_welcome *w = data;
	unsigned int i;

	if (!w || len < sizeof(*w))
		return -EMSGSIZE;
	if (le32_to_cpu(w->magic) != RRAIM_PROTO_MAGIC ||
	    le16_to_cpu(w->version) != RRAIM_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	for (i = 0; i < ARRAY_SIZE(w->reserved); i++)
		if (w->reserved[i])
			return -EBADMSG;
	if (le32_to_cpu(w->chunk_shift) != RRAIM_CHUNK_SHIFT)
		return -ERANGE;
	if ((le16_to_cpu(w->flags) & RRAIM_WELCOME_AUTH) && !asked)
		return -EPERM;
	return 0;
}

/**
 * rraim_wire_refusal_check - does the reject private data carry a refusal?
 * @data: the reject private data, may be NULL
 * @len: its length in bytes
 *
 * A reject without a refusal comes from the CM itself (no listener, a
 * timeout) or from something that is not an RRAIM server.
 *
 * Return: 0 when @data holds a struct rraim_refusal (its reason may be
 * one this module does not know: see rraim_wire_refusal_name());
 * -EMSGSIZE when it is missing or short; -EPROTONOSUPPORT for another
 * magic.
 */
static inline int rraim_wire_refusal_check(const void *data, size_t len)
{
	const struct rraim_refusal *r = data;

	if (!r || len < sizeof(*r))
		return -EMSGSIZE;
	if (le32_to_cpu(r->magic) != RRAIM_PROTO_MAGIC)
		return -EPROTONOSUPPORT;
	return 0;
}

/**
 * rraim_wire_refusal_name - a refusal's reason, for the log
 * @reason: enum rraim_refusal_reason, as received (any value)
 *
 * Return: a static string; "unknown reason" for a value this module does
 * not know.
 */
static inline const char *rraim_wire_refusal_name(u16 reason)
{
	switch (reason) {
	case RRAIM_REFUSE_MALFORMED:
		return "malformed hello";
	case RRAIM_REFUSE_VERSION:
		return "protocol version";
	case RRAIM_REFUSE_NO_SESSION:
		return "unknown session";
	case RRAIM_REFUSE_BAD_TOKEN:
		return "bad session token";
	case RRAIM_REFUSE_BUSY:
		return "busy";
	case RRAIM_REFUSE_SHUTDOWN:
		return "shutting down";
	case RRAIM_REFUSE_AUTH:
		return "authentication required (set auth_key)";
	default:
		return "unknown reason";
	}
}

/**
 * rraim_wire_reply_check - is this the well-formed reply to a request?
 * @buf: the received message
 * @len: bytes received
 * @type: the request's enum rraim_msg_type
 * @seq: the request's sequence number; 0 when no request waits
 *
 * Return: 0 when @buf is exactly one message, with the magic, the type of
 * @type's reply, a known status and a zero proof field, answering @seq;
 * -EMSGSIZE for another length; -EBADMSG when the magic, the type, the
 * status or the proof field is wrong; -ENOMSG when it answers no request
 * that waits (@seq is 0 or another sequence number).
 */
static inline int rraim_wire_reply_check(const void *buf, size_t len,
					 u16 type, u32 seq)
{
	const struct rraim_msg *m = buf;
	unsigned int i;

	if (!m || len != sizeof(*m))
		return -EMSGSIZE;
	if (le32_to_cpu(m->magic) != RRAIM_PROTO_MAGIC)
		return -EBADMSG;
	if (le16_to_cpu(m->type) != (type | RRAIM_MSG_REPLY))
		return -EBADMSG;
	if (le16_to_cpu(m->status) > RRAIM_EPERM)
		return -EBADMSG;
	for (i = 0; i < ARRAY_SIZE(m->proof); i++)
		if (m->proof[i])
			return -EBADMSG;
	if (!seq || le32_to_cpu(m->seq) != seq)
		return -ENOMSG;
	return 0;
}

/**
 * rraim_wire_answer_check - does this message answer a given request?
 * @buf: the received message
 * @len: bytes received
 * @type: the request's enum rraim_msg_type
 * @seq: the request's sequence number; 0 for none
 *
 * Looser than rraim_wire_reply_check(): for the reply to a request that
 * timed out, which nobody waits for any more.  Only what identifies it is
 * checked; its status and other fields are the caller's to judge.
 *
 * Return: 0 when @buf is exactly one message, with the magic and the type
 * of @type's reply, answering @seq (nonzero); -EMSGSIZE for another
 * length; -ENOMSG otherwise.
 */
static inline int rraim_wire_answer_check(const void *buf, size_t len,
					  u16 type, u32 seq)
{
	const struct rraim_msg *m = buf;

	if (!m || len != sizeof(*m))
		return -EMSGSIZE;
	if (!seq || le32_to_cpu(m->seq) != seq ||
	    le32_to_cpu(m->magic) != RRAIM_PROTO_MAGIC ||
	    le16_to_cpu(m->type) != (type | RRAIM_MSG_REPLY))
		return -ENOMSG;
	return 0;
}

/**
 * rraim_wire_stale_check - is this the reply to an earlier request?
 * @buf: the received message
 * @len: bytes received
 * @last_seq: the sequence number of the last request sent
 *
 * Sequence numbers are never 0 and wrap: "earlier" is at most 2^31
 * requests back.
 *
 * Return: 0 when @buf is exactly one message, with the magic and the
 * reply bit, answering a request sent up to @last_seq; -EMSGSIZE for
 * another length; -ENOMSG otherwise.
 */
static inline int rraim_wire_stale_check(const void *buf, size_t len,
					 u32 last_seq)
{
	const struct rraim_msg *m = buf;
	u32 seq;

	if (!m || len != sizeof(*m))
		return -EMSGSIZE;
	seq = le32_to_cpu(m->seq);
	if (le32_to_cpu(m->magic) != RRAIM_PROTO_MAGIC ||
	    !(le16_to_cpu(m->type) & RRAIM_MSG_REPLY) ||
	    !seq || (s32)(last_seq - seq) < 0)
		return -ENOMSG;
	return 0;
}

/**
 * rraim_wire_grant_check - can the module use the chunk a grant names?
 * @buf: an ALLOC reply that rraim_wire_reply_check() accepted, status OK
 * @len: its length in bytes
 *
 * The module addresses a chunk page by page from its first byte: that
 * address must be page-aligned, and the chunk must not wrap around the
 * address space.
 *
 * Return: 0 when it can; -EMSGSIZE for another length; -EFAULT for a
 * misaligned or wrapping chunk address.
 */
static inline int rraim_wire_grant_check(const void *buf, size_t len)
{
	const struct rraim_msg *m = buf;
	u64 addr;

	if (!m || len != sizeof(*m))
		return -EMSGSIZE;
	addr = le64_to_cpu(m->addr);
	if (addr & (PAGE_SIZE - 1) || addr + RRAIM_CHUNK_SIZE < addr)
		return -EFAULT;
	return 0;
}

/**
 * rraim_wire_status_errno - a reply's status as an errno
 * @status: enum rraim_status, as received (any value)
 *
 * Return: 0 for RRAIM_OK, the matching negative errno for a known
 * failure, -EIO for anything else.
 */
static inline int rraim_wire_status_errno(u16 status)
{
	switch (status) {
	case RRAIM_OK:
		return 0;
	case RRAIM_ENOSPC:
		return -ENOSPC;
	case RRAIM_ENOENT:
		return -ENOENT;
	case RRAIM_ENOTSUP:
		return -EOPNOTSUPP;
	case RRAIM_EINVAL:
		return -EINVAL;
	case RRAIM_EPERM:
		return -EACCES;
	default:
		return -EIO;
	}
}

#endif /* RRAIM_WIRE_H */
