#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# replicas=3 on three servers: two servers are killed while a verifying
# workload runs; every page still has a copy, nothing is lost.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=3 deadline_ms=200 lost_wait_ms=1000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup r3 48M)
bg_in_cgroup "$cg" rraim-pattern -q -p 3 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
rraim-fault kill 1
sleep 2
rraim-fault kill 2
wait $pid
rc=$?
diag "rraim-pattern exit $rc; failovers $(stat_of load_failovers) degraded $(stat_of degraded_pages) lost $(stat_of lost_pages)"
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
rmdir "$cg"
unload_rraim || fail "unload"
rraim-fault start 1 && rraim-fault start 2 || fail "restart servers"
exit $KSFT_PASS
