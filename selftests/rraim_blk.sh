#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The block front end, rraim_blk.ko: /dev/rraim0 as the only swap device,
# without livepatch.
#  - it refuses to load without disksize=; with servers=, replicas=2 and
#    disksize=512M it loads, taints O/E only (never K), attaches, and the
#    device has the size asked, 4 KiB blocks and is not rotational;
#    rraim.ko then refuses to load, with one line (and no sysfs splat);
#  - writes issued the moment modprobe returns succeed and read back (the
#    device appears once a server is ready; a write waits for a fresh
#    chunk);
#  - raw I/O: a block never written reads zeros; a written one reads back
#    what was written; a discarded one reads zeros again and its page is
#    no longer held;
#  - swap on it: a verifying workload three times its memory cgroup swaps
#    out through the device (pswpout and stores move), server 2 is killed
#    mid-run, and every byte verifies; after swapoff only the swap header
#    is held (freed slots do not pin remote memory);
#  - with every server dead: a written page cannot be read (an I/O error,
#    not zeros, not old data), a write fails and the page then reads as an
#    I/O error too; once the servers are back a write succeeds again;
#  - all_copies=1, replicas=3: with server 3 dead a write fails (counted in
#    reject_degraded) and its page reads as an I/O error, a page stored
#    before still reads back; once server 3 is back a write succeeds;
#  - rmmod is clean and the kernel printed no splat.
# rraim-timeout: 900
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
modinfo rraim_blk >/dev/null 2>&1 || skip "no rraim_blk module in the test bed"
[ -d /sys/module/rraim ] && fail "rraim.ko is loaded"

DEV=/dev/rraim0
BS=4096
LIST="$(server_addr 1):$RRAIM_PORT,$(server_addr 2):$RRAIM_PORT,$(server_addr 3):$RRAIM_PORT"

# read_block N FILE: block N of the device into FILE, bypassing the cache
read_block() {
	dd if=$DEV of="$2" bs=$BS count=1 skip="$1" iflag=direct 2>"$RUN/dd.err"
}

# write_block N FILE
write_block() {
	dd if="$2" of=$DEV bs=$BS count=1 seek="$1" oflag=direct conv=notrunc \
		2>"$RUN/dd.err"
}

servers_live() {
	local i n=0

	for i in 1 2 3; do
		[ "$(cat "$(server_dir "$i")/state" 2>/dev/null)" = live ] && n=$((n + 1))
	done
	echo "$n"
}

swapoff -a 2>/dev/null
if modprobe rraim_blk servers="$LIST" 2>/dev/null; then
	fail "rraim_blk loaded without disksize="
fi
dmesg | grep -q 'disksize= is required' || fail "no line says disksize= is required"

# (the data first: the writes must follow modprobe at once)
dd if=/dev/urandom of="$RUN/early" bs=1M count=32 2>/dev/null ||
	fail "no random data"
modprobe rraim_blk servers="$LIST" replicas=2 disksize=512M ||
	fail "modprobe rraim_blk"
# the first writes come as soon as the device appears (udev, mkswap): they
# must not fail for want of a connected server or of a fresh chunk (32 MiB
# is more than the module's pool of fresh chunks)
dd if="$RUN/early" of=$DEV bs=1M oflag=direct conv=notrunc 2>"$RUN/dd.err" ||
	fail "writes right after modprobe failed: $(tail -n 1 "$RUN/dd.err")"
dd if=$DEV of="$RUN/early.r" bs=1M count=32 iflag=direct 2>"$RUN/dd.err" ||
	fail "read back of the first writes: $(tail -n 1 "$RUN/dd.err")"
