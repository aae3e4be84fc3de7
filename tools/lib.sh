# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the host-side tools (sourced, not run).
#
# rraim_deps GROUP...   install the Debian packages a group needs, quietly and
#                       only when something is missing.
# rraim_kver            the kernel version of the installed linux-headers-amd64
#                       (the guest kernel and the module must match it), or
#                       $RRAIM_KVER when set (tools/debug-kernel's kernel).
# rraim_kernel_dir      where that kernel's image and modules are unpacked,
#                       or $RRAIM_KERNEL_DIR when set.

RRAIM_TOP=${RRAIM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RRAIM_CACHE=${RRAIM_CACHE:-$RRAIM_TOP/build/cache}

rraim_die() {
	echo "rraim: $*" >&2
	exit 1
}

rraim_log() {
	[ -n "${RRAIM_QUIET:-}" ] || echo "rraim: $*" >&2
}

# Package groups.  "build": the module and the server; "vm": the test bed;
# "check": the static checks; "docs": the documentation build;
# "debugkernel": building the kernel (tools/debug-kernel).
rraim_pkgs_build="gcc make libc6-dev linux-headers-amd64 librdmacm-dev
	libibverbs-dev pkg-config"
rraim_pkgs_vm="qemu-system-x86 qemu-utils busybox-static iproute2 rdma-core
	ibverbs-providers ibverbs-utils rdmacm-utils perftest stress-ng cpio
	kmod xz-utils procps coreutils"
rraim_pkgs_check="sparse linux-source-6.1 perl python3"
rraim_pkgs_docs="python3-docutils systemd groff-base"
rraim_pkgs_debugkernel="linux-source-6.1 gcc make bc bison flex libelf-dev
	libssl-dev ccache xz-utils kmod util-linux patch"

rraim_deps() {
	local group pkgs="" missing="" p

	for group in "$@"; do
		eval "pkgs=\"\$pkgs \$rraim_pkgs_$group\""
	done
	for p in $pkgs; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || rraim_die "missing packages:$missing (run as root to install them)"
	rraim_log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null ||
		rraim_die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		rraim_die "apt-get install failed for:$missing"
}

rraim_kver() {
	local dep

	if [ -n "${RRAIM_KVER:-}" ]; then
		echo "$RRAIM_KVER"
		return 0
	fi
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		rraim_die "linux-headers-amd64 is not installed"
	dep=${dep%%[ ,]*}
	dep=${dep#linux-headers-}
	[ -n "$dep" ] || rraim_die "cannot derive the kernel version from linux-headers-amd64"
	echo "$dep"
}

# Unpack (not install) the stock kernel image package that matches the
# headers: the host's own boot setup stays untouched, and nothing of it is
# ever loaded on the host.
rraim_kernel_dir() {
	local kver dir deb tmp

	if [ -n "${RRAIM_KERNEL_DIR:-}" ]; then
		[ -f "$RRAIM_KERNEL_DIR/boot/vmlinuz-$(rraim_kver)" ] ||
			rraim_die "RRAIM_KERNEL_DIR has no boot/vmlinuz-$(rraim_kver)"
		echo "$RRAIM_KERNEL_DIR"
		return 0
	fi
	kver=$(rraim_kver)
	dir=$RRAIM_CACHE/kernel-$kver
	if [ ! -f "$dir/.done" ]; then
		rraim_log "unpacking linux-image-$kver"
		rm -rf "$dir"
		mkdir -p "$dir"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq "linux-image-$kver" >/dev/null 2>&1) ||
			{ apt-get update -qq >/dev/null &&
			  (cd "$tmp" && apt-get download -qq "linux-image-$kver" >/dev/null); } ||
			rraim_die "cannot download linux-image-$kver"
		deb=$(ls "$tmp"/linux-image-*.deb)
		dpkg-deb -x "$deb" "$dir" || rraim_die "cannot unpack $deb"
		rm -rf "$tmp"
		[ -f "$dir/boot/vmlinuz-$kver" ] || rraim_die "no vmlinuz in linux-image-$kver"
		depmod -b "$dir" "$kver" || rraim_die "depmod failed for $kver"
		touch "$dir/.done"
	fi
	echo "$dir"
}

# The kernel source tree (checkpatch, sparse helpers, kselftest.h, ABI
# validation), unpacked once from linux-source-6.1.
rraim_ksrc_dir() {
	local dir=$RRAIM_CACHE/linux-source-6.1 tarball=/usr/src/linux-source-6.1.tar.xz

	if [ ! -f "$dir/.done" ]; then
		[ -f "$tarball" ] || rraim_die "linux-source-6.1 is not installed"
		rraim_log "unpacking the kernel source"
		rm -rf "$dir"
		mkdir -p "$RRAIM_CACHE"
		tar -C "$RRAIM_CACHE" -xJf "$tarball" \
			linux-source-6.1/scripts linux-source-6.1/Documentation/ABI \
			linux-source-6.1/tools/testing/selftests/kselftest.h \
			linux-source-6.1/tools/testing/selftests/kselftest ||
			rraim_die "cannot unpack $tarball"
		touch "$dir/.done"
	fi
	echo "$dir"
}
