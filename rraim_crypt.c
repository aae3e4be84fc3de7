// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM page encryption: the kernel's "xts(aes)" skcipher with a 512-bit
 * key (AES-256 in XTS mode), as dm-crypt encrypts disk sectors.
 *
 * Why XTS and not an AEAD such as AES-GCM: a swapped page is rewritten in
 * place again and again, like a disk sector.  GCM would need a nonce that
 * never repeats under the key and a 16-byte tag per page kept on the host
 * (the slot map would more than double); its nonce could only come from
 * the page's index and an 18-bit store generation that wraps, and a
 * repeated GCM nonce gives away the authentication key.  XTS needs no
 * state beyond what the slot already holds: the tweak is the page's index
 * and the generation of the store.  A repeated tweak only shows that two
 * 16-byte blocks at the same place of the same page were equal, as on an
 * encrypted disk.  Integrity comes from the page checksum, a CRC32C of the
 * plaintext kept on the host (always on while encrypting): a server that
 * changes ciphertext gets random plaintext back, which fails the check
 * with probability 1 - 2^-32; it cannot choose the plaintext without the
 * key; and an older copy, or another page's, fails it as without
 * encryption.
 *
 * The key: the encrypt_key parameter names a logon key (a key user space
 * can add but never read back) in the keyrings of the process that loads
 * the module ("rraimctl attach" with "encrypt_key = FILE" in rraim.conf).
 * Its payload is copied at load, hashed with SHA-512 into the XTS key, and
 * wiped; the key is never on the wire or in sysfs.  It is set at load
 * only: pages stored under one key cannot be read under another.
 *
 * A store encrypts into a bounce page and writes that; a load decrypts the
 * copy it read in place; the sync checks a copy by decrypting it into a
 * bounce page and copies the ciphertext as it is.  Bounce pages and
 * requests come from a mempool, so that swap-out under memory pressure
 * always has one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rraim_auth.h"
#include "rraim_core.h"
#include "rraim_crypt.h"
#include "rraim_proto.h"

#define RRAIM_CRYPT_ALG		"xts(aes)"
#define RRAIM_CRYPT_KEY_LEN	64	/* two AES-256 keys */
/* bounce buffers held back for swap-out under memory pressure */
#define RRAIM_CRYPT_RESERVE	8

static const char rraim_crypt_label[] = "rraim page key v1";

static u8 rraim_crypt_material[RRAIM_SECRET_MAX];
static size_t rraim_crypt_material_len;	/* 0: no page key */
static char rraim_crypt_desc[64];	/* the logon key's description */
static struct crypto_skcipher *rraim_crypt_tfm;	/* set: encrypting */
static mempool_t *rraim_crypt_pool;
/* test hook (debugfs fault_crypt_errors): pages the cipher fails on */
static atomic_t rraim_crypt_fault = ATOMIC_INIT(0);

/* The tweak: where the page is and which store wrote it. */
struct rraim_crypt_tweak {
	__le64 index;
	__le32 gen;
	__le32 zero;
};

bool rraim_crypt_enabled(void)
{
	/* pairs with rraim_crypt_init(): the pool before the transform */
	return !!smp_load_acquire(&rraim_crypt_tfm);
}

int rraim_crypt_describe(char *buf)
{
	struct crypto_skcipher *tfm = READ_ONCE(rraim_crypt_tfm);

	if (!tfm)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "on %s %s\n", RRAIM_CRYPT_ALG,
			  crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)));
}

/* ------------------------------------------------------------- buffers */

/* A pool element: @data is the transform its request is for. */
static void *rraim_crypt_buf_alloc(gfp_t gfp, void *data)
{
	struct crypto_skcipher *tfm = data;
	struct rraim_crypt_buf *b;

	b = kmalloc(sizeof(*b), gfp);
	if (!b)
		return NULL;
	b->page = alloc_page(gfp);
	b->req = skcipher_request_alloc(tfm, gfp);
	if (!b->page || !b->req) {
		skcipher_request_free(b->req);
		if (b->page)
			__free_page(b->page);
		kfree(b);
		return NULL;
	}
	return b;
}

static void rraim_crypt_buf_free(void *element, void *data)
{
	struct rraim_crypt_buf *b = element;

	skcipher_request_free(b->req);
	__free_page(b->page);
	kfree(b);
}

struct rraim_crypt_buf *rraim_crypt_get(void)
{
	return mempool_alloc(rraim_crypt_pool, GFP_NOIO);
}

void rraim_crypt_put(struct rraim_crypt_buf *b)
{
	mempool_free(b, rraim_crypt_pool);
}

