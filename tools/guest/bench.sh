#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark, inside the guest (see tools/bench): page-fault throughput
# and latency for RRAIM with 1, 2 and 3 replicas, with 2 and checksums off
# or pages encrypted, for the virtio swap disk
# and with everything in RAM, the raw RDMA READ latency as the floor, and a
# timeline of fault latency across a server kill.
. /opt/rraim/lib/guest.sh

SIZE=${1:-192M}
LIMIT=${2:-64M}
SECS=${3:-15}
CG=/sys/fs/cgroup/bench

echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p $CG

bench() {	# bench LIMIT [rraim-bench options]
	local limit=$1
	shift
	echo "$limit" >$CG/memory.max
	sh -c 'echo $$ >"$0/cgroup.procs"; exec rraim-bench "$@"' $CG "$@"
}

row() {	# row NAME RESULT-LINE
	echo "$2" | awk -v name="$1" '{
		printf "%-22s %10s %9s %9s %9s\n", name, $6, $8, $10, $12 }'
}

unload() {
	swapoff /dev/vda
	echo 0 >/sys/kernel/livepatch/rraim/enabled
	wait_until '[ ! -e /sys/kernel/livepatch/rraim ]' 300
	rmmod rraim
}

# the accelerated checksum and cipher, where the guest CPU has them (the
# kernel prefers them once loaded); say which ones run
modprobe crc32c_intel 2>/dev/null
modprobe aesni_intel 2>/dev/null
echo "== CPU: $(grep -c '^processor' /proc/cpuinfo) vCPU; sse4_2 $(grep -qw sse4_2 /proc/cpuinfo && echo yes || echo no), aes $(grep -qw aes /proc/cpuinfo && echo yes || echo no)"

echo "== RDMA READ latency floor (ib_read_lat, 4 KiB, rxe1 loopback)"
ib_read_lat -d rxe1 -s 4096 -n 2000 -F >/tmp/lat-server.log 2>&1 &
sleep 1
ib_read_lat -d rxe1 -s 4096 -n 2000 -F "$(server_addr 1)" >/tmp/lat.log 2>&1
wait
floor=$(awk '$1 == 4096 { print "min " $3 " us, typical " $5 " us, p99 " $8 " us" }' /tmp/lat.log)
echo "   ${floor:-$(tail -n 3 /tmp/lat.log)}"

results=""
r=$(bench max -W 3 -t "$SECS" "$SIZE")
results="$results$(row "RAM (no limit)" "$r")\n"

mkswap /dev/vda >/dev/null && swapon /dev/vda
r=$(bench "$LIMIT" -W 5 -t "$SECS" "$SIZE")
results="$results$(row "virtio disk swap" "$r")\n"
swapoff /dev/vda

# replicas=2 with encrypted pages: rraimctl attach with a page key, as a
# user sets it up (rraim.conf's encrypt_key)
rraim_load_encrypted() {
	head -c 32 /dev/urandom >/tmp/page-key && chmod 600 /tmp/page-key
	printf 'servers = %s\nreplicas = 2\nencrypt_key = /tmp/page-key\nattach_timeout = 300\n' \
		"$(echo "$RRAIM_SERVER_LIST" | sed 's/,/, /g')" >/tmp/bench-enc.conf
	rraimctl --config /tmp/bench-enc.conf attach >/tmp/bench-enc.out 2>&1 || {
		sed 's/^/   | /' /tmp/bench-enc.out
		return 1
	}
	grep -q '^on ' /sys/kernel/rraim/encryption &&
		wait_until '[ "$(rraim_servers_in live)" = 3 ]' 300
}

