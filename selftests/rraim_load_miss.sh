#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel asks for a page RRAIM does not hold (it stored the page, then
# lost track of it: here the debugfs fault hook makes it forget the whole
# space of a swap area).  The kernel believes the page is in RRAIM, so the swap
# device's slot was never written: the read must fail (SIGBUS for the
# reader), never return the device's stale bytes.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

hook=/sys/kernel/debug/rraim/fault_forget_space
load_rraim 2 replicas=2 || fail "load"
[ -w "$hook" ] || skip "no $hook"
swap_on || fail "swapon"
type=$(awk 'NR > 1 { print NR - 2; exit }' /proc/swaps)
cg=$(make_cgroup loadmiss 64M)
# write 16 MiB, page it all out, hold it untouched until SIGUSR1
bg_in_cgroup "$cg" rraim-pattern -q -P -p 1 -S 120 16M
pid=$BG_PID
wait_until '[ "$(stat_of stored_pages)" -ge 4000 ]' 600 || fail "pages not stored"
# stop stores first: the page-out may still be storing its last pages (or
# another process's), which would be held after the forget; enabled=0
# waits for the stores in flight, and loads go on as before
echo 0 >"$RRAIM_SYS/enabled" || fail "enabled=0"
stored=$(stat_of stored_pages)
# the frontswap front end names the space of swap type N "swapN"
echo "swap$type" >"$hook" || fail "the hook refused space swap$type"
[ "$(stat_of stored_pages)" = 0 ] || fail "stored_pages $(stat_of stored_pages) after forgetting"
kill -USR1 "$pid"
wait "$pid"
rc=$?
diag "$stored pages forgotten; rraim-pattern exit $rc; load_misses $(stat_of load_misses)"
case $rc in
3|135) ;;	# SIGBUS
1) fail "a read returned the swap device's stale slot (wrong data)" ;;
0) fail "every page verified although RRAIM held none of them" ;;
*) fail "the workload failed ($rc)" ;;
esac
[ "$(stat_of load_misses)" -gt 0 ] || fail "load_misses not counted"
dmesg | grep -q 'was never stored here: its read fails' || fail "not logged"
swapoff /dev/vda 2>/dev/null	# its reads of the forgotten pages fail too
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
