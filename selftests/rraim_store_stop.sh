#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stopping stores (enabled=0, the first step of a detach) must wait for the
# stores already in flight: once the write returns, stored_pages may only
# go down.  A store that publishes after it would hold a page that the
# detach, having read the count, believes is not there.
#
# Stores run back to back (a workload rewriting pages under a small memory
# limit); enabled=0 and the read of the count are shell builtins, a few
# microseconds apart, so a store that is in flight at the write and
# publishes after it is caught in most rounds.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim 2 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup storestop 16M)
stop=/tmp/store-stop.stop
rm -f "$stop"
(
	while [ ! -e "$stop" ]; do
		in_cgroup "$cg" rraim-pattern -q -p 1 -R 4 48M ||
			{ echo "# workload failed" >&2; exit 1; }
	done
) &
wl=$!
wait_until '[ "$(stat_of stores)" -gt 2000 ]' 600 || fail "no stores"

f=$RRAIM_SYS/stats/stored_pages
rounds=0
late=0
while [ "$rounds" -lt "${RRAIM_STOP_ROUNDS:-$(light 8 3)}" ]; do
	before=$(stat_of stores)
	echo 0 >"$RRAIM_SYS/enabled"
	read -r a <"$f"
	sleep 0.3
	read -r b <"$f"
	echo 1 >"$RRAIM_SYS/enabled"
	if [ "$b" -gt "$a" ]; then
		late=$((late + 1))
		diag "round $rounds: stored_pages rose from $a to $b after enabled=0 returned"
	fi
	# let stores flow again before the next round
	wait_until "[ \"\$(stat_of stores)\" -gt $((before + 50)) ]" 50 ||
		diag "round $rounds: stores did not resume"
	rounds=$((rounds + 1))
done
touch "$stop"
wait "$wl" || fail "the workload failed (wrong bytes)"
diag "$rounds rounds, $(stat_of stores) stores, $late rounds with a store published after enabled=0"
[ "$late" = 0 ] || fail "$late stores published after stores were stopped"
no_splat || fail "kernel splat"
exit $KSFT_PASS
