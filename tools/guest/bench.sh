#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark, inside the guest (see tools/bench): page-fault throughput
# and latency, and swap-out throughput (the fill's rate), of compressible
# pages for RRAIM's zswap-hook/frontswap front end (rraim.ko) with 1, 2
# and 3 replicas, with 2 and checksums off or pages encrypted, for its
# block front end (rraim_blk.ko) with 2, alone and behind zswap, for the
# virtio swap disk, alone and behind zswap, for zram, and with everything
# in RAM; the raw RDMA READ latency as the floor, a timeline of fault
# latency across a server kill, and the sync of a restarted server.
. /opt/rraim/lib/guest.sh

SIZE=${1:-192M}
LIMIT=${2:-64M}
SECS=${3:-15}
CG=/sys/fs/cgroup/bench
Z=/sys/module/zswap/parameters
ZD=/sys/kernel/debug/zswap

echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p $CG

bench() {	# bench LIMIT [rraim-bench options]
	local limit=$1
	shift
	echo "$limit" >$CG/memory.max
	sh -c 'echo $$ >"$0/cgroup.procs"; exec rraim-bench "$@"' $CG "$@"
}

# bench_sampled LIMIT [rraim-bench options]: bench, its results line in
# r; meanwhile, once a second, the output of sample (a function), the last
# one in SAMPLE (what a backend holds goes when the workload exits)
bench_sampled() {
	local pid

	SAMPLE=""
	bench "$@" >/tmp/bench.out &
	pid=$!
	while [ -d /proc/$pid ] && ! grep -q '^[0-9]* ([^)]*) Z' /proc/$pid/stat 2>/dev/null; do
		SAMPLE=$(sample)
		sleep 1
	done
	wait $pid
	r=$(cat /tmp/bench.out)
}

row() {	# row NAME RESULT-LINE
	echo "$2" | awk -v name="$1" '{
		printf "%-22s %10s %9s %9s %9s %9s\n", name, $6, $8, $10, $12, $14 }'
}

vmstat_of() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
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

# zswap stays off but in its own rows: rraim.ko refuses to attach beside
# it (6.12), and it would take the pages of every other row
[ -w $Z/enabled ] && echo N >$Z/enabled
[ -d $ZD ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# every row's pages are compressible (-c), about 2:1: the content costs
# RAM, the disk and RRAIM nothing more, and zram and zswap compress
# them rather than keep them as same-filled pages
results=""
r=$(bench max -W 3 -t "$SECS" -c "$SIZE")
results="$results$(row "RAM (no limit)" "$r")\n"

mkswap /dev/vda >/dev/null && swapon /dev/vda
r=$(bench "$LIMIT" -W 5 -t "$SECS" -c "$SIZE")
results="$results$(row "virtio disk swap" "$r")\n"
swapoff /dev/vda

# zram as the only swap device, its kernel's default compressor; its
# module from the guest kernel's image (tools/bench) where the test bed's
# has none
zram_load() {
	local m

	if ! modprobe zram 2>/dev/null; then
		[ -f /opt/extra/zram.modules ] || return 1
		while read -r m; do
			[ -d "/sys/module/$(basename "$m" .ko | tr - _)" ] ||
				insmod "/opt/extra/$m" || return 1
		done </opt/extra/zram.modules
	fi
	wait_until '[ -e /sys/block/zram0/disksize ]' 100 &&
		echo 512M >/sys/block/zram0/disksize &&
		wait_until '[ -b /dev/zram0 ]' 100 &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
}

zram_unload() {
	swapoff /dev/zram0 2>/dev/null
	[ -d /sys/module/zram ] && rmmod zram
}

# zram's pages, their compressed size and the memory zram takes for them
# (more: the holes the faulted-in pages left), at the last sample
zram_sample() {
	awk '{ printf "%.0f MiB of pages compressed to %.0f MiB (%.1f:1), in %.0f MiB of memory",
		$1 / 1048576, $2 / 1048576, $2 ? $1 / $2 : 0, $3 / 1048576 }' /sys/block/zram0/mm_stat
}

if zram_load; then
	alg=$(sed 's/.*\[\([^]]*\)\].*/\1/' /sys/block/zram0/comp_algorithm)
	sample() { zram_sample; }
	bench_sampled "$LIMIT" -W 5 -t "$SECS" -c "$SIZE"
	results="$results$(row "zram ($alg)" "$r")\n"
	echo "== zram ($alg): $SAMPLE"
else
	echo "warning: zram did not load: no zram row"
fi
zram_unload

# zswap in front of swap device $1 (two tiers): a pool of 1 % of memory,
# so that it writes its oldest pages back to the device (6.1: once the
# pool is full; 6.12: also its shrinker, under the cgroup's pressure)
zswap_on() {
	[ -w $Z/enabled ] && [ -d $ZD ] || return 1
	ZPOOL0=$(cat $Z/max_pool_percent)
	ZSHRINK0=$(cat $Z/shrinker_enabled 2>/dev/null)
	echo 1 >$Z/max_pool_percent || return 1
	[ -e $Z/shrinker_enabled ] && { echo Y >$Z/shrinker_enabled || return 1; }
	[ -e $CG/memory.zswap.writeback ] && echo 1 >$CG/memory.zswap.writeback
	mkswap "$1" >/dev/null && swapon "$1" && echo Y >$Z/enabled || return 1
	WB0=$(cat $ZD/written_back_pages)
	OUT0=$(vmstat_of pswpout)
	LIMIT0=$(cat $ZD/pool_limit_hit)
}

