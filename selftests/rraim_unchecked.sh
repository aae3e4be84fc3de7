#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A wrong prototype in a livepatch is silent memory corruption, so RRAIM
# attaches only on kernels whose swap hooks were checked against their
# sources.  A module built as if for a kernel outside that table (the test
# bed's RRAIM_PRETEND_KERNEL build) refuses to load, with one line that
# names the kernel, and leaves nothing behind: no livepatch, no sysfs.
. "$(dirname "$0")/lib.sh"
require_root

ko=/opt/rraim/unchecked/rraim.ko
[ -f "$ko" ] || skip "no build for an unchecked kernel in this guest"
[ ! -d /sys/module/rraim ] || fail "rraim is already loaded"
before=$(dmesg | wc -l)
insmod "$ko" 2>/dev/null &&
	fail "the module loaded on a kernel outside its table"
# the module's own lines: not the loader's about taint or signatures;
# busybox's insmod tries finit_module() and then init_module(), so the
# module's init may run twice and say the same twice
lines=$(dmesg | tail -n +"$((before + 1))" | grep 'rraim: ' |
	grep -v -e 'taint' -e 'module verification' |
	sed 's/^\[[^]]*\] //' | sort -u)
diag "$lines"
[ "$(echo "$lines" | grep -c .)" = 1 ] || fail "not one line: $lines"
echo "$lines" | grep -q 'is not a kernel whose swap hooks RRAIM was checked against' ||
	fail "the line does not say why"
[ ! -d /sys/module/rraim ] || fail "module left loaded"
[ ! -e /sys/kernel/livepatch/rraim ] || fail "livepatch left behind"
no_splat || fail "kernel warning"
exit $KSFT_PASS
