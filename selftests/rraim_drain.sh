#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Planned removal: draining a live server moves its copies elsewhere while
# the workload verifies; no page drops below its replica count meanwhile;
# then the server can be removed.  Removing the only holder of a page is
# refused with a clear error.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup drain 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 60 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
d=$(server_dir 1)
before=$(cat "$d/pages")
echo 1 >"$d/drain" || fail "drain refused"
worst=0
while [ "$(cat "$d/sync_state")" != drained ]; do
	g=$(stat_of degraded_pages)
	[ "$g" -gt "$worst" ] && worst=$g
	sleep 0.5
	n=$((${n:-0} + 1))
	[ $n -lt 400 ] || fail "drain did not finish: $(cat "$d/sync_state"), $(cat "$d/chunks") chunks left"
done
diag "drained: server 1 held $before pages, now $(cat "$d/pages") in $(cat "$d/chunks") chunks; most degraded pages seen meanwhile: $worst"
[ "$worst" = 0 ] || fail "pages dropped below their replica count during the drain"
[ "$(cat "$d/pages")" = 0 ] || fail "server 1 still holds pages"
# the chunks went back to the server's pool, not only out of the client's map
wait_until '[ "$(rraim-fault status 1 | sed -n "s/^chunks_granted //p")" = 0 ]' 300 ||
	fail "server 1 still grants $(rraim-fault status 1 | sed -n 's/^chunks_granted //p') chunks"
echo "$(server_addr 1)" >$RRAIM_SYS/remove_server || fail "remove after drain refused"
wait $pid || fail "the workload failed"

# the only holder of a page cannot be removed
echo 1 >$RRAIM_SYS/replicas
bg_in_cgroup "$cg" rraim-pattern -q -p 0 -P -t 30 16M
pid=$BG_PID
sleep 8
for i in 2 3; do
	if [ "$(cat "$(server_dir "$i")/pages")" -gt 0 ]; then
		dmesg -c >/dev/null
		echo "$(server_addr "$i")" >$RRAIM_SYS/remove_server 2>/dev/null &&
			fail "removed the only holder of pages"
		diag "refused: $(dmesg | grep 'rraim:' | tail -n 1 | sed 's/^\[[^]]*\] //')"
		break
	fi
done
kill $pid 2>/dev/null
wait $pid
exit $KSFT_PASS
