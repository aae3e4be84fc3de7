// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl - operate RRAIM from the command line.
 *
 * Everything goes through the module's sysfs directory (/sys/kernel/rraim,
 * described in Documentation/ABI/testing/sysfs-kernel-rraim), which both
 * front ends' modules make: rraim (the swap hooks, a livepatch) and
 * rraim_blk (the block device /dev/rraim0), one at a time.  attach and
 * detach also run modprobe and rmmod and use the livepatch directory next
 * to it; swapon and swapoff run swapon(8) and swapoff(8) on the swap areas
 * of the configuration file (rraim.conf(5)), or mkswap(8) and swapon(8)
 * on /dev/rraim0.  Only libc is used.
 *
 * Exit status: 0 success; 1 error or refusal; 2 usage or configuration
 * error; 3 the module is not loaded; 4 timeout.  The manual is rraimctl(8).
 *
 * --sysfs DIR replaces /sys/kernel/rraim, and the other sysfs paths are
 * derived from it (DIR/../livepatch/rraim, DIR/../../module/...), so that
 * a fake tree of plain files can stand in for the kernel's.  For the same
 * reason the programs run, /proc/swaps and /dev/rraim0 may be replaced
 * through the environment (RRAIMCTL_MODPROBE, RRAIMCTL_RMMOD,
 * RRAIMCTL_MKSWAP, RRAIMCTL_SWAPON, RRAIMCTL_SWAPOFF, RRAIMCTL_PROC_SWAPS,
 * RRAIMCTL_BLKDEV).
 *
 * This file parses the global options and dispatches to the commands, one
 * file per command family (see rraimctl.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rraim_proto.h"	/* RRAIM_DEFAULT_PORT */
#include "rraimctl.h"

#define RRAIM_SYSFS		"/sys/kernel/rraim"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rraimctl [OPTION]... COMMAND [ARG]...\n"
"Operate RRAIM, mirrored remote memory as a swap tier over RDMA.\n"
"\n"
"Commands:\n"
"  status                 servers, redundancy, latency, and a verdict\n"
"  add ADDR[:PORT]        add a memory server (port %d by default)\n"
"  remove ADDR[:PORT]     remove a memory server (refused while it holds\n"
"                         the only reachable copy of some page)\n"
"  drain ADDR[:PORT]      move a server's copies to the other servers\n"
"  replicas N             copies of each new page (1-%d, at most the servers)\n"
"  set KNOB VALUE         change a knob: enabled, deadline_ms, heartbeat_ms,\n"
"                         lost_wait_ms, sync_rate, auto_rebuild,\n"
"                         rebuild_delay_ms, checksum, replicas\n"
"  wait-sync              wait until no server is syncing and no page is\n"
"                         degraded\n"
"  attach [KEY=VALUE]...  load the module of the configuration's mode (rraim,\n"
"                         or rraim_blk for blockdev) with the configuration\n"
"                         (keys of rraim.conf(5) on the command line override\n"
"                         it), wait until it is attached, the servers are live\n"
"                         (and /dev/rraim0 is there)\n"
"  detach                 unload the module loaded; refused while it holds\n"
"                         swapped-out pages\n"
"  swapon                 turn on the configuration's swap areas (after attach);\n"
"                         blockdev: mkswap /dev/rraim0 and turn it on\n"
"  swapoff                turn them off, reading their pages back (before\n"
"                         detach)\n"
"  config [KEY]           check the configuration file; print it, or KEY\n"
"\n"
"Options:\n"
"  --sysfs DIR            the module's sysfs directory (default %s)\n"
"  --json                 status: JSON output\n"
"  --config FILE          configuration file (default %s)\n"
"  --no-config            attach: read no configuration file\n"
"  --timeout SECONDS      give up waiting after this long (0: never); attach\n"
"                         (default: attach_timeout, else %d), detach (%d),\n"
"                         add --wait (%d), drain --wait and wait-sync (never)\n"
"  --min-live N|all       attach: live servers to wait for (default all)\n"
"  --wait                 add: wait until the server is live;\n"
"                         drain: wait until it is drained\n"
"  --cancel               drain: stop draining\n"
"  -h, --help             this text\n"
"  -V, --version          version\n"
"\n"
"Exit status: 0 success, 1 error or refusal, 2 usage or configuration error,\n"
"3 rraim module not loaded, 4 timeout.  See rraimctl(8).\n",
		RRAIM_DEFAULT_PORT, RRAIM_MAX_REPLICAS, RRAIM_SYSFS,
		RRAIMCTL_CONFIG, ATTACH_TIMEOUT, DETACH_TIMEOUT, ADD_TIMEOUT);
}

struct command {
	const char *name;
	int (*fn)(const struct ctl *ctl, int argc, char **argv);
	int min_args, max_args;		/* max -1: any */
	unsigned int opts;		/* OPT_* allowed */
	const char *args;		/* for messages */
};

