// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the core API (rraim.h) as a front end uses it, against
 * the loaded rraim.ko and its memory servers: a space's bounds, pages
 * stored and read back byte for byte, a large folio's pages stored all or
 * none, the asynchronous store a bio-based front end needs, the highest
 * index a space can name, and a page the core never held.  Also the page
 * checksum (rraim_csum.h): known answers, and its binding to the slot.
 *
 * Built as rraim_core_kunit.ko where the kernel has KUnit; rraim.ko then
 * exports the API to it (namespace RRAIM_KUNIT).  The selftest
 * rraim_kunit.sh loads rraim.ko with live servers first; without a
 * server that takes pages, the cases that store are skipped.
 */
#include <crypto/skcipher.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>

#include "../../rraim.h"
#include "../../rraim_auth.h"
#include "../../rraim_crypt.h"
#include "../../rraim_csum.h"

MODULE_IMPORT_NS(RRAIM_KUNIT);

/* Longer than any store or load can take while a server is live. */
#define RRAIM_KUNIT_WAIT	(60 * HZ)

struct rraim_kunit_ctx {
	struct rraim_space *sp;
	struct page *out;
	struct page *in;
};

static void rraim_kunit_fill(struct page *page, u64 seed)
{
	u64 *w = kmap_local_page(page);
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] = (seed + 1) * 0x9e3779b97f4a7c15ULL + i;
	kunmap_local(w);
}

static bool rraim_kunit_same(struct page *a, struct page *b)
{
	void *pa = kmap_local_page(a), *pb = kmap_local_page(b);
	bool same = !memcmp(pa, pb, PAGE_SIZE);

	kunmap_local(pb);
	kunmap_local(pa);
	return same;
}

static int rraim_kunit_init(struct kunit *test)
{
	struct rraim_kunit_ctx *c;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->out = alloc_page(GFP_KERNEL);
	if (!c->out)
		return -ENOMEM;
	c->in = alloc_page(GFP_KERNEL);
	if (!c->in) {
		__free_page(c->out);
		return -ENOMEM;
	}
	/* the API wants locked pages, as the swap code hands them over */
	lock_page(c->out);
	lock_page(c->in);
	test->priv = c;
	return 0;
}

static void rraim_kunit_exit(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;

	if (!c)
		return;		/* init failed */
	rraim_space_destroy(c->sp);
	unlock_page(c->out);
	unlock_page(c->in);
	__free_page(c->out);
	__free_page(c->in);
}

static struct rraim_space *rraim_kunit_space(struct kunit *test, u64 nr_pages)
{
	struct rraim_kunit_ctx *c = test->priv;

	c->sp = rraim_space_create("kunit", nr_pages, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->sp));
	return c->sp;
}

/* Store c->out filled from @seed at @index; skip the case if no server can. */
static void rraim_kunit_store(struct kunit *test, pgoff_t index, u64 seed)
{
	struct rraim_kunit_ctx *c = test->priv;
	int ret;

	rraim_kunit_fill(c->out, seed);
	ret = rraim_space_store(c->sp, index, c->out);
	if (ret == -ENOSPC || ret == -ENODEV)
		kunit_skip(test, "no server takes pages (%d)", ret);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/* Load @index and expect what rraim_kunit_store() stored from @seed. */
static void rraim_kunit_expect(struct kunit *test, pgoff_t index, u64 seed)
{
	struct rraim_kunit_ctx *c = test->priv;

	rraim_kunit_fill(c->out, seed);
	KUNIT_ASSERT_EQ(test, rraim_space_load(c->sp, index, c->in), 0);
	KUNIT_EXPECT_TRUE_MSG(test, rraim_kunit_same(c->in, c->out),
			      "page %lu read back wrong", index);
}

static void rraim_space_test_create_bounds(struct kunit *test)
{
	struct rraim_space *sp;

	sp = rraim_space_create("kunit", 0, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sp), -EINVAL);
	sp = rraim_space_create("kunit", RRAIM_SPACE_MAX_PAGES + 1, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sp), -EINVAL);
	sp = rraim_space_create("kunit", 1, BIT(31));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sp), -EINVAL);
	sp = rraim_space_create("kunit", 1, RRAIM_SPACE_NO_FALLBACK |
				RRAIM_SPACE_ALL_COPIES);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sp));
	rraim_space_destroy(sp);
	sp = rraim_space_create("kunit", RRAIM_SPACE_MAX_PAGES, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sp));
	rraim_space_destroy(sp);
	rraim_space_destroy(NULL);
}

