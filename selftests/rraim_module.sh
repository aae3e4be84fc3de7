#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload: /sys/kernel/rraim comes and goes, the livepatch attaches
# and detaches, repeated cycles work, and bad parameters or an enabled
# zswap are refused with a clear line.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

for cycle in 1 2 3; do
	load_rraim 1 || fail "load $cycle"
	[ -d $RRAIM_SYS/stats ] || fail "no $RRAIM_SYS after load $cycle"
	[ "$(cat /sys/kernel/livepatch/rraim/enabled)" = 1 ] ||
		fail "livepatch not enabled"
	swap_on || fail "swapon"
	unload_rraim || fail "unload $cycle"
	[ ! -d $RRAIM_SYS ] || fail "$RRAIM_SYS still there after unload $cycle"
	[ ! -d /sys/module/rraim ] || fail "module still loaded after cycle $cycle"
done

# Refusals: each fails the load and says why in one line.
refused() {
	dmesg -c >/dev/null
	modprobe rraim "$@" 2>/dev/null && { unload_rraim; return 1; }
	diag "refused $*: $(dmesg | grep 'rraim:' | grep -v ': server ' | tail -n 1 | sed 's/^\[[^]]*\] //')"
	return 0
}
check "servers=garbage accepted" refused servers=not-an-address
check "servers with port 0 accepted" refused servers=10.77.1.2:0
check "replicas=9 accepted" refused replicas=9 servers="$(server_addr 1)"
check "replicas above servers accepted" refused replicas=2 servers="$(server_addr 1)"
check "deadline_ms=0 accepted" refused deadline_ms=0
echo Y >/sys/module/zswap/parameters/enabled
refused servers="$(server_addr 1)"
r=$?
echo N >/sys/module/zswap/parameters/enabled
[ $r = 0 ] || fail "attached although zswap is enabled"
dmesg | grep -q "zswap is enabled" || fail "no clear line for an enabled zswap"
exit $KSFT_PASS
