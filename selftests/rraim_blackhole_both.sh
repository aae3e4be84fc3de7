#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Separate-VM topology: both servers that hold a page's copies go silent at
# once (their links cut: outstanding transfers neither complete nor fail)
# while stores are in flight, then come back.  A store holds transfers on
# both peers; each peer's teardown must flush all its queue pairs before
# waiting for any, or the two teardowns wait for each other for good.
# Both servers must be live again soon after their links return, and no
# byte may be wrong.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2
[ "$RRAIM_TOPOLOGY" = multi ] || skip "needs --separate-vms"

load_rraim 2 replicas=2 lost_wait_ms=30000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup blackhole 32M)
bg_in_cgroup "$cg" rraim-pattern -q -p 2 -r 96M
pid=$BG_PID
wait_until '[ "$(stat_of stores)" -gt 3000 ]' 1200 || fail "no stores"
rraim-fault link-down 1 && rraim-fault link-down 2 || fail "link-down"
sleep 8
rraim-fault link-up 1 && rraim-fault link-up 2 || fail "link-up"
t0=$(date +%s)
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ] &&
	[ "$(cat "$(server_dir 2)/state")" = live ]' 1200 ||
	fail "servers not live again 120 s after their links came back: $(cat "$(server_dir 1)/state") $(cat "$(server_dir 2)/state")"
diag "both servers live again $(( $(date +%s) - t0 ))s after the links came back"
wait $pid
rc=$?
diag "rraim-pattern exit $rc; lost $(stat_of lost_pages); failed stores $(stat_of reject_no_server)"
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
