#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KUnit tests of the module's pure logic (tests/kunit: latency
# histograms, the slot word, the order of a load's copies, server
# addresses).  They run when rraim_kunit.ko loads; each suite's results
# are read back from debugfs.  Needs a kernel with KUnit (the test bed's
# debug kernel, tools/check --debug-kernel); skipped elsewhere.
. "$(dirname "$0")/lib.sh"
require_root
[ -d /sys/kernel/debug/kunit ] ||
	skip "no KUnit in this kernel (tools/debug-kernel has it)"
modinfo rraim_kunit >/dev/null 2>&1 || fail "rraim_kunit.ko was not built"
modprobe rraim_kunit || fail "modprobe rraim_kunit"
bad=0
for suite in rraim_hist rraim_slot rraim_load_order rraim_addr; do
	r=/sys/kernel/debug/kunit/$suite/results
	if [ ! -r "$r" ]; then
		diag "$suite: no results"
		bad=$((bad + 1))
		continue
	fi
	cases=$(grep -cE '^[[:space:]]*ok [0-9]+ ' "$r")
	failed=$(grep -cE '^[[:space:]]*not ok [0-9]+ ' "$r")
	diag "$suite: $cases ok, $failed not ok"
	if [ "$failed" != 0 ] || [ "$cases" = 0 ]; then
		sed 's/^/# /' "$r" | head -n 60
		bad=$((bad + 1))
	fi
done
rmmod rraim_kunit || fail "rmmod rraim_kunit"
[ "$bad" = 0 ] || fail "$bad suites failed"
no_splat || fail "kernel splat"
exit $KSFT_PASS
