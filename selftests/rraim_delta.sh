#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A server's link is down for a few seconds under a storing workload, then
# up: it resumes its session (its copies intact), and only the pages whose
# copy there went stale while it was away are copied to it (a delta sync):
# at most as many as the stores made meanwhile, far fewer than the pages
# it held all along.  A second, idle workload keeps pages on it that no
# store touches: they must come back valid without a copy.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 rebuild_delay_ms=60000 || fail "load"
swap_on || fail "swapon"
idle_cg=$(make_cgroup delta-idle 256M)
bg_in_cgroup "$idle_cg" rraim-pattern -q -p 1 -s 7 -P -S 1200 64M
idle=$BG_PID
wait_until '[ "$(stat_of stored_pages)" -ge 16000 ]' 300 ||
	fail "the idle workload did not page out: $(stat_of stored_pages) pages"
cg=$(make_cgroup delta 32M)
bg_in_cgroup "$cg" rraim-pattern -q -p 1 -R 12 -r 64M
pid=$BG_PID
wait_until '[ "$(stat_of stores)" -gt 30000 ]' 900 || fail "no stores"
d=$(server_dir 1)
before=$(cat "$d/pages")
s0=$(stat_of stores)
rraim-fault link-down 1
wait_until '[ "$(cat "$d/state")" = dead ]' 100 || fail "server 1 not declared dead"
sleep 3
degraded=$(stat_of degraded_pages)
rraim-fault link-up 1
wait_until '[ "$(cat "$d/state")" = live ]' 300 || fail "server 1 not back"
s1=$(stat_of stores)
wait_until '[ "$(cat "$d/sync_state")" = in_sync ] && [ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "no sync: $(cat "$d/sync_state"), degraded $(stat_of degraded_pages)"
copied=$(cat "$d/sync_done")
held=$(cat "$d/pages")
diag "server 1 held $before pages; away: $degraded pages degraded, $((s1 - s0)) stores"
diag "back: delta sync copied $copied pages; it holds $held; state_reason $(cat "$d/state_reason")"
[ "$(cat "$d/state_reason")" = "session resumed" ] || fail "the session was not resumed"
[ "$degraded" -ge 4000 ] || fail "only $degraded pages degraded while server 1 was away"
[ "$copied" -le $((s1 - s0)) ] || fail "copied more than the stores made while away"
[ "$held" -ge 4000 ] || fail "server 1 kept only $held pages"
[ $((copied * 4)) -lt "$degraded" ] || fail "not a delta: copied $copied, $degraded were degraded"
wait $pid || fail "the workload failed"
kill -USR1 "$idle"
wait "$idle" || fail "the idle workload failed"
exit $KSFT_PASS
