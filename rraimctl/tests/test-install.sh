#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the installation, TAP output: the top-level "make install"
# and "make uninstall" into temporary DESTDIRs (default and PREFIX=/usr, a
# staging tree and a root with a module index, where depmod must run and
# "modprobe rraim" resolve its dependencies), "make dkms-install", and a
# build of the module from that copy with dkms.conf's own MAKE line against
# the installed Debian headers, and against 6.12's headers unpacked as the
# test bed unpacks them (skipped when they cannot be fetched).  Nothing is
# installed on the host, nothing is loaded, dkms itself is not run.  Needs
# the build dependencies of the tree (gcc, make, linux-headers-amd64,
# librdmacm-dev, libibverbs-dev, dwarves).
#
#   tests/test-install.sh    (from rraimctl/; "make check-install")

# dkms.conf is sourced: its variables are set and read out of sight.
# shellcheck disable=SC1091,SC2034,SC2317

unset MAKEFLAGS MFLAGS MAKELEVEL	# a silent outer make would hide the build lines
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)	# rraimctl/tests
TOP=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

N=0
FAILED=0

pass() {
	N=$((N + 1))
	echo "ok $N - $1"
}

fail() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && tail -n 20 "$2" | sed 's/^/#   /'
	return 0
}

check() {	# check NAME COMMAND...
	local name=$1

	shift
	if "$@" >"$T/cmd.log" 2>&1; then
		pass "$name"
	else
		fail "$name" "$T/cmd.log"
	fi
}

# One kernel version for every stage (tools/lib.sh resolves it from the
# installed linux-headers-amd64), and its modules from the image that the
# test bed unpacks under build/cache: the host's own /lib/modules is
# whatever the host happens to have, usually nothing.
# shellcheck source=tools/lib.sh
. "$TOP/tools/lib.sh"
if ! dpkg-query -W linux-headers-amd64 >/dev/null 2>&1; then
	echo "1..0 # SKIP linux-headers-amd64 is not installed"
	exit 0
fi
KVER=$(rraim_kver) || exit 1
KSRC=/usr/src/linux-headers-$KVER
[ -d "$KSRC" ] || { echo "not ok 1 - headers of $KVER in $KSRC"; exit 1; }
KDIR=$(RRAIM_QUIET=1 rraim_kernel_dir) || { echo "not ok 1 - the unpacked image of $KVER"; exit 1; }
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")

# The host's own trees must not change: remember them.
marker=$T/marker
touch "$marker"
sleep 1
host_trees=("/lib/modules/$KVER" /etc/rraim /usr/local/sbin
	    /usr/local/lib/systemd /usr/local/share/man /usr/src/rraim-"$VERSION")

# ----------------------------------------------------- make install

D=$T/stage
if make -C "$TOP" install DESTDIR="$D" KVER="$KVER" >"$T/install.log" 2>&1; then
	pass "make install DESTDIR=... (PREFIX=/usr/local)"
else
	fail "make install DESTDIR=... (PREFIX=/usr/local)" "$T/install.log"
fi
(cd "$D" && find . ! -type d | sed 's|^\./|/|' | LC_ALL=C sort) >"$T/files"
sed 's/^/# installed: /' "$T/files"
expected="/etc/rraim/rraim-server.conf.example
/etc/rraim/rraim.conf.example
/lib/modules/$KVER/extra/rraim.ko
/lib/modules/$KVER/extra/rraim_blk.ko
/usr/local/lib/systemd/system/rraim-server.service
/usr/local/lib/systemd/system/rraim-server@.service
/usr/local/lib/systemd/system/rraim.service
/usr/local/sbin/rraim-server
/usr/local/sbin/rraimctl
/usr/local/share/man/man5/rraim.conf.5
/usr/local/share/man/man8/rraim-server.8
/usr/local/share/man/man8/rraimctl.8"
if [ "$(cat "$T/files")" = "$expected" ]; then
	pass "make install: exactly the expected files"
else
	fail "make install: exactly the expected files"
	diff <(echo "$expected") "$T/files" | sed 's/^/#   /'
fi
contains() {	# contains FILE TEXT NAME
	if grep -qF -- "$2" "$1" 2>/dev/null; then pass "$3"; else fail "$3"; fi
}
U=$D/usr/local/lib/systemd/system/rraim.service
contains "$U" "ExecStart=/usr/local/sbin/rraimctl --config /etc/rraim/rraim.conf attach" \
	"rraim.service names the installed rraimctl and configuration"
