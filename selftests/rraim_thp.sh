#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Large folios reach remote memory whole.  The guest swaps as a user's host
# does: a non-rotational swap device (swap clusters, so the kernel swaps a
# transparent huge page out whole) and THP "always" as Debian ships it.  A
# verifying workload over twice its memory limit: every byte verifies,
# large folios were stored whole (stores_large), none was refused
# (reject_thp) and the swap disk saw (almost) no writes.  On a kernel with
# multi-size THP (6.12) a second run uses 64 KiB folios only.  The debug
# kernel reads back once instead of twice: both runs then fit its timeout.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

thp=/sys/kernel/mm/transparent_hugepage
grep -q '\[always\]' "$thp/enabled" 2>/dev/null || skip "THP is not 'always' in this guest"
[ "$(cat /sys/block/vda/queue/rotational)" = 0 ] ||
	skip "the swap disk is rotational: the kernel splits THPs before swap-out"

# run NAME SIZE: one verifying workload; checks what it stored
run() {
	local name=$1 size=$2 cg large0 stores0 out0 thp0 large stores out

	cg=$(make_cgroup "thp$name" 64M)
	large0=$(stat_of stores_large)
	stores0=$(stat_of stores)
	out0=$(vmstat_of pswpout)
	thp0=$(vmstat_of thp_swpout)
	in_cgroup "$cg" rraim-pattern -q -p "$(light 2 1)" "$size" ||
		fail "$name: the pattern did not verify"
	large=$(( $(stat_of stores_large) - large0 ))
	stores=$(( $(stat_of stores) - stores0 ))
	out=$(( $(vmstat_of pswpout) - out0 ))
	diag "$name: stores $stores, large folios stored whole $large, pswpout $out, THPs written to the disk $(( $(vmstat_of thp_swpout) - thp0 ))"
	[ "$large" -gt 0 ] || fail "$name: no large folio was stored whole"
	[ "$stores" -gt 20000 ] || fail "$name: too few stores ($stores)"
	[ $((out * 100)) -le "$stores" ] || fail "$name: $out pages went to the swap disk"
	rmdir "$cg"
}

load_rraim "$RRAIM_SERVERS" replicas=2 || fail "load"
swap_on || fail "swapon"
run pmd 160M

mthp=$thp/hugepages-64kB/enabled
if [ -w "$mthp" ]; then
	echo never >"$thp/enabled"
	echo always >"$mthp"
	run mthp64k 160M
	echo never >"$mthp"
	echo always >"$thp/enabled"
fi

[ "$(stat_of reject_thp)" = 0 ] || fail "reject_thp: $(stat_of reject_thp)"
swapoff /dev/vda || fail "swapoff"
[ "$(stat_of stored_pages)" = 0 ] || fail "pages held after swapoff"
unload_rraim || fail "unload"
no_splat || fail "kernel warning"
exit $KSFT_PASS
