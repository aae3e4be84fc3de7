# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the RRAIM selftests (sourced).  The tests run as root inside the
# test-bed guest (tools/rraim-vm), where /opt/rraim/lib/guest.sh describes
# the servers; each test is a script that exits 0 (pass), 1 (fail) or
# 4 (skip, kselftest's code), printing "# ..." diagnostics.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

RRAIM_SYS=/sys/kernel/rraim

# shellcheck source=/dev/null
[ -f /opt/rraim/lib/guest.sh ] && . /opt/rraim/lib/guest.sh

diag() {
	echo "# $*"
}

# True on a kernel with the debug checkers (tools/debug-kernel: KASAN,
# lockdep, kmemleak), where a workload runs several times slower.
debug_kernel() {
	[ -e /sys/kernel/debug/kmemleak ]
}

# light NORMAL DEBUG: NORMAL, or DEBUG on a debug kernel.  For the size of
# a workload that only has to be long enough to hit its window.
light() {
	if debug_kernel; then echo "$2"; else echo "$1"; fi
}

fail() {
	local i=1

	echo "# FAIL: $*"
	while [ "$i" -le "${RRAIM_SERVERS:-0}" ]; do
		[ -f "/var/log/rraim-server-$i.log" ] &&
			tail -n 3 "/var/log/rraim-server-$i.log" | sed "s/^/# server $i: /"
		i=$((i + 1))
	done
	dmesg | grep 'rraim:' | tail -n 8 | sed 's/^/# /'
	exit $KSFT_FAIL
}

skip() {
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_rdma() {
	[ -d /sys/class/infiniband ] && [ -n "$(ls /sys/class/infiniband)" ] ||
		skip "no RDMA device"
}

require_servers() {
	[ "${RRAIM_SERVERS:-0}" -ge "$1" ] || skip "needs $1 memory servers"
}

# Run a check and fail the test with its description if it fails.
check() {
	local what=$1
	shift
	"$@" || fail "$what"
}

# netem on the client's link to a server: the separate-VM topology (a real
# link) and iproute2's tc, in $TC (busybox has a tc applet without netem)
require_netem() {
	[ "$RRAIM_TOPOLOGY" = multi ] || skip "needs --separate-vms (netem on a real link)"
	TC=/usr/sbin/tc
	[ -x "$TC" ] || skip "no $TC in the guest"
}

stat_of() {
	cat "$RRAIM_SYS/stats/$1"
}

server_dir() {
	echo "$RRAIM_SYS/servers/$(server_addr "$1"):$RRAIM_PORT"
}

# The front end the tests that do not name one run against:
# RRAIM_FRONTEND=hooks (rraim.ko, the default; swap on /dev/vda) or blk
# (rraim_blk.ko with disksize RRAIM_BLK_SIZE, default 1G; swap on
# /dev/rraim0).  run_vm.sh takes it as an argument.
blk_frontend() {
	[ "${RRAIM_FRONTEND:-hooks}" = blk ]
}

# The swap device of the front end.
swap_dev() {
	if blk_frontend; then echo /dev/rraim0; else echo /dev/vda; fi
}

# Load the module for servers 1..N (default: all) with extra parameters.
load_rraim() {
	local n=${1:-$RRAIM_SERVERS} list="" i=1
	shift

	while [ "$i" -le "$n" ]; do
		list="$list${list:+,}$(server_addr "$i"):$RRAIM_PORT"
		i=$((i + 1))
	done
	if ! blk_frontend; then
		rraim_load "$list" "$@"
		return
	fi
	modprobe rraim_blk servers="$list" disksize="${RRAIM_BLK_SIZE:-1G}" "$@" ||
		return 1
	wait_until '[ "$(rraim_servers_in live)" = "$n" ] && [ -b /dev/rraim0 ]' 300 ||
		{ rraim_not_live >&2; return 1; }
}

# Detach: swapoff, disable the livepatch, unload.  Refuses (returns 1)
# while pages are held, like rraimctl.
unload_rraim() {
	local n

	if [ -d /sys/module/rraim_blk ]; then
		# the block front end: its device must be free (no swap on it)
		swapoff -a 2>/dev/null
		rmmod rraim_blk
		return
	fi
	[ -d /sys/module/rraim ] || return 0
	swapoff -a 2>/dev/null
	n=$(stat_of stored_pages)
	if [ "$n" != 0 ]; then
		diag "module holds $n pages: not detaching"
		return 1
	fi
	if [ -e /sys/kernel/livepatch/rraim/enabled ]; then
		echo 0 >/sys/kernel/livepatch/rraim/enabled || return 1
		wait_until '[ ! -e /sys/kernel/livepatch/rraim ]' 300 ||
			{ diag "livepatch did not unpatch"; return 1; }
	fi
	rmmod rraim
}

swap_on() {
	mkswap "$(swap_dev)" >/dev/null && swapon "$(swap_dev)"
}

swap_off() {
	swapoff "$(swap_dev)"
}

# A memory cgroup named $1 limited to $2; prints its path.
make_cgroup() {
	local cg=/sys/fs/cgroup/$1

	grep -q memory /sys/fs/cgroup/cgroup.subtree_control ||
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$cg"
	echo "$2" >"$cg/memory.max"
	echo 0 >"$cg/memory.swap.max" 2>/dev/null && echo max >"$cg/memory.swap.max"
	echo "$cg"
}

# Run a command inside cgroup $1.
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# Start a command inside cgroup $1 in the background; its pid (the
# command's own, so that signals reach it) is left in BG_PID.
bg_in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" &
	BG_PID=$!
}

