#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sync survives failures: the newcomer is killed mid-sync (and the sync
# starts over when it is back), then a source is killed mid-sync (the sync
# reads from another copy).  replicas=3, so every page keeps a copy.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=3 rebuild_delay_ms=60000 || fail "load"
swap_on || fail "swapon"
echo 1500 >$RRAIM_SYS/sync_rate	# slow enough to hit it mid-pass
cg=$(make_cgroup syncfail 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 90 -r 96M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
d=$(server_dir 1)

rraim-fault kill 1
rraim-fault start 1 || fail "restart 1"
wait_until '[ "$(cat "$d/sync_done")" -gt 200 ]' 600 || fail "sync did not start"
diag "newcomer killed after $(cat "$d/sync_done") of $(cat "$d/sync_total") pages"
rraim-fault kill 1
sleep 1
rraim-fault start 1 || fail "restart 1 again"
wait_until '[ "$(cat "$d/sync_done")" -gt 200 ]' 600 || fail "sync did not restart"
diag "source (server 2) killed after $(cat "$d/sync_done") of $(cat "$d/sync_total") pages"
rraim-fault kill 2
echo 0 >$RRAIM_SYS/sync_rate
wait_until '[ "$(cat "$d/sync_state")" = in_sync ]' 1200 ||
	fail "server 1 not in sync: $(cat "$d/sync_state")"
diag "server 1 in sync: $(cat "$d/pages") pages; lost $(stat_of lost_pages)"
wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
exit $KSFT_PASS
