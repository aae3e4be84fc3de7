/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM page encryption (rraim_crypt.c): with a page key, every page is
 * encrypted with XTS-AES-256 before it leaves the host, the tweak bound to
 * the page's index and store generation, and decrypted after it is read
 * back.  Its integrity is the page checksum's (rraim_csum.h), which covers
 * the plaintext and is always on while pages are encrypted.
 */
#ifndef RRAIM_CRYPT_H
#define RRAIM_CRYPT_H

#include <linux/types.h>

struct crypto_skcipher;
struct page;
struct skcipher_request;

/**
 * struct rraim_crypt_buf - a bounce page and a cipher request, from a pool
 * @page: where a store's ciphertext goes, or a check's plaintext
 * @req: the transform's request
 *
 * Taken with rraim_crypt_get(), given back with rraim_crypt_put().
 */
struct rraim_crypt_buf {
	struct page *page;
	struct skcipher_request *req;
};

/**
 * rraim_crypt_enabled - are new pages encrypted?
 *
 * Fixed from load to unload: true when the encrypt_key parameter named a
 * page key and the transform took it.
 */
bool rraim_crypt_enabled(void);

/**
 * rraim_crypt_get - a bounce page and request, waiting for one if need be
 *
 * Sleeps; never fails (a mempool reserve: each holder gives it back after
 * one page's transfers).  Only while rraim_crypt_enabled().
 */
struct rraim_crypt_buf *rraim_crypt_get(void);

/* rraim_crypt_put - give back what rraim_crypt_get() returned */
void rraim_crypt_put(struct rraim_crypt_buf *b);

/**
 * rraim_crypt_page - encrypt or decrypt one page
 * @b: a buffer from rraim_crypt_get() (its request is used)
 * @encrypt: encrypt (true) or decrypt
 * @index: the page's index in its space
 * @gen: the generation of the store that wrote it
 * @src: PAGE_SIZE bytes in
 * @dst: PAGE_SIZE bytes out; may be @src
 *
 * XTS-AES with the 16-byte tweak (@index as le64, @gen as le32, 0 as
 * le32).  Sleeps.  Return: 0 or the crypto API's error.
 */
int rraim_crypt_page(struct rraim_crypt_buf *b, bool encrypt, u64 index,
		     u32 gen, struct page *src, struct page *dst);

/**
 * rraim_crypt_describe - "off", or "on ALG DRIVER", for sysfs
 * @buf: a sysfs page
 */
int rraim_crypt_describe(char *buf);

/**
 * rraim_crypt_new_tfm - an XTS-AES-256 transform keyed from key material
 * @material: RRAIM_SECRET_MIN..RRAIM_SECRET_MAX bytes
 * @len: their number
 *
 * The XTS key is the SHA-512 of "rraim page key v1" (with its NUL) and
 * @material.  For rraim_crypt_init() and the KUnit tests.  Sleeps.
 * Return: the transform (crypto_free_skcipher() it), or an ERR_PTR().
 */
struct crypto_skcipher *rraim_crypt_new_tfm(const u8 *material, size_t len);

/* Test hook (debugfs): the next this many pages the cipher fails on */
u32 rraim_fault_crypt_errors_left(void);
void rraim_fault_set_crypt_errors(u32 n);

int rraim_crypt_init(void);
void rraim_crypt_exit(void);

#endif /* RRAIM_CRYPT_H */