cmp -s "$RUN/early" "$RUN/early.r" || fail "the first writes read back other bytes"
blkdiscard -l 32M $DEV || fail "blkdiscard of the first writes"
rm -f "$RUN/early" "$RUN/early.r"
wait_until '[ "$(servers_live)" = 3 ]' 300 || fail "the servers did not come up"
taint=$(cat /sys/module/rraim_blk/taint)
diag "rraim_blk taints '$taint'"
case $taint in
*K*) fail "rraim_blk taints K (livepatch)" ;;
esac
[ -d /sys/kernel/livepatch/rraim_blk ] && fail "rraim_blk is a livepatch"
[ "$(cat "$RRAIM_SYS/attached")" = 1 ] || fail "not attached"
# one RRAIM module at a time: rraim.ko refuses with one line
if modprobe rraim servers="$LIST" 2>/dev/null; then
	fail "rraim.ko loaded beside rraim_blk.ko"
fi
dmesg | grep -q 'another RRAIM module is loaded' ||
	fail "no line says another RRAIM module is loaded"
[ "$(cat "$RRAIM_SYS/attached")" = 1 ] || fail "rraim_blk detached by rraim.ko's refusal"
[ -b $DEV ] || fail "no $DEV"
Q=/sys/block/rraim0
[ "$(cat $Q/size)" = $((512 * 2048)) ] || fail "size $(cat $Q/size) sectors, not 512 MiB"
[ "$(cat $Q/queue/logical_block_size)" = 4096 ] || fail "logical block size $(cat $Q/queue/logical_block_size)"
[ "$(cat $Q/queue/physical_block_size)" = 4096 ] || fail "physical block size $(cat $Q/queue/physical_block_size)"
[ "$(cat $Q/queue/rotational)" = 0 ] || fail "rotational"

# raw I/O
head -c $BS /dev/zero >"$RUN/zero"
head -c $BS /dev/urandom >"$RUN/data"
read_block 100 "$RUN/r" || fail "read of a never written block: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/zero" || fail "a never written block does not read zeros"
held0=$(stat_of stored_pages)
write_block 100 "$RUN/data" || fail "write: $(cat "$RUN/dd.err")"
read_block 100 "$RUN/r" || fail "read back: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/data" || fail "a written block reads back other bytes"
[ "$(stat_of stored_pages)" = $((held0 + 1)) ] || fail "stored_pages $(stat_of stored_pages) after one write, was $held0"
blkdiscard -o $((100 * BS)) -l $BS $DEV || fail "blkdiscard"
read_block 100 "$RUN/r" || fail "read after discard: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/zero" || fail "a discarded block does not read zeros"
[ "$(stat_of stored_pages)" = "$held0" ] || fail "stored_pages $(stat_of stored_pages) after the discard, was $held0"

# swap on it, a server killed mid-run
mkswap $DEV >/dev/null || fail "mkswap"
swapon $DEV || fail "swapon"
out0=$(vmstat_of pswpout)
stores0=$(stat_of stores)
cg=$(make_cgroup blk 64M)
bg_in_cgroup "$cg" rraim-pattern -q -p 3 -r 192M
wl=$BG_PID
wait_until "[ \$(stat_of stores) -ge $((stores0 + 20000)) ] || ! kill -0 $wl 2>/dev/null" 600
rraim-fault kill 2 || fail "kill server 2"
wait "$wl" || fail "the workload failed across the kill of server 2"
out=$(( $(vmstat_of pswpout) - out0 ))
stores=$(( $(stat_of stores) - stores0 ))
diag "swap on $DEV: pswpout $out, stores $stores, loads $(stat_of loads), failovers $(stat_of load_failovers), degraded stores $(stat_of stores_degraded)"
[ "$out" -gt 10000 ] || fail "pswpout moved by $out only"
[ "$stores" -ge "$out" ] || fail "$out pages swapped out, $stores stored"
rmdir "$cg"
rraim-fault start 2 || fail "restart server 2"
wait_until '[ "$(servers_live)" = 3 ]' 300 || fail "server 2 did not come back"
swapoff $DEV || fail "swapoff"
wait_until '[ "$(stat_of stored_pages)" -le 1 ]' 60 ||
	fail "$(stat_of stored_pages) pages held after swapoff: freed slots pin remote memory"

