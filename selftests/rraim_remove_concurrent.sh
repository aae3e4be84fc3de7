#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removals at once never take a page's last copy.  replicas=3 on three
# servers: every page has a copy on each.  All three servers are removed
# at once, while readers loop over the servers' sysfs files: a removal's
# teardown waits for them, which widens the window in which a removal has
# passed its check and its server is still listed.  Each removal that
# passes makes the copies on the others more precious: the last one must
# be refused (EBUSY), whichever it is.  (Two removals that each counted
# the other's copies would both pass, and the pages held only there would
# be lost.)  Every byte verifies, no page is lost.
# rraim-timeout: 900
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=3 lost_wait_ms=1000 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup rmcon 64M)
# 4 KiB pages, paged out at once and held until SIGUSR1
bg_in_cgroup "$cg" rraim-pattern -N -q -P -p 1 -S 600 16M
wl=$BG_PID
wait_until '[ "$(stat_of stores)" -ge 4000 ]' 300 ||
	fail "the pages were not stored ($(stat_of stores) stores)"
# a store whose write missed its deadline (a loaded host, a debug
# kernel) left its page short of a copy: the sync makes it
wait_until '[ "$(stat_of below_target_pages)" = 0 ]' 600 ||
	fail "$(stat_of below_target_pages) pages below 3 copies before the removals"

readers=""
for _ in 1 2; do
	( while :; do cat "$RRAIM_SYS"/servers/*/* >/dev/null 2>&1; done ) &
	readers="$readers $!"
done
: >/tmp/removed
pids=""
for i in 1 2 3; do
	( echo "$(server_addr "$i"):$RRAIM_PORT" >"$RRAIM_SYS/remove_server" 2>/dev/null &&
		echo "$i" >>/tmp/removed ) &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
# shellcheck disable=SC2086
kill $readers
# shellcheck disable=SC2086
wait $readers 2>/dev/null
removed=$(tr '\n' ' ' </tmp/removed)
left=$(ls "$RRAIM_SYS/servers" | tr '\n' ' ')
diag "removed: ${removed:-none}; still listed: ${left:-none}"

kill -USR1 "$wl"
wait "$wl"
rc=$?
diag "rraim-pattern exit $rc; lost pages $(stat_of lost_pages)"
[ "$rc" = 0 ] || fail "the workload failed ($rc: 3 is a SIGBUS, a page lost)"
[ "$(stat_of lost_pages)" = 0 ] || fail "$(stat_of lost_pages) pages lost"
[ -n "$left" ] || fail "all three servers were removed, the last copies with them"
[ -n "$removed" ] || fail "no removal passed, though two may go"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
