// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of RRAIM's pure logic: the latency histograms, the slot
 * word, the order in which a load asks for the copies, and server
 * addresses.  Built as rraim_kunit.ko where the kernel has KUnit (the
 * test bed's debug kernel); the selftest rraim_kunit.sh loads it and
 * reads the results.
 *
 * The files under test are compiled into this module (not linked against
 * rraim.ko), so that their static helpers can be tested too.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/in.h>

#include "../../rraim_addr.c"
#include "../../rraim_stats.c"
#include "../../rraim_core.h"

/* ------------------------------------------------------------ histograms */

static void rraim_hist_exact_below_4us(struct kunit *test)
{
	unsigned int us;

	for (us = 0; us < 4; us++) {
		KUNIT_EXPECT_EQ(test, rraim_hist_bucket(us), us);
		KUNIT_EXPECT_EQ(test, rraim_hist_bucket_floor(us), (u64)us);
	}
}

/* Every latency lands in the bucket whose range holds it. */
static void rraim_hist_bucket_holds_sample(struct kunit *test)
{
	unsigned int b;
	u64 us;

	for (us = 0; us < 8000000; us = us < 4096 ? us + 1 : us + us / 97) {
		b = rraim_hist_bucket(us);
		KUNIT_ASSERT_LT(test, b, (unsigned int)RRAIM_HIST_BUCKETS);
		KUNIT_EXPECT_LE(test, rraim_hist_bucket_floor(b), us);
		if (b + 1 < RRAIM_HIST_BUCKETS)
			KUNIT_EXPECT_GT(test, rraim_hist_bucket_floor(b + 1), us);
	}
}

/* Four buckets per octave: none wider than a quarter of its floor. */
static void rraim_hist_bucket_width(struct kunit *test)
{
	u64 lo, hi;
	unsigned int b;

	for (b = 4; b + 1 < RRAIM_HIST_BUCKETS; b++) {
		lo = rraim_hist_bucket_floor(b);
		hi = rraim_hist_bucket_floor(b + 1);
		KUNIT_EXPECT_GT(test, hi, lo);
		KUNIT_EXPECT_LE(test, (hi - lo) * 4, lo);
	}
	/* the last bucket starts at 7.3 s, as its comment says */
	KUNIT_EXPECT_EQ(test, rraim_hist_bucket_floor(RRAIM_HIST_BUCKETS - 1),
			7340032ULL);
	KUNIT_EXPECT_EQ(test, rraim_hist_bucket(U64_MAX >> 1),
			RRAIM_HIST_BUCKETS - 1U);
}

static void rraim_hist_percentiles(struct kunit *test)
{
	struct rraim_hist *h;
	u64 p50, p99, p100;
	unsigned int i;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_EXPECT_EQ(test, rraim_hist_percentile(h, 500), 0ULL);

	for (i = 0; i < 99; i++)
		rraim_hist_add(h, 10);
	rraim_hist_add(h, 1000);
	p50 = rraim_hist_percentile(h, 500);
	p99 = rraim_hist_percentile(h, 990);
	p100 = rraim_hist_percentile(h, 1000);
	/* the upper edge of 10's bucket: at least 10, below the next floor */
	KUNIT_EXPECT_GE(test, p50, 10ULL);
	KUNIT_EXPECT_LT(test, p50, rraim_hist_bucket_floor(rraim_hist_bucket(10) + 1));
	KUNIT_EXPECT_EQ(test, p99, p50);
	KUNIT_EXPECT_EQ(test, p100, 1000ULL);	/* never more than the largest */
	KUNIT_EXPECT_EQ(test, h->max_us, 1000ULL);
}

static struct kunit_case rraim_hist_cases[] = {
	KUNIT_CASE(rraim_hist_exact_below_4us),
	KUNIT_CASE(rraim_hist_bucket_holds_sample),
	KUNIT_CASE(rraim_hist_bucket_width),
	KUNIT_CASE(rraim_hist_percentiles),
	{}
};

static struct kunit_suite rraim_hist_suite = {
	.name = "rraim_hist",
	.test_cases = rraim_hist_cases,
};

/* ------------------------------------------------------------- slot word */

static u64 rraim_test_slot(u32 mchunk, unsigned int pos, unsigned int valid)
{
	return FIELD_PREP(RRAIM_SLOT_MCHUNK, mchunk) |
	       FIELD_PREP(RRAIM_SLOT_POS, pos) |
	       FIELD_PREP(RRAIM_SLOT_VALID, valid) |
	       FIELD_PREP(RRAIM_SLOT_GEN, 0x2aaaa);
}

static void rraim_slot_fields(struct kunit *test)
{
	u64 w = rraim_test_slot(0xffffff, RRAIM_CHUNK_PAGES - 1, 0xff);

	KUNIT_EXPECT_EQ(test, rraim_slot_mchunk(w), 0xffffffU);
	KUNIT_EXPECT_EQ(test, rraim_slot_pos(w), RRAIM_CHUNK_PAGES - 1U);
	KUNIT_EXPECT_EQ(test, rraim_slot_valid(w), 0xffU);
	KUNIT_EXPECT_FALSE(test, w & (RRAIM_SLOT_LOST | RRAIM_SLOT_FAILREAD));
	w = rraim_test_slot(1, 0, 1);
	KUNIT_EXPECT_EQ(test, rraim_slot_mchunk(w), 1U);
	KUNIT_EXPECT_EQ(test, rraim_slot_pos(w), 0U);
	KUNIT_EXPECT_EQ(test, rraim_slot_valid(w), 1U);
}

static void rraim_slot_layout(struct kunit *test)
{
	/* out of the assertions: sparse cannot expand them nested */
	u64 positions = FIELD_MAX(RRAIM_SLOT_POS) + 1;
	unsigned int replicas = hweight64(RRAIM_SLOT_VALID);

	/* every position of an mchunk, every replica has a field */
	KUNIT_EXPECT_GE(test, positions, (u64)RRAIM_CHUNK_PAGES);
	KUNIT_EXPECT_GE(test, replicas, (unsigned int)RRAIM_MAX_REPLICAS);
	/* no two fields overlap */
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_MCHUNK & RRAIM_SLOT_POS, 0ULL);
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_POS & RRAIM_SLOT_VALID, 0ULL);
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_VALID & RRAIM_SLOT_LOST, 0ULL);
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_LOST & RRAIM_SLOT_FAILREAD, 0ULL);
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_FAILREAD & RRAIM_SLOT_CSUM, 0ULL);
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_CSUM & RRAIM_SLOT_GEN, 0ULL);
	/* the checksum flag is not part of what names a stored copy */
	KUNIT_EXPECT_EQ(test, RRAIM_SLOT_CSUM & RRAIM_SLOT_COPY, 0ULL);
	KUNIT_EXPECT_EQ(test, rraim_slot_gen(rraim_test_slot(1, 0, 1)), 0x2aaaaU);
}

