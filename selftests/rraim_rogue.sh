#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A rogue client sends malformed hellos and messages and tries to use
# another session's memory; the server refuses all of it, survives, and
# keeps serving others.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1
[ "$RRAIM_TOPOLOGY" = single ] || skip "reads the server's status socket"

addr=$(server_addr 1):$RRAIM_PORT
out=$(rraim-rogue "$addr" all 2>&1)
rc=$?
echo "$out" | tail -n 20
[ $rc = 0 ] || fail "a rogue scenario was not handled as expected"
st=$(rraim-server --status "$(server_sock 1)") || fail "server 1 died"
bad=$(echo "$st" | awk '$1 == "bad_messages" { print $2 }')
refused=$(echo "$st" | awk '$1 == "refused_connects" { print $2 }')
diag "bad_messages $bad refused_connects $refused"
[ "${bad:-0}" -gt 0 ] || fail "no malformed message was counted"
[ "${refused:-0}" -gt 0 ] || fail "no connection was refused"
rraim-rogue "$addr" ok >/dev/null 2>&1 || fail "server 1 stopped serving"
exit $KSFT_PASS
