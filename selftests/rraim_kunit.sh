#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KUnit tests (tests/kunit).  rraim_kunit.ko: the module's pure logic
# (latency histograms, the slot word, the order of a load's copies, server
# addresses).  rraim_core_kunit.ko: the core API as a front end uses it,
# against the loaded module and live servers (bounds, pages read back
# byte for byte, the asynchronous store, the highest index, a page never
# held), and the known answers of the authentication proof, the page
# checksum and the page encryption.  The suites run when their module loads; the results are read
# back from debugfs.  Needs a kernel with KUnit (the test bed's debug
# kernel, tools/check --debug-kernel); skipped elsewhere.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2
[ -d /sys/kernel/debug/kunit ] ||
	skip "no KUnit in this kernel (tools/debug-kernel has it)"
modinfo rraim_kunit >/dev/null 2>&1 || fail "rraim_kunit.ko was not built"
modinfo rraim_core_kunit >/dev/null 2>&1 || fail "rraim_core_kunit.ko was not built"
bad=0

# check_suites SUITE...: every case of each ran and passed (a skipped case
# counts as a failure: the servers are there to store to)
check_suites() {
	local suite r cases failed skipped

	for suite in "$@"; do
		r=/sys/kernel/debug/kunit/$suite/results
		if [ ! -r "$r" ]; then
			diag "$suite: no results"
			bad=$((bad + 1))
			continue
		fi
		# the cases' lines are indented, the suite's own line is not
		cases=$(grep -cE '^[[:space:]]+ok [0-9]+ ' "$r")
		failed=$(grep -cE '^[[:space:]]+not ok [0-9]+ ' "$r")
		skipped=$(grep -cE '^[[:space:]]+ok [0-9]+ .*# SKIP' "$r")
		grep -qE '^not ok ' "$r" && failed=$((failed + 1))
		diag "$suite: $cases ok ($skipped skipped), $failed not ok"
		if [ "$failed" != 0 ] || [ "$skipped" != 0 ] || [ "$cases" = 0 ]; then
			sed 's/^/# /' "$r" | head -n 60
			bad=$((bad + 1))
		fi
	done
}

modprobe rraim_kunit || fail "modprobe rraim_kunit"
check_suites rraim_hist rraim_slot rraim_load_order rraim_addr
rmmod rraim_kunit || fail "rmmod rraim_kunit"

load_rraim 2 replicas=2 || fail "load"
modprobe rraim_core_kunit || fail "modprobe rraim_core_kunit"
check_suites rraim_space rraim_auth rraim_csum rraim_crypt
rmmod rraim_core_kunit || fail "rmmod rraim_core_kunit"
[ "$(stat_of stored_pages)" = 0 ] ||
	fail "$(stat_of stored_pages) pages held after every test space is gone"
unload_rraim || fail "unload"

[ "$bad" = 0 ] || fail "$bad suites failed"
no_splat || fail "kernel splat"
exit $KSFT_PASS
