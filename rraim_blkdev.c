// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM's block front end: /dev/rraim0, a bio-based device whose pages the
 * core keeps in mirrored remote memory, the zram/brd model.  Swap sits on
 * it (alone, or behind zswap: what zswap writes back lands in remote
 * memory), with no livepatch: only exported block-layer APIs.
 *
 * The device has 4 KiB logical and physical blocks, so every segment of a
 * bio is one whole page, and each page is one index of the core's space.
 * It is synchronous (BLK_FEAT_SYNCHRONOUS on 6.12; ->rw_page on 6.1, which
 * is what sets SWP_SYNCHRONOUS_IO there), so swap-in skips the swap cache
 * as on zram, and marked stable-writes (a page must not change while its
 * checksum and copies are made).
 *
 * What a read returns, per page, from two bitmaps:
 *   held     the core holds the page: it is read from a copy; a page the
 *            core lost fails the read (-EIO), never wrong data;
 *   failed   the last write of the page failed (its old contents were
 *            forgotten first): the read fails until it is written again;
 *   neither  never written, or discarded: zeros, as on any block device.
 * A write succeeds once one copy is complete on a server (fewer than
 * replicas is counted in stores_degraded and restored by the sync, as for
 * the swap hooks), or with all_copies=1 once all of them are; one that
 * does not fails the bio, and swap keeps that page in memory.  The device
 * is created once a server is ready (rraim_blk_main.c), and its space has
 * no fallback: a write waits up to RRAIM_STORE_WAIT_MS for a fresh chunk
 * while a server is ready and has room, where a swap hook's store would
 * send its page to the disk.
 * A discard, a write-zeroes and swap's per-slot free notification forget
 * the pages, so that freed swap slots do not pin remote memory.
 *
 * Concurrent bios to the same page are not ordered (no block device orders
 * them); swap never issues them.  Should a discard race a write of the
 * same page, the core may keep a copy the bitmaps no longer show: remote
 * memory held until the page is written again or the device goes, never a
 * wrong read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "rraim.h"
#include "rraim_blkdev.h"

#define RRAIM_BLK_NAME		"rraim0"
#define RRAIM_BLK_PAGE_SECTORS	(PAGE_SIZE >> SECTOR_SHIFT)

/*
 * Two block layers: 6.12's, where the queue limits and features are given
 * to blk_alloc_disk(); and 6.1's, where they are set on the queue and swap
 * is synchronous on a device with ->rw_page (gone since 6.3).  The kernels
 * in between are not supported (they have neither ->rw_page nor
 * BLK_FEAT_SYNCHRONOUS).
 */
#ifdef BLK_FEAT_SYNCHRONOUS
#define RRAIM_BLK_LIMITS_API	1
#define RRAIM_BLK_RW_PAGE	0
#else
#define RRAIM_BLK_LIMITS_API	0
#define RRAIM_BLK_RW_PAGE	1
#endif

/**
 * struct rraim_blk - the device
 * @disk: its gendisk
 * @space: the core's space, one index per page of the device
 * @nr_pages: its size in pages
 * @held: pages the core holds
 * @failed: pages whose last write failed
 */
struct rraim_blk {
	struct gendisk *disk;
	struct rraim_space *space;
	u64 nr_pages;
	unsigned long *held;
	unsigned long *failed;
};

static int rraim_blk_major;
static struct rraim_blk *rraim_blk;

/* ------------------------------------------------------------ one page */

static int rraim_blk_write_page(struct rraim_blk *b, pgoff_t index,
				struct page *page)
{
	int ret;

	/* the store forgets the old contents before it writes the new */
	clear_bit(index, b->held);
	ret = rraim_space_store(b->space, index, page);
	if (ret) {
		set_bit(index, b->failed);
		return ret;
	}
	clear_bit(index, b->failed);
	set_bit(index, b->held);
	return 0;
}

static int rraim_blk_read_page(struct rraim_blk *b, pgoff_t index,
			       struct page *page)
{
	if (test_bit(index, b->held))
		return rraim_space_load(b->space, index, page);
	if (test_bit(index, b->failed))
		return -EIO;
	clear_highpage(page);
	return 0;
}

