/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM frontswap front end (Linux 6.1, through livepatch).  Built only
 * where the kernel has frontswap, zswap (whose hooks it replaces) and
 * livepatch (Kbuild); elsewhere these stubs say why RRAIM cannot attach.
 */
#ifndef RRAIM_FRONTSWAP_H
#define RRAIM_FRONTSWAP_H

#include <linux/errno.h>
#include <linux/printk.h>

#if IS_ENABLED(CONFIG_FRONTSWAP) && IS_ENABLED(CONFIG_ZSWAP) && \
	IS_ENABLED(CONFIG_LIVEPATCH)

/**
 * rraim_fs_check - can the front end attach on this kernel?
 *
 * Logs one line saying why not.  Return: 0 or a negative errno.
 */
int rraim_fs_check(void);

/**
 * rraim_fs_attach - enable the livepatch; from module init only
 *
 * The core receives stores once the patch transition has completed.
 * Return: 0 or a negative errno (logged).
 */
int rraim_fs_attach(void);

/**
 * rraim_fs_exit - free what the front end still holds; from module exit
 *
 * Once the livepatch is disabled: no hook runs any more.
 */
void rraim_fs_exit(void);

#else /* no frontswap, zswap or livepatch */

static inline int rraim_fs_check(void)
{
	if (!IS_ENABLED(CONFIG_FRONTSWAP))
		pr_err("this kernel has no frontswap (removed in Linux 6.6): RRAIM needs another front end here\n");
	else if (!IS_ENABLED(CONFIG_ZSWAP))
		pr_err("this kernel has no zswap, whose frontswap hooks RRAIM replaces\n");
	else
		pr_err("this kernel has no livepatch support (CONFIG_LIVEPATCH), which RRAIM attaches through\n");
	return -EOPNOTSUPP;
}

static inline int rraim_fs_attach(void)
{
	return -EOPNOTSUPP;
}

static inline void rraim_fs_exit(void)
{
}

#endif

#endif /* RRAIM_FRONTSWAP_H */
