#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every memory server has an active Soft-RoCE device.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	state=$(rdma link show "rxe$i/1" 2>/dev/null)
	diag "$state"
	echo "$state" | grep -q "state ACTIVE" || fail "rxe$i is not active"
	i=$((i + 1))
done
exit $KSFT_PASS