static const struct command commands[] = {
	{ "status", cmd_status, 0, 0, OPT_JSON, "" },
	{ "add", cmd_add, 1, 1, OPT_WAIT | OPT_TIMEOUT, " ADDR[:PORT]" },
	{ "remove", cmd_remove, 1, 1, 0, " ADDR[:PORT]" },
	{ "drain", cmd_drain, 1, 1, OPT_WAIT | OPT_TIMEOUT | OPT_CANCEL,
	  " ADDR[:PORT]" },
	{ "replicas", cmd_replicas, 1, 1, 0, " N" },
	{ "set", cmd_set, 2, 2, 0, " KNOB VALUE" },
	{ "wait-sync", cmd_wait_sync, 0, 0, OPT_TIMEOUT, "" },
	{ "attach", cmd_attach, 0, -1,
	  OPT_CONFIG | OPT_NO_CONFIG | OPT_TIMEOUT | OPT_MIN_LIVE,
	  " [KEY=VALUE]..." },
	{ "detach", cmd_detach, 0, 0, OPT_TIMEOUT, "" },
	{ "swapon", cmd_swapon, 0, 0, OPT_CONFIG, "" },
	{ "swapoff", cmd_swapoff, 0, 0, OPT_CONFIG, "" },
	{ "config", cmd_config, 0, 1, OPT_CONFIG, " [KEY]" },
};

static const struct optdef {
	const char *name;
	unsigned int bit;
	bool arg;
} optdefs[] = {
	{ "--sysfs", OPT_SYSFS, true },
	{ "--json", OPT_JSON, false },
	{ "--config", OPT_CONFIG, true },
	{ "--no-config", OPT_NO_CONFIG, false },
	{ "--timeout", OPT_TIMEOUT, true },
	{ "--min-live", OPT_MIN_LIVE, true },
	{ "--wait", OPT_WAIT, false },
	{ "--cancel", OPT_CANCEL, false },
};

/* @pos: room for the positional arguments. */
static int rraimctl(int argc, char **argv, char **pos)
{
	const char *sysfs = RRAIM_SYSFS, *value;
	const struct command *cmd = NULL;
	const struct optdef *od;
	struct ctl ctl = { 0 };
	struct opts *o = &ctl.o;
	int i, npos = 0;
	size_t j, len;
	bool dashdash = false;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			pos[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return RC_OK;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("rraimctl %s\n", RRAIMCTL_VERSION);
			return RC_OK;
		}
		od = NULL;
		len = strcspn(a, "=");
		for (j = 0; j < sizeof(optdefs) / sizeof(optdefs[0]); j++)
			if (strlen(optdefs[j].name) == len &&
			    !strncmp(optdefs[j].name, a, len))
				od = &optdefs[j];
		if (!od)
			return usage_err("unknown option '%s'", a);
		if (o->given & od->bit)
			return usage_err("option %s given twice", od->name);
		o->given |= od->bit;
		value = NULL;
		if (a[len] == '=') {
			if (!od->arg)
				return usage_err("option %s takes no value", od->name);
			value = a + len + 1;
		} else if (od->arg) {
			if (i + 1 >= argc)
				return usage_err("option %s needs a value", od->name);
			value = argv[++i];
		}
		switch (od->bit) {
		case OPT_SYSFS:
			if (!*value)
				return usage_err("--sysfs needs a directory");
			sysfs = value;
			break;
		case OPT_CONFIG:
			if (!*value)
				return usage_err("--config needs a file");
			o->config = value;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(value, 1e6, &o->timeout))
				return usage_err("--timeout: '%s' is not a number of seconds (0 to 1000000)",
						 value);
			break;
		case OPT_MIN_LIVE:
			if (!strcmp(value, "all"))
				o->min_live = MIN_LIVE_ALL;
			else if (parse_ulong(value, 0, RRAIM_MAX_SERVERS, &o->min_live))
				return usage_err("--min-live: '%s' is neither 'all' nor a number from 0 to %d",
						 value, RRAIM_MAX_SERVERS);
			break;
		default:
			break;
		}
	}
	if (!npos)
		return usage_err("no command given");
	if (!strcmp(pos[0], "help")) {
		usage(stdout);
		return RC_OK;
	}
	for (j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
		if (!strcmp(commands[j].name, pos[0]))
			cmd = &commands[j];
	if (!cmd)
		return usage_err("unknown command '%s'", pos[0]);
	if (npos - 1 < cmd->min_args ||
	    (cmd->max_args >= 0 && npos - 1 > cmd->max_args))
		return usage_err("usage: rraimctl %s%s", cmd->name, cmd->args);
	for (j = 0; j < sizeof(optdefs) / sizeof(optdefs[0]); j++) {
		od = &optdefs[j];
		if ((o->given & od->bit) && od->bit != OPT_SYSFS &&
		    !(cmd->opts & od->bit))
			return usage_err("option %s does not apply to '%s'",
					 od->name, cmd->name);
	}
	if (sysfs_setup(&ctl, sysfs))
		return usage_err("--sysfs: '%s' is not a usable path", sysfs);
	progress_init();
	i = cmd->fn(&ctl, npos - 1, pos + 1);
	progress_end();
	return i;
}

int main(int argc, char **argv)
{
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int ret;

	if (!pos) {
		msg("out of memory");
		return RC_ERR;
	}
	ret = rraimctl(argc, argv, pos);
	free(pos);
	return ret;
}