/* An index past the end, or no space at all, is refused without harm. */
static void rraim_space_test_index_bounds(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;
	struct rraim_space *sp = rraim_kunit_space(test, 16);

	rraim_kunit_fill(c->out, 1);
	KUNIT_EXPECT_EQ(test, rraim_space_store(sp, 16, c->out), -ENODEV);
	KUNIT_EXPECT_EQ(test, rraim_space_load(sp, 16, c->in), -EINVAL);
	KUNIT_EXPECT_FALSE(test, rraim_space_read_must_fail(sp, 16));
	rraim_space_invalidate(sp, 16);
	KUNIT_EXPECT_EQ(test, rraim_space_store(NULL, 0, c->out), -ENODEV);
	KUNIT_EXPECT_EQ(test, rraim_space_load(NULL, 0, c->in), -EINVAL);
	KUNIT_EXPECT_FALSE(test, rraim_space_read_must_fail(NULL, 0));
	rraim_space_invalidate(NULL, 0);
}

/* Pages come back byte for byte; a re-store replaces the old contents. */
static void rraim_space_test_roundtrip(struct kunit *test)
{
	unsigned long before = rraim_core_stored_pages();
	pgoff_t i;

	rraim_kunit_space(test, 64);
	for (i = 0; i < 8; i++)
		rraim_kunit_store(test, i, i);
	KUNIT_EXPECT_GE(test, rraim_core_stored_pages(), before + 8);
	for (i = 0; i < 8; i++)
		rraim_kunit_expect(test, i, i);
	rraim_kunit_store(test, 3, 1000);
	rraim_kunit_expect(test, 3, 1000);
}

/*
 * The first and the last index of the largest space are different pages:
 * the index is not cut to fewer bits anywhere on the way, and one past
 * the last is refused rather than taken for another page.
 */
static void rraim_space_test_highest_index(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;
	const pgoff_t last = RRAIM_SPACE_MAX_PAGES - 1;

	rraim_kunit_space(test, RRAIM_SPACE_MAX_PAGES);
	rraim_kunit_store(test, 0, 7);
	rraim_kunit_store(test, last, 8);
	rraim_kunit_expect(test, 0, 7);
	rraim_kunit_expect(test, last, 8);
	rraim_kunit_fill(c->out, 9);
	KUNIT_EXPECT_EQ(test, rraim_space_store(c->sp, last + 1, c->out), -ENODEV);
	rraim_kunit_expect(test, 0, 7);
}

/*
 * A page the core does not hold (never stored, or invalidated) is not
 * there to read, and the front end must fail its read rather than read
 * whatever else it has for it.
 */
static void rraim_space_test_not_held(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;

	rraim_kunit_space(test, 16);
	KUNIT_EXPECT_EQ(test, rraim_space_load(c->sp, 4, c->in), -ENOENT);
	KUNIT_EXPECT_TRUE(test, rraim_space_read_must_fail(c->sp, 4));

	rraim_kunit_store(test, 5, 5);
	rraim_space_invalidate(c->sp, 5);
	KUNIT_EXPECT_EQ(test, rraim_space_load(c->sp, 5, c->in), -ENOENT);
	KUNIT_EXPECT_TRUE(test, rraim_space_read_must_fail(c->sp, 5));

	/* a new store over the failed read's marker holds the page again */
	rraim_kunit_store(test, 5, 6);
	rraim_kunit_expect(test, 5, 6);
	KUNIT_EXPECT_FALSE(test, rraim_space_read_must_fail(c->sp, 5));
}

/*
 * A large folio's pages are stored together and read back one by one; when
 * one of them cannot be stored (here: past the end of the space), none of
 * them is held.
 */
