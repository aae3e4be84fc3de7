#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An area torn down (swapoff) while everything else that looks at its
# pages runs: the sync copying pages to a server that just came back, and
# root reading the page counts that walk every page held.  The teardown
# must wait for them before it frees the slot map (a kernel with KASAN
# names any read of freed memory; tools/check --debug-kernel).  Every
# byte verifies after each swapoff, and the slot map is empty after it.
# replicas=2, three servers, three rounds; the sync held to 500 pages/s.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 rebuild_delay_ms=60000 || fail "load"
echo 500 >"$RRAIM_SYS/sync_rate" || fail "sync_rate"
cg=$(make_cgroup swapoff 48M)
readers() {
	while [ ! -e /tmp/swapoff.done ]; do
		cat "$RRAIM_SYS/stats/degraded_pages" "$RRAIM_SYS/stats/below_target_pages" \
			"$RRAIM_SYS/stats/unavailable_pages" "$RRAIM_SYS"/servers/*/pages \
			>/dev/null 2>&1
	done
}
rm -f /tmp/swapoff.done
readers &
rd=$!
round=1
while [ $round -le "$(light 3 1)" ]; do
	swap_on || fail "round $round: swapon"
	bg_in_cgroup "$cg" rraim-pattern -q -P -p 1 -s $round -S 120 32M
	wl=$BG_PID
	wait_until '[ "$(stat_of stored_pages)" -ge 7000 ]' 1200 ||
		fail "round $round: pages not stored ($(stat_of stored_pages))"
	# server 2 restarts empty: a slow sync pass copies its pages back
	# while the area goes
	rraim-fault kill 2 || fail "round $round: kill server 2"
	wait_until '[ "$(cat "$(server_dir 2)/state")" != live ]' 300 ||
		fail "round $round: server 2's death not noticed"
	rraim-fault start 2 || fail "round $round: restart server 2"
	wait_until '[ "$(cat "$(server_dir 2)/sync_state")" = syncing ]' 300 ||
		fail "round $round: no sync to server 2"
	diag "round $round: server 2 $(cat "$(server_dir 2)/state"), sync $(cat "$(server_dir 2)/sync_state") $(cat "$(server_dir 2)/sync_done")/$(cat "$(server_dir 2)/sync_total")"
	swapoff /dev/vda || fail "round $round: swapoff"
	[ "$(stat_of stored_pages)" = 0 ] || fail "round $round: $(stat_of stored_pages) pages held after swapoff"
	kill -USR1 "$wl"
	wait "$wl" || fail "round $round: the workload failed"
	round=$((round + 1))
done
touch /tmp/swapoff.done
wait $rd
diag "slot map $(stat_of slot_map_bytes) bytes, lost $(stat_of lost_pages)"
[ "$(stat_of slot_map_bytes)" = 0 ] || fail "slot map not freed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages lost"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
