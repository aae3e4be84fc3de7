#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A server is killed (kill -9) while it holds pages and a verifying
# workload runs.
#  - replicas=2: every page has another copy; nothing is lost, no byte is
#    wrong, the loads failed over.
#  - replicas=1: pages whose only copy was there are lost; their reader
#    gets SIGBUS (rraim-pattern exits 3) after lost_wait_ms, never wrong
#    data (exit 1), and the loss is counted.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

run_case() {
	local replicas=$1 rc

	load_rraim "$RRAIM_SERVERS" replicas="$replicas" lost_wait_ms=2000 ||
		fail "load"
	swap_on || fail "swapon"
	cg=$(make_cgroup kill "$(light 48M 32M)")
	bg_in_cgroup "$cg" rraim-pattern -q -p "$(light 3 1)" -r "$(light 128M 64M)"
	pid=$BG_PID
	# kill once the pages are out and being read back
	wait_until '[ "$(stat_of loads)" -gt 2000 ]' 600 || fail "no loads"
	diag "replicas=$replicas: killing server 1 after $(stat_of stores) stores, $(stat_of loads) loads"
	rraim-fault kill 1
	wait $pid
	rc=$?
	diag "rraim-pattern exit $rc; failovers $(stat_of load_failovers) lost $(stat_of lost_pages) degraded $(stat_of degraded_pages)"
	rmdir "$cg" 2>/dev/null
	swap_off 2>/dev/null
	unload_rraim
	rraim-fault start 1 || fail "restart server 1"
	echo "$rc"
}

rc=$(run_case 2 | tee /dev/stderr | tail -n 1)
[ "$rc" = 0 ] || fail "replicas=2: the workload failed ($rc)"

rc=$(run_case 1 | tee /dev/stderr | tail -n 1)
# 3: rraim-pattern's handler reported the SIGBUS; 135: the SIGBUS killed it
# before the handler could run (its own stack page was among the lost)
case $rc in
0) diag "replicas=1: no page of the workload was on server 1" ;;
3|135) diag "replicas=1: lost pages reported as SIGBUS, as documented" ;;
*) fail "replicas=1: wrong data or failure ($rc)" ;;
esac
exit $KSFT_PASS
