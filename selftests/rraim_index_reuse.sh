#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A chunk granted by a server that was removed while the grant was in
# flight must never be taken for a chunk of the server that took its
# place in the server table.
#
# Server S (2) is the only server; its process is stopped, so a new
# mchunk's ALLOC waits for it (a long deadline keeps the request alive).
# Meanwhile S is removed and T (3) added, at the index S had.  Then S
# answers.  The module must count on T exactly the chunks T granted, and
# T must keep serving.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

S=$(server_addr 2):$RRAIM_PORT
T=$(server_addr 3):$RRAIM_PORT
rraim_load "$S" replicas=1 deadline_ms=4000 || fail "load"
# the free pool is full: every ALLOC at load time is answered
wait_until '[ "$(cat "$RRAIM_SYS/servers/$S/chunks")" -ge 4 ]' 300 ||
	fail "no chunks granted on S"
sleep 1

spid=$(cat "$(server_pidfile 2)")
kill -STOP "$spid"
# replicas rewritten: the pool is dropped and refilled, an ALLOC goes to S
echo 1 >"$RRAIM_SYS/replicas" || fail "replicas=1"
sleep 0.5
echo "$S" >"$RRAIM_SYS/remove_server" &
rm_pid=$!
sleep 0.5
echo "$T" >"$RRAIM_SYS/add_server" || { kill -CONT "$spid"; fail "add T"; }
sleep 0.5
kill -CONT "$spid"
wait "$rm_pid" || fail "remove S"
wait_until "[ \"\$(cat \"$RRAIM_SYS/servers/$T/state\")\" = live ]" 200 ||
	fail "T not live"
# let T's own refill finish, then compare both sides' counts
sleep 3
mine=$(cat "$RRAIM_SYS/servers/$T/chunks")
theirs=$(rraim-server --status "$(server_sock 3)" | awk '$1 == "chunks_granted" { print $2 }')
diag "T: the module counts $mine chunks there, T granted $theirs"
[ "$mine" = "$theirs" ] || fail "the module counts $mine chunks on T, T granted $theirs"

# and pages stored now land on T and read back
swap_on || fail "swapon"
cg=$(make_cgroup reuse 32M)
in_cgroup "$cg" rraim-pattern -q -P 32M || fail "workload"
[ "$(cat "$RRAIM_SYS/servers/$T/errors")" = 0 ] ||
	fail "T saw $(cat "$RRAIM_SYS/servers/$T/errors") failed transfers"
no_splat || fail "kernel splat"
exit $KSFT_PASS
