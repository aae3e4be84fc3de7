#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A chunk granted by a server that was removed while the grant was in
# flight must never be taken for a chunk of the server that took its
# place in the server table.
#
# Servers S (2) and U (1), replicas 2.  S's process is stopped (RDMA
# writes still land: the responder is in the kernel), so when stores use
# up the free pool, the refill's ALLOC to S waits (a long deadline keeps
# it alive).  Meanwhile S is removed (every page has a copy on U) and T
# (3) added at the index S had.  Then S answers the ALLOC.  Stores after
# that must never write to T with S's keys (T would see remote access
# errors), and at the end T must have been asked to free only chunks it
# granted.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

S=$(server_addr 2):$RRAIM_PORT
U=$(server_addr 1):$RRAIM_PORT
T=$(server_addr 3):$RRAIM_PORT
rraim_load "$S,$U" replicas=2 deadline_ms=4000 heartbeat_ms=60000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup reuse 64M)
sleep 1	# the pool is full

spid=$(cat "$(server_pidfile 2)")
kill -STOP "$spid"
# 32 MiB paged out: the pool runs dry, the refill asks S (stopped) for a chunk
bg_in_cgroup "$cg" rraim-pattern -q -P -S 60 32M
wl=$BG_PID
sleep 2
echo "$S" >"$RRAIM_SYS/remove_server" &
rm_pid=$!
sleep 1
echo "$T" >"$RRAIM_SYS/add_server" || { kill -CONT "$spid"; fail "add T"; }
sleep 0.5
kill -CONT "$spid"
wait "$rm_pid" || fail "remove S"
wait_until "[ \"\$(cat \"$RRAIM_SYS/servers/$T/state\")\" = live ]" 200 ||
	fail "T not live"
kill -USR1 "$wl"
wait "$wl" || fail "the first workload failed"
# more stores: they take mchunks from the pool, the one S's late grant
# made included
in_cgroup "$cg" rraim-pattern -q -P -p 2 48M || fail "the second workload failed"
errs=$(cat "$RRAIM_SYS/servers/$T/errors")
diag "T: $errs failed transfers; $(cat "$RRAIM_SYS/servers/$T/chunks") chunks"
[ "$errs" = 0 ] || fail "T saw $errs failed transfers (writes with another server's keys)"
swapoff /dev/vda || fail "swapoff"
rmdir "$cg"
unload_rraim || fail "unload"
unknown=$(rraim-server --status "$(server_sock 3)" | awk '$1 == "unknown_chunk" { print $2 }')
diag "T answered $unknown FREE requests for chunks it did not hold"
[ "$unknown" = 0 ] || fail "T was asked to free $unknown chunks it never granted"
no_splat || fail "kernel splat"
exit $KSFT_PASS
