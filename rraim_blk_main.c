// SPDX-License-Identifier: GPL-2.0
/*
 * rraim_blk.ko: RRAIM as a swap block device, /dev/rraim0.
 *
 * The same core as rraim.ko (its sources are built a second time, blk/),
 * with the block front end (rraim_blkdev.c) instead of the swap hooks.
 * The kernel taints a module whose modinfo marks it as a livepatch when it
 * loads it, whether or not it ever patches anything: so the block front
 * end lives in a module of its own, which taints O/E only.  One front end
 * per host at a time: both modules own /sys/kernel/rraim, and the second
 * one loaded refuses to load.
 *
 * Parameters: those of rraim.ko's core (servers=, replicas=, auth_key=,
 * encrypt_key=, the knobs), disksize=, the device's size, and
 * all_copies=, the device's write rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "rraim.h"
#include "rraim_blkdev.h"

/* How long init waits for a memory server before creating the device. */
#define RRAIM_BLK_READY_WAIT_S	10

static unsigned long long rraim_blk_disksize;

/* A size with K, M, G or T; a positive multiple of the page size. */
static int rraim_blk_disksize_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned long long bytes;
	char *end;

	bytes = memparse(val, &end);
	if (end == val || (*end && *end != '\n'))
		return -EINVAL;
	if (!bytes || bytes % PAGE_SIZE ||
	    bytes / PAGE_SIZE > RRAIM_SPACE_MAX_PAGES)
		return -EINVAL;
	rraim_blk_disksize = bytes;
	return 0;
}

static int rraim_blk_disksize_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", rraim_blk_disksize);
}

static const struct kernel_param_ops rraim_blk_disksize_ops = {
	.set = rraim_blk_disksize_set,
	.get = rraim_blk_disksize_get,
};

module_param_cb(disksize, &rraim_blk_disksize_ops, NULL, 0444);
MODULE_PARM_DESC(disksize, "Size of /dev/rraim0 (K, M, G, T suffixes; a multiple of the page size; required)");

static bool rraim_blk_all_copies;
module_param_named(all_copies, rraim_blk_all_copies, bool, 0444);
MODULE_PARM_DESC(all_copies, "A write fails unless all replicas copies are made (default 0: one copy, the others by the sync)");

/*
 * Bottom-up: the core, its control interface, the servers of servers=,
 * then the device.  Exit is the exact reverse.
 */
static int __init rraim_blk_init(void)
{
	int ret;

	if (!rraim_blk_disksize) {
		pr_err("disksize= is required: the size of /dev/rraim0, e.g. disksize=4G\n");
		rraim_core_forget_keys();
		return -EINVAL;
	}
	ret = rraim_core_load();
	if (ret)
		return ret;
	/*
	 * Writes come the moment the device appears (udev, mkswap), and
	 * one with no server to go to fails: the device appears once a
	 * server of servers= is ready, as a remote disk appears once
	 * connected, or after RRAIM_BLK_READY_WAIT_S regardless.
	 */
	ret = rraim_core_wait_ready(RRAIM_BLK_READY_WAIT_S * HZ);
	if (ret == -ENODEV)
		pr_warn("no servers=: writes to the device fail until a server is added and ready\n");
	else if (ret)
		pr_warn("no memory server ready after %d s: writes to the device fail until one is\n",
			RRAIM_BLK_READY_WAIT_S);
	/* stores first: the device takes writes from the moment it appears */
	rraim_core_set_attached(true);
	ret = rraim_blkdev_init(rraim_blk_disksize, rraim_blk_all_copies);
	if (ret) {
		rraim_core_set_attached(false);
		rraim_core_unload();
		return ret;
	}
	return 0;
}

/* Only reachable while nothing has the device open. */
static void __exit rraim_blk_exit(void)
{
	rraim_core_set_attached(false);
	rraim_blkdev_exit();
	rraim_core_unload();
}

module_init(rraim_blk_init);
module_exit(rraim_blk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("RRAIM: mirrored remote memory over RDMA as a swap block device");
/* page checksums: the crypto API's crc32c (rraim_csum.c) */
MODULE_SOFTDEP("pre: crc32c");
