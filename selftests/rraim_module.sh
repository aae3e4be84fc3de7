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
# module parameters and sysfs files share one parser and one range per knob
check "deadline_ms=4 accepted" refused deadline_ms=4 servers="$(server_addr 1)"
check "enabled=2 accepted" refused enabled=2 servers="$(server_addr 1)"
check "hexadecimal heartbeat_ms accepted" refused heartbeat_ms=0x100 servers="$(server_addr 1)"
check "deadline_ms=0 accepted" refused deadline_ms=0
echo Y >/sys/module/zswap/parameters/enabled
refused servers="$(server_addr 1)"
r=$?
[ $r = 0 ] || { echo N >/sys/module/zswap/parameters/enabled; fail "attached although zswap is enabled"; }
dmesg | grep -q "zswap is enabled" || fail "no clear line for an enabled zswap"

# zswap switched off but still holding pages: refused as well
swap_on || fail "swapon"
cg=$(make_cgroup zswap 16M)
bg_in_cgroup "$cg" rraim-pattern -q -c -p 0 -P -S 30 32M
pid=$BG_PID
wait_until '[ "$(cat /sys/kernel/debug/zswap/stored_pages)" -gt 100 ]' 300 ||
	fail "zswap did not take pages"
echo N >/sys/module/zswap/parameters/enabled
refused servers="$(server_addr 1)" || fail "attached although zswap holds pages"
dmesg | grep -q "zswap still holds" || fail "no clear line for zswap's pages"
kill -USR1 $pid
wait $pid
r=$?
[ $r = 0 ] || fail "the zswap workload failed ($r)"
swapoff /dev/vda

# a swap area turned on before the module attached is not served: its
# pages go to the disk (counted), until it is turned off and on again
swap_on || fail "swapon"
load_rraim 1 || fail "load with an area already on"
out0=$(vmstat_of pswpout)
in_cgroup "$cg" rraim-pattern -q -p 1 -P 32M || fail "workload on the old area"
diag "old area: reject_area $(stat_of reject_area), stores $(stat_of stores), pswpout +$(( $(vmstat_of pswpout) - out0 ))"
[ "$(stat_of reject_area)" -gt 0 ] || fail "stores for the unknown area not counted"
[ "$(stat_of stores)" = 0 ] || fail "stored pages of an area the module does not know"
swapoff /dev/vda && swap_on || fail "swapoff/swapon"
in_cgroup "$cg" rraim-pattern -q -p 1 -P 32M || fail "workload on the new area"
[ "$(stat_of stores)" -gt 0 ] || fail "the re-enabled area is not served"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
