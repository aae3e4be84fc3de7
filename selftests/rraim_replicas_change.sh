#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The replica count changes at runtime under load and applies to the next
# stores at once: while replicas is N, (almost) every new store writes N
# copies.  Pages already stored keep their copies, and every byte verifies.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup rchange 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 60 -r 96M
bg=$BG_PID
for n in 3 1 2 3; do
	echo "$n" >$RRAIM_SYS/replicas || fail "replicas=$n refused"
	sleep 1
	s0=$(stat_of stores)
	w0=$(stat_of write_bytes)
	in_cgroup "$cg" rraim-pattern -q -p 1 -P 32M || fail "phase $n failed"
	ds=$(( $(stat_of stores) - s0 ))
	dw=$(( $(stat_of write_bytes) - w0 ))
	diag "replicas=$n: $ds stores wrote $dw bytes ($((dw / 4096)) copies)"
	[ "$ds" -gt 1000 ] || fail "too few stores in phase $n"
	# at least 95% of the stores of the phase carried n copies
	[ $((dw / 4096 * 100)) -ge $((ds * n * 95)) ] ||
		fail "replicas=$n: stores wrote too few copies"
	[ $((dw / 4096)) -le $((ds * n)) ] ||
		fail "replicas=$n: stores wrote too many copies"
done
wait $bg || fail "the background workload failed"
diag "below target $(stat_of below_target_pages), degraded $(stat_of degraded_pages)"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
