// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-server: lend this machine's memory to RRAIM clients over RDMA.
 *
 * Exit status: 0 success, 1 runtime failure (including "--status could
 * not reach the server"), 2 usage or configuration error.
 */
#include <stdio.h>

#include "fault.h"
#include "options.h"
#include "server.h"
#include "util.h"

int main(int argc, char *argv[])
{
	struct rraim_options opts;
	char err[512];
	int ret;

	if (rraim_fault_args(&argc, argv))
		return RRAIM_EXIT_USAGE;
	rraim_options_init(&opts);
	switch (rraim_options_load(&opts, argc, argv, err, sizeof(err))) {
	case RRAIM_ACTION_HELP:
		rraim_usage(stdout);
		ret = RRAIM_EXIT_OK;
		break;
	case RRAIM_ACTION_VERSION:
		printf("%s %s (protocol %u)\n", RRAIM_PROG,
		       RRAIM_SERVER_VERSION, RRAIM_PROTO_VERSION);
		ret = RRAIM_EXIT_OK;
		break;
	case RRAIM_ACTION_STATUS:
		ret = rraim_status_query(opts.status_query, stdout);
		break;
	case RRAIM_ACTION_SERVE:
		rraim_log_setup(opts.systemd, opts.verbose);
		ret = rraim_server_run(&opts);
		break;
	case RRAIM_ACTION_ERROR:
	default:
		fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
			RRAIM_PROG, err, RRAIM_PROG);
		ret = RRAIM_EXIT_USAGE;
		break;
	}
	rraim_options_free(&opts);
	return ret;
}