static void rraim_space_test_store_pages(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;
	struct page *folio;
	unsigned int i;
	int ret;

	rraim_kunit_space(test, 16);
	folio = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	lock_page(folio);
	for (i = 0; i < 4; i++)
		rraim_kunit_fill(nth_page(folio, i), 20 + i);
	ret = rraim_space_store_pages(c->sp, 8, folio, 4);
	if (ret == -ENOSPC || ret == -ENODEV) {
		unlock_page(folio);
		__free_pages(folio, 2);
		kunit_skip(test, "no server takes pages (%d)", ret);
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, rraim_space_store_pages(c->sp, 14, folio, 4),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, rraim_space_store_pages(c->sp, 0, folio, 0),
			-EINVAL);
	unlock_page(folio);
	__free_pages(folio, 2);
	for (i = 0; i < 4; i++)
		rraim_kunit_expect(test, 8 + i, 20 + i);
	KUNIT_EXPECT_EQ(test, rraim_space_load(c->sp, 14, c->in), -ENOENT);
	KUNIT_EXPECT_EQ(test, rraim_space_load(c->sp, 15, c->in), -ENOENT);
}

struct rraim_kunit_async {
	struct rraim_store_req req;
	struct completion done;
	int err;
};

static void rraim_kunit_async_done(struct rraim_store_req *req, int err)
{
	struct rraim_kunit_async *a = container_of(req, struct rraim_kunit_async,
						   req);

	a->err = err;
	complete(&a->done);
}

/* The request is on the heap, as a front end's would be (not on a stack). */
static int rraim_kunit_store_async(struct kunit *test, pgoff_t index)
{
	struct rraim_kunit_ctx *c = test->priv;
	struct rraim_kunit_async *a;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	a->req.space = c->sp;
	a->req.index = index;
	a->req.page = c->out;
	a->req.done = rraim_kunit_async_done;
	init_completion(&a->done);
	rraim_space_store_async(&a->req);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&a->done,
							  RRAIM_KUNIT_WAIT), 0);
	return a->err;
}

/* An asynchronous store completes once, with the store's outcome. */
static void rraim_space_test_store_async(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;
	int err;

	rraim_kunit_space(test, 16);
	rraim_kunit_fill(c->out, 11);
	KUNIT_EXPECT_EQ(test, rraim_kunit_store_async(test, 16), -ENODEV);
	err = rraim_kunit_store_async(test, 2);
	if (err == -ENOSPC || err == -ENODEV)
		kunit_skip(test, "no server takes pages (%d)", err);
	KUNIT_ASSERT_EQ(test, err, 0);
	rraim_kunit_expect(test, 2, 11);
}

/* Destroying a space forgets what it held. */
static void rraim_space_test_destroy_forgets(struct kunit *test)
{
	struct rraim_kunit_ctx *c = test->priv;
	unsigned long before = rraim_core_stored_pages();
	pgoff_t i;

	rraim_kunit_space(test, 64);
	for (i = 0; i < 8; i++)
		rraim_kunit_store(test, i, i);
	rraim_space_destroy(c->sp);
	c->sp = NULL;
	KUNIT_EXPECT_EQ(test, rraim_core_stored_pages(), before);
}

static struct kunit_case rraim_space_cases[] = {
	KUNIT_CASE(rraim_space_test_create_bounds),
	KUNIT_CASE(rraim_space_test_index_bounds),
	KUNIT_CASE(rraim_space_test_roundtrip),
	KUNIT_CASE(rraim_space_test_highest_index),
	KUNIT_CASE(rraim_space_test_not_held),
	KUNIT_CASE(rraim_space_test_store_pages),
	KUNIT_CASE(rraim_space_test_store_async),
	KUNIT_CASE(rraim_space_test_destroy_forgets),
	{}
};

static struct kunit_suite rraim_space_suite = {
	.name = "rraim_space",
	.init = rraim_kunit_init,
	.exit = rraim_kunit_exit,
	.test_cases = rraim_space_cases,
};

/*
 * The proof the memory server computes for the same inputs (its unit test
 * server/tests/test_unit.c has the same known answer): the two sides of
 * the handshake agree.  Skipped while this host authenticates for real,
 * since the case sets the secret and forgets it.
 */