# every server dead: never zeros or old data for a page that was written
# (the default lost-page wait until then: a starved guest's servers may
# all miss heartbeats for a few seconds while server 2 is away)
write_block 200 "$RUN/data" || fail "write: $(cat "$RUN/dd.err")"
echo 1500 >"$RRAIM_SYS/lost_wait_ms" || fail "lost_wait_ms"
for i in 1 2 3; do
	rraim-fault kill "$i" || fail "kill server $i"
done
wait_until '[ "$(servers_live)" = 0 ]' 300 || fail "the servers' deaths were not noticed"
if read_block 200 "$RUN/r"; then
	fail "a page with no copy left read as $(cmp -s "$RUN/r" "$RUN/zero" && echo zeros || echo data)"
fi
diag "read of a lost page: $(tail -n 1 "$RUN/dd.err")"
if write_block 300 "$RUN/data"; then
	fail "a write with no server succeeded"
fi
if read_block 300 "$RUN/r"; then
	fail "a page whose write failed read as $(cmp -s "$RUN/r" "$RUN/zero" && echo zeros || echo data)"
fi
for i in 1 2 3; do
	rraim-fault start "$i" || fail "restart server $i"
done
wait_until '[ "$(servers_live)" = 3 ]' 300 || fail "the servers did not come back"
write_block 300 "$RUN/data" || fail "write once the servers are back: $(cat "$RUN/dd.err")"
read_block 300 "$RUN/r" || fail "read back: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/data" || fail "read back other bytes"

# all_copies=1: a write fails unless every copy is made
rmmod rraim_blk || fail "rmmod rraim_blk"
modprobe rraim_blk servers="$LIST" replicas=3 disksize=64M all_copies=1 ||
	fail "modprobe rraim_blk all_copies=1"
wait_until '[ "$(servers_live)" = 3 ]' 300 || fail "the servers did not come up (all_copies=1)"
write_block 10 "$RUN/data" || fail "all_copies=1, three servers: write: $(cat "$RUN/dd.err")"
rraim-fault kill 3 || fail "kill server 3"
wait_until '[ "$(cat "$(server_dir 3)/state")" != live ]' 300 || fail "server 3's death was not noticed"
if write_block 11 "$RUN/data"; then
	fail "all_copies=1: a write with two of three servers succeeded"
fi
[ "$(stat_of reject_degraded)" -ge 1 ] || fail "reject_degraded $(stat_of reject_degraded) after a write short of copies"
if read_block 11 "$RUN/r"; then
	fail "all_copies=1: a page whose write failed read as $(cmp -s "$RUN/r" "$RUN/zero" && echo zeros || echo data)"
fi
read_block 10 "$RUN/r" || fail "all_copies=1: a page stored before the kill: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/data" || fail "all_copies=1: a page stored before the kill read back other bytes"
[ "$(stat_of stores_degraded)" = 0 ] || fail "all_copies=1: $(stat_of stores_degraded) degraded stores"
diag "all_copies=1: a write with two of three servers failed; reject_degraded $(stat_of reject_degraded)"
rraim-fault start 3 || fail "restart server 3"
wait_until '[ "$(servers_live)" = 3 ]' 300 || fail "server 3 did not come back"
write_block 11 "$RUN/data" || fail "all_copies=1: write once server 3 is back: $(cat "$RUN/dd.err")"
read_block 11 "$RUN/r" || fail "all_copies=1: read back: $(cat "$RUN/dd.err")"
cmp -s "$RUN/r" "$RUN/data" || fail "all_copies=1: read back other bytes"

rmmod rraim_blk || fail "rmmod rraim_blk"
[ -e $DEV ] && fail "$DEV outlived the module"
no_splat || fail "kernel splat"
exit $KSFT_PASS
