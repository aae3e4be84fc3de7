#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-page checksums against a server that spoils what it stores.  Server 3
# is replaced by rraim-rogue-server in a mode that changes the pages in the
# chunks it granted behind the client's back (see tools/rogue/
# rogue-server.c): corrupt-flip flips a byte of every page every 0.1 s,
# stale writes back what a page held a second before, swap exchanges
# pairs of pages.  With replicas=3, every page has a copy there and two
# good ones on servers 1 and 2 (a store while one of them is away, as
# happens when the emulated guest is slow, keeps a good copy).  For each
# mode:
#  - checksum=1: a verifying workload several times its memory cgroup
#    verifies every byte; the bad copies are counted (stats/corrupt and
#    server 3's corrupt; none on servers 1 and 2), logged, and read from
#    the good copy instead (load_failovers); no page is lost; once the
#    workload is done reading, the sync rewrites the forgotten copies
#    (read-repair) and below_target_pages returns to 0 while the pages are
#    still stored;
#  - checksum=0, the same workload and the same rogue: the workload reads
#    wrong data (exit 1), which shows what the check catches.  The
#    workload locks its own memory, so that only its area is swapped: a
#    corrupt page of its code or stack would crash it instead, which the
#    test bed reports as a splat.
# Nothing splats and the module unloads after each run.
# rraim-timeout: 1200
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_rogue

MODES=${RRAIM_CORRUPT_MODES:-"corrupt-flip stale swap"}
# the workload: 3 times its cgroup; -R rewrites half of it (re-stores)
SIZE=24M
LIMIT=8M
# -L: only the area is swapped, so that wrong data cannot crash it
WORK="rraim-pattern -q -L -r -p 1 -R 1"
ADDR3=$(server_addr 3):$RRAIM_PORT
D1=$(server_dir 1)
D2=$(server_dir 2)
D3=$(server_dir 3)
ROGUE_SOCK=$RUN/rogue-corrupt.sock
WORK_PID=

work_stop() {
	[ -n "$WORK_PID" ] || return 0
	kill -KILL "$WORK_PID" 2>/dev/null
	wait "$WORK_PID" 2>/dev/null
	WORK_PID=
}

# lib.sh's cleanup stops the rogue, then restarts server 3.
trap 'work_stop; cleanup' EXIT

mode_fail() {
	[ -f "$RUN/corrupt-work.out" ] &&
		tail -n 3 "$RUN/corrupt-work.out" | sed 's/^/# workload: /'
	[ -f "$ROGUE_LOG" ] && tail -n 3 "$ROGUE_LOG" | sed 's/^/# rogue: /'
	fail "$MODE checksum=$CSUM: $*"
}

# The counters that tell what happened, for the log.
counters() {
	echo "stores $(stat_of stores) (degraded $(stat_of stores_degraded)), corrupt $(stat_of corrupt) (servers $(cat "$D1/corrupt") $(cat "$D2/corrupt") $(cat "$D3/corrupt")), loads $(stat_of loads), failovers $(stat_of load_failovers), sync_copies $(stat_of sync_copies), lost $(stat_of lost_pages)"
}

