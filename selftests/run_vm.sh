#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run RRAIM selftests inside the test-bed guest and print TAP.
#   run_vm.sh TEST...     (names of scripts in this directory)
# Each test gets the timeout from ./settings; exit code 4 is a skip.
# The exit status is the number of failed tests (0: all passed).

# In the guest the tests are under /opt/rraim/selftests (rraim-vm runs this
# script from elsewhere); otherwise next to this script.
dir=/opt/rraim/selftests
[ -f "$dir/lib.sh" ] || dir=$(cd "$(dirname "$0")" && pwd)
limit=$(sed -n 's/^timeout=//p' "$dir/settings")
n=0
failed=0

echo "TAP version 13"
echo "1..$#"
for t in "$@"; do
	n=$((n + 1))
	start=$(date +%s)
	timeout "${limit:-300}" sh "$dir/$t" >/tmp/selftest.out 2>&1
	rc=$?
	sed -e 's/^# //' -e 's/^/# /' /tmp/selftest.out
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) echo "ok $n $t # ${secs}s" ;;
	4) echo "ok $n $t # SKIP" ;;
	124|143) echo "not ok $n $t # timed out after ${limit}s"; failed=$((failed + 1)) ;;
	*) echo "not ok $n $t # exit $rc"; failed=$((failed + 1)) ;;
	esac
done
exit $failed
