#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two tiers: zswap in front of /dev/rraim0 (rraim_blk.ko).  zswap keeps
# compressed pages and writes its oldest back to the only swap device,
# RRAIM's, when it is over its limit (6.12: the memcg's memory.zswap.max
# of 2M; 6.1: a pool limit of 1 %).  A verifying workload of compressible
# pages, four times its memory cgroup, runs with replicas=2 and server 2
# is killed mid-run: zswap wrote pages back (written_back_pages moves),
# they reached remote memory (stores move), and every byte verifies.
# rraim-timeout: 900
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
modinfo rraim_blk >/dev/null 2>&1 || skip "no rraim_blk module in the test bed"
Z=/sys/module/zswap/parameters
ZD=/sys/kernel/debug/zswap
[ -w $Z/enabled ] || skip "no zswap in this kernel"
[ -d /sys/module/rraim ] && fail "rraim.ko is loaded"

LIST="$(server_addr 1):$RRAIM_PORT,$(server_addr 2):$RRAIM_PORT,$(server_addr 3):$RRAIM_PORT"
zenabled0=$(cat $Z/enabled)
zpool0=$(cat $Z/max_pool_percent)
# leave zswap as it was, whatever happens (a zswap left on would take the
# pages of later tests)
restore_zswap() {
	swapoff -a 2>/dev/null
	echo "$zenabled0" >$Z/enabled
	echo "$zpool0" >$Z/max_pool_percent
}

swapoff -a 2>/dev/null
modprobe rraim_blk servers="$LIST" replicas=2 disksize=1G || fail "modprobe rraim_blk"
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ] &&
	    [ "$(cat "$(server_dir 2)/state")" = live ] &&
	    [ "$(cat "$(server_dir 3)/state")" = live ]' 300 ||
	fail "the servers did not come up"
mkswap /dev/rraim0 >/dev/null || fail "mkswap"
swapon /dev/rraim0 || fail "swapon"
cg=$(make_cgroup blkzswap 64M)
if [ -e $Z/shrinker_enabled ]; then
	# 6.12: a memcg over its zswap limit has zswap write its oldest
	# pages back
	echo 2M >"$cg/memory.zswap.max" || fail "memory.zswap.max"
else
	# 6.1: a full pool (1 % of memory, zbud: at most two compressed
	# pages per page) writes its oldest pages back for new ones
	echo 1 >$Z/max_pool_percent || fail "max_pool_percent"
fi
echo Y >$Z/enabled || fail "enable zswap"
wb0=$(cat $ZD/written_back_pages)
stores0=$(stat_of stores)
# compressible pages (-c): zswap keeps them, then writes them back
bg_in_cgroup "$cg" rraim-pattern -q -c -p 3 -r 256M
wl=$BG_PID
wait_until "[ \$(stat_of stores) -ge $((stores0 + 10000)) ] || ! kill -0 $wl 2>/dev/null" 900
rraim-fault kill 2 || { restore_zswap; fail "kill server 2"; }
wait "$wl"
rc=$?
wb=$(( $(cat $ZD/written_back_pages) - wb0 ))
stores=$(( $(stat_of stores) - stores0 ))
diag "zswap: written back $wb, in its pool $(cat $ZD/stored_pages) pages; rraim: stores $stores, loads $(stat_of loads), failovers $(stat_of load_failovers)"
diag "zswap: pool_limit_hit $(cat $ZD/pool_limit_hit), reject_reclaim_fail $(cat $ZD/reject_reclaim_fail), reject_compress_poor $(cat $ZD/reject_compress_poor)"
rmdir "$cg"
echo N >$Z/enabled
swapoff /dev/rraim0 || { restore_zswap; fail "swapoff"; }
restore_zswap
[ "$rc" = 0 ] || fail "the workload failed (exit $rc) across the kill of server 2"
[ "$wb" -gt 0 ] || fail "zswap wrote nothing back"
[ "$stores" -gt 0 ] || fail "nothing reached remote memory"
rraim-fault start 2 || fail "restart server 2"
wait_until '[ "$(cat "$(server_dir 2)/state")" = live ]' 300 || fail "server 2 did not come back"
rmmod rraim_blk || fail "rmmod rraim_blk"
no_splat || fail "kernel splat"
exit $KSFT_PASS
