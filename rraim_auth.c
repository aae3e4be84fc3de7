// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM: the cluster's shared secret on the client side.
 *
 * The secret reaches the module as a logon key (a key user space can add
 * but never read back): "keyctl padd logon rraim:cluster @s < FILE", or
 * rraimctl's "secret = FILE", then the module parameter auth_key names it
 * (at load, or written to /sys/module/rraim/parameters/auth_key by root).
 * The key is looked up in the keyrings of the process that sets the
 * parameter, and its bytes are copied here: the module never shows them,
 * in sysfs or anywhere else, and wipes them at unload.  Changing the key
 * affects the connections made after the change.
 *
 * Proofs are HMAC-SHA256 through the crypto API, cut to
 * RRAIM_AUTH_PROOF_LEN bytes.  The transform is allocated at the first
 * proof, so a host without a secret never needs it.
 */
#include <crypto/hash.h>
#include <keys/user-type.h>
#include <linux/key.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "rraim_auth.h"
#include "rraim_core.h"

static DEFINE_MUTEX(rraim_auth_mutex);
static u8 rraim_auth_secret[RRAIM_SECRET_MAX];
static size_t rraim_auth_len;		/* 0: no secret */
static struct crypto_shash *rraim_auth_tfm;
static bool rraim_auth_keyed;		/* the transform has this secret */
static char rraim_auth_desc[64];	/* the logon key's description */

bool rraim_auth_enabled(void)
{
	return READ_ONCE(rraim_auth_len) != 0;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_auth_enabled);

int rraim_auth_set_secret(const u8 *key, size_t len)
{
	if (len && (len < RRAIM_SECRET_MIN || len > RRAIM_SECRET_MAX))
		return -EINVAL;
	mutex_lock(&rraim_auth_mutex);
	memzero_explicit(rraim_auth_secret, sizeof(rraim_auth_secret));
	if (len)
		memcpy(rraim_auth_secret, key, len);
	WRITE_ONCE(rraim_auth_len, len);
	rraim_auth_keyed = false;
	mutex_unlock(&rraim_auth_mutex);
	return 0;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_auth_set_secret);

int rraim_auth_proof(const char *label, const u8 *other, const u8 *own,
		     u64 session, u8 proof[RRAIM_AUTH_PROOF_LEN])
{
	u8 mac[32];
	__le64 le = cpu_to_le64(session);
	struct crypto_shash *tfm;
	int ret;

	mutex_lock(&rraim_auth_mutex);
	ret = -ENOKEY;
	if (!rraim_auth_len)
		goto out;
	if (!rraim_auth_tfm) {
		tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
		if (IS_ERR(tfm)) {
			ret = PTR_ERR(tfm);
			pr_err("cannot use hmac(sha256) for authentication (%d)\n",
			       ret);
			goto out;
		}
		rraim_auth_tfm = tfm;
	}
	if (!rraim_auth_keyed) {
		ret = crypto_shash_setkey(rraim_auth_tfm, rraim_auth_secret,
					  rraim_auth_len);
		if (ret)
			goto out;
		rraim_auth_keyed = true;
	}
	{
		SHASH_DESC_ON_STACK(desc, rraim_auth_tfm);

		desc->tfm = rraim_auth_tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, label, strlen(label)) ?:
		      crypto_shash_update(desc, other, RRAIM_AUTH_NONCE_LEN) ?:
		      crypto_shash_update(desc, own, RRAIM_AUTH_NONCE_LEN) ?:
		      crypto_shash_update(desc, (u8 *)&le, sizeof(le)) ?:
		      crypto_shash_final(desc, mac);
		shash_desc_zero(desc);
	}
	if (!ret)
		memcpy(proof, mac, RRAIM_AUTH_PROOF_LEN);
	memzero_explicit(mac, sizeof(mac));
out:
	mutex_unlock(&rraim_auth_mutex);
	return ret;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_auth_proof);

void rraim_auth_exit(void)
{
	rraim_auth_set_secret(NULL, 0);
	if (rraim_auth_tfm)
		crypto_free_shash(rraim_auth_tfm);
	rraim_auth_tfm = NULL;
}

/* ------------------------------------------------------- the auth_key */

int rraim_logon_key_copy(const char *param, const char *desc,
			 int (*use)(const u8 *data, size_t len))
{
	const struct user_key_payload *payload;
	struct key *key;
	int ret;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key)) {
		pr_err("%s: no logon key '%s' in the keyrings of the process that set it (%ld)\n",
		       param, desc, PTR_ERR(key));
		return PTR_ERR(key) == -ENOKEY ? -ENOKEY : -EINVAL;
	}
	down_read(&key->sem);
	payload = user_key_payload_locked(key);
	if (!payload) {
		ret = -EKEYREVOKED;
	} else if (payload->datalen < RRAIM_SECRET_MIN ||
		   payload->datalen > RRAIM_SECRET_MAX) {
		pr_err("%s: key '%s' holds %u bytes: it must hold %d to %d\n",
		       param, desc, payload->datalen, RRAIM_SECRET_MIN,
		       RRAIM_SECRET_MAX);
		ret = -EINVAL;
	} else {
		ret = use(payload->data, payload->datalen);
	}
	up_read(&key->sem);
	key_put(key);
	return ret;
}

static int rraim_auth_param_set(const char *val, const struct kernel_param *kp)
{
	char desc[sizeof(rraim_auth_desc)];
	int ret;

	if (strscpy(desc, val, sizeof(desc)) < 0)
		return -EINVAL;
	strim(desc);
	if (!*desc) {
		ret = rraim_auth_set_secret(NULL, 0);
		if (!ret)
			pr_notice("auth_key cleared: servers are no longer authenticated\n");
	} else {
		ret = rraim_logon_key_copy("auth_key", desc,
					   rraim_auth_set_secret);
		if (!ret)
			pr_info("auth_key: the secret of logon key '%s' authenticates the servers\n",
				desc);
	}
	if (!ret)
		strscpy(rraim_auth_desc, desc, sizeof(rraim_auth_desc));
	return ret;
}

static int rraim_auth_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", rraim_auth_desc);
}

static const struct kernel_param_ops rraim_auth_param_ops = {
	.set = rraim_auth_param_set,
	.get = rraim_auth_param_get,
};

/* Root only: the name is no secret, but who may change it is. */
module_param_cb(auth_key, &rraim_auth_param_ops, NULL, 0600);
MODULE_PARM_DESC(auth_key, "Logon key holding the cluster's secret (\"\": no authentication)");
