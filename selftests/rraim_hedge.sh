#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A slow server is not a failed one.  Separate-VM topology, replicas=2 on
# two servers; once every page is stored, each request to server 1 is
# delayed (netem on the client's link to it) by more than half the
# deadline and less than all of it.  A load that asks server 1 first asks
# server 2 too at half the deadline (a hedge) and takes its copy; the read
# left behind at server 1 had less than the deadline, so it is dropped
# without a word: no timeout counted, no suspect server (which would take
# it out of placement and degrade the next stores).  Under TCG a read now
# and then misses the whole deadline on both servers (a real timeout):
# server 1 may count those, a few in a thousand hedged loads, not one per
# hedged load.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2
require_netem

DEADLINE=100
DELAY=70ms
PAGES=4096

load_rraim 2 replicas=2 deadline_ms=$DEADLINE || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup hedge 64M)
# write 16 MiB, page it all out, then hold it until SIGUSR1
bg_in_cgroup "$cg" rraim-pattern -q -p 1 -r -P -S 600 $((PAGES * 4))K
pid=$BG_PID
wait_until '[ "$(stat_of stored_pages)" -ge $((PAGES - 64)) ]' 1200 ||
	fail "pages not stored: $(stat_of stored_pages) of $PAGES"
[ "$(stat_of stores_degraded)" = 0 ] || fail "stores degraded before the delay"

"$TC" qdisc add dev link1 root netem delay $DELAY || fail "netem on link1"
t1=$(cat "$(server_dir 1)/timeouts")
f1=$(stat_of load_failovers)
# watch server 1's state while the loads run
rm -f /tmp/hedge.done
( while [ ! -e /tmp/hedge.done ]; do
	cat "$(server_dir 1)/state"
	sleep 0.05
  done | grep -v '^live$' | sort | uniq -c >/tmp/hedge.states ) &
watcher=$!
rm -f /tmp/hedge.done
kill -USR1 $pid
wait $pid
rc=$?
touch /tmp/hedge.done
wait $watcher
"$TC" qdisc del dev link1 root

timeouts=$(( $(cat "$(server_dir 1)/timeouts") - t1 ))
hedged=$(( $(stat_of load_failovers) - f1 ))
diag "rraim-pattern exit $rc; $hedged loads served by the second copy; server 1: $timeouts timeouts, read p50 $(cat "$(server_dir 1)/read_p50_us") us; load max $(stat_of load_max_us) us"
[ ! -s /tmp/hedge.states ] && diag "server 1 stayed live" ||
	sed 's/^/# server 1 was: /' /tmp/hedge.states
[ "$rc" = 0 ] || fail "the workload failed ($rc)"
[ "$hedged" -ge 100 ] || fail "only $hedged hedged loads: the delay did not take"
[ $((timeouts * 20)) -le "$hedged" ] ||
	fail "server 1 counted $timeouts timeouts in $hedged hedged loads: reads that had less than the deadline counted"
suspect=$(dmesg | grep -c "server $(server_addr 1):$RRAIM_PORT: live -> suspect (read deadline)")
[ "$suspect" -le "$timeouts" ] ||
	fail "server 1 turned suspect $suspect times for $timeouts timed-out reads"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