static void rraim_auth_test_known_proof(struct kunit *test)
{
	static const u8 want[RRAIM_AUTH_PROOF_LEN] = {
		0xe0, 0x84, 0xe9, 0xbd, 0x23, 0x09, 0xaf, 0x55,
		0x51, 0xaf, 0x31, 0x02, 0x8f, 0x1b, 0x34, 0x6b,
	};
	u8 key[32], a[RRAIM_AUTH_NONCE_LEN], b[RRAIM_AUTH_NONCE_LEN];
	u8 proof[RRAIM_AUTH_PROOF_LEN];
	unsigned int i;

	if (rraim_auth_enabled())
		kunit_skip(test, "auth_key is set on this host");
	for (i = 0; i < sizeof(key); i++)
		key[i] = i * 7 + 1;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	KUNIT_EXPECT_EQ(test, rraim_auth_proof(RRAIM_AUTH_SERVER_LABEL, a, b,
					       42, proof), -ENOKEY);
	KUNIT_ASSERT_EQ(test, rraim_auth_set_secret(key, sizeof(key)), 0);
	KUNIT_EXPECT_EQ(test, rraim_auth_proof(RRAIM_AUTH_SERVER_LABEL, a, b,
					       42, proof), 0);
	KUNIT_EXPECT_EQ(test, memcmp(proof, want, sizeof(want)), 0);
	/* the other label, the other order: other proofs */
	KUNIT_EXPECT_EQ(test, rraim_auth_proof(RRAIM_AUTH_CLIENT_LABEL, a, b,
					       42, proof), 0);
	KUNIT_EXPECT_NE(test, memcmp(proof, want, sizeof(want)), 0);
	KUNIT_EXPECT_EQ(test, rraim_auth_proof(RRAIM_AUTH_SERVER_LABEL, b, a,
					       42, proof), 0);
	KUNIT_EXPECT_NE(test, memcmp(proof, want, sizeof(want)), 0);
	KUNIT_EXPECT_EQ(test, rraim_auth_set_secret(key, 15), -EINVAL);
	KUNIT_EXPECT_EQ(test, rraim_auth_set_secret(NULL, 0), 0);
	KUNIT_EXPECT_FALSE(test, rraim_auth_enabled());
}

static struct kunit_case rraim_auth_cases[] = {
	KUNIT_CASE(rraim_auth_test_known_proof),
	{}
};

static struct kunit_suite rraim_auth_suite = {
	.name = "rraim_auth",
	.test_cases = rraim_auth_cases,
};

/* ------------------------------------------------------- page checksums */

/* The test page: byte i is (7 i + 3) mod 256. */
static void *rraim_csum_kunit_page(struct kunit *test)
{
	u8 *p = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = i * 7 + 3;
	return p;
}

/*
 * Known answers: CRC32C over (index as le64, gen as le32, the page), as an
 * independent implementation computes them.  Only meaningful for 4 KiB
 * pages.
 */
static void rraim_csum_test_known(struct kunit *test)
{
	u8 *p = rraim_csum_kunit_page(test);

	if (PAGE_SIZE != 4096)
		kunit_skip(test, "known answers are for 4 KiB pages");
	KUNIT_EXPECT_EQ(test, rraim_csum_buf(0x12345, 0x2aaaa, p), 0xe407528bU);
	KUNIT_EXPECT_EQ(test, rraim_csum_buf(0x12346, 0x2aaaa, p), 0xa7f2bfcdU);
	KUNIT_EXPECT_EQ(test, rraim_csum_buf(0x12345, 0x2aaab, p), 0xa4627c6cU);
	KUNIT_EXPECT_EQ(test, rraim_csum_buf(0, 0, p), 0xfe33d3b1U);
}

/* Another index, another generation, one flipped bit: another value. */
static void rraim_csum_test_binding(struct kunit *test)
{
	u8 *p = rraim_csum_kunit_page(test);
	u32 base = rraim_csum_buf(1000, 7, p);

	KUNIT_EXPECT_EQ(test, rraim_csum_buf(1000, 7, p), base);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(1001, 7, p), base);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(1000, 8, p), base);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(1000ULL << 32, 7, p), base);
	p[PAGE_SIZE - 1] ^= 0x10;
	KUNIT_EXPECT_NE(test, rraim_csum_buf(1000, 7, p), base);
}