# Sectors written to the swap disk.
disk_writes() {
	awk '{ print $7 }' /sys/block/vda/stat
}

vmstat_of() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# ----------------------------------------------------------- rogue server
# rraim-rogue-server (tools/rogue) in place of memory server 3, for the
# tests of a server that lies.  The test sets ROGUE_SOCK (the rogue's
# status socket) and ROGUE_LOG (the log it appends to) before
# rogue_start, kills server 3 before it (rraim-fault kill 3) and starts
# it again after rogue_stop (rraim-fault start 3).  ROGUE_PID is the
# rogue's pid while it runs; cleanup stops a rogue left running.
ROGUE_PID=

# Skip unless the rogue can replace server 3 here.
require_rogue() {
	require_servers 3
	[ "$RRAIM_TOPOLOGY" = single ] || skip "the rogue replaces a server of this guest"
	command -v rraim-rogue-server >/dev/null 2>&1 || skip "no rraim-rogue-server"
}

# The rogue's status report (nothing, and false, once it is gone).
rogue_status() {
	rraim-server --status "$ROGUE_SOCK" 2>/dev/null
}

# One value of the rogue's status report (empty once it is gone).
rogue_stat() {
	rogue_status | awk -v k="$1" '$1 == k { print $2 }'
}

# Run the rogue in mode $1 where server 3 listens, as server_start does,
# and wait until it answers on its status socket; false if it does not.
rogue_start() {
	rm -f "$ROGUE_SOCK"
	setsid rraim-rogue-server --rogue "$1" \
		--listen "$(server_addr 3):$RRAIM_PORT" \
		--capacity "${RRAIM_CAPACITY:-256M}" \
		--grace "${RRAIM_GRACE:-60}" \
		--status-socket "$ROGUE_SOCK" \
		>>"$ROGUE_LOG" 2>&1 </dev/null &
	ROGUE_PID=$!
	wait_until 'rogue_status >/dev/null || ! kill -0 "$ROGUE_PID" 2>/dev/null' 300
	rogue_status >/dev/null
}

rogue_stop() {
	[ -n "$ROGUE_PID" ] || return 0
	kill -KILL "$ROGUE_PID" 2>/dev/null
	wait "$ROGUE_PID" 2>/dev/null
	ROGUE_PID=
	rm -f "$ROGUE_SOCK"
}

# Leave the guest as the next test expects it, whatever happened: no
# workload, no rogue, no swap, no module, every server running with its
# link up.
cleanup() {
	local cg i

	# the rogue first: the wait below waits for every child, and
	# server 3 restarts on the address the rogue would still hold
	rogue_stop
	for cg in /sys/fs/cgroup/*/; do
		[ -f "$cg/cgroup.kill" ] || continue
		echo 1 >"$cg/cgroup.kill" 2>/dev/null
	done
	wait 2>/dev/null
	# a killed process is not gone at once (after a timeout it is no
	# child of ours): a swapoff now would charge its pages read back to
	# a memcg still at its limit, and end in an OOM report
	for cg in /sys/fs/cgroup/*/; do
		[ -f "$cg/cgroup.procs" ] || continue
		wait_until "[ -z \"\$(cat '${cg}cgroup.procs')\" ]" 300
	done
	for cg in /sys/fs/cgroup/*/; do
		[ -f "$cg/cgroup.procs" ] && rmdir "$cg" 2>/dev/null
	done
	swapoff -a 2>/dev/null
	unload_rraim >/dev/null 2>&1
	[ "${RRAIM_TOPOLOGY:-single}" = single ] || return 0
	i=1
	while [ "$i" -le "${RRAIM_SERVERS:-0}" ]; do
		$IP link set "srv$i" up 2>/dev/null
		if [ -e "$RUN/linkfault-$i" ]; then
			# a fresh rxe device (and server) after a link fault
			server_signal "$i" KILL 2>/dev/null
			rdma link delete "rxe$i" 2>/dev/null
			rdma link add "rxe$i" type rxe netdev "srv$i"
			rm -f "$RUN/linkfault-$i"
		fi
		if ! rraim-server --status "$(server_sock "$i")" >/dev/null 2>&1; then
			server_signal "$i" KILL 2>/dev/null
			server_start "$i" >/dev/null 2>&1
		fi
		i=$((i + 1))
	done
}
trap cleanup EXIT

# The module must not have warned; callers also get the host's splat check.
no_splat() {
	! dmesg | awk '/rraim-selftest: begin / { n = NR } { l[NR] = $0 }
		END { for (i = n + 1; i <= NR; i++) print l[i] }' |
		grep -E -q 'BUG:|WARNING:|Oops|general protection|Call Trace'
}