zswap_off() {
	swapoff "$1" 2>/dev/null
	[ -w $Z/enabled ] && echo N >$Z/enabled
	[ -n "${ZPOOL0:-}" ] && echo "$ZPOOL0" >$Z/max_pool_percent
	[ -n "${ZSHRINK0:-}" ] && echo "$ZSHRINK0" >$Z/shrinker_enabled
	ZPOOL0=""
	ZSHRINK0=""
}

# zswap's pages and its pool, at the last sample: the pool also holds
# the holes of the pages written back or faulted in, so that this is no
# compression ratio
zswap_sample() {
	awk -v n="$(cat $ZD/stored_pages)" -v b="$(cat $ZD/pool_total_size)" 'BEGIN {
		printf "%.0f MiB of pages in a pool of %.0f MiB", n / 256, b / 1048576 }'
}

# what reached the second tier: zswap's write-backs, the pages the swap
# device took (pswpout: zswap's write-backs and the pages it refused)
zswap_report() {
	echo "== $1: written back $(( $(cat $ZD/written_back_pages) - WB0 )) pages, the device took $(( $(vmstat_of pswpout) - OUT0 )) (pswpout), pool limit hit $(( $(cat $ZD/pool_limit_hit) - LIMIT0 )) times; zswap held $SAMPLE"
}

if zswap_on /dev/vda; then
	sample() { zswap_sample; }
	bench_sampled "$LIMIT" -W 5 -t "$SECS" -c "$SIZE"
	results="$results$(row "zswap -> disk" "$r")\n"
	zswap_report "zswap -> disk"
else
	echo "warning: zswap did not come on: no zswap -> disk row"
fi
zswap_off /dev/vda

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
	r=$(bench "$LIMIT" -W 5 -t "$SECS" -c "$SIZE")
	results="$results$(row "$name" "$r")\n"
	[ "$(cat /sys/kernel/rraim/stats/reject_no_space)" = 0 ] || echo "warning: rejects"
	[ "$(cat /sys/kernel/rraim/stats/corrupt)" = 0 ] || echo "warning: corrupt copies"
	[ "$v" = 1 ] && dmesg | grep -o 'page checksums: .*' | tail -n 1 | sed 's/^/== /'
	[ "$v" = crypt ] && echo "== encryption: $(cat /sys/kernel/rraim/encryption)"
	unload
done

# the block front end, rraim_blk.ko: /dev/rraim0, replicas=2, as the only
# swap device.  Synchronous, as zram: submit_bio stores a write's pages
# there and then, each waiting for its RDMA WRITEs as the hook's store
# does, so that its fill rate tells what the block layer's path costs or
# saves, not overlap of writes
blk_load() {
	modprobe rraim_blk servers="$RRAIM_SERVER_LIST" replicas=2 disksize=512M || return 1
	if ! wait_until '[ "$(rraim_servers_in live)" = 3 ]' 300; then
		rraim_not_live
		return 1
	fi
	wait_until '[ -b /dev/rraim0 ]' 300
}

blk_unload() {
	swapoff /dev/rraim0 2>/dev/null
	[ -d /sys/module/rraim_blk ] && rmmod rraim_blk
}

blk_check() {
	[ "$(cat /sys/kernel/rraim/stats/reject_no_space 2>/dev/null || echo 0)" = 0 ] ||
		echo "warning: rejects"
	[ "$(cat /sys/kernel/rraim/stats/corrupt 2>/dev/null || echo 0)" = 0 ] ||
		echo "warning: corrupt copies"
}

if blk_load && mkswap /dev/rraim0 >/dev/null && swapon /dev/rraim0; then
	r=$(bench "$LIMIT" -W 5 -t "$SECS" -c "$SIZE")
	results="$results$(row "rraim_blk r=2" "$r")\n"
	blk_check
else
	echo "warning: rraim_blk did not come up: no rraim_blk r=2 row"
fi
blk_unload

if blk_load && zswap_on /dev/rraim0; then
	sample() { zswap_sample; }
	bench_sampled "$LIMIT" -W 5 -t "$SECS" -c "$SIZE"
	results="$results$(row "zswap -> rraim_blk r=2" "$r")\n"
	zswap_report "zswap -> rraim_blk r=2"
	blk_check
else
	echo "warning: zswap or rraim_blk did not come up: no zswap -> rraim_blk r=2 row"
fi
zswap_off /dev/rraim0
blk_unload

echo "== page faults, $SIZE of compressible pages touched at random under a $LIMIT limit, ${SECS}s each;"
echo "   fill_MB/s: the rate at which the workload wrote them (swap-out throughput)"
printf '%-22s %10s %9s %9s %9s %9s\n' backend faults/s p50_us p99_us max_us fill_MB/s
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
