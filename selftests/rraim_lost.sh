#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# replicas=2: both copies of some pages are lost (servers 1 and 2 killed;
# the mirrored chunks spread over the three pairs of servers).  A reader of
# such a page waits lost_wait_ms for a copy to come back, then gets SIGBUS
# (rraim-pattern exits 3): never a wrong byte.  The loss is counted and
# logged once, not once per page.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 lost_wait_ms=1500 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup lost 48M)
bg_in_cgroup "$cg" rraim-pattern -q -p 3 -r 128M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
dmesg -c >/dev/null
rraim-fault kill 1
rraim-fault kill 2
t0=$(date +%s)
wait $pid
rc=$?
secs=$(( $(date +%s) - t0 ))
lines=$(dmesg | grep -c 'rraim: page lost')
diag "rraim-pattern exit $rc after ${secs}s; lost $(stat_of lost_pages); unavailable $(stat_of unavailable_pages); 'page lost' log lines $lines"
case $rc in
3|135) ;;	# SIGBUS, reported by the handler or fatal before it
1) fail "a page came back with wrong data" ;;
0) fail "no page was lost although both copies of some were" ;;
*) fail "the workload failed ($rc)" ;;
esac
[ "$(stat_of lost_pages)" -gt 0 ] || fail "the loss was not counted"
[ "$lines" -ge 1 ] && [ "$lines" -le 2 ] || fail "$lines log lines for one event"
# swapoff copes with the lost slots (its reads of them fail as well) and
# leaves nothing behind
swapoff /dev/vda || fail "swapoff"
[ "$(stat_of stored_pages)" = 0 ] || fail "pages still held after swapoff"
rmdir "$cg"
unload_rraim || fail "unload"
rraim-fault start 1 && rraim-fault start 2 || fail "restart servers"
exit $KSFT_PASS
