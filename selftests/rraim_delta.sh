#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A server's link is down for a few seconds under a storing workload, then
# up: it resumes its session (its copies intact), and only the pages
# stored while it was away are copied to it (a delta sync): at most as many
# as the stores made meanwhile, far fewer than it holds.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 rebuild_delay_ms=60000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup delta 32M)
bg_in_cgroup "$cg" rraim-pattern -q -p 1 -R 12 -r 64M
pid=$BG_PID
wait_until '[ "$(stat_of stores)" -gt 20000 ]' 900 || fail "no stores"
d=$(server_dir 1)
s0=$(stat_of stores)
rraim-fault link-down 1
sleep 4
rraim-fault link-up 1
wait_until '[ "$(cat "$d/state")" = live ]' 300 || fail "server 1 not back"
s1=$(stat_of stores)
wait_until '[ "$(cat "$d/sync_state")" = in_sync ] && [ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "no sync: $(cat "$d/sync_state"), degraded $(stat_of degraded_pages)"
copied=$(cat "$d/sync_done")
held=$(cat "$d/pages")
diag "stores while away $((s1 - s0)); delta sync copied $copied pages; server 1 holds $held; state_reason $(cat "$d/state_reason")"
[ "$(cat "$d/state_reason")" = "session resumed" ] || fail "the session was not resumed"
[ "$copied" -gt 0 ] || fail "nothing was copied"
[ "$copied" -le $((s1 - s0)) ] || fail "copied more than the stores made while away"
[ $((copied * 2)) -lt "$held" ] || fail "not a delta: copied $copied of $held"
wait $pid || fail "the workload failed"
exit $KSFT_PASS
