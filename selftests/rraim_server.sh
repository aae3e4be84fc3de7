#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every memory server listens, answers on its status socket and serves a
# client end to end: connect, grant, RDMA WRITE and READ back, free, bye.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	if [ "$RRAIM_TOPOLOGY" = multi ]; then
		# the status socket is inside the server's node
		out=$(rraim-rogue "$(server_addr "$i"):$RRAIM_PORT" ok 2>&1) ||
			{ echo "$out"; fail "server node $i did not serve a client"; }
		i=$((i + 1))
		continue
	fi
	st=$(rraim-server --status "$(server_sock "$i")") ||
		fail "server $i does not answer on its status socket"
	echo "$st" | grep -qx "state running" || fail "server $i is not running"
	echo "$st" | grep -qx "listen $(server_addr "$i"):$RRAIM_PORT" ||
		fail "server $i does not listen on $(server_addr "$i")"
	out=$(rraim-rogue "$(server_addr "$i"):$RRAIM_PORT" ok 2>&1) ||
		{ echo "$out"; fail "server $i did not serve a client"; }
	diag "server $i: $(echo "$st" | grep -E '^(capacity|free) ' | tr '\n' ' ')"
	i=$((i + 1))
done
exit $KSFT_PASS
