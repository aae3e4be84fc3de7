#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A malicious or broken memory server.  For each mode of
# rraim-rogue-server (see tools/rogue/rogue-server.c) server 3 is replaced by
# the rogue on its address; the module is loaded for the three servers
# with replicas=2 and a verifying workload swaps through it.  Whatever the
# rogue does (a bad welcome, bad grants, malformed, oversized or missing
# replies, dying between a grant and its reply), every byte verifies, no
# page is lost, no page ever counts a copy on the rogue, the module logs
# why it does not use the server, nothing splats, and it unloads.  The
# real server 3 comes back before the next mode.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_rogue

MODES="welcome-magic welcome-short welcome-shift grant-misaligned
	grant-bad-rkey reply-type reply-garbage reply-long silent die-alloc"
ADDR3=$(server_addr 3):$RRAIM_PORT
D3=$(server_dir 3)
ROGUE_SOCK=$RUN/rogue-server.sock
WATCH_PID=

watch_stop() {
	[ -n "$WATCH_PID" ] || return 0
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
}

# lib.sh's cleanup stops the rogue, then restarts server 3.
trap 'watch_stop; cleanup' EXIT

mode_fail() {
	[ -f "$ROGUE_LOG" ] && tail -n 4 "$ROGUE_LOG" | sed 's/^/# rogue: /'
	fail "$MODE: $*"
}

# load_rraim waits until every server is live, which server 3 may never
# be: here only servers 1 and 2 must come up.
load_with_rogue() {
	modprobe rraim servers="$(server_list)" replicas=2 || return 1
	wait_until '[ "$(cat "$RRAIM_SYS/attached")" = 1 ]' 300 || return 1
	wait_until '[ "$(cat "$(server_dir 1)/state")" = live ] &&
		    [ "$(cat "$(server_dir 2)/state")" = live ]' 300
}

# Server 3 as the module sees it, once a second until killed: "state pages".
watch_server3() {
	while :; do
		echo "$(cat "$D3/state") $(cat "$D3/pages")"
		sleep 1
	done
}

# Kernel log lines about the rogue, since the mode started.
klog() {
	dmesg | grep "rraim: server $ADDR3: "
}

expect_log() {
	klog | grep -E -q -e "$1" || mode_fail "no kernel log line matching '$1'"
}