/* The page is free (a discard, or swap freed its slot).  Atomic context. */
static void rraim_blk_forget(struct rraim_blk *b, pgoff_t index)
{
	clear_bit(index, b->failed);
	if (test_and_clear_bit(index, b->held))
		rraim_space_invalidate(b->space, index);
}

/* ----------------------------------------------------------------- bios */

/* Whole pages inside [@sector, @sector + @bytes) are forgotten. */
static void rraim_blk_discard(struct rraim_blk *b, sector_t sector, u32 bytes)
{
	pgoff_t index = DIV_ROUND_UP(sector, RRAIM_BLK_PAGE_SECTORS);
	pgoff_t end = (sector + (bytes >> SECTOR_SHIFT)) / RRAIM_BLK_PAGE_SECTORS;

	for (; index < end && index < b->nr_pages; index++)
		rraim_blk_forget(b, index);
}

static void rraim_blk_submit_bio(struct bio *bio)
{
	struct rraim_blk *b = bio->bi_bdev->bd_disk->private_data;
	sector_t sector = bio->bi_iter.bi_sector;
	bool write = op_is_write(bio_op(bio));
	struct bvec_iter iter;
	struct bio_vec bv;
	int ret = 0;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		rraim_blk_discard(b, sector, bio->bi_iter.bi_size);
		bio_endio(bio);
		return;
	case REQ_OP_FLUSH:
		bio_endio(bio);		/* every write completed before its bio */
		return;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return;
	}

	bio_for_each_segment(bv, bio, iter) {
		pgoff_t index = sector / RRAIM_BLK_PAGE_SECTORS;

		/* 4 KiB blocks: a segment is a whole page, page aligned */
		if (WARN_ON_ONCE(bv.bv_offset || bv.bv_len != PAGE_SIZE ||
				 sector % RRAIM_BLK_PAGE_SECTORS)) {
			ret = -EIO;
			break;
		}
		ret = write ? rraim_blk_write_page(b, index, bv.bv_page) :
			      rraim_blk_read_page(b, index, bv.bv_page);
		if (ret)
			break;
		if (!write)
			flush_dcache_page(bv.bv_page);
		sector += RRAIM_BLK_PAGE_SECTORS;
	}
	if (ret)
		bio->bi_status = BLK_STS_IOERR;
	bio_endio(bio);
}

#if RRAIM_BLK_RW_PAGE
/*
 * 6.1: swap reads and writes a page through ->rw_page when the device has
 * one (and marks the area SWP_SYNCHRONOUS_IO for it).  On an error nothing
 * is completed: the caller retries with a bio, whose error it handles.
 */
static int rraim_blk_rw_page(struct block_device *bdev, sector_t sector,
			     struct page *page, enum req_op op)
{
	struct rraim_blk *b = bdev->bd_disk->private_data;
	pgoff_t index = sector / RRAIM_BLK_PAGE_SECTORS;
	int ret;

	if (PageTransHuge(page) || sector % RRAIM_BLK_PAGE_SECTORS)
		return -EOPNOTSUPP;	/* a bio takes it, page by page */
	ret = op_is_write(op) ? rraim_blk_write_page(b, index, page) :
				rraim_blk_read_page(b, index, page);
	if (ret)
		return ret;
	page_endio(page, op_is_write(op), 0);
	return 0;
}
#endif

/* Swap freed the slot at @offset (a page index): under its lock, atomic. */
static void rraim_blk_slot_free_notify(struct block_device *bdev,
				       unsigned long offset)
{
	struct rraim_blk *b = bdev->bd_disk->private_data;

	if (offset < b->nr_pages)
		rraim_blk_forget(b, offset);
}

static const struct block_device_operations rraim_blk_fops = {
	.owner = THIS_MODULE,
	.submit_bio = rraim_blk_submit_bio,
#if RRAIM_BLK_RW_PAGE
	.rw_page = rraim_blk_rw_page,
#endif
	.swap_slot_free_notify = rraim_blk_slot_free_notify,
};

/* ----------------------------------------------------- create, remove */

