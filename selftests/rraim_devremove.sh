#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An RDMA device goes away under the module (rdma link delete): the
# sessions on it are torn down through the ib_client's remove callback
# without a hang, the pages fail over (replicas=2), the device and its
# server come back and are synced in again, and the module still unloads.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

load_rraim 3 replicas=2 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup devrm 48M)
bg_in_cgroup "$cg" rraim-pattern -q -t 40 -r 96M
pid=$BG_PID
wait_until '[ "$(stat_of loads)" -gt 3000 ]' 900 || fail "no loads"
d=$(server_dir 1)
timeout 30 rdma link delete rxe1 || fail "rdma link delete hung or failed"
diag "rxe1 deleted: server 1 $(cat "$d/state") ($(cat "$d/state_reason"))"
rraim-fault kill 1 2>/dev/null		# its listener went with the device
rdma link add rxe1 type rxe netdev srv1 || fail "rdma link add"
rraim-fault start 1 || fail "restart server 1"
wait_until '[ "$(cat "$d/state")" = live ]' 300 || fail "server 1 not back"
wait_until '[ "$(cat "$d/sync_state")" = in_sync ] && [ "$(stat_of degraded_pages)" = 0 ]' 1200 ||
	fail "not synced back: $(cat "$d/sync_state"), degraded $(stat_of degraded_pages)"
wait $pid || fail "the workload failed"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
rmdir "$cg"
timeout 60 sh -c '. /opt/rraim/selftests/lib.sh; unload_rraim' || fail "unload hung or failed"
[ ! -d /sys/module/rraim ] || fail "module still loaded"
exit $KSFT_PASS
