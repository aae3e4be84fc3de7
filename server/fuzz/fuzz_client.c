// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_client: the module's checks of what a server sends (../../rraim_wire.h),
 * built for user space, under libFuzzer.
 *
 * An input is a header that picks the check and the request it judges
 * against, then the bytes "received" (see input.h).  Beyond memory safety
 * (ASan, UBSan), it holds the checks to what they promise:
 *
 *   - an error is one the check documents, and a length error is the
 *     only one a short buffer gets;
 *   - what a check accepts, the server's own decoder (../proto.c)
 *     accepts too, and encoding what it decoded gives back the very
 *     bytes: the module takes nothing the server would not send;
 *   - the checks agree with one another: the awaited reply is also an
 *     answer to its request and a reply to an earlier request; an answer
 *     is a reply to an earlier request.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rraim_wire_shim.h"
#include "../../rraim_wire.h"
#include "../proto.h"
#include "input.h"

static bool rraim_fuzz_one_of(int ret, const int *allowed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ret == allowed[i])
			return true;
	return false;
}

#define RRAIM_ONE_OF(ret, ...) ({					\
	static const int allowed_[] = { __VA_ARGS__ };			\
	rraim_fuzz_one_of(ret, allowed_, ARRAY_SIZE(allowed_));	\
})

static void rraim_fuzz_welcome(const struct rraim_fuzz_input *in)
{
	bool asked = in->flags & RRAIM_FUZZ_ASKED;
	struct rraim_welcome_info info;
	struct rraim_welcome again;
	int ret = rraim_wire_welcome_check(in->buf, in->len, asked);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -EPROTONOSUPPORT,
				       -EBADMSG, -ERANGE, -EPERM));
	RRAIM_FUZZ_ASSERT((ret == -EMSGSIZE) ==
			  (!in->buf || in->len < sizeof(struct rraim_welcome)));
	if (ret)
		return;
	RRAIM_FUZZ_ASSERT(!rraim_welcome_decode(in->buf, in->len, &info));
	/* a proof only where the hello asked for one */
	RRAIM_FUZZ_ASSERT(asked || !(info.flags & RRAIM_WELCOME_AUTH));
	rraim_welcome_encode(&again, &info);
	RRAIM_FUZZ_ASSERT(!memcmp(&again, in->buf, sizeof(again)));
}

static void rraim_fuzz_refusal(const struct rraim_fuzz_input *in)
{
	uint16_t reason, version;
	const char *name;
	int ret = rraim_wire_refusal_check(in->buf, in->len);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -EPROTONOSUPPORT));
	RRAIM_FUZZ_ASSERT((ret == -EMSGSIZE) ==
			  (!in->buf || in->len < sizeof(struct rraim_refusal)));
	if (ret)
		return;
	RRAIM_FUZZ_ASSERT(!rraim_refusal_decode(in->buf, in->len, &reason,
						&version));
	name = rraim_wire_refusal_name(reason);
	RRAIM_FUZZ_ASSERT(name && *name);
	RRAIM_FUZZ_ASSERT(!strcmp(name, "unknown reason") ==
			  (reason < RRAIM_REFUSE_MALFORMED ||
			   reason > RRAIM_REFUSE_AUTH));
}

/* What every message check shares: the length is judged first. */
static void rraim_fuzz_msg_len(int ret, const struct rraim_fuzz_input *in)
{
	RRAIM_FUZZ_ASSERT((ret == -EMSGSIZE) ==
			  (!in->buf || in->len != sizeof(struct rraim_msg)));
}

/* A status as the module takes it: an error only for a failure. */
static int rraim_fuzz_errno(uint16_t status)
{
	int err = rraim_wire_status_errno(status);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(err, 0, -ENOSPC, -ENOENT, -EOPNOTSUPP,
				       -EINVAL, -EIO, -EACCES));
	RRAIM_FUZZ_ASSERT(!err == (status == RRAIM_OK));
	return err;
}

/* A chunk the module may use: page-aligned, not wrapping past the end. */
static bool rraim_fuzz_grantable(uint64_t addr)
{
	return !(addr % PAGE_SIZE) && addr <= UINT64_MAX - RRAIM_CHUNK_SIZE;
}

/*
 * What an accepted answer to request (@in->type, @in->seq) is: the
 * server's decoder takes it as that request's reply, and it is not
 * stale either.
 */
