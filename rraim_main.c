// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM - Remote Redundant Array of Inexpensive Memory.
 *
 * Module entry: checks that the front end can attach, starts the core and
 * its control interface, adds the servers given at load time, and attaches
 * the front end last (once attached it cannot be undone from here).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "rraim.h"
#include "rraim_core.h"
#include "rraim_swap.h"

/*
 * Bottom-up: the core, its control interface, the servers of servers=,
 * then the front end.  Exit is the exact reverse.
 */
static int __init rraim_init(void)
{
	int ret;

	ret = rraim_swap_check();
	if (ret) {
		rraim_core_forget_keys();
		return ret;
	}
	ret = rraim_core_load();
	if (ret)
		return ret;
	ret = rraim_swap_attach();
	if (ret)
		rraim_core_unload();
	return ret;
}

/* Only reachable once the livepatch is disabled: no hook runs any more. */
static void __exit rraim_exit(void)
{
	rraim_swap_exit();
	rraim_core_unload();
}

module_init(rraim_init);
module_exit(rraim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("RRAIM: mirrored remote memory as a swap tier over RDMA");
MODULE_INFO(livepatch, "Y");
/* page checksums: the crypto API's crc32c (rraim_csum.c) */
MODULE_SOFTDEP("pre: crc32c");
