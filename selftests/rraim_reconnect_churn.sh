#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reconnect churn: many servers that refuse every connection (ports where
# nothing listens, on hosts that exist) are retried for a long time while
# a verifying workload runs on two healthy servers.  Every failed attempt
# builds and tears down a queue pair and its completion queue; the host
# must not crash (a completion tasklet of Soft-RoCE left pending on a
# freed completion queue did, after minutes of this), leak, or lose data.
#
#   RRAIM_CHURN_SECS   how long (default 90; the debug-kernel run: 1800)
#   RRAIM_CHURN_PEERS  refusing servers (default 20)
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

secs=${RRAIM_CHURN_SECS:-90}
peers=${RRAIM_CHURN_PEERS:-20}
# refusers add|remove: the refusing servers, half on each healthy
# server's host (the connect is refused at once)
refusers() {
	i=0
	while [ "$i" -lt "$peers" ]; do
		echo "$(server_addr $((i % 2 + 1))):$((7500 + i))" >"$RRAIM_SYS/$1_server" ||
			fail "$1 refusing server $i"
		i=$((i + 1))
	done
}

load_rraim 2 replicas=2 || fail "load"
refusers add
swap_on || fail "swapon"
cg=$(make_cgroup churn 32M)
t0=$(date +%s)
runs=0
while [ $(( $(date +%s) - t0 )) -lt "$secs" ]; do
	in_cgroup "$cg" rraim-pattern -q -p 1 -r 64M ||
		fail "the workload failed after $runs runs (wrong data or lost pages)"
	runs=$((runs + 1))
	no_splat || fail "kernel splat after $(( $(date +%s) - t0 ))s"
done
attempts=$(dmesg | grep -c 'connecting -> dead')
diag "${secs}s: $runs verified runs, $attempts failed connects logged, lost $(stat_of lost_pages)"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages lost"
refusers remove
swapoff /dev/vda || fail "swapoff"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