# RRAIM with 1, 2 and 3 replicas (checksums on, the default), then
# replicas=2 with checksums off, and with pages encrypted
for v in 1 2 3 nocsum crypt; do
	case $v in
	nocsum) name="rraim r=2 checksum=0"
		rraim_load "$RRAIM_SERVER_LIST" replicas=2 checksum=0 || exit 1 ;;
	crypt) name="rraim r=2 encrypted"
		rraim_load_encrypted || { echo "warning: no encrypted run"; continue; } ;;
	*) name="rraim replicas=$v"
		rraim_load "$RRAIM_SERVER_LIST" replicas=$v || exit 1 ;;
	esac
	mkswap /dev/vda >/dev/null && swapon /dev/vda
	r=$(bench "$LIMIT" -W 5 -t "$SECS" "$SIZE")
	results="$results$(row "$name" "$r")\n"
	[ "$(cat /sys/kernel/rraim/stats/reject_no_space)" = 0 ] || echo "warning: rejects"
	[ "$(cat /sys/kernel/rraim/stats/corrupt)" = 0 ] || echo "warning: corrupt copies"
	[ "$v" = 1 ] && dmesg | grep -o 'page checksums: .*' | tail -n 1 | sed 's/^/== /'
	[ "$v" = crypt ] && echo "== encryption: $(cat /sys/kernel/rraim/encryption)"
	unload
done

echo "== page faults, $SIZE touched at random under a $LIMIT limit, ${SECS}s each"
printf '%-22s %10s %9s %9s %9s\n' backend faults/s p50_us p99_us max_us
printf "$results"

echo "== timeline across a server kill (replicas=2, kill -9 of server 1 at ~6 s)"
rraim_load "$RRAIM_SERVER_LIST" replicas=2 deadline_ms=100 || exit 1
mkswap /dev/vda >/dev/null && swapon /dev/vda
bench "$LIMIT" -W 5 -t 14 -i 500 "$SIZE" >/tmp/timeline.log &
pid=$!
# fill (about 5 s here) and warm-up (5 s) come first; kill ~6 s into the timeline
sleep 16
rraim-fault kill 1
wait $pid
cat /tmp/timeline.log | sed 's/^/   /'
echo "   load max $(cat /sys/kernel/rraim/stats/load_max_us) us, failovers $(cat /sys/kernel/rraim/stats/load_failovers), deadline $(cat /sys/kernel/rraim/deadline_ms) ms"
unload
rraim-fault start 1	# the sync runs below need all three servers

echo "== sync (re-entrance) of a restarted server, replicas=2: time per page"
printf '%-8s %9s %9s %11s %13s\n' stored copied seconds us/page sync_ns/page
for size in 64M 128M 256M; do
	rraim_load "$RRAIM_SERVER_LIST" replicas=2 || exit 1
	mkswap /dev/vda >/dev/null && swapon /dev/vda
	echo 32M >$CG/memory.max
	sh -c 'echo $$ >"$0/cgroup.procs"; exec rraim-pattern -q -p 1 -P -S 900 "$1"' $CG "$size" &
	pid=$!
	pages=$(( $(echo "$size" | tr -d M) * 256 ))
	wait_until '[ "$(cat /sys/kernel/rraim/stats/stored_pages)" -ge $((pages * 95 / 100)) ]' 3000 ||
		echo "warning: only $(cat /sys/kernel/rraim/stats/stored_pages) pages stored"
	d=/sys/kernel/rraim/servers/$(server_addr 1):$RRAIM_PORT
	[ "$(cat "$d/pages")" -gt 0 ] || echo "warning: server 1 holds no page"
	rraim-fault kill 1
	wait_until '[ "$(cat "$d/state")" != live ]' 100
	c0=$(cat /sys/kernel/rraim/stats/sync_copies)
	rraim-fault start 1
	wait_until '[ "$(cat "$d/state")" = live ]' 300
	t0=$(cut -d' ' -f1 /proc/uptime)
	wait_until '[ "$(cat "$d/sync_state")" = in_sync ] && [ "$(cat /sys/kernel/rraim/stats/degraded_pages)" = 0 ]' 6000
	t1=$(cut -d' ' -f1 /proc/uptime)
	copies=$(( $(cat /sys/kernel/rraim/stats/sync_copies) - c0 ))
	awk -v s="$size" -v c="$copies" -v a="$t0" -v b="$t1" -v n="$(cat "$d/sync_ns_per_page")" \
		'BEGIN { printf "%-8s %9d %9.1f %11.1f %13d\n", s, c, b - a, c ? (b - a) * 1e6 / c : 0, n }'
	kill -USR1 $pid
	wait $pid || echo "warning: the held pattern did not verify"
	unload
done