static struct gendisk *rraim_blk_alloc_disk(void)
{
	struct gendisk *disk;
#if RRAIM_BLK_LIMITS_API
	struct queue_limits lim = {
		.logical_block_size = PAGE_SIZE,
		.physical_block_size = PAGE_SIZE,
		.io_min = PAGE_SIZE,
		.io_opt = PAGE_SIZE,
		.max_hw_discard_sectors = UINT_MAX,
		.discard_granularity = PAGE_SIZE,
		.max_write_zeroes_sectors = UINT_MAX,
		/* not BLK_FEAT_ROTATIONAL: swap treats it as an SSD */
		.features = BLK_FEAT_SYNCHRONOUS | BLK_FEAT_STABLE_WRITES,
	};

	disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
	return IS_ERR(disk) ? NULL : disk;
#else
	struct request_queue *q;

	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk)
		return NULL;
	q = disk->queue;
	blk_queue_logical_block_size(q, PAGE_SIZE);
	blk_queue_physical_block_size(q, PAGE_SIZE);
	blk_queue_io_min(q, PAGE_SIZE);
	blk_queue_io_opt(q, PAGE_SIZE);
	q->limits.discard_granularity = PAGE_SIZE;
	blk_queue_max_discard_sectors(q, UINT_MAX);
	blk_queue_max_write_zeroes_sectors(q, UINT_MAX);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	return disk;
#endif
}

static void rraim_blk_free(struct rraim_blk *b)
{
	kvfree(b->held);
	kvfree(b->failed);
	kfree(b);
}

int rraim_blkdev_init(u64 bytes, bool all_copies)
{
	struct rraim_blk *b;
	int ret;

	if (!bytes || bytes % PAGE_SIZE ||
	    bytes / PAGE_SIZE > RRAIM_SPACE_MAX_PAGES)
		return -EINVAL;
	rraim_blk_major = register_blkdev(0, "rraim");
	if (rraim_blk_major < 0)
		return rraim_blk_major;

	ret = -ENOMEM;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out_unregister;
	b->nr_pages = bytes / PAGE_SIZE;
	b->held = kvcalloc(BITS_TO_LONGS(b->nr_pages), sizeof(long),
			   GFP_KERNEL);
	b->failed = kvcalloc(BITS_TO_LONGS(b->nr_pages), sizeof(long),
			     GFP_KERNEL);
	if (!b->held || !b->failed)
		goto out_free;
	b->space = rraim_space_create(RRAIM_BLK_NAME, b->nr_pages,
				      RRAIM_SPACE_NO_FALLBACK |
				      (all_copies ? RRAIM_SPACE_ALL_COPIES : 0));
	if (IS_ERR(b->space)) {
		ret = PTR_ERR(b->space);
		goto out_free;
	}
	b->disk = rraim_blk_alloc_disk();
	if (!b->disk)
		goto out_space;
	b->disk->major = rraim_blk_major;
	b->disk->first_minor = 0;
	b->disk->minors = 1;
	b->disk->flags |= GENHD_FL_NO_PART;
	b->disk->fops = &rraim_blk_fops;
	b->disk->private_data = b;
	strscpy(b->disk->disk_name, RRAIM_BLK_NAME, DISK_NAME_LEN);
	set_capacity(b->disk, b->nr_pages * RRAIM_BLK_PAGE_SECTORS);
	ret = add_disk(b->disk);
	if (ret)
		goto out_disk;
	rraim_blk = b;
	pr_info("/dev/%s: %llu MiB, synchronous, 4 KiB blocks\n",
		RRAIM_BLK_NAME, bytes >> 20);
	return 0;

out_disk:
	put_disk(b->disk);
out_space:
	rraim_space_destroy(b->space);
out_free:
	rraim_blk_free(b);
out_unregister:
	unregister_blkdev(rraim_blk_major, "rraim");
	pr_err("cannot create /dev/%s (%d)\n", RRAIM_BLK_NAME, ret);
	return ret;
}

void rraim_blkdev_exit(void)
{
	struct rraim_blk *b = rraim_blk;

	if (!b)
		return;
	rraim_blk = NULL;
	del_gendisk(b->disk);	/* no bio runs after it */
	rraim_space_destroy(b->space);
	put_disk(b->disk);
	rraim_blk_free(b);
	unregister_blkdev(rraim_blk_major, "rraim");
}
