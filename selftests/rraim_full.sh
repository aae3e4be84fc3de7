#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Remote space exhausted: servers with 8 MiB each fill up; further stores
# go to the swap disk (counted as reject_no_space) and the data verifies.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	rraim-fault stop "$i"
	RRAIM_CAPACITY=8M rraim-fault start "$i" || fail "start server $i small"
	i=$((i + 1))
done
load_rraim "$RRAIM_SERVERS" replicas=1 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup full 32M)
out0=$(vmstat_of pswpout)
in_cgroup "$cg" rraim-pattern -q -p 2 -r 96M || fail "the pattern did not verify"
out=$(( $(vmstat_of pswpout) - out0 ))
diag "stores $(stat_of stores) reject_no_space $(stat_of reject_no_space) pswpout $out remote_bytes $(stat_of remote_bytes)"
[ "$(stat_of stores)" -gt 1000 ] || fail "nothing went remote"
[ "$(stat_of reject_no_space)" -gt 1000 ] || fail "no store was rejected for space"
[ "$out" -gt 1000 ] || fail "the rejected pages did not go to the disk"
rmdir "$cg"
unload_rraim || fail "unload"
i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	rraim-fault stop "$i"
	rraim-fault start "$i" || fail "restart server $i"
	i=$((i + 1))
done
exit $KSFT_PASS
