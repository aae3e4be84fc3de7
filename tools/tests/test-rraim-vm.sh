#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test-rraim-vm.sh - tests of the test bed itself (tools/rraim-vm).
#
# Without a VM: options whose memory cannot fit, and a kernel the test bed
# does not know, are refused with a clear message before anything is built
# or booted; the option sets of tools/check's VM groups (on both kernels),
# tools/demo and tools/bench are accepted; --dry-run names the exact kernel version each
# --kernel resolves to; tools/demo and tools/bench pass --kernel on;
# tools/check's look into the install archive finds the module whatever
# follows it in the listing.  With
# one VM boot (a minute or two under TCG; --no-vm skips it): a memory
# server that cannot start fails the run, which names the server and the
# error it logged, and SCRIPT never runs.
#
#   tools/tests/test-rraim-vm.sh [--no-vm]
#
# Prints TAP; exits 1 when a test fails.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM=$TOP/tools/rraim-vm
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

no_vm=0
[ "${1:-}" = --no-vm ] && no_vm=1

N=0
FAILED=0

ok() {		# ok CONDITION-STATUS NAME [DIAGNOSTIC-FILE]
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILED=1
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | tail -n 15
	fi
}

skip() {
	N=$((N + 1))
	echo "ok $N - $1 # SKIP $2"
}

# Whatever would build, install or boot, faked: a refusal must come before
# any of them runs.  (dpkg-query and apt-cache only read: a dry run
# resolves the kernel's version with them.)
mkdir -p "$TMP/bin"
for f in make qemu-system-x86_64 apt-get depmod cpio; do
	printf '#!/bin/sh\ntouch "%s/ran-%s"\nexit 1\n' "$TMP" "$f" >"$TMP/bin/$f"
	chmod +x "$TMP/bin/$f"
done
printf '#!/bin/sh\nexit 0\n' >"$TMP/script"
chmod +x "$TMP/script"

# rraim-vm run with the fakes first on PATH; output in $TMP/out.
run_faked() {
	rm -f "$TMP"/ran-*
	PATH=$TMP/bin:$PATH "$VM" run "$@" >"$TMP/out" 2>&1
}

# refused NAME REGEX OPTION...: refused before building, saying REGEX.
refused() {
	local name=$1 re=$2 rc
	shift 2

	run_faked "$@" "$TMP/script"
	rc=$?
	[ $rc != 0 ] && grep -Eq -- "$re" "$TMP/out" && ! ls "$TMP"/ran-* >/dev/null 2>&1
	ok $? "refused before building: $name" "$TMP/out"
}

# accepted NAME OPTION...: --dry-run passes, nothing is built.
accepted() {
	local name=$1
	shift

	run_faked --dry-run "$@" "$TMP/script" && ! ls "$TMP"/ran-* >/dev/null 2>&1
	ok $? "accepted: $name ($*)" "$TMP/out"
}

# ---------------------------------------------------------------- refusals

refused "three 256M servers in a 512 MiB guest (issue 9)" \
	'^rraim: --mem 512 is too small for 3 memory servers of 256M: they pin 3 x 256 MiB inside the client guest, which needs [0-9]+ MiB in all.*give --mem [0-9]+ or more' \
	--servers 3 --rraim --replicas 1 --mem 512
refused "four 512M servers in the default 2048 MiB" \
	'^rraim: --mem 2048 is too small for 4 memory servers of 512M: they pin 4 x 512 MiB' \
	--servers 4 --capacity 512M
refused "a client guest too small for itself" \
	'^rraim: --mem 256 is too small: the client guest needs [0-9]+ MiB' \
	--servers 0 --mem 256
refused "a separate-VM client too small for itself" \
	'^rraim: --mem 256 is too small: the client guest needs [0-9]+ MiB' \
	--servers 3 --separate-vms --mem 256
refused "node VMs larger than the host" \
	"^rraim: the guests need [0-9]+ MiB \\(client 2048, 3 nodes x [0-9]+\\), more than this host's [0-9]+ MiB" \
	--servers 3 --separate-vms --capacity 64T
refused "a pool that is not a whole number of chunks" \
	'^rraim: --capacity 6M: must be a positive multiple of 4M' --capacity 6M
refused "an empty pool" \
	'^rraim: --capacity 0: must be a positive multiple of 4M' --capacity 0
refused "a kernel the test bed does not know (--kernel 5.10)" \
	'^rraim: unknown kernel .5\.10. \(--kernel or RRAIM_KERNEL\): the test bed boots 6\.1 or 6\.12$' \
	--kernel 5.10
[ "$(wc -l <"$TMP/out")" = 1 ]
ok $? "--kernel 5.10: refused in one line" "$TMP/out"
RRAIM_KERNEL=5.10 refused "a kernel the test bed does not know (RRAIM_KERNEL=5.10)" \
	'^rraim: unknown kernel .5\.10. \(--kernel or RRAIM_KERNEL\)' --dry-run
refused "--kernel without a value" '^rraim: --kernel needs a value: 6\.1 or 6\.12$' \
	--dry-run --kernel ""
RRAIM_KVER=6.1.0-1-amd64 refused "a forced RRAIM_KVER of another series than --kernel" \
	'^rraim: RRAIM_KVER=6\.1\.0-1-amd64 is not a 6\.12 kernel' --dry-run --kernel 6.12

# ---------------------------------------------------------- what must pass

# tools/check's VM groups: "name|options|tests", on both kernels.
while IFS='|' read -r name opts _; do
	for k in 6.1 6.12; do
		# shellcheck disable=SC2086
		accepted "tools/check VM group '$name' on $k" --kernel $k $opts
	done
