#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-ng's verifying VM workers at three times their memory cgroup's
# limit: no verification failure, stress-ng ends in time, and the pages
# went remote.  RRAIM_STRESS_SECS sets the run's length (default 30); on
# 6.12, where Soft-RoCE works from an unbound workqueue without a rescuer,
# a run of several minutes is how to find out whether swapping over it
# stalls (Documentation/admin-guide.rst).
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

secs=${RRAIM_STRESS_SECS:-30}
load_rraim "$RRAIM_SERVERS" || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup stress 48M)
start=$(date +%s)
# a verification failure makes stress-ng exit non-zero; its own output
# goes to a file (a pipe would hide its exit status)
in_cgroup "$cg" timeout -s KILL $((secs * 3 + 120)) stress-ng --vm 2 \
	--vm-bytes 72M --vm-method all --verify --timeout "${secs}s" \
	--metrics-brief >"$RUN/stress.log" 2>&1
rc=$?
tail -n 5 "$RUN/stress.log" | sed 's/^/# /'
took=$(( $(date +%s) - start ))
diag "stress-ng exit $rc after ${took}s of ${secs}s; stores $(stat_of stores) loads $(stat_of loads) pswpout $(vmstat_of pswpout)"
[ $rc = 0 ] || fail "stress-ng failed ($rc)"
grep -q 'successful run completed' "$RUN/stress.log" || fail "stress-ng did not complete"
[ "$(stat_of stores)" -gt 1000 ] || fail "too few stores"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
