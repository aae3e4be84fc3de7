#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults at awkward moments, one after the other, while a verifying
# workload runs throughout: a server killed in the middle of another's
# drain (the drain waits, then finishes once it is back and synced); the
# drained server removed and added back; replicas raised, a source of
# that sync killed mid-pass and replicas lowered again before it
# returns.  No byte is ever wrong, no page is lost, everything ends in
# sync, and the module detaches cleanly.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup chaos 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 150 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
d1=$(server_dir 1)
d2=$(server_dir 2)
d3=$(server_dir 3)

# 1. server 2 killed while server 3 drains
echo 1 >"$d3/drain" || fail "drain refused"
sleep 1
rraim-fault kill 2
wait_until '[ "$(cat "$d2/state")" = dead ]' 100 || fail "server 2 not declared dead"
sleep 3
[ "$(cat "$d3/sync_state")" = draining ] || fail "the drain did not wait: $(cat "$d3/sync_state")"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages lost while server 2 was away"
rraim-fault start 2 || fail "restart server 2"
wait_until '[ "$(cat "$d3/sync_state")" = drained ]' 1800 ||
	fail "drain did not finish: $(cat "$d3/sync_state"), $(cat "$d3/pages") pages left"
diag "drained server 3 after server 2 came back; degraded $(stat_of degraded_pages)"

# 2. the drained server removed and added back
echo "$(server_addr 3)" >"$RRAIM_SYS/remove_server" || fail "remove after drain refused"
echo "$(server_addr 3)" >"$RRAIM_SYS/add_server" || fail "add back refused"
wait_until '[ "$(cat "$d3/state")" = live ]' 300 || fail "server 3 not live again"

# 3. replicas 3, a source killed mid-pass, replicas 2 before it returns
wait_until '[ "$(stat_of degraded_pages)" = 0 ]' 1200 || fail "still degraded"
echo 3 >"$RRAIM_SYS/replicas" || fail "replicas 3"
wait_until '[ "$(cat "$d3/sync_state")" = syncing ] || [ "$(cat "$d2/sync_state")" = syncing ] || [ "$(cat "$d1/sync_state")" = syncing ]' 100 ||
	diag "no sync seen (it may have been quick)"
rraim-fault kill 1
sleep 1
echo 2 >"$RRAIM_SYS/replicas" || fail "replicas 2"
sleep 2
rraim-fault start 1 || fail "restart server 1"
wait_until '[ "$(cat "$d1/state")" = live ]' 300 || fail "server 1 not back"
wait_until '[ "$(stat_of degraded_pages)" = 0 ] && [ "$(cat "$d1/sync_state")" = in_sync ] && [ "$(cat "$d2/sync_state")" = in_sync ] && [ "$(cat "$d3/sync_state")" = in_sync ]' 1800 ||
	fail "not in sync: $(cat "$d1/sync_state") $(cat "$d2/sync_state") $(cat "$d3/sync_state"), degraded $(stat_of degraded_pages)"
diag "in sync again: stored $(stat_of stored_pages), sync copies $(stat_of sync_copies), lost $(stat_of lost_pages)"

wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
unload_rraim || fail "detach after the faults"
exit $KSFT_PASS
