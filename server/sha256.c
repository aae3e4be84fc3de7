// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: SHA-256 and HMAC-SHA256, written from FIPS 180-4
 * and RFC 2104.  Speed does not matter here (one proof per connection).
 */
#include <string.h>

#include "sha256.h"

static const uint32_t rraim_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rraim_ror(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void rraim_sha256_block(struct rraim_sha256 *c, const uint8_t *p)
{
	uint32_t w[64], s[8], t1, t2;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (rraim_ror(w[i - 15], 7) ^ rraim_ror(w[i - 15], 18) ^
			(w[i - 15] >> 3)) +
		       (rraim_ror(w[i - 2], 17) ^ rraim_ror(w[i - 2], 19) ^
			(w[i - 2] >> 10));
	memcpy(s, c->state, sizeof(s));
	for (i = 0; i < 64; i++) {
		t1 = s[7] + (rraim_ror(s[4], 6) ^ rraim_ror(s[4], 11) ^
			     rraim_ror(s[4], 25)) +
		     ((s[4] & s[5]) ^ (~s[4] & s[6])) + rraim_sha256_k[i] + w[i];
		t2 = (rraim_ror(s[0], 2) ^ rraim_ror(s[0], 13) ^
		      rraim_ror(s[0], 22)) +
		     ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(&s[1], &s[0], 7 * sizeof(s[0]));
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->state[i] += s[i];
}

void rraim_sha256_init(struct rraim_sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memset(c, 0, sizeof(*c));
	memcpy(c->state, iv, sizeof(iv));
}

void rraim_sha256_update(struct rraim_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	c->bytes += len;
	while (len) {
		n = RRAIM_SHA256_BLOCK - c->used;
		if (n > len)
			n = len;
		memcpy(c->buf + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used == RRAIM_SHA256_BLOCK) {
			rraim_sha256_block(c, c->buf);
			c->used = 0;
		}
	}
}

void rraim_sha256_final(struct rraim_sha256 *c, uint8_t out[RRAIM_SHA256_LEN])
{
	uint64_t bits = c->bytes * 8;
	unsigned int i;

	c->buf[c->used++] = 0x80;
	if (c->used > RRAIM_SHA256_BLOCK - 8) {
		memset(c->buf + c->used, 0, RRAIM_SHA256_BLOCK - c->used);
		rraim_sha256_block(c, c->buf);
		c->used = 0;
	}
	memset(c->buf + c->used, 0, RRAIM_SHA256_BLOCK - 8 - c->used);
	for (i = 0; i < 8; i++)
		c->buf[RRAIM_SHA256_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	rraim_sha256_block(c, c->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->state[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->state[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->state[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->state[i];
	}
	memset(c, 0, sizeof(*c));
}

void rraim_hmac_init(struct rraim_hmac *h, const void *key, size_t len)
{
	uint8_t k[RRAIM_SHA256_BLOCK] = { 0 }, ipad[RRAIM_SHA256_BLOCK];
	struct rraim_sha256 kh;
	unsigned int i;

	if (len > RRAIM_SHA256_BLOCK) {
		rraim_sha256_init(&kh);
		rraim_sha256_update(&kh, key, len);
		rraim_sha256_final(&kh, k);
	} else if (len) {
		memcpy(k, key, len);
	}
	for (i = 0; i < RRAIM_SHA256_BLOCK; i++) {
		ipad[i] = k[i] ^ 0x36;
		h->opad[i] = k[i] ^ 0x5c;
	}
	rraim_sha256_init(&h->inner);
	rraim_sha256_update(&h->inner, ipad, sizeof(ipad));
	memset(k, 0, sizeof(k));
	memset(ipad, 0, sizeof(ipad));
}

void rraim_hmac_update(struct rraim_hmac *h, const void *data, size_t len)
{
	rraim_sha256_update(&h->inner, data, len);
}

void rraim_hmac_final(struct rraim_hmac *h, uint8_t out[RRAIM_SHA256_LEN])
{
	uint8_t ih[RRAIM_SHA256_LEN];
	struct rraim_sha256 outer;

	rraim_sha256_final(&h->inner, ih);
	rraim_sha256_init(&outer);
	rraim_sha256_update(&outer, h->opad, sizeof(h->opad));
	rraim_sha256_update(&outer, ih, sizeof(ih));
	rraim_sha256_final(&outer, out);
	memset(ih, 0, sizeof(ih));
	memset(h, 0, sizeof(*h));
}
