#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Mirroring (sourced by rraim_failover_*.sh): replicas=2 on three servers
# while a verifying workload runs,
# one server fails; $1 says how:
#   kill  kill -9 of server 1
#   link  server 1's link down (and left down)
#   flap  server 1's link down and up three times
# No byte is wrong, no load took longer than the deadline, the loads failed
# over, and (for kill and link) the pages left with one copy are counted as
# degraded.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

mode=${1:-kill}
DEADLINE=200

load_rraim "$RRAIM_SERVERS" replicas=2 deadline_ms=$DEADLINE lost_wait_ms=1000 ||
	fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup failover 48M)
bg_in_cgroup "$cg" rraim-pattern -q -p 4 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
diag "$mode: server 1 fails after $(stat_of stores) stores, $(stat_of loads) loads"
case $mode in
kill) rraim-fault kill 1 ;;
link) rraim-fault link-down 1 ;;
flap)
	for n in 1 2 3; do
		rraim-fault link-down 1
		sleep 1
		rraim-fault link-up 1
		sleep 3
	done ;;
*) fail "unknown mode $mode" ;;
esac
sleep 2
degraded=$(stat_of degraded_pages)
wait $pid
rc=$?
max=$(stat_of load_max_us)
diag "rraim-pattern exit $rc; load p50 $(stat_of load_p50_us) us p99 $(stat_of load_p99_us) us max $max us; failovers $(stat_of load_failovers); degraded after the failure $degraded; server 1 $(cat "$(server_dir 1)/state") ($(cat "$(server_dir 1)/state_reason"))"
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
[ "$max" -le $((DEADLINE * 1000)) ] || fail "a load took $max us (deadline $DEADLINE ms)"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
# a flapping link may come back between the loads: only kill and link
# are sure to leave pages with one copy
if [ "$mode" != flap ]; then
	[ "$(stat_of load_failovers)" -gt 0 ] || fail "no load failed over"
	[ "$degraded" -gt 0 ] || fail "no degraded pages counted"
fi
rmdir "$cg"
unload_rraim || fail "unload"
case $mode in
kill) rraim-fault start 1 ;;
link) rraim-fault link-up 1 ;;
esac
exit $KSFT_PASS
