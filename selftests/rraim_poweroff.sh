#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Separate-VM topology (a real silent failure: outstanding requests to the
# dead node never complete nor fail): a server node is powered off while a
# verifying workload runs with replicas=2.  No byte is wrong, no load waits
# longer than the deadline, the node is declared dead by the heartbeat.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
[ "$RRAIM_TOPOLOGY" = multi ] || skip "needs --separate-vms"

DEADLINE=300
load_rraim 3 replicas=2 deadline_ms=$DEADLINE lost_wait_ms=1000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup poweroff 48M)
bg_in_cgroup "$cg" rraim-pattern -q -p 3 -r 96M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 2000 ]' 1200 || fail "no loads"
rraim-fault poweroff 1 || fail "poweroff"
t0=$(date +%s)
wait_until '[ "$(cat "$(server_dir 1)/state")" = dead ]' 300 ||
	fail "node 1 not declared dead"
diag "node 1 declared dead in about $(( $(date +%s) - t0 ))s: $(cat "$(server_dir 1)/state_reason")"
wait $pid
rc=$?
max=$(stat_of load_max_us)
diag "rraim-pattern exit $rc; load max $max us; failovers $(stat_of load_failovers); timeouts on node 1 $(cat "$(server_dir 1)/timeouts")"
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
[ "$max" -le $((DEADLINE * 1000)) ] || fail "a load took $max us (deadline $DEADLINE ms)"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
