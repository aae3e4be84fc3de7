#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A connect that times out while its address resolution is still being
# handled: the connection is released under the handler.  The debugfs
# hook fault_resolve_delay_ms makes the ADDR_RESOLVED handler pause, CQ in
# hand, longer than the connect waits (6 s).  The release must wait for
# the handler (rdma_destroy_id first); releasing the CQ under it let the
# handler build a queue pair on freed memory (KASAN on the 6.12 debug
# kernel; on stock kernels a QP left on a freed CQ and PD, WARNINGs when
# they go).  Then, without the pause, the server comes up and serves.
# rraim-timeout: 300
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

HOOK=/sys/kernel/debug/rraim/fault_resolve_delay_ms
modprobe rraim || fail "modprobe"
wait_until '[ "$(cat $RRAIM_SYS/attached)" = 1 ]' 300 || fail "not attached"
[ -w "$HOOK" ] || { unload_rraim; skip "no $HOOK"; }
echo 7000 >"$HOOK" || fail "set the resolve delay"
S1="$(server_addr 1):$RRAIM_PORT"
timeouts() {
	dmesg | grep -c "server $S1: connecting -> dead (connect failed)"
}
n0=$(timeouts)
echo "$S1" >"$RRAIM_SYS/add_server" || fail "add server 1"
d=$(server_dir 1)
# two attempts, each timing out under its paused handler
wait_until '[ "$(timeouts)" -ge $((n0 + 2)) ]' 450 ||
	fail "no connect timed out ($(cat "$d/state") $(cat "$d/state_reason"))"
diag "server 1: $(cat "$d/state") ($(cat "$d/state_reason")) with the handler paused 7 s"
echo 0 >"$HOOK"
wait_until "[ \"\$(cat $d/state)\" = live ]" 600 || fail "server 1 did not come up without the pause"
swap_on || fail "swapon"
cg=$(make_cgroup ctimeout 16M)
in_cgroup "$cg" rraim-pattern -q -p 1 -r 32M || fail "the workload did not verify"
swapoff /dev/vda || fail "swapoff"
rmdir "$cg"
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
