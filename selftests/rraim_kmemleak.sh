#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A whole cycle leaks nothing: load with two servers, swap a verifying
# workload through RRAIM, swapoff, unload; then kmemleak reports no object
# that the module allocated.  Needs a kernel with kmemleak
# (tools/debug-kernel); skipped elsewhere.
#
# kmemleak keeps raw return addresses and names them when the report is
# read: once the module is gone its frames print as bare addresses.  The
# module's text range is therefore noted while it is loaded, and the
# report is read both before and after the unload.
#
# The report is not cleared first: it runs last in the debug subset
# (tools/check --debug-kernel), so its verdict covers every load of the
# module since boot.  An earlier load's objects name no loaded code any
# more: their frames are bare addresses in module space, counted as ours.
. "$(dirname "$0")/lib.sh"
require_root
KMEMLEAK=/sys/kernel/debug/kmemleak
[ -e $KMEMLEAK ] || skip "no kmemleak in this kernel (CONFIG_DEBUG_KMEMLEAK)"
require_rdma
require_servers 2

# Ask kmemleak for two scans, far enough apart that objects freed late
# (RCU, deferred work) are gone and new ones are past its minimum age.
scan() {
	echo scan >$KMEMLEAK || return 1
	sleep 6
	echo scan >$KMEMLEAK
}

# Split two saved reports, $1 read while the module was loaded and $2
# after the unload, by object.  An object of the module's (a frame in its
# text: named while it was loaded, or a bare address in the range it
# occupied, or an address that no loaded code owns any more) that is still
# unreferenced after the unload is a leak: print it as first reported (with
# names).  With "freed" as $3, print instead the module's objects that
# were reported while it was loaded and are gone after the unload: the
# module held them where kmemleak cannot see (not leaks); with "others",
# the objects after the unload that are not the module's.
module_objects() {
	awk -v lo="$mod_lo" -v hi="$mod_hi" -v want="${3:-leaks}" '
	function flush() {
		if (obj == "")
			return
		if (src == ARGV[1]) {
			first[head] = obj
			if (mine)
				early[head] = 1
		} else {
			late[head] = 1
			if (mine && want == "leaks")
				printf "%s", (head in first) ? first[head] : obj
			if (!mine && want == "others")
				printf "%s", obj
		}
		obj = ""; mine = 0
	}
	FNR == 1 { flush() }
	/^unreferenced object/ { flush(); head = $3 " " $4 " " $5; src = FILENAME }
	{ obj = obj $0 "\n" }
	/\[rraim\]/ || / rraim_[a-z_0-9]+\+0x/ { mine = 1 }
	$1 ~ /^\[</ && $NF ~ /^0xffffffff[0-9a-f]+$/ {
		a = substr($NF, 3)
		if ((a >= lo && a < hi) || a >= "ffffffffa0000000")
			mine = 1
	}
	END {
		flush()
		if (want == "freed")
			for (h in early)
				if (!(h in late))
					printf "%s", first[h]
	}' "$1" "$2"
}

# a scan is refused when kmemleak is off (kmemleak=off, or it gave up)
echo scan >$KMEMLEAK 2>/dev/null ||
	skip "kmemleak is off: $(dmesg | grep -i kmemleak | tail -n 1)"

load_rraim 2 || fail "load"
read -r mod_size mod_addr <<EOF
$(awk '$1 == "rraim" { print $2, $6 }' /proc/modules)
EOF
case $mod_addr in
0x*[1-9a-f]*) ;;
*) fail "cannot read the module's address from /proc/modules" ;;
esac
mod_lo=$(printf '%016x' "$((mod_addr))")
mod_hi=$(printf '%016x' "$((mod_addr + mod_size))")
diag "module text $mod_lo..$mod_hi"

swap_on || fail "swapon"
# small: a debug kernel under emulation moves a few MB/s
cg=$(make_cgroup kmemleak 32M)
in_cgroup "$cg" rraim-pattern -q -p 1 64M || fail "the pattern did not verify"
stores=$(stat_of stores)
diag "stores $stores loads $(stat_of loads)"
[ "$stores" -gt 5000 ] || fail "too few stores went remote ($stores)"
swapoff /dev/vda || fail "swapoff"
[ "$(stat_of stored_pages)" = 0 ] || fail "pages held after swapoff"
rmdir "$cg"

# While loaded: the module's frames carry names.
scan || fail "kmemleak refused to scan"
cat $KMEMLEAK >/tmp/kmemleak.loaded
unload_rraim || fail "unload"
[ ! -d /sys/module/rraim ] || fail "still loaded"
# A pointer to an object leaked on the way out can stay in rmmod's kernel
# stack, which the kernel caches for the next task and kmemleak scans:
# reuse the cached stacks before looking.
i=0
while [ $i -lt 4 ]; do
	for j in 1 2 3 4 5 6 7 8; do
		sh -c 'cat /proc/self/status >/dev/null' "stack$j" &
	done
	wait
	i=$((i + 1))
done
scan || fail "kmemleak refused to scan"
cat $KMEMLEAK >/tmp/kmemleak.unloaded

total=$(grep -c '^unreferenced object' /tmp/kmemleak.unloaded)
module_objects /tmp/kmemleak.loaded /tmp/kmemleak.unloaded >/tmp/kmemleak.rraim
ours=$(grep -c '^unreferenced object' /tmp/kmemleak.rraim)
freed=$(module_objects /tmp/kmemleak.loaded /tmp/kmemleak.unloaded freed |
	grep -c '^unreferenced object')
diag "kmemleak: $total unreferenced objects, $ours of them the module's"
[ "$freed" = 0 ] ||
	diag "$freed more reported while loaded were freed at unload (references kmemleak does not scan)"
# Others' leaks are not this test's verdict, but worth a look.
module_objects /tmp/kmemleak.loaded /tmp/kmemleak.unloaded others |
	head -n 60 | sed 's/^/# other: /'
if [ "$ours" != 0 ]; then
	sed 's/^/# /' /tmp/kmemleak.rraim | head -n 200
	fail "the module leaked $ours objects"
fi
exit $KSFT_PASS