static void rraim_fuzz_answers(const struct rraim_fuzz_input *in,
			       struct rraim_msg_info *info)
{
	RRAIM_FUZZ_ASSERT(!rraim_msg_decode_reply(in->buf, in->len, info));
	RRAIM_FUZZ_ASSERT(info->type == (in->type | RRAIM_MSG_REPLY));
	RRAIM_FUZZ_ASSERT(in->seq && info->seq == in->seq);
	RRAIM_FUZZ_ASSERT(!rraim_wire_stale_check(in->buf, in->len, in->seq));
}

static void rraim_fuzz_reply(const struct rraim_fuzz_input *in)
{
	struct rraim_msg_info info;
	int ret = rraim_wire_reply_check(in->buf, in->len, in->type, in->seq);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -EBADMSG, -ENOMSG));
	rraim_fuzz_msg_len(ret, in);
	if (ret)
		return;
	rraim_fuzz_answers(in, &info);
	RRAIM_FUZZ_ASSERT(info.status <= RRAIM_EPERM);
	rraim_fuzz_same_msg(&info, in->buf);
	rraim_fuzz_errno(info.status);
	RRAIM_FUZZ_ASSERT(!rraim_wire_answer_check(in->buf, in->len, in->type,
						   in->seq));
	if (in->type == RRAIM_MSG_ALLOC && info.status == RRAIM_OK &&
	    !rraim_wire_grant_check(in->buf, in->len))
		RRAIM_FUZZ_ASSERT(rraim_fuzz_grantable(info.addr));
}

static void rraim_fuzz_answer(const struct rraim_fuzz_input *in)
{
	struct rraim_msg_info info;
	int ret = rraim_wire_answer_check(in->buf, in->len, in->type, in->seq);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -ENOMSG));
	rraim_fuzz_msg_len(ret, in);
	if (ret)
		return;
	rraim_fuzz_answers(in, &info);
}

static void rraim_fuzz_stale(const struct rraim_fuzz_input *in)
{
	struct rraim_msg_info info;
	uint32_t last_seq = in->seq;
	int ret = rraim_wire_stale_check(in->buf, in->len, last_seq);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -ENOMSG));
	rraim_fuzz_msg_len(ret, in);
	if (ret)
		return;
	RRAIM_FUZZ_ASSERT(!rraim_msg_decode_reply(in->buf, in->len, &info));
	RRAIM_FUZZ_ASSERT(info.seq && last_seq - info.seq < 0x80000000U);
}

static void rraim_fuzz_grant(const struct rraim_fuzz_input *in)
{
	struct rraim_msg m;
	int ret = rraim_wire_grant_check(in->buf, in->len);

	RRAIM_FUZZ_ASSERT(RRAIM_ONE_OF(ret, 0, -EMSGSIZE, -EFAULT));
	rraim_fuzz_msg_len(ret, in);
	if (ret == -EMSGSIZE)
		return;
	memcpy(&m, in->buf, sizeof(m));
	RRAIM_FUZZ_ASSERT(!ret == rraim_fuzz_grantable(le64toh(m.addr)));
}

static void rraim_fuzz_status(const struct rraim_fuzz_input *in)
{
	uint16_t status = in->type;
	int err = rraim_fuzz_errno(status);

	RRAIM_FUZZ_ASSERT((err == -EACCES) == (status == RRAIM_EPERM));
}

static rraim_fuzz_fn *const rraim_fuzz_checks[RRAIM_FUZZ_CLIENT_NR] = {
	[RRAIM_FUZZ_WELCOME] = rraim_fuzz_welcome,
	[RRAIM_FUZZ_REFUSAL] = rraim_fuzz_refusal,
	[RRAIM_FUZZ_REPLY] = rraim_fuzz_reply,
	[RRAIM_FUZZ_ANSWER] = rraim_fuzz_answer,
	[RRAIM_FUZZ_STALE] = rraim_fuzz_stale,
	[RRAIM_FUZZ_GRANT] = rraim_fuzz_grant,
	[RRAIM_FUZZ_STATUS] = rraim_fuzz_status,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rraim_fuzz_run(data, size, rraim_fuzz_checks,
			      RRAIM_FUZZ_CLIENT_NR);
}
