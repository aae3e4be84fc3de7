// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers the fuzz targets and mkcorpus.c share: the header of an
 * input (input.h), written by mkcorpus and read by the targets; what a
 * reply echoes of the bytes a request brought; a message decoded, then
 * encoded again.
 */
#include <string.h>

#include "../proto.h"
#include "input.h"

static uint16_t rraim_fuzz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rraim_fuzz_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rraim_fuzz_run(const uint8_t *data, size_t size,
		   rraim_fuzz_fn *const *fns, size_t nr)
{
	struct rraim_fuzz_input in;

	if (size < RRAIM_FUZZ_HEADER)
		return -1;
	in.what = data[0];
	in.flags = data[1];
	in.type = rraim_fuzz_le16(data + 2);
	in.seq = rraim_fuzz_le32(data + 4);
	in.len = size - RRAIM_FUZZ_HEADER;
	in.buf = in.flags & RRAIM_FUZZ_NULL ? NULL : data + RRAIM_FUZZ_HEADER;
	fns[in.what % nr](&in);
	return 0;
}

void rraim_fuzz_header(uint8_t head[RRAIM_FUZZ_HEADER], uint8_t what,
		       uint8_t flags, uint16_t type, uint32_t seq)
{
	head[0] = what;
	head[1] = flags;
	head[2] = (uint8_t)type;
	head[3] = (uint8_t)(type >> 8);
	head[4] = (uint8_t)seq;
	head[5] = (uint8_t)(seq >> 8);
	head[6] = (uint8_t)(seq >> 16);
	head[7] = (uint8_t)(seq >> 24);
}

void rraim_fuzz_echo(const uint8_t *buf, size_t len, uint16_t *type,
		     uint32_t *seq)
{
	*type = 0;
	*seq = 0;
	if (!buf)
		return;
	if (len >= offsetof(struct rraim_msg, status))
		*type = rraim_fuzz_le16(buf + offsetof(struct rraim_msg, type));
	if (len >= offsetof(struct rraim_msg, chunk))
		*seq = rraim_fuzz_le32(buf + offsetof(struct rraim_msg, seq));
}

void rraim_fuzz_same_msg(const struct rraim_msg_info *info, const void *buf)
{
	struct rraim_msg again;

	rraim_msg_encode(&again, info);
	RRAIM_FUZZ_ASSERT(!memcmp(&again, buf, sizeof(again)));
}