int rraim_crypt_page(struct rraim_crypt_buf *b, bool encrypt, u64 index,
		     u32 gen, struct page *src, struct page *dst)
{
	struct rraim_crypt_tweak tweak = {
		.index = cpu_to_le64(index),
		.gen = cpu_to_le32(gen),
	};
	struct scatterlist sg_src, sg_dst;
	DECLARE_CRYPTO_WAIT(wait);

	if (unlikely(atomic_read(&rraim_crypt_fault)) &&
	    atomic_dec_if_positive(&rraim_crypt_fault) >= 0)
		return -EIO;

	sg_init_table(&sg_src, 1);
	sg_set_page(&sg_src, src, PAGE_SIZE, 0);
	sg_init_table(&sg_dst, 1);
	sg_set_page(&sg_dst, dst, PAGE_SIZE, 0);
	skcipher_request_set_callback(b->req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	/* the tweak is the IV: 16 bytes, which the request may change */
	skcipher_request_set_crypt(b->req, &sg_src, &sg_dst, PAGE_SIZE,
				   (u8 *)&tweak);
	return crypto_wait_req(encrypt ? crypto_skcipher_encrypt(b->req) :
				       crypto_skcipher_decrypt(b->req), &wait);
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_crypt_page);

u32 rraim_fault_crypt_errors_left(void)
{
	return atomic_read(&rraim_crypt_fault);
}

void rraim_fault_set_crypt_errors(u32 n)
{
	atomic_set(&rraim_crypt_fault, n);
}

/* ------------------------------------------------------------- the key */

/* The material from the encrypt_key's logon key, until rraim_crypt_init() */
static int rraim_crypt_set_key(const u8 *material, size_t len)
{
	if (len && (len < RRAIM_SECRET_MIN || len > RRAIM_SECRET_MAX))
		return -EINVAL;
	memzero_explicit(rraim_crypt_material, sizeof(rraim_crypt_material));
	if (len)
		memcpy(rraim_crypt_material, material, len);
	rraim_crypt_material_len = len;
	return 0;
}

/* The XTS key: SHA-512 of the label and the key material. */
static int rraim_crypt_derive(const u8 *material, size_t len,
			      u8 key[RRAIM_CRYPT_KEY_LEN])
{
	struct crypto_shash *sha;
	int ret;

	sha = crypto_alloc_shash("sha512", 0, 0);
	if (IS_ERR(sha))
		return PTR_ERR(sha);
	{
		SHASH_DESC_ON_STACK(desc, sha);

		desc->tfm = sha;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, rraim_crypt_label,
					  sizeof(rraim_crypt_label)) ?:
		      crypto_shash_finup(desc, material, len, key);
		shash_desc_zero(desc);
	}
	crypto_free_shash(sha);
	return ret;
}

struct crypto_skcipher *rraim_crypt_new_tfm(const u8 *material, size_t len)
{
	struct crypto_skcipher *tfm;
	u8 key[RRAIM_CRYPT_KEY_LEN];
	int ret;

	tfm = crypto_alloc_skcipher(RRAIM_CRYPT_ALG, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("encrypt_key: no %s in this kernel (%ld)\n",
		       RRAIM_CRYPT_ALG, PTR_ERR(tfm));
		return tfm;
	}
	ret = rraim_crypt_derive(material, len, key);
	if (!ret)
		ret = crypto_skcipher_setkey(tfm, key, sizeof(key));
	memzero_explicit(key, sizeof(key));
	if (ret) {
		pr_err("encrypt_key: cannot key %s (%d)\n", RRAIM_CRYPT_ALG,
		       ret);
		crypto_free_skcipher(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_crypt_new_tfm);

/* Load: a transform keyed with the page key, and the buffers' reserve. */
int rraim_crypt_init(void)
{
	struct crypto_skcipher *tfm;

	if (!rraim_crypt_material_len)
		return 0;
	tfm = rraim_crypt_new_tfm(rraim_crypt_material,
				  rraim_crypt_material_len);
	rraim_crypt_set_key(NULL, 0);	/* the transform has it now */
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	/* the pool's buffers are made for this transform */
	rraim_crypt_pool = mempool_create(RRAIM_CRYPT_RESERVE,
					  rraim_crypt_buf_alloc,
					  rraim_crypt_buf_free, tfm);
	if (!rraim_crypt_pool) {
		crypto_free_skcipher(tfm);
		return -ENOMEM;
	}
	/* last: rraim_crypt_enabled() means the pool is there too */
	smp_store_release(&rraim_crypt_tfm, tfm);
	pr_info("pages are encrypted: %s by %s, with the page key of logon key '%s'\n",
		RRAIM_CRYPT_ALG,
		crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)),
		rraim_crypt_desc);
	return 0;
}

/* Unload (no store, load or sync runs any more). */
void rraim_crypt_exit(void)
{
	mempool_destroy(rraim_crypt_pool);
	rraim_crypt_pool = NULL;
	if (rraim_crypt_tfm)
		crypto_free_skcipher(rraim_crypt_tfm);
	rraim_crypt_tfm = NULL;
	rraim_crypt_set_key(NULL, 0);
}

/* -------------------------------------------------- the encrypt_key */

/* At load only (the parameter is not writable later). */
static int rraim_crypt_param_set(const char *val, const struct kernel_param *kp)
{
	char desc[sizeof(rraim_crypt_desc)];
	int ret;

	if (strscpy(desc, val, sizeof(desc)) < 0)
		return -EINVAL;
	strim(desc);
	if (!*desc) {
		rraim_crypt_set_key(NULL, 0);
		rraim_crypt_desc[0] = '\0';
		return 0;
	}
	ret = rraim_logon_key_copy("encrypt_key", desc, rraim_crypt_set_key);
	if (!ret)
		strscpy(rraim_crypt_desc, desc, sizeof(rraim_crypt_desc));
	return ret;
}

static int rraim_crypt_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", rraim_crypt_desc);
}

static const struct kernel_param_ops rraim_crypt_param_ops = {
	.set = rraim_crypt_param_set,
	.get = rraim_crypt_param_get,
};

/* Root reads the key's name; nobody changes it on a loaded module. */
module_param_cb(encrypt_key, &rraim_crypt_param_ops, NULL, 0400);
MODULE_PARM_DESC(encrypt_key, "Logon key holding the page key: pages are encrypted before they leave the host (at load only; unset: not encrypted)");
