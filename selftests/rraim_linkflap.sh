#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A server's link goes down for a few seconds under load, then comes back:
# the client reconnects within the server's grace period, resumes its
# session, finds its pages intact (nothing is copied again) and every page
# verifies.  One copy per page, so the pages on that server must wait for
# it rather than fail over.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim "$RRAIM_SERVERS" replicas=1 lost_wait_ms=60000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup flap "$(light 48M 32M)")
inc0=$(cat "$(server_dir 1)/incarnation")
bg_in_cgroup "$cg" rraim-pattern -q -p "$(light 3 1)" -r "$(light 128M 64M)"
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 2000 ]' 600 || fail "no loads"
writes0=$(cat "$(server_dir 1)/writes")
pages0=$(cat "$(server_dir 1)/pages")
diag "link of server 1 down with $pages0 pages on it"
rraim-fault link-down 1
sleep 3
state=$(cat "$(server_dir 1)/state")
diag "server 1 state while down: $state ($(cat "$(server_dir 1)/state_reason"))"
rraim-fault link-up 1
wait $pid
rc=$?
st=$(rraim-server --status "$(server_sock 1)")
resumed=$(echo "$st" | awk '$1 == "sessions_resumed" { print $2 }')
diag "rraim-pattern exit $rc; server 1: state $(cat "$(server_dir 1)/state"), sessions_resumed $resumed, waits $(stat_of load_waits)"
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
[ "$state" != live ] || fail "the link cut went unnoticed"
[ "${resumed:-0}" -ge 1 ] || fail "the session was not resumed"
[ "$(cat "$(server_dir 1)/incarnation")" = "$inc0" ] || fail "server 1 changed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
