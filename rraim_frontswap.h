/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM frontswap front end (Linux 6.1, through livepatch).
 */
#ifndef RRAIM_FRONTSWAP_H
#define RRAIM_FRONTSWAP_H

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

#endif /* RRAIM_FRONTSWAP_H */
