// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl: the cluster's secret (rraim.conf's "secret = FILE") goes to the
 * module as a logon key, a key the kernel can read and user space cannot
 * read back.  It is added to our session keyring, which modprobe inherits
 * (the module looks it up when its auth_key parameter names it, and copies
 * it), and unlinked again once the module has it: it stays nowhere but in
 * the module.  The file is checked as the memory server checks its own
 * (../server/secret.c): mode 0600, 16 to 128 bytes.
 */
#include <errno.h>
#include <linux/keyctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rraimctl.h"
#include "../server/secret.h"

long secret_install(const char *path)
{
	struct rraim_secret secret;
	char err[512];
	long key;

	if (rraim_secret_load(path, &secret, err, sizeof(err))) {
		msg("secret: %s", err);
		return -1;
	}
	key = syscall(SYS_add_key, "logon", SECRET_KEY, secret.key, secret.len,
		      KEY_SPEC_SESSION_KEYRING);
	rraim_secret_wipe(&secret);
	if (key < 0)
		msg("secret: cannot add the logon key %s: %s", SECRET_KEY,
		    strerror(errno));
	return key;
}

void secret_uninstall(long key)
{
	if (key > 0 && syscall(SYS_keyctl, KEYCTL_UNLINK, key,
			       KEY_SPEC_SESSION_KEYRING))
		msg("secret: cannot unlink the logon key %s: %s", SECRET_KEY,
		    strerror(errno));
}