static void rraim_slot_miss_marker(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, rraim_slot_is_miss(0));
	KUNIT_EXPECT_TRUE(test, rraim_slot_is_miss(RRAIM_SLOT_LOST));
	KUNIT_EXPECT_TRUE(test, rraim_slot_is_miss(RRAIM_SLOT_FAILREAD));
	KUNIT_EXPECT_FALSE(test, rraim_slot_is_miss(rraim_test_slot(1, 0, 0)));
	KUNIT_EXPECT_FALSE(test, rraim_slot_is_miss(rraim_test_slot(1, 0, 0) |
						    RRAIM_SLOT_LOST));
}

static struct kunit_case rraim_slot_cases[] = {
	KUNIT_CASE(rraim_slot_fields),
	KUNIT_CASE(rraim_slot_layout),
	KUNIT_CASE(rraim_slot_miss_marker),
	{}
};

static struct kunit_suite rraim_slot_suite = {
	.name = "rraim_slot",
	.test_cases = rraim_slot_cases,
};

/* ------------------------------------------------------------ load order */

static void rraim_order_live_first(struct kunit *test)
{
	const u8 cls[] = { RRAIM_COPY_SUSPECT, RRAIM_COPY_LIVE,
			   RRAIM_COPY_SKIP, RRAIM_COPY_LIVE };
	u8 order[RRAIM_MAX_REPLICAS];
	unsigned int n;

	n = rraim_copy_order(cls, ARRAY_SIZE(cls), 0, order);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, order[0], 1);
	KUNIT_EXPECT_EQ(test, order[1], 3);
	KUNIT_EXPECT_EQ(test, order[2], 0);	/* the suspect last */
	n = rraim_copy_order(cls, ARRAY_SIZE(cls), 1, order);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, order[0], 3);	/* rotated */
	KUNIT_EXPECT_EQ(test, order[1], 1);
	KUNIT_EXPECT_EQ(test, order[2], 0);
}

