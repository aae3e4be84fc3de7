#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A replica the sync could not add is added later by the sync itself, with
# no other event to wake it.  replicas 2 -> 3 while server 3 is stopped
# (SIGSTOP, between two heartbeats, so that it never looks failed): the
# pass's grants there time out, and it ends with every page below its
# target.  Then the server answers again, and nothing else happens (no
# store: the workload's pages are held untouched; no server event): the
# sync must come back by itself and give every page its third copy.
# Before this was fixed the pass forgot the failed grants, and the pages
# stayed below target until some later event (tools/check's rraim_ctl.sh
# hung in "wait-sync" on a slow 6.12 guest).
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 heartbeat_ms=20000 || fail "load"
swap_on || fail "swapon"
# in a cgroup without a limit: lib.sh's cleanup kills it whatever happens
cg=$(make_cgroup repair max)
bg_in_cgroup "$cg" rraim-pattern -q -P -S 600 32M
pid=$BG_PID
# shellcheck disable=SC2016	# wait_until evaluates it
wait_until '[ "$(stat_of stored_pages)" -ge 7000 ]' 600 ||
	fail "pages not stored: $(stat_of stored_pages)"
sleep 2
held=$(stat_of stored_pages)
s0=$(stat_of stores)

spid=$(cat "$(server_pidfile 3)") || fail "no pid of server 3"
kill -STOP "$spid"
echo 3 >"$RRAIM_SYS/replicas" || fail "replicas=3 refused"
sleep 4		# the pass runs; its grants on server 3 time out
below=$(stat_of below_target_pages)
kill -CONT "$spid"
diag "$held pages held; while server 3 was stopped: below target $below"
[ "$below" -gt 0 ] || fail "no page was below target: the window was missed"
# shellcheck disable=SC2016
if ! wait_until '[ "$(stat_of below_target_pages)" = 0 ] && [ "$(stat_of degraded_pages)" = 0 ]' 600; then
	diag "server 3: $(cat "$(server_dir 3)/state"), chunks $(cat "$(server_dir 3)/chunks"); below target $(stat_of below_target_pages)"
	fail "the sync never came back: pages stayed below their target"
fi
diag "every page has 3 copies; sync copies $(stat_of sync_copies); stores meanwhile $(( $(stat_of stores) - s0 ))"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