done < <(sed -n '/^VM_GROUPS=(/,/^)/s/^[[:space:]]*"\(.*\)"$/\1/p' "$TOP/tools/check")
for f in demo bench; do
	opts=$(sed -n 's/.*rraim-vm" run \(.*\) \\$/\1/p' "$TOP/tools/$f" |
		sed 's/ *"\${[a-z_]*\[@\]}"//g')
	# shellcheck disable=SC2086
	accepted "tools/$f" $opts
done

# The exact version each series resolves to: 6.1 the one the installed
# linux-headers-amd64 points at, 6.12 the one the archive's
# linux-image-6.12-amd64 points at (never installed on the host).
want=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed 's/^linux-headers-//; s/[ ,].*//')
for k in 6.1 6.12; do
	[ $k = 6.12 ] && want=$(apt-cache depends linux-image-6.12-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.12\..*\)$/\1/p' | head -n 1)
	if [ -z "$want" ]; then
		skip "--kernel $k --dry-run prints the kernel version" "the package database does not know it"
		continue
	fi
	run_faked --dry-run --kernel $k "$TMP/script" &&
		grep -qxF "kernel: $want" "$TMP/out" && ! ls "$TMP"/ran-* >/dev/null 2>&1
	ok $? "--kernel $k --dry-run prints the kernel version ($want)" "$TMP/out"
done

# tools/demo and tools/bench hand --kernel to rraim-vm (here a fake that
# prints its arguments), before their script; their own arguments follow.
mkdir -p "$TMP/top/tools"
cp "$TOP/tools/demo" "$TOP/tools/bench" "$TMP/top/tools/"
printf '#!/bin/sh
printf "%%s\\n" "$@"
' >"$TMP/top/tools/rraim-vm"
chmod +x "$TMP/top/tools/rraim-vm"
# (stdout only: without tools/lib.sh here, tools/bench says on stderr that
# it has no zram module for the guest)
for f in demo bench; do
	"$TMP/top/tools/$f" --kernel 6.12 100M 32M >"$TMP/out" 2>"$TMP/err" &&
		tr '\n' ' ' <"$TMP/out" | grep -Eq "^run .*--kernel 6\.12 .*/tools/guest/$f\.sh 100M 32M $"
	ok $? "tools/$f --kernel 6.12 100M 32M: rraim-vm run ... --kernel 6.12 ... $f.sh 100M 32M" "$TMP/out"
done

run_faked --dry-run --servers 3 --separate-vms --capacity 128M "$TMP/script"
node=$(sed -n 's/^node guests: 3 x \([0-9]*\) MiB$/\1/p' "$TMP/out")
[ -n "$node" ] && [ "$node" -gt $((128 + 192)) ]
ok $? "a 128M node gets more than the 320 MiB in which its server was OOM-killed (${node:-?} MiB)" "$TMP/out"

# tools/check's look into the install archive (rraim_tar_lists), under
# pipefail as there: the module's entry first and thousands after it, so
# that a "tar -t | grep -q" would have tar die of SIGPIPE once grep stops
# reading at its match, and the module be reported missing.
mkdir -p "$TMP/tar/lib/modules/K/extra" "$TMP/tar/usr/share/doc/many"
touch "$TMP/tar/lib/modules/K/extra/rraim.ko"
for i in $(seq 3000); do : >"$TMP/tar/usr/share/doc/many/file-$i"; done
(cd "$TMP/tar" && { echo ./lib/modules/K/extra/rraim.ko; find ./usr ! -type d; } |
	tar -T - -cf "$TMP/many.tar")
(set -o pipefail; . "$TOP/tools/lib.sh"
 rraim_tar_lists "$TMP/many.tar" ./lib/modules/K/extra/rraim.ko)
ok $? "the install archive check finds an entry listed before 3000 others"
(set -o pipefail; . "$TOP/tools/lib.sh"
 ! rraim_tar_lists "$TMP/many.tar" ./lib/modules/K/updates/rraim.ko &&
 ! rraim_tar_lists "$TMP/none.tar" ./lib/modules/K/extra/rraim.ko 2>/dev/null)
ok $? "the install archive check: an entry not listed, or no archive, is missing"

# ------------------------------------------------------------ one VM boot

name="a server that cannot start fails the run"
if [ $no_vm = 1 ]; then
	skip "$name: exit 125" "--no-vm"
	skip "$name: SCRIPT does not run" "--no-vm"
	skip "$name: names server 2 and its error" "--no-vm"
else
	printf '#!/bin/sh\necho SCRIPT-RAN\n' >"$TMP/script"
	RRAIM_VM_FAIL_SERVER=2 "$VM" run --servers 2 --capacity 64M \
		--timeout 900 "$TMP/script" >"$TMP/vm.out" 2>&1
	rc=$?
	[ $rc = 125 ]
	ok $? "$name: exit 125 (got $rc)" "$TMP/vm.out"
	! grep -q SCRIPT-RAN "$TMP/vm.out"
	ok $? "$name: SCRIPT does not run" "$TMP/vm.out"
	grep -Eq '^rraim-vm: server 2 exited at start \(exit status [0-9]+\): rraim-server: error: ' "$TMP/vm.out" &&
		! grep -q '^rraim-vm: server 1 ' "$TMP/vm.out"
	ok $? "$name: names server 2 and its error" "$TMP/vm.out"
	grep '^rraim-vm: server ' "$TMP/vm.out" | sed 's/^/# /'
fi

echo "1..$N"
exit $FAILED
