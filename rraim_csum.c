// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM page checksums: the kernel's "crc32c" shash (crc32c-intel's
 * SSE4.2 instruction where the CPU has it, crc32c_generic elsewhere).
 *
 * CRC32C because it is cheap enough to leave on: a page costs about a
 * microsecond with the instruction, against tens of microseconds for the
 * RDMA transfer it guards, and it detects every burst error up to 32 bits
 * and any other corruption with probability 1 - 2^-32.  It is no
 * cryptographic MAC: it catches rot, a misbehaving or buggy server, a copy
 * returned from the wrong place or an older store, not a server that
 * forges pages on purpose; unless the pages are encrypted (rraim_crypt.c):
 * then a forged page decrypts to random bytes, which it catches.
 *
 * One transform for the module, allocated at load; each checksum takes a
 * descriptor on the stack, so any number of stores, loads and the sync
 * checksum at once, in any context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/module.h>

#include "rraim_core.h"
#include "rraim_csum.h"

static struct crypto_shash *rraim_csum_tfm;

/* What the CRC runs over before the page: it binds the page to its slot. */
struct rraim_csum_seed {
	__le64 index;
	__le32 gen;
} __packed;

u32 rraim_csum_buf(u64 index, u32 gen, const void *data)
{
	SHASH_DESC_ON_STACK(desc, rraim_csum_tfm);
	struct rraim_csum_seed seed = {
		.index = cpu_to_le64(index),
		.gen = cpu_to_le32(gen),
	};
	__le32 crc;
	int ret;

	desc->tfm = rraim_csum_tfm;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, (const u8 *)&seed, sizeof(seed)) ?:
	      crypto_shash_finup(desc, data, PAGE_SIZE, (u8 *)&crc);
	shash_desc_zero(desc);
	/* crc32c cannot fail; should it, no copy verifies: never wrong data */
	if (WARN_ON_ONCE(ret))
		return 0;
	return le32_to_cpu(crc);
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_csum_buf);

u32 rraim_csum_page(u64 index, u32 gen, struct page *page)
{
	void *p = kmap_local_page(page);
	u32 crc = rraim_csum_buf(index, gen, p);

	kunmap_local(p);
	return crc;
}

int rraim_csum_init(void)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash("crc32c", 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("no crc32c in this kernel (%ld): load crc32c_generic or crc32c_intel\n",
		       PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	if (WARN_ON_ONCE(crypto_shash_digestsize(tfm) != sizeof(u32))) {
		crypto_free_shash(tfm);
		return -EINVAL;
	}
	rraim_csum_tfm = tfm;
	pr_info("page checksums: crc32c by %s\n", crypto_shash_driver_name(tfm));
	return 0;
}

void rraim_csum_exit(void)
{
	crypto_free_shash(rraim_csum_tfm);
	rraim_csum_tfm = NULL;
}