# checksum=1: every byte verifies, the bad copies are caught and repaired.
run_checked() {
	local rc t0 below n

	bg_in_cgroup "$CG" $WORK -H 600 "$SIZE" >"$RUN/corrupt-work.out" 2>&1
	WORK_PID=$BG_PID
	wait_until 'grep -q "verified; holding" "$RUN/corrupt-work.out" ||
		    ! kill -0 "$WORK_PID" 2>/dev/null' 6000
	if ! grep -q "verified; holding" "$RUN/corrupt-work.out"; then
		wait "$WORK_PID"
		rc=$?
		WORK_PID=
		mode_fail "the workload failed ($rc): $(counters)"
	fi
	diag "$MODE checksum=1: verified; $(counters)"
	[ "$(stat_of lost_pages)" = 0 ] || mode_fail "pages were lost"
	[ "$(stat_of corrupt)" -gt 0 ] || mode_fail "no corrupt copy counted"
	[ "$(cat "$D3/corrupt")" -gt 0 ] ||
		mode_fail "server 3's corrupt counter did not move"
	[ "$(cat "$D1/corrupt")" = 0 ] && [ "$(cat "$D2/corrupt")" = 0 ] ||
		mode_fail "a good server's copies counted as corrupt"
	[ "$(stat_of load_failovers)" -gt 0 ] ||
		mode_fail "no load was served by another copy"
	dmesg | grep -q "rraim: server $ADDR3: corrupt copy of swap" ||
		mode_fail "no log line names server 3"
	! dmesg | grep "rraim: server .*: corrupt copy of" | grep -v -q "$ADDR3" ||
		mode_fail "a log line blames a good server"

	# read-repair: the sync rewrites the forgotten copies while the
	# pages are still stored (the workload holds them)
	t0=$(date +%s)
	wait_until '[ "$(stat_of below_target_pages)" = 0 ]' 1200 ||
		mode_fail "$(stat_of below_target_pages) pages stay below target"
	below=$(stat_of stored_pages)
	diag "$MODE checksum=1: below target 0 after $(( $(date +%s) - t0 ))s with $below pages stored; sync_copies $(stat_of sync_copies)"
	[ "$below" -gt 0 ] || mode_fail "no page left stored to repair"
	[ "$(stat_of sync_copies)" -gt 0 ] || mode_fail "the sync copied nothing"

	kill -USR1 "$WORK_PID"
	wait "$WORK_PID"
	rc=$?
	WORK_PID=
	[ "$rc" = 0 ] || mode_fail "the workload exited $rc"
	n=$(dmesg | grep -c "rraim: server $ADDR3: corrupt copy of")
	diag "$MODE checksum=1: $n log lines (rate-limited) for $(stat_of corrupt) corrupt copies"
}

# checksum=0: the same rogue makes the same workload read wrong data.
run_unchecked() {
	local rc wrong

	in_cgroup "$CG" $WORK "$SIZE" >"$RUN/corrupt-work.out" 2>&1
	rc=$?
	wrong=$(sed -n 's/.*FAILED: \([0-9]*\) wrong words.*/\1/p' "$RUN/corrupt-work.out")
	diag "$MODE checksum=0: workload exit $rc, ${wrong:-0} wrong words; $(counters)"
	[ "$rc" = 1 ] && [ "${wrong:-0}" -gt 0 ] ||
		mode_fail "no wrong data without the checksum (exit $rc): the test proves nothing"
	[ "$(stat_of corrupt)" = 0 ] || mode_fail "corrupt counted with checksum=0"
}

run_mode() {
	local t0

	MODE=$1
	ROGUE_LOG=/var/log/rraim-rogue-server-$MODE.log
	rraim-fault kill 3 || fail "$MODE: kill server 3"
	rogue_start "$MODE" || fail "$MODE: the rogue server did not start"
	for CSUM in 1 0; do
		t0=$(date +%s)
		dmesg -c >/dev/null
		load_rraim 3 replicas=3 checksum=$CSUM || mode_fail "load"
		[ "$(cat "$RRAIM_SYS/checksum")" = "$CSUM" ] ||
			mode_fail "the knob reads $(cat "$RRAIM_SYS/checksum")"
		swap_on || mode_fail "swapon"
		CG=$(make_cgroup corrupt "$LIMIT")
		: >"$RUN/corrupt-work.out"
		if [ "$CSUM" = 1 ]; then
			run_checked
		else
			run_unchecked
		fi
		rmdir "$CG"
		[ "$(rogue_stat rogue_spoiled)" -gt 0 ] 2>/dev/null ||
			mode_fail "the rogue spoiled no page"
		no_splat || mode_fail "kernel warning"
		unload_rraim || mode_fail "unload"
		[ ! -d /sys/module/rraim ] || mode_fail "still loaded"
		diag "$MODE checksum=$CSUM: ok in $(( $(date +%s) - t0 ))s (rogue spoiled $(rogue_stat rogue_spoiled) pages so far)"
	done
	rogue_stop
	rraim-fault start 3 || fail "$MODE: restart server 3"
}

for m in $MODES; do
	run_mode "$m"
done
exit $KSFT_PASS
