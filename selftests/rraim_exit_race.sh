#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Servers added and removed through sysfs while the module unloads: exit
# must stop taking servers before it tears the core down (no work queued
# on a destroyed workqueue, no server left behind), and a load after it
# must find a clean slate.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

ghost=$(server_addr 9):$RRAIM_PORT	# no such host: connects fail
stop=/tmp/exit-race.stop

churn() {
	while [ ! -e "$stop" ]; do
		# the files vanish with the module: quiet the shell's own errors
		{ echo "$ghost" >"$RRAIM_SYS/add_server"; } 2>/dev/null
		{ echo "$ghost" >"$RRAIM_SYS/remove_server"; } 2>/dev/null
	done
}

round=0
while [ "$round" -lt "${RRAIM_EXIT_ROUNDS:-8}" ]; do
	rm -f "$stop"
	load_rraim 2 || fail "round $round: load"
	churn &
	c1=$!
	churn &
	c2=$!
	sleep 0.5
	unload_rraim || fail "round $round: unload"
	touch "$stop"
	wait "$c1" "$c2"
	[ ! -d /sys/module/rraim ] || fail "round $round: module still loaded"
	no_splat || fail "round $round: kernel splat"
	round=$((round + 1))
done
diag "$round load/unload rounds with servers churning"
exit $KSFT_PASS
