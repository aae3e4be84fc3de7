// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM: the cluster's shared secret and the authentication proofs.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "sha256.h"

int rraim_secret_load(const char *path, struct rraim_secret *secret,
		      char *err, size_t errlen)
{
	uint8_t buf[RRAIM_SECRET_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	memset(secret, 0, sizeof(*secret));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "%s may be read or written by others (mode %04o): make it 0600",
			 path, (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
				 strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (len < RRAIM_SECRET_MIN || len > RRAIM_SECRET_MAX) {
		snprintf(err, errlen,
			 "%s holds %s%zu bytes: a secret has %d to %d (e.g. head -c 32 /dev/urandom)",
			 path, len > RRAIM_SECRET_MAX ? "more than " : "",
			 len > RRAIM_SECRET_MAX ? (size_t)RRAIM_SECRET_MAX : len,
			 RRAIM_SECRET_MIN, RRAIM_SECRET_MAX);
		goto fail;
	}
	memcpy(secret->key, buf, len);
	secret->len = len;
	memset(buf, 0, sizeof(buf));
	close(fd);
	return 0;
fail:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return -1;
}

void rraim_secret_wipe(struct rraim_secret *secret)
{
	memset(secret, 0, sizeof(*secret));
	/* keep the compiler from dropping the memset of a dying object */
	__asm__ __volatile__("" : : "r"(secret) : "memory");
}

void rraim_auth_proof(const struct rraim_secret *secret, const char *label,
		      const uint8_t other[RRAIM_AUTH_NONCE_LEN],
		      const uint8_t own[RRAIM_AUTH_NONCE_LEN],
		      uint64_t session, uint8_t proof[RRAIM_AUTH_PROOF_LEN])
{
	uint8_t mac[RRAIM_SHA256_LEN];
	uint64_t le = htole64(session);
	struct rraim_hmac h;

	rraim_hmac_init(&h, secret->key, secret->len);
	rraim_hmac_update(&h, label, strlen(label));
	rraim_hmac_update(&h, other, RRAIM_AUTH_NONCE_LEN);
	rraim_hmac_update(&h, own, RRAIM_AUTH_NONCE_LEN);
	rraim_hmac_update(&h, &le, sizeof(le));
	rraim_hmac_final(&h, mac);
	memcpy(proof, mac, RRAIM_AUTH_PROOF_LEN);
	memset(mac, 0, sizeof(mac));
}

bool rraim_proof_equal(const uint8_t a[RRAIM_AUTH_PROOF_LEN],
		       const uint8_t b[RRAIM_AUTH_PROOF_LEN])
{
	uint8_t diff = 0;
	unsigned int i;

	for (i = 0; i < RRAIM_AUTH_PROOF_LEN; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}
