#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest (see tools/demo).  The module is loaded and
# attached to the three servers, and the swap area is on.
. /opt/rraim/lib/guest.sh

SIZE=${1:-192M}
LIMIT=${2:-64M}

counters() {
	printf '  %-22s %s\n' "stored pages" "$(cat /sys/kernel/rraim/stats/stored_pages)"
	for f in stores loads load_failovers reject_no_server reject_no_space \
		 write_bytes read_bytes remote_bytes; do
		printf '  %-22s %s\n' "$f" "$(cat /sys/kernel/rraim/stats/$f)"
	done
	printf '  %-22s %s\n' "pswpout (disk)" "$(awk '$1 == "pswpout" { print $2 }' /proc/vmstat)"
}

echo "== RRAIM demo: $(uname -r), $RRAIM_SERVERS memory servers over Soft-RoCE"
echo "== rxe devices"
rdma link show
echo "== memory servers"
for s in /sys/kernel/rraim/servers/*; do
	printf '  %-18s %-6s capacity %s MiB, free %s MiB\n' "$(cat "$s/address")" \
		"$(cat "$s/state")" $(( $(cat "$s/capacity_bytes") >> 20 )) \
		$(( $(cat "$s/free_bytes") >> 20 ))
done
echo "== replicas $(cat /sys/kernel/rraim/replicas), deadline $(cat /sys/kernel/rraim/deadline_ms) ms; swap:"
tail -n +2 /proc/swaps
echo "== counters before"
counters

mkdir -p /sys/fs/cgroup/demo
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
echo "$LIMIT" >/sys/fs/cgroup/demo/memory.max
echo "== a workload writes $SIZE under a $LIMIT memory limit and reads it back twice"
sh -c 'echo $$ >/sys/fs/cgroup/demo/cgroup.procs; exec rraim-pattern -p 2 "$0"' "$SIZE"
rc=$?

echo "== counters after"
counters
echo "== per server"
for s in /sys/kernel/rraim/servers/*; do
	printf '  %-18s %-6s pages %-7s writes %-7s reads %-7s read p50 %s us\n' \
		"$(cat "$s/address")" "$(cat "$s/state")" "$(cat "$s/pages")" \
		"$(cat "$s/writes")" "$(cat "$s/reads")" "$(cat "$s/read_p50_us")"
done
echo "== fault latency: load p50 $(cat /sys/kernel/rraim/stats/load_p50_us) us, p99 $(cat /sys/kernel/rraim/stats/load_p99_us) us; store p50 $(cat /sys/kernel/rraim/stats/store_p50_us) us"
[ $rc = 0 ] && echo "== every byte verified" || echo "== VERIFICATION FAILED"

stat_of() { cat "/sys/kernel/rraim/stats/$1"; }
s1=/sys/kernel/rraim/servers/$(server_addr 1):$RRAIM_PORT
echo "== failover and re-entrance: server 1 is killed, restarted and synced back while a workload verifies"
sh -c 'echo $$ >/sys/fs/cgroup/demo/cgroup.procs; exec rraim-pattern -q -r -t 40 "$0"' "$SIZE" &
pid=$!
loads0=$(stat_of loads)
wait_until '[ "$(stat_of loads)" -gt $((loads0 + 3000)) ]' 1200
rraim-fault kill 1
wait_until '[ "$(cat "$s1/state")" = dead ]' 100
sleep 2
echo "  killed:    server 1 $(cat "$s1/state") ($(cat "$s1/state_reason")); degraded pages $(stat_of degraded_pages), load failovers $(stat_of load_failovers), longest load $(stat_of load_max_us) us"
rraim-fault start 1
wait_until '[ "$(cat "$s1/state")" = live ]' 300
echo "  restarted: server 1 $(cat "$s1/state"), sync $(cat "$s1/sync_state")"
rraimctl wait-sync --timeout 600
echo "  synced:    server 1 $(cat "$s1/sync_state"), $(cat "$s1/sync_done") pages copied back; degraded pages $(stat_of degraded_pages); lost pages $(stat_of lost_pages)"
wait $pid
rc2=$?
rraimctl status
[ $rc2 = 0 ] && echo "== every byte verified through the kill and the sync" ||
	echo "== VERIFICATION FAILED during the kill and the sync"
[ $rc = 0 ] && [ $rc2 = 0 ]
