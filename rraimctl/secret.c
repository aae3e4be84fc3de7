// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl: the key files of rraim.conf go to the module as logon keys,
 * keys the kernel can read and user space cannot read back: the cluster's
 * secret ("secret = FILE", the module's auth_key) and the page key
 * ("encrypt_key = FILE", the module's encrypt_key).  A key is added to our
 * session keyring, which modprobe inherits (the module looks it up when
 * its parameter names it, and copies it), and unlinked again once the
 * module has it: it stays nowhere but in the module.  Its bytes are never
 * printed.  A file is checked as the memory server checks its secret
 * (../server/secret.c): mode 0600, 16 to 128 bytes.
 */
#include <errno.h>
#include <linux/keyctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rraimctl.h"
#include "../server/secret.h"

const struct logon_key secret_key = {
	.key = K_SECRET, .desc = "rraim:cluster", .param = "auth_key",
};

const struct logon_key page_key = {
	.key = K_ENCRYPT_KEY, .desc = "rraim:pages", .param = "encrypt_key",
};

/* Read and check the key file: 0, or -1 with the reason printed. */
static int key_load(const struct logon_key *lk, const char *path,
		    struct rraim_secret *bytes)
{
	char err[512];

	if (!rraim_secret_load(path, bytes, err, sizeof(err)))
		return 0;
	msg("%s: %s", keydefs[lk->key].name, err);
	return -1;
}

int key_file_check(const struct logon_key *lk, const char *path)
{
	struct rraim_secret bytes;

	if (key_load(lk, path, &bytes))
		return -1;
	rraim_secret_wipe(&bytes);
	return 0;
}

long key_install(const struct logon_key *lk, const char *path)
{
	struct rraim_secret bytes;
	long key;

	if (key_load(lk, path, &bytes))
		return -1;
	key = syscall(SYS_add_key, "logon", lk->desc, bytes.key, bytes.len,
		      KEY_SPEC_SESSION_KEYRING);
	rraim_secret_wipe(&bytes);
	if (key < 0)
		msg("%s: cannot add the logon key %s: %s",
		    keydefs[lk->key].name, lk->desc, strerror(errno));
	return key;
}

void key_uninstall(const struct logon_key *lk, long key)
{
	if (key > 0 && syscall(SYS_keyctl, KEYCTL_UNLINK, key,
			       KEY_SPEC_SESSION_KEYRING))
		msg("%s: cannot unlink the logon key %s: %s",
		    keydefs[lk->key].name, lk->desc, strerror(errno));
}
