// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM server addresses.  Pure logic (no state), unit-tested in
 * tests/kunit.
 */
#include <linux/ctype.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "rraim_addr.h"
#include "rraim_proto.h"

int rraim_addr_parse(const char *str, struct sockaddr_storage *ss,
		     char *name, size_t len)
{
	char host[INET6_ADDRSTRLEN + 1], port[8];
	const char *colon;
	size_t hlen;
	u16 p;
	int ret;

	colon = strrchr(str, ':');
	hlen = colon ? colon - str : strlen(str);
	if (!hlen || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, str, hlen);
	host[hlen] = '\0';
	if (colon) {
		/* digits only: kstrtou16() would take a sign or a newline */
		if (!isdigit(colon[1]))
			return -EINVAL;
		ret = kstrtou16(colon + 1, 10, &p);
		if (ret || !p)
			return -EINVAL;
	} else {
		p = RRAIM_DEFAULT_PORT;
	}
	snprintf(port, sizeof(port), "%u", p);
	ret = inet_pton_with_scope(&init_net, AF_INET, host, port, ss);
	if (ret)
		return -EINVAL;
	snprintf(name, len, "%pISpc", ss);
	return 0;
}