static struct kunit_case rraim_csum_cases[] = {
	KUNIT_CASE(rraim_csum_test_known),
	KUNIT_CASE(rraim_csum_test_binding),
	{}
};

static struct kunit_suite rraim_csum_suite = {
	.name = "rraim_csum",
	.test_cases = rraim_csum_cases,
};

/* ------------------------------------------------------ page encryption */

/*
 * A transform keyed from the material 00 01 .. 1f, its request, and two
 * pages: the test page (as above) and one for the output.
 */
struct rraim_crypt_kunit {
	struct crypto_skcipher *tfm;
	struct rraim_crypt_buf b;
	struct page *pt;
	u8 *p;
	u8 *c;
};

static void rraim_crypt_kunit_exit(struct kunit *test)
{
	struct rraim_crypt_kunit *k = test->priv;

	if (!k)
		return;
	skcipher_request_free(k->b.req);
	if (k->b.page)
		__free_page(k->b.page);
	if (k->pt)
		__free_page(k->pt);
	if (k->tfm)
		crypto_free_skcipher(k->tfm);
}

static int rraim_crypt_kunit_init(struct kunit *test)
{
	struct rraim_crypt_kunit *k;
	u8 material[32];
	unsigned int i;

	k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	test->priv = k;
	for (i = 0; i < sizeof(material); i++)
		material[i] = i;
	k->tfm = rraim_crypt_new_tfm(material, sizeof(material));
	if (IS_ERR(k->tfm)) {
		/* a kernel without xts(aes): the cases skip */
		k->tfm = NULL;
		return 0;
	}
	k->b.req = skcipher_request_alloc(k->tfm, GFP_KERNEL);
	k->b.page = alloc_page(GFP_KERNEL);
	k->pt = alloc_page(GFP_KERNEL);
	if (!k->b.req || !k->b.page || !k->pt)
		return -ENOMEM;
	k->p = page_address(k->pt);
	k->c = page_address(k->b.page);
	for (i = 0; i < PAGE_SIZE; i++)
		k->p[i] = i * 7 + 3;
	return 0;
}

/*
 * Known answers: XTS-AES-256 under SHA-512("rraim page key v1\0" ||
 * material), the tweak (index le64, gen le32, 0 le32), as an independent
 * implementation computes them.
 */
static void rraim_crypt_test_known(struct kunit *test)
{
	static const u8 head[16] = {
		0xd1, 0x53, 0x1d, 0x10, 0x71, 0xbf, 0xa0, 0x00,
		0x67, 0x87, 0x4a, 0x5e, 0x89, 0xaa, 0x65, 0xe7,
	};
	static const u8 tail[16] = {
		0x6d, 0xad, 0x26, 0xef, 0xfe, 0xe7, 0x9e, 0x90,
		0x2a, 0x88, 0x48, 0xac, 0xcc, 0x13, 0x5d, 0x3e,
	};
	static const u8 next_gen[16] = {
		0xc4, 0x61, 0xc5, 0xbc, 0x77, 0xee, 0xf9, 0x43,
		0x48, 0x16, 0xf0, 0x1c, 0xf0, 0x4a, 0xd0, 0xfa,
	};
	struct rraim_crypt_kunit *k = test->priv;

	if (!k->tfm)
		kunit_skip(test, "no xts(aes) in this kernel");

	if (PAGE_SIZE != 4096)
		kunit_skip(test, "known answers are for 4 KiB pages");
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 0x12345, 0x2aaaa,
					       k->pt, k->b.page), 0);
	KUNIT_EXPECT_EQ(test, memcmp(k->c, head, sizeof(head)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(k->c + PAGE_SIZE - 16, tail,
				     sizeof(tail)), 0);
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 0x12345, 0x2aaab,
					       k->pt, k->b.page), 0);
	KUNIT_EXPECT_EQ(test, memcmp(k->c, next_gen, sizeof(next_gen)), 0);
}