/* Over a full turn of the rotor each live copy is asked first equally. */
static void rraim_order_spreads(struct kunit *test)
{
	const u8 cls[] = { RRAIM_COPY_LIVE, RRAIM_COPY_LIVE, RRAIM_COPY_LIVE,
			   RRAIM_COPY_SKIP, RRAIM_COPY_SUSPECT };
	unsigned int first[ARRAY_SIZE(cls)] = {}, rot, n, i;
	u8 order[RRAIM_MAX_REPLICAS];

	for (rot = 0; rot < 300; rot++) {
		n = rraim_copy_order(cls, ARRAY_SIZE(cls), rot, order);
		KUNIT_ASSERT_EQ(test, n, 4U);
		KUNIT_EXPECT_EQ(test, order[3], 4);
		first[order[0]]++;
	}
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, first[i], 100U);
	KUNIT_EXPECT_EQ(test, first[3], 0U);
}

static void rraim_order_none(struct kunit *test)
{
	const u8 cls[] = { RRAIM_COPY_SKIP, RRAIM_COPY_SKIP };
	u8 order[RRAIM_MAX_REPLICAS];

	KUNIT_EXPECT_EQ(test, rraim_copy_order(cls, 2, 7, order), 0U);
	KUNIT_EXPECT_EQ(test, rraim_copy_order(cls, 0, 7, order), 0U);
}

static struct kunit_case rraim_order_cases[] = {
	KUNIT_CASE(rraim_order_live_first),
	KUNIT_CASE(rraim_order_spreads),
	KUNIT_CASE(rraim_order_none),
	{}
};

static struct kunit_suite rraim_order_suite = {
	.name = "rraim_load_order",
	.test_cases = rraim_order_cases,
};

/* ------------------------------------------------------------- addresses */

static void rraim_addr_good(struct kunit *test)
{
	struct sockaddr_storage ss;
	char name[64];

	KUNIT_ASSERT_EQ(test, rraim_addr_parse("10.77.1.2", &ss, name,
					       sizeof(name)), 0);
	KUNIT_EXPECT_STREQ(test, name, "10.77.1.2:7471");
	KUNIT_EXPECT_EQ(test, ss.ss_family, AF_INET);
	KUNIT_ASSERT_EQ(test, rraim_addr_parse("192.168.0.1:65535", &ss, name,
					       sizeof(name)), 0);
	KUNIT_EXPECT_STREQ(test, name, "192.168.0.1:65535");
	KUNIT_ASSERT_EQ(test, rraim_addr_parse("10.0.0.1:1", &ss, name,
					       sizeof(name)), 0);
	KUNIT_EXPECT_STREQ(test, name, "10.0.0.1:1");
}

static void rraim_addr_bad(struct kunit *test)
{
	static const char *const bad[] = {
		"", ":7471", "10.77.1.2:", "10.77.1.2:0", "10.77.1.2:65536",
		"10.77.1.2:-1", "10.77.1.2:12ab", "10.77.1.2:+80",
		"10.77.1.2 ", "1.2.3.4.5", "256.1.1.1", "server.example:7471",
		"::1", "[::1]:7471",
		"1111111111111111111111111111111111111111111111111:7471",
	};
	struct sockaddr_storage ss;
	char name[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, rraim_addr_parse(bad[i], &ss, name,
							   sizeof(name)),
				    -EINVAL, "accepted \"%s\"", bad[i]);
}

static struct kunit_case rraim_addr_cases[] = {
	KUNIT_CASE(rraim_addr_good),
	KUNIT_CASE(rraim_addr_bad),
	{}
};

static struct kunit_suite rraim_addr_suite = {
	.name = "rraim_addr",
	.test_cases = rraim_addr_cases,
};

kunit_test_suites(&rraim_hist_suite, &rraim_slot_suite, &rraim_order_suite,
		  &rraim_addr_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of RRAIM's pure logic");