if ! grep -q '@[A-Z]*@' "$D"/usr/local/lib/systemd/system/*.service; then
	pass "units: every @VARIABLE@ substituted"
else
	fail "units: every @VARIABLE@ substituted"
fi
check "installed rraimctl runs" "$D/usr/local/sbin/rraimctl" --version
check "installed rraimctl reads the installed example" \
	"$D/usr/local/sbin/rraimctl" --config "$D/etc/rraim/rraim.conf.example" config
if [ "$(modinfo -F vermagic "$D/lib/modules/$KVER/extra/rraim.ko" | cut -d' ' -f1)" = "$KVER" ]; then
	pass "installed rraim.ko is built for $KVER"
else
	fail "installed rraim.ko is built for $KVER"
fi
contains "$T/install.log" "depmod skipped" "no depmod on a staging tree without a module index"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify the installed unit, its paths pointed into the stage
	mkdir -p "$T/verify"
	sed "s|/usr/local/sbin|$D/usr/local/sbin|g" "$U" >"$T/verify/rraim.service"
	check "systemd-analyze verify of the installed rraim.service" \
		sh -c "cd '$T/verify' && systemd-analyze verify --man=no ./rraim.service 2>&1 | { ! grep .; }"
fi

if make -C "$TOP" uninstall DESTDIR="$D" KVER="$KVER" >"$T/uninstall.log" 2>&1 &&
   [ -z "$(find "$D" ! -type d)" ]; then
	pass "make uninstall DESTDIR=... removes every file"
else
	fail "make uninstall DESTDIR=... removes every file" "$T/uninstall.log"
	find "$D" ! -type d | sed 's/^/#   left: /'
fi

# ------------------------------------------------ PREFIX=/usr (packages)

D=$T/stage-usr
if make -C "$TOP" install DESTDIR="$D" PREFIX=/usr KVER="$KVER" >"$T/install-usr.log" 2>&1; then
	pass "make install DESTDIR=... PREFIX=/usr"
else
	fail "make install DESTDIR=... PREFIX=/usr" "$T/install-usr.log"
fi
for f in /usr/sbin/rraimctl /usr/sbin/rraim-server /usr/lib/systemd/system/rraim.service \
	 /usr/lib/systemd/system/rraim-server.service /usr/share/man/man8/rraimctl.8 \
	 /usr/share/man/man5/rraim.conf.5 /etc/rraim/rraim.conf.example; do
	if [ -f "$D$f" ]; then pass "PREFIX=/usr: $f"; else fail "PREFIX=/usr: $f"; fi
done
contains "$D/usr/lib/systemd/system/rraim.service" "ExecStop=/usr/sbin/rraimctl detach" \
	"PREFIX=/usr: the unit runs /usr/sbin/rraimctl"

# --------------------------------- a root with a module index (an image)

D=$T/root
M=$D/lib/modules/$KVER
mkdir -p "$M/kernel/drivers/infiniband"
cp -a "$KDIR/lib/modules/$KVER/kernel/drivers/infiniband/core" "$M/kernel/drivers/infiniband/"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$KDIR/lib/modules/$KVER/$f" ] && cp "$KDIR/lib/modules/$KVER/$f" "$M/"
done
: >"$M/modules.dep"
if make -C "$TOP" install DESTDIR="$D" KVER="$KVER" >"$T/install-root.log" 2>&1; then
	pass "make install into a root with a module index"
else
	fail "make install into a root with a module index" "$T/install-root.log"
fi
contains "$T/install-root.log" "depmod -b $D -a $KVER" "depmod runs on a root with a module index"
if grep -q "^extra/rraim.ko:.*rdma_cm.ko.*ib_core.ko" "$M/modules.dep"; then
	pass "modules.dep: rraim with its RDMA dependencies"
else
	fail "modules.dep: rraim with its RDMA dependencies"
	grep rraim "$M/modules.dep" | sed 's/^/#   /'
fi
# resolve "modprobe rraim" by name in that root, without loading anything
if modprobe --dry-run --show-depends --dirname="$D" --set-version="$KVER" rraim >"$T/deps" 2>&1 &&
   tail -n 1 "$T/deps" | grep -q "extra/rraim.ko"; then
	pass "modprobe rraim resolves by name in the root (--dry-run --show-depends)"
else
	fail "modprobe rraim resolves by name in the root (--dry-run --show-depends)" "$T/deps"
fi
make -C "$TOP" uninstall DESTDIR="$D" KVER="$KVER" >"$T/uninstall-root.log" 2>&1
if ! grep -q rraim "$M/modules.dep"; then
	pass "make uninstall: rraim gone from the root's modules.dep"
else
	fail "make uninstall: rraim gone from the root's modules.dep" "$T/uninstall-root.log"
fi

# ------------------------------------------------------------------ DKMS

D=$T/dkms
S=$D/usr/src/rraim-$VERSION
if make -C "$TOP" dkms-install DESTDIR="$D" >"$T/dkms.log" 2>&1; then
	pass "make dkms-install DESTDIR=..."
else
	fail "make dkms-install DESTDIR=..." "$T/dkms.log"
fi
listdir() {	# the plain names in a directory, sorted
	(cd "$1" && for f in *; do [ -e "$f" ] && echo "$f"; done) | LC_ALL=C sort
}
# the sources at the top, and blk/ (rraim_blk.ko's wrappers of the core)
(cd "$TOP" && for f in Kbuild dkms.conf COPYING rraim_*.c rraim*.h blk; do
	case $f in *.mod.c) ;; *) echo "$f" ;; esac
 done) | LC_ALL=C sort >"$T/want"
(cd "$TOP/blk" && for f in rraim_*.c; do echo "$f"; done) | LC_ALL=C sort >"$T/want-blk"
listdir "$S" >"$T/got"
listdir "$S/blk" >"$T/got-blk"
if cmp -s "$T/want" "$T/got" && cmp -s "$T/want-blk" "$T/got-blk"; then
	pass "dkms-install copies Kbuild, dkms.conf and the module's sources, nothing else"
else
	fail "dkms-install copies Kbuild, dkms.conf and the module's sources, nothing else"
	diff "$T/want" "$T/got" | sed 's/^/#   /'
	diff "$T/want-blk" "$T/got-blk" | sed 's/^/#   blk\//'
fi

# dkms.conf as dkms reads it: a bash fragment sourced with kernel_source_dir
# and dkms_tree set.  Its MAKE line runs as dkms runs it, in a copy of the
# sources (dkms_tree/NAME/VERSION/build), so the installed ones stay clean.
dkms_tree=$T/dkms-tree
dkms_conf() {	# dkms_conf COMMAND...: run COMMAND with dkms.conf read
	(set +u; kernel_source_dir=$KSRC; kernelver=$KVER; arch=x86_64
	 . "$S/dkms.conf" && "$@")
}
conf_ok() {
	[ "$PACKAGE_NAME" = rraim ] && [ "$PACKAGE_VERSION" = "$VERSION" ] &&
	[ "${BUILT_MODULE_NAME[0]}" = rraim ] &&
	[ "${DEST_MODULE_LOCATION[0]}" = /updates/dkms ] &&
	[ "$AUTOINSTALL" = yes ] && [[ $KVER =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[[ 6.1.0-57-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[[ 6.12.118+deb12-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[[ ! 6.6.1-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[[ ! 6.13.2-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[[ ! 6.10.0-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
	[ "${MAKE[0]}" = "make -C $KSRC M=$dkms_tree/rraim/$VERSION/build modules" ]
}
if dkms_conf conf_ok 2>"$T/conf.log"; then
	pass "dkms.conf: name, version, module, location, autoinstall, MAKE; $KVER, 6.1 and 6.12 built, 6.6, 6.10 and 6.13 excluded"
else
	fail "dkms.conf: name, version, module, location, autoinstall, MAKE; $KVER, 6.1 and 6.12 built, 6.6, 6.10 and 6.13 excluded" "$T/conf.log"
fi
exclusive_config() { echo "$BUILD_EXCLUSIVE_CONFIG"; }
configs=$(dkms_conf exclusive_config)
[ -n "$configs" ] || fail "dkms.conf: BUILD_EXCLUSIVE_CONFIG"
for opt in $configs; do
	if grep -q "^$opt=y" "$KSRC/.config" 2>/dev/null; then
		pass "the headers' kernel has $opt (BUILD_EXCLUSIVE_CONFIG)"
	else
		fail "the headers' kernel has $opt (BUILD_EXCLUSIVE_CONFIG)"
	fi
done
mkdir -p "$dkms_tree/rraim/$VERSION"
cp -a "$S" "$dkms_tree/rraim/$VERSION/build"
run_make() { cd "$dkms_tree/rraim/$VERSION/build" && eval "${MAKE[0]}"; }
if dkms_conf run_make >"$T/dkms-build.log" 2>&1 &&
   [ -f "$dkms_tree/rraim/$VERSION/build/rraim.ko" ] &&
   grep -q "CC \[M\].*rraim_core.o" "$T/dkms-build.log"; then
	pass "dkms.conf's MAKE line builds rraim.ko from the installed sources"
else
	fail "dkms.conf's MAKE line builds rraim.ko from the installed sources" "$T/dkms-build.log"
fi
if grep -qE 'warning:|error:' "$T/dkms-build.log"; then
	fail "the DKMS build has no warning" "$T/dkms-build.log"
else
	pass "the DKMS build has no warning"
fi
# dkms.conf's second module: the block device, without livepatch
if [ "$(modinfo -F vermagic "$dkms_tree/rraim/$VERSION/build/rraim_blk.ko" 2>/dev/null | cut -d' ' -f1)" = "$KVER" ] &&
   [ -z "$(modinfo -F livepatch "$dkms_tree/rraim/$VERSION/build/rraim_blk.ko")" ]; then
	pass "the DKMS build makes rraim_blk.ko too, for $KVER, no livepatch"
else
	fail "the DKMS build makes rraim_blk.ko too, for $KVER, no livepatch"
fi
if [ "$(modinfo -F vermagic "$dkms_tree/rraim/$VERSION/build/rraim.ko" 2>/dev/null | cut -d' ' -f1)" = "$KVER" ]; then
	pass "the DKMS-built rraim.ko is for $KVER"
else
	fail "the DKMS-built rraim.ko is for $KVER"
fi
# The same MAKE line against the other kernel RRAIM attaches to, 6.12:
# its headers as the test bed unpacks them (never installed on the host),
# its version as the test bed resolves it.  Without them (no archive, no
# network) these are skipped, not failed.
dkms_build_612() {
	local dkms_tree=$T/dkms-tree-6.12 log=$T/dkms-build-6.12.log name kver ksrc

	if ! kver=$( (unset RRAIM_KVER KDIR; RRAIM_KERNEL=6.12 rraim_kver) 2>"$T/612.err") ||
	   ! ksrc=$( (unset RRAIM_KVER KDIR; RRAIM_KERNEL=6.12 RRAIM_QUIET=1 rraim_kdir) 2>>"$T/612.err"); then
		N=$((N + 1))
		echo "ok $N - dkms.conf's MAKE line against 6.12's headers # SKIP $(tail -n 1 "$T/612.err")"
		return
	fi
	mkdir -p "$dkms_tree/rraim/$VERSION"
	cp -a "$S" "$dkms_tree/rraim/$VERSION/build"
	name="dkms.conf's MAKE line builds rraim.ko against the unpacked 6.12 headers"
	if (set +u; kernel_source_dir=$ksrc; kernelver=$kver; arch=x86_64
	    . "$S/dkms.conf" && run_make) >"$log" 2>&1 &&
	   [ -f "$dkms_tree/rraim/$VERSION/build/rraim.ko" ] &&
	   grep -q "CC \[M\].*rraim_core.o" "$log"; then
		pass "$name"
	else
		fail "$name" "$log"
	fi
	# (a "Skipping BTF generation" line is a note, not a warning)
	if grep -qE 'warning:|error:' "$log"; then
		fail "the 6.12 DKMS build has no warning" "$log"
	else
		pass "the 6.12 DKMS build has no warning"
	fi
	if [ "$(modinfo -F vermagic "$dkms_tree/rraim/$VERSION/build/rraim.ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ]; then
		pass "the 6.12 DKMS-built rraim.ko is for $kver"
	else
		fail "the 6.12 DKMS-built rraim.ko is for $kver"
	fi
}
dkms_build_612

if listdir "$S" | cmp -s - "$T/want" && listdir "$S/blk" | cmp -s - "$T/want-blk"; then
	pass "the installed sources stay clean (the build ran in the copy)"
else
	fail "the installed sources stay clean (the build ran in the copy)"
fi
run_clean() { cd "$dkms_tree/rraim/$VERSION/build" && eval "$CLEAN"; }
if dkms_conf run_clean >"$T/dkms-clean.log" 2>&1 &&
   [ ! -e "$dkms_tree/rraim/$VERSION/build/rraim.ko" ]; then
	pass "dkms.conf's CLEAN line cleans the build"
else
	fail "dkms.conf's CLEAN line cleans the build" "$T/dkms-clean.log"
fi
if make -C "$TOP" dkms-uninstall DESTDIR="$D" >"$T/dkms-un.log" 2>&1 && [ ! -e "$S" ]; then
	pass "make dkms-uninstall DESTDIR=..."
else
	fail "make dkms-uninstall DESTDIR=..." "$T/dkms-un.log"
fi

# ------------------------------------------------------------- the host

changed=$(find "${host_trees[@]}" -newer "$marker" 2>/dev/null | head -n 5)
if [ -z "$changed" ]; then
	pass "nothing changed on the host (/lib/modules/$KVER, /etc/rraim, /usr/local, /usr/src)"
else
	fail "nothing changed on the host: $changed"
fi

echo "1..$N"
[ "$FAILED" = 0 ] || { echo "# $FAILED of $N failed"; exit 1; }
echo "# all $N passed"
exit 0