/*
 * A round trip gives the page back, in place too; under another index or
 * generation it gives garbage, and so does a ciphertext changed in one
 * byte: what the page checksum then catches.
 */
static void rraim_crypt_test_round_trip(struct kunit *test)
{
	struct rraim_crypt_kunit *k = test->priv;
	u8 *copy;
	u32 crc;

	if (!k->tfm)
		kunit_skip(test, "no xts(aes) in this kernel");
	crc = rraim_csum_buf(77, 5, k->p);
	copy = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, k->p, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 77, 5, k->pt,
					       k->b.page), 0);
	KUNIT_EXPECT_NE(test, memcmp(k->c, copy, PAGE_SIZE), 0);
	/* not even the first 16-byte block shows */
	KUNIT_EXPECT_NE(test, memcmp(k->c, copy, 16), 0);

	/* in place, as a load decrypts the copy it read */
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, false, 77, 5, k->b.page,
					       k->b.page), 0);
	KUNIT_EXPECT_EQ(test, memcmp(k->c, copy, PAGE_SIZE), 0);

	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 77, 5, k->pt,
					       k->b.page), 0);
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, false, 77, 6, k->b.page,
					       k->b.page), 0);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(77, 5, k->c), crc);

	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 77, 5, k->pt,
					       k->b.page), 0);
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, false, 78, 5, k->b.page,
					       k->b.page), 0);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(77, 5, k->c), crc);

	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, true, 77, 5, k->pt,
					       k->b.page), 0);
	k->c[1000] ^= 0x01;
	KUNIT_ASSERT_EQ(test, rraim_crypt_page(&k->b, false, 77, 5, k->b.page,
					       k->b.page), 0);
	KUNIT_EXPECT_NE(test, rraim_csum_buf(77, 5, k->c), crc);
	/* XTS: only the 16-byte block that was changed is garbage */
	KUNIT_EXPECT_EQ(test, memcmp(k->c, copy, 992), 0);
	KUNIT_EXPECT_NE(test, memcmp(k->c + 992, copy + 992, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(k->c + 1008, copy + 1008,
				     PAGE_SIZE - 1008), 0);
}

/* Key material: the derivation takes all of it, and only it. */
static void rraim_crypt_test_key(struct kunit *test)
{
	struct rraim_crypt_kunit *k = test->priv;
	struct crypto_skcipher *other;
	struct rraim_crypt_buf b = {};
	u8 material[32];
	unsigned int i;

	if (!k->tfm)
		kunit_skip(test, "no xts(aes) in this kernel");

	for (i = 0; i < sizeof(material); i++)
		material[i] = i;
	material[31] ^= 0x80;
	other = rraim_crypt_new_tfm(material, sizeof(material));
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	b.req = skcipher_request_alloc(other, GFP_KERNEL);
	b.page = alloc_page(GFP_KERNEL);
	if (b.req && b.page) {
		KUNIT_EXPECT_EQ(test, rraim_crypt_page(&b, true, 1, 1, k->pt,
						       b.page), 0);
		KUNIT_EXPECT_EQ(test, rraim_crypt_page(&k->b, true, 1, 1, k->pt,
						       k->b.page), 0);
		KUNIT_EXPECT_NE(test, memcmp(page_address(b.page), k->c,
					     PAGE_SIZE), 0);
	}
	skcipher_request_free(b.req);
	if (b.page)
		__free_page(b.page);
	crypto_free_skcipher(other);
}

static struct kunit_case rraim_crypt_cases[] = {
	KUNIT_CASE(rraim_crypt_test_known),
	KUNIT_CASE(rraim_crypt_test_round_trip),
	KUNIT_CASE(rraim_crypt_test_key),
	{}
};

static struct kunit_suite rraim_crypt_suite = {
	.name = "rraim_crypt",
	.init = rraim_crypt_kunit_init,
	.exit = rraim_crypt_kunit_exit,
	.test_cases = rraim_crypt_cases,
};

kunit_test_suites(&rraim_space_suite, &rraim_auth_suite, &rraim_csum_suite,
		  &rraim_crypt_suite);

MODULE_DESCRIPTION("KUnit tests of the RRAIM core API");
MODULE_LICENSE("GPL");