run_mode() {
	local t0 cg rc stores live_seen max_pages injected n

	MODE=$1
	ROGUE_LOG=/var/log/rraim-rogue-server-$MODE.log
	t0=$(date +%s)
	dmesg -c >/dev/null
	rraim-fault kill 3 || mode_fail "kill server 3"
	rogue_start "$MODE" || mode_fail "the rogue server did not start"
	load_with_rogue || mode_fail "load: servers 1 and 2 did not come up"
	# the module connected to the rogue (which may be dead already)
	wait_until '[ "$(rogue_stat accepted_connects)" -gt 0 ] 2>/dev/null ||
		    grep -q "rogue $MODE: " "$ROGUE_LOG"' 300 ||
		mode_fail "the module never connected to the rogue"

	swap_on || mode_fail "swapon"
	cg=$(make_cgroup rogue 32M)
	watch_server3 >"$RUN/rogue-watch" &
	WATCH_PID=$!
	in_cgroup "$cg" rraim-pattern -q -p 1 -r 64M
	rc=$?
	watch_stop
	rmdir "$cg"

	stores=$(stat_of stores)
	live_seen=$(grep -c '^live ' "$RUN/rogue-watch")
	max_pages=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$RUN/rogue-watch")
	injected=$(grep -c "rogue $MODE: " "$ROGUE_LOG")
	diag "$MODE: rraim-pattern exit $rc; stores $stores degraded $(stat_of stores_degraded) lost $(stat_of lost_pages); server 3 $(cat "$D3/state") ($(cat "$D3/state_reason")), live in $live_seen of $(wc -l <"$RUN/rogue-watch") samples, chunks $(cat "$D3/chunks"), errors $(cat "$D3/errors"), most pages $max_pages"
	klog | sed 's/^\[[^]]*\] //' | sort | uniq -c | sort -rn | head -n 4 |
		sed "s/^/# $MODE: /"
	[ "$rc" = 0 ] || mode_fail "the workload failed ($rc)"
	[ "$stores" -gt 0 ] || mode_fail "no store went remote"
	[ "$(stat_of lost_pages)" = 0 ] || mode_fail "pages were lost"
	[ "$max_pages" = 0 ] || mode_fail "$max_pages pages counted a copy on the rogue"
	[ "$injected" -gt 0 ] || mode_fail "no fault injected"
	for i in 1 2; do
		[ "$(cat "$(server_dir $i)/state")" = live ] ||
			mode_fail "server $i is $(cat "$(server_dir $i)/state")"
	done

	# what the module said and did, mode by mode
	case $MODE in
	welcome-*)
		case $MODE in
		welcome-magic)
			expect_log "not an RRAIM v[0-9]* server \(magic 0xb2b6bead version [0-9]*\)" ;;
		# the CM pads the accept data to 196 bytes with zeros: a short
		# welcome shows as a chunk shift of 0
		welcome-short) expect_log "chunk shift 0, expected 22" ;;
		welcome-shift) expect_log "chunk shift 21, expected 22" ;;
		esac
		expect_log "cannot connect \(-71\); retrying"
		[ "$live_seen" = 0 ] || mode_fail "server 3 was live"
		[ "$(cat "$D3/state")" != live ] || mode_fail "server 3 is live"
		case $(cat "$D3/incarnation") in
		0|0x0) ;;
		*) mode_fail "a welcome was taken (incarnation $(cat "$D3/incarnation"))" ;;
		esac
		[ "$(rogue_stat accepted_connects)" -gt 0 ] ||
			mode_fail "the rogue accepted no connection" ;;
	grant-misaligned)
		expect_log "granted a misaligned chunk at 0x[0-9a-f]+800$"
		[ "$(cat "$D3/state")" = live ] || mode_fail "server 3 not live"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "a misaligned grant was kept"
		# each bad grant was given back (one may be on its way)
		n=$(( $(rogue_stat allocs) - $(rogue_stat frees) ))
		diag "$MODE: the rogue granted $(rogue_stat allocs), got back $(rogue_stat frees)"
		if [ "$(rogue_stat frees)" = 0 ] || [ "$n" -gt 1 ]; then
			mode_fail "bad grants not given back"
		fi ;;
	grant-bad-rkey)
		expect_log "(write|read) failed: remote access error"
		expect_log "-> dead \(remote access error\)"
		[ "$(cat "$D3/errors")" -gt 0 ] || mode_fail "no transfer error counted" ;;
	reply-type)
		# a reply to the awaited request with the wrong type is a
		# protocol error: the grant is never taken, the server failed
		expect_log "malformed reply \(type 0x8[0-9a-f]+, status [0-9]+, 64 bytes\)"
		expect_log "-> dead \(malformed reply\)"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "a mistyped grant was taken"
		[ "$(rogue_stat allocs)" -gt 0 ] || mode_fail "no ALLOC reached the rogue" ;;
	reply-garbage)
		# garbage with another sequence number is dropped as stale (the
		# heartbeat then misses); garbage that keeps the awaited one
		# is a malformed reply: either fails the server
		expect_log "(dropped a malformed or stale control message|malformed reply)"
		expect_log "-> dead \((heartbeat missed|malformed reply)\)"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "a garbage grant was taken" ;;
	reply-long)
		# rxe fails the too-long receive as a QP operation error; a
		# real HCA says length error
		expect_log "control receive failed: local (length|QP operation) error"
		expect_log "-> dead \(control receive failed\)"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "an oversized grant was taken" ;;
	silent)
		expect_log "-> dead \(heartbeat missed\)"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "a chunk without a grant" ;;
	die-alloc)
		expect_log "-> dead \((disconnected|heartbeat missed)\)"
		expect_log "cannot connect"
		! rogue_status >/dev/null || mode_fail "the rogue did not die"
		grep -q "dying between granting chunk" "$ROGUE_LOG" ||
			mode_fail "the rogue did not die in an ALLOC"
		[ "$(cat "$D3/state")" != live ] || mode_fail "server 3 is live"
		[ "$(cat "$D3/chunks")" = 0 ] || mode_fail "a chunk without a grant" ;;
	esac

	# a server that accepts and then fails at once is damped like one
	# that refuses: backoff up to 3 s, not a reconnect every 0.1 s
	case $MODE in
	grant-bad-rkey|reply-type|reply-long|silent)
		n=$(klog | grep -c -- '-> live')
		diag "$MODE: $n reconnects"
		[ "$n" -le 25 ] || mode_fail "$n reconnects: no backoff" ;;
	esac

	no_splat || mode_fail "kernel warning"
	unload_rraim || mode_fail "unload"
	[ ! -d /sys/module/rraim ] || mode_fail "still loaded"
	rogue_stop
	rraim-fault start 3 || mode_fail "restart server 3"
	diag "$MODE: ok in $(( $(date +%s) - t0 ))s"
}

for m in $MODES; do
	run_mode "$m"
done
exit $KSFT_PASS
