#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run RRAIM selftests inside the test-bed guest and print TAP.
#   run_vm.sh [VAR=VALUE]... TEST...     (names of scripts in this directory)
# VAR=VALUE arguments are exported to the tests (e.g. RRAIM_CHURN_SECS=1800
# for a long run); RRAIM_TEST_TIMEOUT overrides the timeout of ./settings.
# Each test gets that timeout, or more if its script says so in a line
# "# rraim-timeout: SECONDS" (tests whose workloads need more time on a
# loaded host); exit code 4 is a skip.  The exit status is
# the number of failed tests (0: all passed).

# In the guest the tests are under /opt/rraim/selftests (rraim-vm runs this
# script from elsewhere); otherwise next to this script.
dir=/opt/rraim/selftests
[ -f "$dir/lib.sh" ] || dir=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
	case $1 in
	RRAIM_[A-Z_]*=*) export "${1?}"; shift ;;
	*) break ;;
	esac
done
limit=${RRAIM_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' "$dir/settings")}
n=0
failed=0

echo "TAP version 13"
echo "1..$#"
for t in "$@"; do
	n=$((n + 1))
	start=$(date +%s)
	tlimit=${limit:-300}
	own=$(sed -n 's/^# rraim-timeout: *\([0-9][0-9]*\)$/\1/p' "$dir/$t" | head -n 1)
	if [ -z "${RRAIM_TEST_TIMEOUT:-}" ] && [ -n "$own" ] && [ "$own" -gt "$tlimit" ]; then
		tlimit=$own
	fi
	# no_splat() reads the kernel log from here: an earlier test's splat
	# (or the OOM report of a timed-out test's cleanup) is that test's
	echo "rraim-selftest: begin $t" >/dev/kmsg 2>/dev/null
	timeout "$tlimit" sh "$dir/$t" >/tmp/selftest.out 2>&1
	rc=$?
	# a test killed by its timeout did not clean up after itself (its
	# workload, swap area, module): lib.sh's exit handler does it
	case $rc in
	124|143) sh -c '. "$0/lib.sh"' "$dir" >/dev/null 2>&1 ;;
	esac
	sed -e 's/^# //' -e 's/^/# /' /tmp/selftest.out
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) echo "ok $n $t # ${secs}s" ;;
	4) echo "ok $n $t # SKIP" ;;
	124|143) echo "not ok $n $t # timed out after ${tlimit}s"; failed=$((failed + 1)) ;;
	*) echo "not ok $n $t # exit $rc"; failed=$((failed + 1)) ;;
	esac
done
exit $failed
