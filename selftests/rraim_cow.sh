#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Forked children share swapped copy-on-write pages; memory freed and
# written again while swapped re-uses the same swap slots (invalidate,
# then re-store): no stale data anywhere.
# About 190 s on a test bed shared with another guest.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim "$RRAIM_SERVERS" || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup cow 48M)
in_cgroup "$cg" rraim-pattern -q -p 1 -f 3 96M || fail "fork sharing"
inv0=$(stat_of invalidates)
in_cgroup "$cg" rraim-pattern -q -p 1 -R 4 -P 96M || fail "free and reuse"
diag "stores $(stat_of stores) loads $(stat_of loads) invalidates $(stat_of invalidates)"
[ "$(stat_of invalidates)" -gt "$inv0" ] || fail "nothing was invalidated"
rmdir "$cg"
unload_rraim || fail "unload"
exit $KSFT_PASS
