#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Redundancy restored without waiting: with four servers and replicas=2, a
# server is killed for good; its pages are re-replicated onto the others
# (auto_rebuild) and the degraded count returns to zero, while the
# workload keeps verifying.  With auto_rebuild off, nothing is rebuilt.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 4

load_rraim 4 replicas=2 rebuild_delay_ms=1000 || fail "load"
swap_on || fail "swapon"
echo 0 >$RRAIM_SYS/auto_rebuild
cg=$(make_cgroup spare 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 60 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
rraim-fault kill 1
sleep 4
degraded=$(stat_of degraded_pages)
diag "auto_rebuild=0: degraded $degraded four seconds after the kill"
[ "$degraded" -gt 0 ] || fail "nothing degraded"
[ "$(stat_of sync_copies)" = 0 ] || fail "copies made with auto_rebuild=0"
echo 1 >$RRAIM_SYS/auto_rebuild
wait_until '[ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "still $(stat_of degraded_pages) degraded pages"
done=$(stat_of sync_copies)
diag "auto_rebuild=1: rebuilt $done copies on the spares; degraded 0"
[ "$done" -gt 0 ] || fail "no copy was rebuilt"
wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
exit $KSFT_PASS
