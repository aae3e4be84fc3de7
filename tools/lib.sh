# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the host-side tools (sourced, not run).
#
# rraim_deps GROUP...   install the Debian packages a group needs, quietly and
#                       only when something is missing.
# rraim_kernel          the guest kernel's series: $RRAIM_KERNEL, 6.1 (the
#                       default) or 6.12; anything else is refused.
# rraim_kver            the exact kernel version of that series (the guest
#                       kernel and the module must match it): for 6.1 the
#                       one linux-headers-amd64 points at, for 6.12 the one
#                       the archive's linux-image-6.12-amd64 points at; or
#                       $RRAIM_KVER when set (tools/debug-kernel's kernel).
# rraim_kernel_dir      where that kernel's image and modules are unpacked,
#                       or $RRAIM_KERNEL_DIR when set.
# rraim_kdir            that kernel's build tree for the module: $KDIR when
#                       set, else its installed headers, else its header
#                       packages unpacked under the build cache.

RRAIM_TOP=${RRAIM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RRAIM_CACHE=${RRAIM_CACHE:-$RRAIM_TOP/build/cache}
# absolute: unpacked headers name it in a Makefile that make reads elsewhere
case $RRAIM_CACHE in /*) ;; *) RRAIM_CACHE=$PWD/$RRAIM_CACHE ;; esac

rraim_die() {
	echo "rraim: $*" >&2
	exit 1
}

rraim_log() {
	[ -n "${RRAIM_QUIET:-}" ] || echo "rraim: $*" >&2
}

# Package groups.  "build": the module and the server; "vm": the test bed;
# "check": the static checks; "fuzz": the fuzzers of server/fuzz (clang
# and its libFuzzer runtime); "docs": the documentation build;
# "debugkernel": building the kernel (tools/debug-kernel), with
# "source61" or "source612", the series' source (a tarball: no kernel).
rraim_pkgs_build="gcc make libc6-dev linux-headers-amd64 librdmacm-dev
	libibverbs-dev pkg-config dwarves"
rraim_pkgs_vm="qemu-system-x86 qemu-utils busybox-static iproute2 rdma-core
	ibverbs-providers ibverbs-utils rdmacm-utils perftest stress-ng cpio
	kmod xz-utils procps coreutils"
rraim_pkgs_check="sparse linux-source-6.1 perl python3"
rraim_pkgs_fuzz="clang libclang-rt-dev"
rraim_pkgs_docs="python3-docutils systemd groff-base"
rraim_pkgs_debugkernel="gcc make bc bison flex libelf-dev
	libssl-dev ccache xz-utils kmod util-linux patch"
rraim_pkgs_source61="linux-source-6.1"
rraim_pkgs_source612="linux-source-6.12"

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

# The guest kernel's series.  Only those the test bed knows: each one has
# its own way to find its exact version and its headers.
rraim_kernel() {
	case ${RRAIM_KERNEL:-6.1} in
	6.1|6.12) echo "${RRAIM_KERNEL:-6.1}" ;;
	*) rraim_die "unknown kernel '$RRAIM_KERNEL' (--kernel or RRAIM_KERNEL): the test bed boots 6.1 or 6.12" ;;
	esac
}

# The kernel version package $1 (a Debian metapackage) depends on, from the
# installed package when $2 is "installed", else from the archive's
# candidate (updating the package lists once when the archive does not
# know the package).
rraim_meta_kver() {
	local meta=$1 where=$2 dep

	if [ "$where" = installed ]; then
		dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null) || return 1
		dep=${dep%%[ ,]*}
	else
		dep=$(apt-cache depends "$meta" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-[a-z]*-[0-9].*\)$/\1/p' | head -n 1)
		if [ -z "$dep" ]; then
			apt-get update -qq >/dev/null 2>&1 || return 1
			dep=$(apt-cache depends "$meta" 2>/dev/null |
				sed -n 's/^ *Depends: \(linux-[a-z]*-[0-9].*\)$/\1/p' | head -n 1)
		fi
	fi
	dep=${dep#linux-headers-}
	dep=${dep#linux-image-}
	[ -n "$dep" ] && echo "$dep"
}

rraim_kver() {
	local series dep

	series=$(rraim_kernel) || exit 1
	if [ -n "${RRAIM_KVER:-}" ]; then
		# an explicit series must agree with the forced version
		case $RRAIM_KVER in
		"$series".*) ;;
		*) [ -z "${RRAIM_KERNEL:-}" ] ||
			rraim_die "RRAIM_KVER=$RRAIM_KVER is not a $series kernel (--kernel or RRAIM_KERNEL says $series)" ;;
		esac
		echo "$RRAIM_KVER"
		return 0
	fi
	case $series in
	6.1)
		# the headers the module builds against; before the build
		# group is installed, the ones the archive would install
		dep=$(rraim_meta_kver linux-headers-amd64 installed) ||
			dep=$(rraim_meta_kver linux-headers-amd64 archive) ||
			rraim_die "cannot derive the kernel version from linux-headers-amd64" ;;
	6.12)
		# never installed on the host (see rraim_kdir): the archive's
		dep=$(rraim_meta_kver linux-image-6.12-amd64 archive) ||
			rraim_die "cannot derive the kernel version from the archive's linux-image-6.12-amd64" ;;
	esac
	echo "$dep"
}

# Download Debian packages $2... (the archive's candidates) and unpack
# them, without installing them, into directory $1.
rraim_unpack_debs() {
	local dir=$1 tmp deb
	shift

	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq "$@" >/dev/null 2>&1) ||
		{ apt-get update -qq >/dev/null &&
		  (cd "$tmp" && apt-get download -qq "$@" >/dev/null); } ||
		{ rm -rf "$tmp"; rraim_die "cannot download $*"; }
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$dir" ||
			{ rm -rf "$tmp"; rraim_die "cannot unpack $deb"; }
	done
	rm -rf "$tmp"
}

# Unpack (not install) the stock kernel image package that matches the
# headers: the host's own boot setup stays untouched, and nothing of it is
# ever loaded on the host.
rraim_kernel_dir() {
	local kver dir

	if [ -n "${RRAIM_KERNEL_DIR:-}" ]; then
		[ -f "$RRAIM_KERNEL_DIR/boot/vmlinuz-$(rraim_kver)" ] ||
			rraim_die "RRAIM_KERNEL_DIR has no boot/vmlinuz-$(rraim_kver)"
		echo "$RRAIM_KERNEL_DIR"
		return 0
	fi
	kver=$(rraim_kver) || exit 1
	dir=$RRAIM_CACHE/kernel-$kver
	if [ ! -f "$dir/.done" ]; then
		rraim_log "unpacking linux-image-$kver"
		rm -rf "$dir"
		mkdir -p "$dir"
		rraim_unpack_debs "$dir" "linux-image-$kver"
		[ -f "$dir/boot/vmlinuz-$kver" ] || rraim_die "no vmlinuz in linux-image-$kver"
		depmod -b "$dir" "$kver" || rraim_die "depmod failed for $kver"
		touch "$dir/.done"
	elif ! rraim_kernel_intact "$dir" "$kver"; then
		# over the old copy, which a run may be booting right now
		rraim_log "the cached linux-image-$kver lost files (a Kbuild clean over the tree deletes every *.ko* below it): unpacking it again"
		rraim_unpack_debs "$dir" "linux-image-$kver"
		depmod -b "$dir" "$kver" || rraim_die "depmod failed for $kver"
		rraim_kernel_intact "$dir" "$kver" ||
			rraim_die "linux-image-$kver is incomplete in $dir"
	fi
	echo "$dir"
}

# Is the image unpacked in $1 whole: its kernel, its module list and the
# first module the index names?  The cache lies below the source tree,
# where a Kbuild clean over the tree (make -C KDIR M=TOP clean, as the top
# Makefile's clean was) removes modules.order and every module.
rraim_kernel_intact() {
	local m=$1/lib/modules/$2 first

	[ -f "$1/boot/vmlinuz-$2" ] && [ -f "$m/modules.order" ] || return 1
	first=$(head -n 1 "$m/modules.dep" 2>/dev/null)
	first=${first%%:*}
	[ -z "$first" ] || [ -f "$m/$first" ]
}

# The module's build tree for the kernel: $KDIR, else the installed
# headers (6.1: linux-headers-amd64, which the build group installs), else
# the kernel's header packages unpacked under the build cache.  Debian's
# linux-headers-6.12.* depend on the matching linux-image package:
# installing them would install a kernel on the host and change its boot
# setup, so they are only ever unpacked.  Their arch-specific Makefile
# includes the common one by an absolute path: it is pointed at the
# unpacked copy (the other links are relative).  Building against them
# needs pahole (dwarves, in the build group) for BTF.
rraim_kdir() {
	local kver dir mk pkgs

	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
		return 0
	fi
	kver=$(rraim_kver) || exit 1
	for dir in "/lib/modules/$kver/build" "/usr/src/linux-headers-$kver"; do
		[ -f "$dir/Makefile" ] && { echo "$dir"; return 0; }
	done
	dir=$RRAIM_CACHE/headers-$kver
	mk=$dir/usr/src/linux-headers-$kver/Makefile
	# the rewritten include names the cache: a moved cache unpacks again
	if [ ! -f "$dir/.done" ] || ! grep -qF "include $dir/" "$mk" 2>/dev/null; then
		rraim_log "unpacking linux-headers-$kver"
		rm -rf "$dir"
		mkdir -p "$dir"
		pkgs=$(apt-cache depends "linux-headers-$kver" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-headers-.*-common\|linux-kbuild-.*\)$/\1/p')
		[ -n "$pkgs" ] || rraim_die "the archive has no linux-headers-$kver"
		# shellcheck disable=SC2086
		rraim_unpack_debs "$dir" "linux-headers-$kver" $pkgs
		sed -i "s|^include /usr/src/|include $dir/usr/src/|" "$mk" ||
			rraim_die "no Makefile in linux-headers-$kver"
		[ -f "$(sed -n 's/^include //p' "$mk")" ] ||
			rraim_die "linux-headers-$kver: its Makefile includes what was not unpacked"
		touch "$dir/.done"
	fi
	echo "${mk%/Makefile}"
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

# rraim_tar_lists ARCHIVE ENTRY: whether tar lists ENTRY in ARCHIVE.  The
# listing is read whole first: under pipefail, "tar -t | grep -q" fails
# whenever grep stops reading at its match and tar dies of SIGPIPE on the
# entries after it.
rraim_tar_lists() {
	local list

	list=$(tar -tf "$1") || return 1
	grep -qxF -- "$2" <<<"$list"
}
