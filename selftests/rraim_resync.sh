#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Re-entrance: a server is killed and started again (same address, new
# process, empty memory) while a verifying workload runs.  It joins as
# syncing, one pass copies back every page that should have a copy there,
# and it ends in sync with no degraded page left; no byte is ever wrong.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup resync 48M)
in_cgroup "$cg" rraim-pattern -q -t 70 -r 128M &
pid=$!
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
inc0=$(cat "$(server_dir 1)/incarnation")
rraim-fault kill 1
sleep 2
degraded=$(stat_of degraded_pages)
rraim-fault start 1 || fail "restart server 1"
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ]' 300 || fail "server 1 not back"
wait_until '[ "$(cat "$(server_dir 1)/sync_state")" = in_sync ] && [ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "no sync: state $(cat "$(server_dir 1)/sync_state"), degraded $(stat_of degraded_pages)"
d=$(server_dir 1)
diag "degraded while away $degraded; sync copied $(cat "$d/sync_done") of $(cat "$d/sync_total") pages at $(cat "$d/sync_pps") pages/s; server 1 now holds $(cat "$d/pages") pages"
[ "$(cat "$d/incarnation")" != "$inc0" ] || fail "server 1 kept its incarnation"
[ "$degraded" -gt 0 ] || fail "no page was degraded by the kill"
[ "$(cat "$d/sync_done")" -gt 0 ] || fail "nothing was copied back"
wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
exit $KSFT_PASS
