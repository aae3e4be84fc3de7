#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-ng's verifying VM workers under memory-cgroup pressure: no
# verification failure, and the pages went remote.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim "$RRAIM_SERVERS" || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup stress 48M)
in_cgroup "$cg" stress-ng --vm 2 --vm-bytes 64M --vm-method all --verify \
	--timeout 30s --metrics-brief 2>&1 | tail -n 5
rc=$?
[ $rc = 0 ] || fail "stress-ng failed ($rc)"
diag "stores $(stat_of stores) loads $(stat_of loads)"
[ "$(stat_of stores)" -gt 1000 ] || fail "too few stores"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
