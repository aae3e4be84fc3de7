/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel names ../../rraim_wire.h uses, for user space: it includes
 * this file when built outside the kernel (server/fuzz).  The fuzzers run
 * on x86-64, as the module's supported hosts do: 4 KiB pages.
 */
#ifndef RRAIM_WIRE_SHIM_H
#define RRAIM_WIRE_SHIM_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#define le16_to_cpu(x)	le16toh(x)
#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef PAGE_SIZE
#define PAGE_SIZE	4096UL
#endif

#endif /* RRAIM_WIRE_SHIM_H */
