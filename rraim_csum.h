/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM page checksums (rraim_csum.c): a CRC32C of each stored page,
 * bound to the page's index and to the generation of the store that
 * wrote it, kept by the client and checked on every read of a copy.
 */
#ifndef RRAIM_CSUM_H
#define RRAIM_CSUM_H

#include <linux/types.h>

struct page;

int rraim_csum_init(void);
void rraim_csum_exit(void);

/**
 * rraim_csum_buf - the checksum of one page of bytes
 * @index: the page's index in its space
 * @gen: the generation of the store that wrote it (its slot word's)
 * @data: PAGE_SIZE bytes
 *
 * CRC32C (Castagnoli) over @index as a little-endian u64, @gen as a
 * little-endian u32, then @data: the CRC of the page, seeded with the CRC
 * of (@index, @gen).  The same bytes under another index or generation
 * give another value, so a copy of another page, or an older copy of this
 * one, fails the check.  A pure function; any context.
 */
u32 rraim_csum_buf(u64 index, u32 gen, const void *data);

/* rraim_csum_buf() of a page's contents (any context). */
u32 rraim_csum_page(u64 index, u32 gen, struct page *page);

#endif /* RRAIM_CSUM_H */
