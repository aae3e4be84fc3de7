/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM's block front end (rraim_blkdev.c): /dev/rraim0, a swap device
 * whose pages live in the core's mirrored remote memory.  Built into
 * rraim_blk.ko only, which has no livepatch (see rraim_blk_main.c).
 */
#ifndef RRAIM_BLKDEV_H
#define RRAIM_BLKDEV_H

#include <linux/types.h>

/**
 * rraim_blkdev_init - create /dev/rraim0
 * @bytes: its size, a positive multiple of PAGE_SIZE
 * @all_copies: a write fails unless all replicas copies are made
 *
 * From module init, once the core runs.  May sleep.
 * Return: 0 or a negative errno (logged).
 */
int rraim_blkdev_init(u64 bytes, bool all_copies);

/**
 * rraim_blkdev_exit - remove /dev/rraim0 and forget its pages
 *
 * From module exit: nothing has the device open any more.  May sleep.
 */
void rraim_blkdev_exit(void);

#endif /* RRAIM_BLKDEV_H */
