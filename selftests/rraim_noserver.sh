#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# No memory server reachable: every store falls back to the swap disk, the
# reason is counted, and the data still verifies.  A rejected store costs
# no local memory: the slot map stays empty.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	rraim-fault stop "$i"
	i=$((i + 1))
done
modprobe rraim servers="$(server_list)" || fail "load"
wait_until '[ "$(cat $RRAIM_SYS/attached)" = 1 ]' 300 || fail "not attached"
swap_on || fail "swapon"
cg=$(make_cgroup noserver 48M)
out0=$(vmstat_of pswpout)
in_cgroup "$cg" rraim-pattern -q -p 2 96M || fail "the pattern did not verify"
out=$(( $(vmstat_of pswpout) - out0 ))
# a large folio's refused page counts under its reason, its others as
# reject_thp: every page that went to the disk is counted once
rej=$(( $(stat_of reject_no_server) + $(stat_of reject_no_space) + $(stat_of reject_thp) ))
diag "pswpout $out rejected $rej stores $(stat_of stores)"
[ "$(stat_of stores)" = 0 ] || fail "stores without a server"
[ "$out" -gt 1000 ] || fail "the pages did not go to the disk"
[ "$rej" -ge "$out" ] || fail "rejects not counted ($rej < $out)"
[ "$(stat_of slot_map_bytes)" = 0 ] ||
	fail "rejected stores hold $(stat_of slot_map_bytes) bytes of slot map"
rmdir "$cg"
unload_rraim || fail "unload"
i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	rraim-fault start "$i" || fail "restart server $i"
	i=$((i + 1))
done
exit $KSFT_PASS
