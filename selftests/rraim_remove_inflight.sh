#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removing a server while a store to it is in flight.  replicas=1, and
# server 1 the only one: the first store writes its one copy there and
# (debugfs fault_store_delay_ms) waits two seconds before publishing it.
# Meanwhile server 1 is removed.  It holds no published page yet, but the
# store will publish one whose only copy is there: the removal stops new
# copies there, waits for the stores in flight, and only then checks, so
# it refuses (-EBUSY).  (A removal that checked first could let a store
# publish between its check and the server's copies being marked gone:
# that page's only copy would be on a removed server.)  Every byte
# verifies, no page is lost.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1
HOOK=/sys/kernel/debug/rraim/fault_store_delay_ms
S=$(server_addr 1):$RRAIM_PORT

# stores must not keep waiting once the test is over, whatever happened
trap '{ echo 0 >"$HOOK"; } 2>/dev/null; cleanup' EXIT

# /proc/uptime in hundredths of a second
now_cs() {
	awk '{ sub(/\./, "", $1); print $1 + 0 }' /proc/uptime
}

rraim_load "$S" replicas=1 || fail "load"
[ -w "$HOOK" ] || skip "no $HOOK"
# a pause no one can interrupt: at most a minute
{ echo 60001 >"$HOOK"; } 2>/dev/null && fail "$HOOK took 60001"
[ "$(cat "$HOOK")" = 0 ] || fail "$HOOK changed to $(cat "$HOOK")"
swap_on || fail "swapon"
cg=$(make_cgroup inflight 64M)
echo 2000 >"$HOOK"
# 4 KiB pages (-N): a large folio's next page would see the server
# leaving, fail, and take the published page back with it to the disk
bg_in_cgroup "$cg" rraim-pattern -N -q -P -p 1 -S 30 4M
wl=$BG_PID
# a store has written its copy (the server counted it) and not published
wait_until '[ "$(cat "$(server_dir 1)/writes")" -gt 0 ]' 300 ||
	fail "no store reached server 1"
[ "$(stat_of stores)" = 0 ] || fail "a store published already"
t0=$(now_cs)
if echo "$S" >"$RRAIM_SYS/remove_server" 2>/tmp/remove.err; then
	removed=yes
else
	removed="no: $(cat /tmp/remove.err)"
fi
ms=$(( ($(now_cs) - t0) * 10 ))
echo 0 >"$HOOK"
diag "remove_server took $ms ms; removed: $removed; stores $(stat_of stores)"
kill -USR1 "$wl"
wait "$wl"
rc=$?
diag "rraim-pattern exit $rc; lost pages $(stat_of lost_pages); load_lost $(stat_of load_lost)"
[ "$rc" = 0 ] || fail "the workload failed ($rc: 3 is a SIGBUS, a page lost)"
[ "$(stat_of lost_pages)" = 0 ] || fail "$(stat_of lost_pages) pages lost"
[ "$removed" != yes ] || fail "the server holding a page's only copy was removed"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
