#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Readers of every server's sysfs files while servers come and go: a live
# server removed and added back, an unreachable one added and removed.
# The files are world-readable, so any user can read them at any moment:
# no read may see a half-built or half-torn-down server (the kernel must
# not oops, hang or splat), and the server table must end as it began.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

ROUNDS=${RRAIM_RACE_ROUNDS:-60}
ghost=$(server_addr 9):$RRAIM_PORT	# no such host: connects fail
live3=$(server_addr 3):$RRAIM_PORT

load_rraim 2 replicas=2 || fail "load"
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ] &&
	[ "$(cat "$(server_dir 2)/state")" = live ]' 200 || fail "servers 1, 2 not live"

stop=/tmp/sysfs-race.stop
rm -f "$stop"
reader() {
	n=0
	while [ ! -e "$stop" ]; do
		cat "$RRAIM_SYS"/servers/*/* >/dev/null 2>&1
		n=$((n + 1))
	done
	echo "$n" >"/tmp/sysfs-race.$1"
}
reader 1 &
r1=$!
reader 2 &
r2=$!

round=0
while [ "$round" -lt "$ROUNDS" ]; do
	echo "$live3" >"$RRAIM_SYS/add_server" || fail "round $round: add $live3"
	echo "$ghost" >"$RRAIM_SYS/add_server" || fail "round $round: add $ghost"
	# let the connects start (and the ghost's fail) under the readers
	[ $((round % 4)) = 0 ] && sleep 0.3
	echo "$live3" >"$RRAIM_SYS/remove_server" || fail "round $round: remove $live3"
	echo "$ghost" >"$RRAIM_SYS/remove_server" || fail "round $round: remove $ghost"
	round=$((round + 1))
done
touch "$stop"
wait "$r1" "$r2"
diag "$ROUNDS rounds; reader loops: $(cat /tmp/sysfs-race.1) and $(cat /tmp/sysfs-race.2)"
[ "$(ls "$RRAIM_SYS/servers" | wc -l)" = 2 ] || fail "server table: $(ls "$RRAIM_SYS/servers")"
[ "$(cat "$(server_dir 1)/state")" = live ] || fail "server 1 no longer live"
no_splat || fail "kernel splat"
unload_rraim || fail "unload"
exit $KSFT_PASS
