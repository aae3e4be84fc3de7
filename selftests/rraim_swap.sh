#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A workload confined to a memory cgroup writes a pattern over three times
# its limit and reads it all back twice: every byte verifies, the pages
# went to the memory servers, and the swap disk saw (almost) no writes.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim "$RRAIM_SERVERS" || fail "load"
swap_on || fail "swapon"
[ "$(stat_of spaces)" = 1 ] || fail "spaces $(stat_of spaces) with one swap area on"
cg=$(make_cgroup swaptest 64M)
out0=$(vmstat_of pswpout)
disk0=$(disk_writes)

bg_in_cgroup "$cg" rraim-pattern -q -p 2 192M
pid=$BG_PID
# a second host (a test client) uses server 1 at the same time
wait_until '[ "$(stat_of stores)" -gt 5000 ]' 600 || fail "no stores"
rraim-rogue "$(server_addr 1):$RRAIM_PORT" ok >/dev/null 2>&1 ||
	fail "server 1 did not serve a second client alongside"
wait $pid || fail "the pattern did not verify"

stores=$(stat_of stores)
loads=$(stat_of loads)
out=$(( $(vmstat_of pswpout) - out0 ))
disk=$(( $(disk_writes) - disk0 ))
diag "stores $stores loads $loads pswpout $out disk_sectors_written $disk"
diag "store p50/p99 $(stat_of store_p50_us)/$(stat_of store_p99_us) us, load p50/p99 $(stat_of load_p50_us)/$(stat_of load_p99_us) us"
[ "$stores" -gt 40000 ] || fail "too few stores went remote ($stores)"
[ "$loads" -gt 40000 ] || fail "too few loads came back ($loads)"
[ "$(stat_of write_bytes)" -ge $((stores * 4096)) ] || fail "write_bytes did not move"
# "essentially no swap writes": under 1% of the pages
[ $((out * 100)) -le "$stores" ] || fail "$out pages went to the swap disk"
[ $((disk * 512 * 100)) -le $((stores * 4096)) ] || fail "the swap disk saw $disk sectors of writes"
for r in reject_detached reject_no_server reject_no_space reject_transport reject_alloc; do
	[ "$(stat_of $r)" = 0 ] || fail "$r: $(stat_of $r)"
done
# swapoff releases the area's remote space (the free pool keeps a few)
swapoff /dev/vda || fail "swapoff"
[ "$(stat_of stored_pages)" = 0 ] || fail "pages held after swapoff"
[ "$(stat_of spaces)" = 0 ] || fail "spaces $(stat_of spaces) after swapoff"
wait_until '[ "$(stat_of remote_bytes)" -le $((8 * 2 * 4194304)) ]' 300 ||
	fail "remote space not released: $(stat_of remote_bytes) bytes"
rmdir "$cg"
unload_rraim || fail "unload"
[ ! -d /sys/module/rraim ] || fail "still loaded"
exit $KSFT_PASS
