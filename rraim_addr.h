/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM server addresses: "a.b.c.d[:port]", as add_server, remove_server
 * and the servers parameter take them.
 */
#ifndef RRAIM_ADDR_H
#define RRAIM_ADDR_H

#include <linux/socket.h>
#include <linux/types.h>

/**
 * rraim_addr_parse - parse a server address
 * @str: "a.b.c.d" or "a.b.c.d:port" (port 1..65535, decimal); the default
 *	port is RRAIM_DEFAULT_PORT
 * @ss: the address
 * @name: the canonical form, "a.b.c.d:port"
 * @len: size of @name
 *
 * Return: 0, or -EINVAL for anything else.
 */
int rraim_addr_parse(const char *str, struct sockaddr_storage *ss,
		     char *name, size_t len);

#endif /* RRAIM_ADDR_H */
