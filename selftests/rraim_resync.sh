#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Re-entrance: a server is killed and started again (same address, new
# process, empty memory) while a verifying workload runs.  It joins as
# syncing, one pass copies back every page that should have a copy there,
# and it ends in sync with no degraded page left; no byte is ever wrong.
# The pass first runs under a low sync_rate, which must hold it back, then
# unlimited, which must take effect at once.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup resync 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 70 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
inc0=$(cat "$(server_dir 1)/incarnation")
c0=$(stat_of sync_copies)
rraim-fault kill 1
sleep 2
degraded=$(stat_of degraded_pages)
echo 200 >$RRAIM_SYS/sync_rate
rraim-fault start 1 || fail "restart server 1"
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ]' 300 || fail "server 1 not back"
sleep 5
slow=$(cat "$(server_dir 1)/sync_done")
echo 0 >$RRAIM_SYS/sync_rate
diag "at sync_rate 200: $slow pages copied in the first 5 s"
[ "$slow" -le 1600 ] || fail "sync_rate 200 did not hold the pass back: $slow pages in 5 s"
wait_until '[ "$(cat "$(server_dir 1)/sync_state")" = in_sync ] && [ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "no sync: state $(cat "$(server_dir 1)/sync_state"), degraded $(stat_of degraded_pages)"
d=$(server_dir 1)
copies=$(( $(stat_of sync_copies) - c0 ))
diag "degraded while away $degraded; the sync copied $copies pages ($(cat "$d/sync_pps") pages/s on the last pass); server 1 now holds $(cat "$d/pages") pages"
[ "$(cat "$d/incarnation")" != "$inc0" ] || fail "server 1 kept its incarnation"
[ "$degraded" -gt 0 ] || fail "no page was degraded by the kill"
[ "$copies" -gt 0 ] || fail "nothing was copied back"
wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
exit $KSFT_PASS
