#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reconnect churn: many servers that refuse every connection (ports where
# nothing listens, on hosts that exist) are retried for a long time while
# a verifying workload runs on two healthy servers.  With a third server,
# it serves at first and then goes silent for the rest of the run: its
# node powered off in the separate-VM topology (connects to it time out),
# its link down in the single guest (connects fail at once).  Every
# failed attempt builds and tears down a queue pair and its completion
# queue; the host must not crash (a completion tasklet of Soft-RoCE left
# pending on a freed completion queue did, after minutes of this with a
# powered-off node), leak, or lose data.
#
#   RRAIM_CHURN_SECS   how long (default 90; the debug-kernel run: 1800)
#   RRAIM_CHURN_PEERS  refusing servers (default 20)
#
# 90 s of churn, then the node powered off is booted again (separate-VM
# topology): with both kernels' lanes running, 8 guests on 2 cores, that
# boot alone took minutes once, and the run passed 300 s.
# rraim-timeout: 600
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

# silence add|remove: server 3 serves, then goes silent; at the end it
# is removed and brought back for the next test
silence() {
	[ "${RRAIM_SERVERS:-0}" -ge 3 ] || return 0
	S3=$(server_addr 3):$RRAIM_PORT
	if [ "$1" = add ]; then
		echo "$S3" >"$RRAIM_SYS/add_server" || fail "add server 3"
		wait_until '[ "$(cat "$(server_dir 3)/state")" = live ]' 300 ||
			fail "server 3 not live"
		sleep 5		# some pages get copies there
		if [ "$RRAIM_TOPOLOGY" = multi ]; then
			rraim-fault poweroff 3 || fail "poweroff 3"
		else
			rraim-fault link-down 3 || fail "link-down 3"
		fi
		return 0
	fi
	diag "server 3: $(cat "$(server_dir 3)/state") ($(cat "$(server_dir 3)/state_reason"))"
	wait_until "echo \"$S3\" >\"$RRAIM_SYS/remove_server\" 2>/dev/null" 600 ||
		fail "remove server 3 (silent since the start)"
	if [ "$RRAIM_TOPOLOGY" = multi ]; then
		rraim-fault poweron 3 || fail "poweron 3"
	else
		rraim-fault link-up 3
	fi
}

load_rraim 2 replicas=2 || fail "load"
refusers add
swap_on || fail "swapon"
cg=$(make_cgroup churn 32M)
bg_in_cgroup "$cg" rraim-pattern -q -p 1 -r 64M
wl=$BG_PID
silence add
wait "$wl" || fail "the workload failed while server 3 went silent"
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
silence remove
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
