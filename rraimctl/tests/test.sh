#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of rraimctl, TAP output: every command against fake sysfs trees
# of plain files in a temporary directory (--sysfs), with stand-ins for
# modprobe, rmmod, mkswap, swapon, swapoff, /proc/swaps and /dev/rraim0
# (RRAIMCTL_* variables): nothing here touches the kernel.  Also: the example configuration parses,
# the unit passes systemd-analyze verify, the man pages format without
# groff warnings.  Exits 1 if a test failed.
#
#   tests/test.sh        (from rraimctl/, after make; "make check" does both)

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)	# rraimctl/tests
TOP=$(cd "$HERE/../.." && pwd)
CTL=$TOP/rraimctl/rraimctl
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
	[ -s "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -n 30
	[ -s "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -n 30
	return 0
}

skip() {
	N=$((N + 1))
	echo "ok $N - $1 # SKIP $2"
}

# After an attach that adds logon keys: without keyrings here, skip NAME
# and return 1; else pass or fail NAME on the exit status.
attached_with_keys() {
	if grep -q "cannot add the logon key" "$T/err"; then
		skip "$1" "no keyrings here: $(tail -n 1 "$T/err")"
		return 1
	fi
	if [ "$RC" = 0 ]; then
		pass "$1 (exit 0)"
	else
		fail "$1: exit $RC, expected 0"
	fi
}

# Never the real programs: a stand-in that logs its arguments.
export RRAIMCTL_MODPROBE=$T/bin/modprobe RRAIMCTL_RMMOD=$T/bin/rmmod
export RRAIMCTL_SWAPON=$T/bin/swapon RRAIMCTL_SWAPOFF=$T/bin/swapoff
export RRAIMCTL_MKSWAP=$T/bin/mkswap
export RRAIMCTL_PROC_SWAPS=$T/proc-swaps RRAIMCTL_BLKDEV=$T/dev/rraim0
mkdir -p "$T/bin" "$T/dev"
for p in modprobe rmmod mkswap swapon swapoff; do
	cat >"$T/bin/$p" <<EOF
#!/bin/sh
echo "$p \$*" >>"$T/calls"
[ -x "$T/bin/$p.hook" ] && exec "$T/bin/$p.hook" "\$@"
exit 0
EOF
	chmod +x "$T/bin/$p"
done
printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' >"$T/proc-swaps"

# ctl ARGS...: run rraimctl; $T/out, $T/err, $RC.
ctl() {
	"$CTL" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
}

# expect RC NAME ARGS...: run rraimctl, check its exit status.
expect() {
	local rc=$1 name=$2

	shift 2
	ctl "$@"
	if [ "$RC" = "$rc" ]; then
		pass "$name (exit $rc)"
	else
		fail "$name: exit $RC, expected $rc"
	fi
}

# contains FILE TEXT NAME
contains() {
	if grep -qF -- "$2" "$1"; then
		pass "$3"
	else
		fail "$3: no '$2' in $(basename "$1")"
	fi
}

# file_is FILE VALUE NAME
file_is() {
	local got

	got=$(cat "$1" 2>/dev/null)
	if [ "$got" = "$2" ]; then
		pass "$3"
	else
		fail "$3: $(basename "$1") holds '$got', expected '$2'"
	fi
}

put() {		# put FILE VALUE
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
}

# A sysfs tree as the module makes it, with N healthy servers 10.77.I.2.
make_tree() {	# make_tree ROOT [N]
	local root=$1 n=${2:-3} i d f
	local s=$root/kernel/rraim

	rm -rf "$root"
	mkdir -p "$s/stats" "$s/servers" "$root/kernel/livepatch/rraim" \
		"$root/module/zswap/parameters"
	put "$root/module/zswap/parameters/enabled" N
	put "$root/kernel/livepatch/rraim/enabled" 1
	put "$root/kernel/livepatch/rraim/transition" 0
	put "$s/attached" 1
	put "$s/enabled" 1
	put "$s/replicas" 2
	put "$s/deadline_ms" 100
	put "$s/heartbeat_ms" 250
	put "$s/lost_wait_ms" 10000
	put "$s/sync_rate" 0
	put "$s/auto_rebuild" 1
	put "$s/rebuild_delay_ms" 10000
	put "$s/checksum" 1
	: >"$s/add_server"
	: >"$s/remove_server"
	for f in stores stores_degraded loads load_failovers load_waits load_lost \
		 load_misses invalidates reject_disabled reject_detached reject_thp \
		 reject_area reject_alloc reject_no_server reject_no_space \
		 reject_transport write_bytes read_bytes sync_copies corrupt crypt_errors \
		 degraded_pages unavailable_pages below_target_pages lost_pages \
		 store_max_us load_max_us; do
		put "$s/stats/$f" 0
	done
	: >"$s/stats/reset"
	put "$s/stats/stores" 123456
	put "$s/stats/loads" 65432
	put "$s/stats/stored_pages" 12000
	put "$s/stats/remote_bytes" 100663296
	put "$s/stats/store_p50_us" 14
	put "$s/stats/store_p99_us" 61
	put "$s/stats/load_p50_us" 11
	put "$s/stats/load_p99_us" 48
	i=1
	while [ "$i" -le "$n" ]; do
		d=$s/servers/10.77.$i.2:7471
		mkdir -p "$d"
		put "$d/address" "10.77.$i.2:7471"
		put "$d/state" live
		put "$d/state_reason" connected
		put "$d/state_age_ms" 123456
		put "$d/incarnation" 0x5f3c2a1b00000001
		put "$d/chunks" 6
		put "$d/pages" 8000
		put "$d/capacity_bytes" 1073741824
		put "$d/free_bytes" 1048576000
		put "$d/sync_state" in_sync
		put "$d/sync_total" 0
		put "$d/sync_done" 0
		put "$d/sync_pps" 0
		put "$d/sync_ns_per_page" 0
		: >"$d/drain"
		for f in writes reads errors timeouts corrupt; do
			put "$d/$f" 0
		done
		put "$d/writes" 8100
		put "$d/reads" 2100
		put "$d/write_p50_us" 12
		put "$d/write_p99_us" 55
		put "$d/read_p50_us" 9
		put "$d/read_p99_us" 40
		put "$d/read_max_us" 950
		i=$((i + 1))
	done
}

R=$T/sys
S=$R/kernel/rraim
SV1=$S/servers/10.77.1.2:7471
SV2=$S/servers/10.77.2.2:7471
make_tree "$R"
SYS=(--sysfs "$S")

# ---------------------------------------------------------------- basics

if [ ! -x "$CTL" ]; then
	echo "1..1"
	echo "not ok 1 - rraimctl is built (run make first)"
	exit 1
fi

expect 0 "--version" --version
contains "$T/out" "rraimctl " "--version names the program"
expect 0 "--help" --help
contains "$T/out" "3 rraim module not loaded" "--help documents the exit codes"
expect 2 "no command" "${SYS[@]}"
expect 2 "unknown command" "${SYS[@]}" frobnicate
expect 2 "unknown option" "${SYS[@]}" --frob status
expect 2 "option that does not apply" "${SYS[@]}" --wait status
expect 2 "extra argument" "${SYS[@]}" status now
expect 2 "option given twice" "${SYS[@]}" --json --json status
expect 2 "bad --timeout" "${SYS[@]}" --timeout soon wait-sync
expect 2 "negative --timeout" "${SYS[@]}" --timeout -1 wait-sync

# ----------------------------------------------------- module not loaded

for c in status "add 10.0.0.1" "remove 10.0.0.1" "drain 10.0.0.1" \
	 "replicas 2" "set deadline_ms 100" wait-sync detach; do
	# shellcheck disable=SC2086
	expect 3 "not loaded: $c" --sysfs "$T/none/kernel/rraim" $c
done
contains "$T/err" "rraim module not loaded" "not loaded: the message says so"
ctl --sysfs "$T/none/kernel/rraim" --json status
if [ "$RC" = 3 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == {"loaded": False}' "$T/out" 2>/dev/null; then
	pass "not loaded: --json status prints {\"loaded\": false}"
else
	fail "not loaded: --json status prints {\"loaded\": false}"
fi

# ---------------------------------------------------------------- status

expect 0 "status" "${SYS[@]}" status
for w in SERVER STATE SYNC PAGES CHUNKS CORRUPT "READ p50/p99 us" "SYNC done/total"; do
	contains "$T/out" "$w" "status: column $w"
done
contains "$T/out" "10.77.3.2:7471" "status: lists the servers"
contains "$T/out" "9/40" "status: read p50/p99 of a server"
contains "$T/out" "attached:          yes" "status: attached"
contains "$T/out" "replicas:          2" "status: replicas"
contains "$T/out" "stored pages:      12000 (46.9 MiB)" "status: stored pages"
contains "$T/out" "degraded pages:    0" "status: degraded pages"
contains "$T/out" "unavailable pages: 0" "status: unavailable pages"
contains "$T/out" "lost pages:        0" "status: lost pages"
contains "$T/out" "store p50/p99:     14/61 us" "status: store latency"
contains "$T/out" "load p50/p99:      11/48 us" "status: load latency"
if [ "$(tail -n 1 "$T/out" | cut -c1-23)" = "verdict:           OK: " ]; then
	pass "status: ends with an OK verdict when healthy"
else
	fail "status: ends with an OK verdict when healthy"
fi

# copies that failed their checksum: a warning that names the server
put "$S/servers/10.77.3.2:7471/corrupt" 17
ctl "${SYS[@]}" status
if grep -q "^verdict:           WARNING: 17 copies failed their checksum (10.77.3.2:7471 17)" "$T/out"; then
	pass "status: corrupt copies make a warning naming the server"
else
	fail "status: corrupt copies make a warning naming the server"
fi
put "$S/servers/10.77.3.2:7471/corrupt" 0
# the host's cipher failed: a warning that blames no server
put "$S/stats/crypt_errors" 5
ctl "${SYS[@]}" status
contains "$T/out" "WARNING: the cipher failed on 5 pages: this host's crypto driver, not a server" "status: cipher failures make a warning"
put "$S/stats/crypt_errors" 0
put "$S/checksum" 0
ctl "${SYS[@]}" status
contains "$T/out" "checksum off: a corrupt copy would go unnoticed" "status: notes checksum off"
put "$S/checksum" 1

# page encryption: one line; a module without the file cannot encrypt
ctl "${SYS[@]}" status
contains "$T/out" "encryption:        off" "status: encryption off without the file"
put "$S/encryption" off
ctl "${SYS[@]}" status
contains "$T/out" "encryption:        off" "status: encryption off"
put "$S/encryption" "on xts(aes) xts-aes-aesni"
put "$S/checksum" 0
ctl "${SYS[@]}" status
contains "$T/out" "encryption:        on (xts(aes), xts-aes-aesni)" "status: encryption on, its mode and driver"
if ! grep -q "checksum off" "$T/out"; then
	pass "status: no checksum note while encryption is on"
else
	fail "status: no checksum note while encryption is on"
fi
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["encryption"] == "on xts(aes) xts-aes-aesni"' "$T/out" 2>/dev/null; then
	pass "status --json: encryption as a string"
else
	fail "status --json: encryption as a string"
fi
expect 0 "set checksum off while encryption is on" "${SYS[@]}" set checksum off
contains "$T/err" "encryption is on (on xts(aes) xts-aes-aesni): every page is checksummed" \
	"set checksum off: says encrypted pages stay checksummed"
put "$S/checksum" 1
rm -f "$S/encryption"

# servers sort by address, not as text
mkdir -p "$S/servers/10.77.10.2:7471"
cp "$SV1"/* "$S/servers/10.77.10.2:7471/"
put "$S/servers/10.77.10.2:7471/address" 10.77.10.2:7471
ctl "${SYS[@]}" status
order=$(grep -o '^10\.77\.[0-9]*\.2' "$T/out" | tr '\n' ' ')
if [ "$order" = "10.77.1.2 10.77.2.2 10.77.3.2 10.77.10.2 " ]; then
	pass "status: servers in address order"
else
	fail "status: servers in address order (got: $order)"
fi
rm -rf "$S/servers/10.77.10.2:7471"

ctl "${SYS[@]}" --json status
if [ "$RC" = 0 ] && python3 - "$T/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["loaded"] is True
assert d["attached"] is True and d["enabled"] is True
assert d["replicas"] == 2 and isinstance(d["replicas"], int)
assert d["auto_rebuild"] is True
assert d["deadline_ms"] == 100
assert "add_server" not in d and "remove_server" not in d
st = d["stats"]
assert st["stored_pages"] == 12000 and isinstance(st["stored_pages"], int)
assert st["load_p99_us"] == 48
assert "reset" not in st
sv = d["servers"]
assert [s["name"] for s in sv] == ["10.77.%d.2:7471" % i for i in (1, 2, 3)]
s = sv[0]
assert s["state"] == "live" and s["sync_state"] == "in_sync"
assert s["pages"] == 8000 and s["read_p99_us"] == 40
assert s["incarnation"] == "0x5f3c2a1b00000001"
assert "drain" not in s
assert d["summary"] == {"servers": 3, "live": 3, "syncing": 0, "draining": 0}
assert d["verdict"]["level"] == "ok"
EOF
then
	pass "status --json: valid JSON, numbers as numbers, flags as booleans"
else
	fail "status --json: valid JSON, numbers as numbers, flags as booleans"
fi

if [ -x "$HERE/json-check" ] && "$HERE/json-check" <"$T/out" >/dev/null &&
   [ "$("$HERE/json-check" .servers[2].read_p50_us <"$T/out")" = 9 ] &&
   [ "$("$HERE/json-check" .verdict.level <"$T/out")" = ok ]; then
	pass "status --json: json-check accepts it and finds values"
else
	fail "status --json: json-check accepts it and finds values"
fi
for bad in '{"a":1,}' '[1 2]' '{"a":01}' '"\u12"' '{} x' ''; do
	if printf '%s' "$bad" | "$HERE/json-check" >/dev/null 2>&1; then
		fail "json-check rejects '$bad'"
	else
		pass "json-check rejects '$bad'"
	fi
done

# a string that needs escaping
put "$SV2/state_reason" 'said "no" \ tab	here'
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["servers"][1]["state_reason"] == "said \"no\" \\ tab\there"' "$T/out" 2>/dev/null; then
	pass "status --json: strings escaped"
else
	fail "status --json: strings escaped"
fi
put "$SV2/state_reason" connected

# an unreadable file gives null, not broken JSON
rm "$SV2/read_p99_us"
mkdir "$SV2/read_p99_us"
ctl "${SYS[@]}" --json status
if [ "$RC" = 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null; then
	pass "status --json: still valid with an odd file"
else
	fail "status --json: still valid with an odd file"
fi
rmdir "$SV2/read_p99_us"
put "$SV2/read_p99_us" 40

# verdicts
put "$SV2/state" dead
put "$SV2/state_reason" "heartbeat missed"
put "$SV2/state_age_ms" 12300
put "$SV2/sync_state" away
put "$S/stats/degraded_pages" 77
ctl "${SYS[@]}" status
contains "$T/out" "10.77.2.2:7471: dead for 12 s: heartbeat missed" "status: says why a server is not live"
contains "$T/out" "verdict:           WARNING:" "status: WARNING verdict with a dead server"
contains "$T/out" "77 pages have fewer than 2 reachable copies" "status: verdict names the degraded pages"
put "$S/stats/unavailable_pages" 5
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["verdict"]; assert v["level"]=="critical" and "5 pages have no reachable copy" in v["message"], v' "$T/out" 2>/dev/null; then
	pass "status --json: critical verdict with unavailable pages"
else
	fail "status --json: critical verdict with unavailable pages"
fi
put "$S/attached" 0
ctl "${SYS[@]}" status
contains "$T/out" "CRITICAL: not attached" "status: CRITICAL verdict when not attached"
make_tree "$R"
put "$SV2/sync_state" syncing
put "$SV2/sync_total" 4000
put "$SV2/sync_done" 1000
ctl "${SYS[@]}" status
contains "$T/out" "1000/4000 (25%)" "status: sync progress done/total"
make_tree "$R" 0
ctl "${SYS[@]}" status
contains "$T/out" "no memory server" "status: no server"
make_tree "$R"

# ------------------------------------------------------------ add, remove

expect 0 "add ADDR" "${SYS[@]}" add 10.77.9.2
file_is "$S/add_server" "10.77.9.2:7471" "add writes ADDR:7471 to add_server"
expect 0 "add ADDR:PORT" "${SYS[@]}" add 10.77.9.2:7500
file_is "$S/add_server" "10.77.9.2:7500" "add writes ADDR:PORT to add_server"
: >"$S/add_server"
for bad in 10.0.0 10.0.0.256 host.example 10.0.0.1:0 10.0.0.1:65536 \
	   10.0.0.1: 10.0.0.1:x ::1 "[::1]:7471" 0.0.0.0 224.0.0.1 \
	   255.255.255.255 010.0.0.1 " 10.0.0.1" "10.0.0.1 " ""; do
	expect 2 "add rejects '$bad'" "${SYS[@]}" add "$bad"
done
file_is "$S/add_server" "" "a rejected address writes nothing"
expect 2 "add without an address" "${SYS[@]}" add
expect 0 "remove ADDR" "${SYS[@]}" remove 10.77.3.2
file_is "$S/remove_server" "10.77.3.2:7471" "remove writes ADDR:7471 to remove_server"
expect 2 "remove rejects a bad address" "${SYS[@]}" remove 10.77.3
expect 2 "add --timeout without --wait" "${SYS[@]}" add --timeout 3 10.77.9.2

# a failing write: the errno text and what was written
rm "$S/add_server"
mkdir "$S/add_server"
expect 1 "add: a failing write" "${SYS[@]}" add 10.77.9.2
contains "$T/err" "writing '10.77.9.2:7471' to $S/add_server failed: Is a directory" \
	"a failing write names the value, the file and the errno text"
rmdir "$S/add_server"
: >"$S/add_server"

# add --wait
put "$S/servers/10.77.8.2:7471/state" connecting
expect 4 "add --wait times out while the server is not live" "${SYS[@]}" --timeout 0.5 --wait add 10.77.8.2
contains "$T/err" "10.77.8.2:7471 is connecting" "add --wait: the timeout says the state"
(sleep 0.5; put "$S/servers/10.77.8.2:7471/state" live) &
expect 0 "add --wait returns once the server is live" "${SYS[@]}" --timeout 10 --wait add 10.77.8.2
wait
rm -rf "$S/servers/10.77.8.2:7471"

# ------------------------------------------------------------------ drain

expect 0 "drain" "${SYS[@]}" drain 10.77.1.2
file_is "$SV1/drain" 1 "drain writes 1 to servers/ADDR/drain"
expect 0 "drain --cancel" "${SYS[@]}" drain --cancel 10.77.1.2
file_is "$SV1/drain" 0 "drain --cancel writes 0"
expect 1 "drain of an unknown server" "${SYS[@]}" drain 10.77.7.2
contains "$T/err" "10.77.7.2:7471 is not a server of this host" "drain of an unknown server: message"
expect 2 "drain --cancel --wait" "${SYS[@]}" drain --cancel --wait 10.77.1.2
expect 2 "drain --timeout without --wait" "${SYS[@]}" drain --timeout 3 10.77.1.2
put "$SV1/sync_state" draining
expect 4 "drain --wait times out" "${SYS[@]}" drain --wait --timeout 0.6 10.77.1.2
(sleep 0.7; put "$SV1/chunks" 3; sleep 0.7; put "$SV1/chunks" 0; put "$SV1/pages" 0
 put "$SV1/sync_state" drained) &
expect 0 "drain --wait returns once drained" "${SYS[@]}" drain --wait --timeout 20 10.77.1.2
wait
contains "$T/out" "10.77.1.2:7471 drained" "drain --wait: says drained"
contains "$T/out" "draining 10.77.1.2:7471: [" "drain --wait: shows progress"
put "$SV1/sync_state" in_sync
expect 1 "drain --wait when the drain is cancelled meanwhile" "${SYS[@]}" drain --wait --timeout 5 10.77.1.2
make_tree "$R"

# --------------------------------------------------------- replicas, set

expect 0 "replicas 3" "${SYS[@]}" replicas 3
file_is "$S/replicas" 3 "replicas writes the replicas file"
for bad in 0 9 -1 abc "" 2x; do
	expect 2 "replicas rejects '$bad'" "${SYS[@]}" replicas "$bad"
done
file_is "$S/replicas" 3 "a rejected replicas writes nothing"
expect 0 "set deadline_ms" "${SYS[@]}" set deadline_ms 200
file_is "$S/deadline_ms" 200 "set deadline_ms writes the knob"
expect 0 "set enabled no" "${SYS[@]}" set enabled no
file_is "$S/enabled" 0 "set enabled no writes 0"
expect 0 "set checksum off" "${SYS[@]}" set checksum off
file_is "$S/checksum" 0 "set checksum off writes 0"
expect 0 "set auto_rebuild on" "${SYS[@]}" set auto_rebuild on
file_is "$S/auto_rebuild" 1 "set auto_rebuild on writes 1"
expect 0 "set sync_rate" "${SYS[@]}" set sync_rate 5000
file_is "$S/sync_rate" 5000 "set sync_rate writes the knob"
expect 0 "set rebuild-delay-ms (dashes)" "${SYS[@]}" set rebuild-delay-ms 0
file_is "$S/rebuild_delay_ms" 0 "set rebuild_delay_ms writes the knob"
expect 2 "set deadline_ms below its range" "${SYS[@]}" set deadline_ms 4
expect 2 "set heartbeat_ms above its range" "${SYS[@]}" set heartbeat_ms 60001
expect 2 "set lost_wait_ms not a number" "${SYS[@]}" set lost_wait_ms 1e3
expect 2 "set enabled maybe" "${SYS[@]}" set enabled maybe
expect 2 "set an unknown knob" "${SYS[@]}" set attached 1
expect 2 "set without a value" "${SYS[@]}" set deadline_ms
make_tree "$R"

# --------------------------------------------------------------- wait-sync

expect 0 "wait-sync when in sync" "${SYS[@]}" wait-sync
put "$S/stats/degraded_pages" 10
expect 4 "wait-sync times out while pages are degraded" "${SYS[@]}" wait-sync --timeout 1
contains "$T/err" "10 degraded pages" "wait-sync: the timeout says what is left"
put "$SV2/sync_state" syncing
put "$SV2/sync_total" 1000
put "$SV2/sync_done" 100
(sleep 1.2; put "$SV2/sync_done" 600; sleep 1.2; put "$SV2/sync_done" 1000
 put "$SV2/sync_state" in_sync; put "$S/stats/degraded_pages" 0) &
expect 0 "wait-sync returns once synced" "${SYS[@]}" wait-sync --timeout 20
wait
contains "$T/out" "waiting: 1 server syncing, 100 of 1000 pages copied" "wait-sync: plain progress lines when not a terminal"
if ! grep -q $'\r' "$T/out"; then
	pass "wait-sync: no carriage returns when not a terminal"
else
	fail "wait-sync: no carriage returns when not a terminal"
fi
contains "$T/out" "in sync after" "wait-sync: says in sync"
if command -v script >/dev/null 2>&1; then
	put "$SV2/sync_state" syncing
	put "$S/stats/degraded_pages" 3
	script -qec "$CTL --sysfs $S wait-sync --timeout 1.5" /dev/null >"$T/tty" 2>&1
	if grep -q $'\r\\[#*-*\\]' "$T/tty"; then
		pass "wait-sync: a progress bar on a terminal"
	else
		fail "wait-sync: a progress bar on a terminal"
		sed 's/^/#   tty: /' "$T/tty" | cat -A | head -n 5
	fi
else
	skip "wait-sync: a progress bar on a terminal" "no script(1)"
fi
make_tree "$R"

# ------------------------------------------------------------------ detach

: >"$T/calls"
put "$S/stats/stored_pages" 4242
expect 1 "detach refuses while pages are held" "${SYS[@]}" detach
contains "$T/err" "rraim holds 4242 pages" "detach: says how many pages"
contains "$T/err" "swapoff" "detach: tells to swapoff first"
file_is "$R/kernel/livepatch/rraim/enabled" 1 "detach refused: the livepatch is untouched"
file_is "$S/enabled" 1 "detach refused: enabled is untouched"
if [ ! -s "$T/calls" ]; then
	pass "detach refused: rmmod not run"
else
	fail "detach refused: rmmod not run"
fi

put "$S/stats/stored_pages" 0
put "$S/stats/spaces" 2
expect 1 "detach refuses while swap areas it serves are on" "${SYS[@]}" detach
contains "$T/err" "2 swap areas rraim serves are still on" "detach: says how many areas are on"
contains "$T/err" "swapoff" "detach: tells to swapoff the areas first"
file_is "$R/kernel/livepatch/rraim/enabled" 1 "detach refused for areas: the livepatch is untouched"
put "$S/stats/spaces" 0
expect 4 "detach times out while the livepatch stays" "${SYS[@]}" detach --timeout 0.5
file_is "$R/kernel/livepatch/rraim/enabled" 0 "detach writes 0 to the livepatch's enabled"
file_is "$S/enabled" 0 "detach stops new stores first"
if [ ! -s "$T/calls" ]; then
	pass "detach timed out: rmmod not run"
else
	fail "detach timed out: rmmod not run"
fi

make_tree "$R"
cat >"$T/bin/rmmod.hook" <<EOF
#!/bin/sh
rm -rf "$S"
EOF
chmod +x "$T/bin/rmmod.hook"
put "$S/stats/stored_pages" 0
(i=0; while [ "$(cat "$R/kernel/livepatch/rraim/enabled" 2>/dev/null)" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1)); done
 sleep 0.3; rm -rf "$R/kernel/livepatch/rraim") &
expect 0 "detach: unpatch, wait, rmmod" "${SYS[@]}" detach --timeout 10
wait
contains "$T/calls" "rmmod rraim" "detach runs rmmod rraim"
contains "$T/out" "rraim detached and unloaded" "detach: says done"
rm -f "$T/bin/rmmod.hook"

make_tree "$R"
put "$S/stats/stored_pages" 0
rm -rf "$R/kernel/livepatch/rraim"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/rmmod.hook"
chmod +x "$T/bin/rmmod.hook"
expect 1 "detach: rmmod failing" "${SYS[@]}" detach
contains "$T/err" "rmmod rraim failed" "detach: says rmmod failed"
rm -f "$T/bin/rmmod.hook"

# a store that slips in between the first look and disabling stores
make_tree "$R"
mv "$S/stats/stored_pages" "$S/stats/stored_pages.real"
mkfifo "$S/stats/stored_pages"
(echo 0 >"$S/stats/stored_pages"; echo 3 >"$S/stats/stored_pages") &
expect 1 "detach re-checks after disabling stores" "${SYS[@]}" detach
wait
file_is "$S/enabled" 1 "detach: enabled restored after the late refusal"
file_is "$R/kernel/livepatch/rraim/enabled" 1 "detach: livepatch untouched after the late refusal"
make_tree "$R"

# ------------------------------------------------------------ configuration

EX=$TOP/systemd/rraim.conf.example
expect 0 "the example configuration parses" --config "$EX" config
contains "$T/out" "servers = 192.0.2.10:7471, 192.0.2.11:7471, 192.0.2.12:7471" "config: servers in the module's spelling"
expect 0 "config KEY" --config "$EX" config swap
if [ "$(cat "$T/out")" = /dev/disk/by-partlabel/rraim-swap ]; then
	pass "config swap prints the swap areas"
else
	fail "config swap prints the swap areas"
fi

badconf() {	# badconf NAME LINE-MATCH CONTENT
	printf '%s\n' "$3" >"$T/bad.conf"
	ctl --config "$T/bad.conf" config
	if [ "$RC" = 2 ] && grep -qF -- "$2" "$T/err"; then
		pass "config: $1 (exit 2, '$2')"
	else
		fail "config: $1: exit $RC, expected 2 and '$2'"
	fi
}
badconf "unknown key with its line number" "bad.conf:3: unknown key 'replica'" \
	$'# comment\n\nreplica = 2'
badconf "no '='" "bad.conf:1: expected 'key = value'" "servers 10.0.0.1"
badconf "missing key" "bad.conf:1: missing key" "= 2"
badconf "missing value" "bad.conf:1: replicas: missing value" "replicas ="
badconf "bad address" "bad.conf:1: servers: '10.0.0': not an IPv4 address" "servers = 10.0.0"
badconf "duplicate server" "listed twice" "servers = 10.0.0.1, 10.0.0.1:7471"
badconf "replicas out of range" "replicas: 9 is out of range (1 to 8)" "replicas = 9"
badconf "not a number" "deadline_ms: 'fast' is not a decimal number" "deadline_ms = fast"
badconf "bad boolean" "auto_rebuild: 'maybe' is not a boolean" "auto_rebuild = maybe"
badconf "duplicate key" "bad.conf:2: replicas given twice (first at" $'replicas = 1\nreplicas = 2'
badconf "relative swap path" "swap: 'swapfile' is not an absolute path" "swap = swapfile"
badconf "inline comment" "comments must be on lines of their own" "replicas = 2 # two"
badconf "quotes" "quotes are not supported" 'swap = "/dev/sdb2"'
badconf "replicas above the servers" "replicas = 3 but servers lists only 2" \
	$'servers = 10.0.0.1 10.0.0.2\nreplicas = 3'
badconf "bad attach_timeout" "attach_timeout: 'soon'" "attach_timeout = soon"
badconf "bad min_live" "min_live: 'most'" "min_live = most"
badconf "relative encrypt_key" "encrypt_key: 'page-key' is not an absolute path" \
	"encrypt_key = page-key"
badconf "checksum off with encrypt_key" "checksum = 0 but encrypt_key is set" \
	$'encrypt_key = /etc/rraim/page-key\nchecksum = no'
expect 2 "config: missing file" --config "$T/none.conf" config
expect 2 "config: unknown KEY" --config "$EX" config nokey
# config_prints NAME CONTENT OUTPUT: "config" of a file of CONTENT prints OUTPUT
config_prints() {
	printf '%s\n' "$2" >"$T/good.conf"
	expect 0 "config: $1" --config "$T/good.conf" config
	if [ "$(cat "$T/out")" = "$3" ]; then
		pass "config: $1: prints it normalized"
	else
		fail "config: $1: prints it normalized"
	fi
}
config_prints "repeated list keys and dashes" \
	$'servers = 10.0.0.1\nservers = 10.0.0.2:7000\nswap = /a\nswap = /b\nmin-live = 1\nattach_timeout = 2.5' \
	$'servers = 10.0.0.1:7471, 10.0.0.2:7000\nswap = /a\nswap = /b\nattach_timeout = 2.5\nmin_live = 1'
config_prints "key files, their paths only" \
	$'secret = /etc/rraim/secret\nencrypt_key = /etc/rraim/page-key' \
	$'secret = /etc/rraim/secret\nencrypt_key = /etc/rraim/page-key'
expect 0 "config encrypt_key" --config "$T/good.conf" config encrypt_key
file_is "$T/out" /etc/rraim/page-key "config encrypt_key prints the path"

# mode and disksize: the front end, and the size of the block front end's
# device as rraim_blk's disksize= takes it
badconf "unknown mode" "bad.conf:1: mode: 'zram' is neither 'hooks' (or 'frontswap', the same) nor 'blockdev'" \
	"mode = zram"
badconf "mode given twice" "bad.conf:2: mode given twice" $'mode = hooks\nmode = hooks'
badconf "blockdev without disksize" "bad.conf:1: mode = blockdev needs disksize, the size of /dev/rraim0" \
	$'mode = blockdev\nservers = 10.0.0.1'
badconf "disksize without a mode" "bad.conf:2: disksize is the size of /dev/rraim0, for mode = blockdev only" \
	$'servers = 10.0.0.1\ndisksize = 1G'
badconf "disksize with mode = hooks" "bad.conf:2: disksize is the size of /dev/rraim0, for mode = blockdev only" \
	$'mode = hooks\ndisksize = 1G'
badconf "swap with mode = blockdev" "bad.conf:3: swap is for mode = hooks only: with mode = blockdev the swap area is /dev/rraim0" \
	$'mode = blockdev\ndisksize = 1G\nswap = /dev/sdb2'
for bad in 1.5G -1G G 1GB 1KiB "1 G" 0x1000 010M 1P 4k4 +4K; do
	badconf "disksize '$bad'" "disksize: '$bad' is not a size" \
		$'mode = blockdev\ndisksize = '"$bad"
done
for bad in 0 0K 17T 16385G 17179869185K 99999999999999999999T \
	   1234567890123456789012345; do
	badconf "disksize $bad" "disksize: $bad is out of range (4K to 16T)" \
		$'mode = blockdev\ndisksize = '"$bad"
done
for bad in 1000 4097 6K 12345; do
	badconf "disksize $bad" "disksize: $bad is not a multiple of the page size (4096 bytes)" \
		$'mode = blockdev\ndisksize = '"$bad"
done
# size_is VALUE PRINTED: disksize = VALUE is taken, and printed as PRINTED
size_is() {
	printf 'mode = blockdev\ndisksize = %s\n' "$1" >"$T/good.conf"
	ctl --config "$T/good.conf" config disksize
	if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$2" ]; then
		pass "config: disksize $1 is $2"
	else
		fail "config: disksize $1 is $2: exit $RC, '$(cat "$T/out")'"
	fi
}
size_is 4096 4K
size_is 4k 4K
size_is 64m 64M
size_is 1536M 1536M
size_is 1g 1G
size_is 16T 16T
size_is 16384G 16T
size_is 8192 8K
config_prints "mode = blockdev and disksize" \
	$'servers = 10.0.0.1\ndisksize = 65536K\nmode = blockdev' \
	$'mode = blockdev\ndisksize = 64M\nservers = 10.0.0.1:7471'
# all_copies: rraim_blk's all_copies=, blockdev only (0 too), a boolean
badconf "all_copies without a mode" "bad.conf:2: all_copies is the rule of writes to /dev/rraim0, for mode = blockdev only" \
	$'servers = 10.0.0.1\nall_copies = 1'
badconf "all_copies = 0 with mode = hooks" "bad.conf:2: all_copies is the rule of writes to /dev/rraim0, for mode = blockdev only" \
	$'mode = hooks\nall_copies = 0'
badconf "all_copies 'maybe'" "bad.conf:3: all_copies: 'maybe' is not a boolean (yes/no, 1/0, on/off, true/false)" \
	$'mode = blockdev\ndisksize = 1G\nall_copies = maybe'
badconf "all_copies given twice" "bad.conf:4: all_copies given twice" \
	$'mode = blockdev\ndisksize = 1G\nall_copies = 1\nall_copies = 1'
config_prints "mode = blockdev and all_copies = yes" \
	$'mode = blockdev\nall-copies = yes\ndisksize = 64M' \
	$'mode = blockdev\ndisksize = 64M\nall_copies = 1'
expect 0 "config all_copies" --config "$T/good.conf" config all_copies
file_is "$T/out" 1 "config all_copies prints 1"
config_prints "mode = blockdev and all_copies = 0" \
	$'mode = blockdev\ndisksize = 64M\nall_copies = 0' \
	$'mode = blockdev\ndisksize = 64M\nall_copies = 0'
config_prints "mode = frontswap, the hooks" \
	$'mode = frontswap\nswap = /a' $'mode = hooks\nswap = /a'
expect 0 "config mode" --config "$T/good.conf" config mode
file_is "$T/out" hooks "config mode prints the front end"
printf 'swap = /a\n' >"$T/good.conf"
expect 0 "config mode, not set" --config "$T/good.conf" config mode
file_is "$T/out" hooks "config mode prints the default front end: hooks"
expect 0 "config, mode not set" --config "$T/good.conf" config
file_is "$T/out" "swap = /a" "config prints no mode the file does not set"

# ------------------------------------------------------------------ attach

rm -rf "$R"
mkdir -p "$R/kernel" "$R/module/zswap/parameters"
put "$R/module/zswap/parameters/enabled" N
: >"$T/calls"
mkswap_file() { : >"$1"; }
mkswap_file "$T/swap1"
mkswap_file "$T/swap2"
cat >"$T/rraim.conf" <<EOF
servers = 10.77.1.2, 10.77.2.2, 10.77.3.2:7471
replicas = 2
deadline_ms = 150
auto_rebuild = no
swap = $T/swap1
swap = $T/swap2
attach_timeout = 5
EOF
# modprobe stand-in: the module's tree appears, attached, servers live
cat >"$T/bin/modprobe.hook" <<EOF
#!/bin/bash
$(declare -f put make_tree)
make_tree "$R" 3
EOF
chmod +x "$T/bin/modprobe.hook"
expect 0 "attach with the configuration" "${SYS[@]}" --config "$T/rraim.conf" attach
contains "$T/calls" "modprobe rraim servers=10.77.1.2:7471,10.77.2.2:7471,10.77.3.2:7471 replicas=2 deadline_ms=150 auto_rebuild=0" \
	"attach: modprobe with the configuration's servers and knobs"
contains "$T/out" "rraim attached; 3 of 3 servers live" "attach: says attached"

# command-line keys override the file
rm -rf "$S"
: >"$T/calls"
expect 0 "attach with command-line keys" "${SYS[@]}" --config "$T/rraim.conf" attach replicas=1 servers=10.77.1.2
contains "$T/calls" "modprobe rraim servers=10.77.1.2:7471 replicas=1 deadline_ms=150 auto_rebuild=0" \
	"attach: command-line keys replace the file's"
rm -rf "$S"
expect 2 "attach: bad command-line key" "${SYS[@]}" --no-config attach replica=1
expect 2 "attach: bad command-line value" "${SYS[@]}" --no-config attach servers=10.77.1
expect 2 "attach: replicas above the servers" "${SYS[@]}" --no-config attach servers=10.77.1.2 replicas=2
expect 2 "attach: --config with --no-config" "${SYS[@]}" --no-config --config "$T/rraim.conf" attach

# a server that does not come up
cat >"$T/bin/modprobe.hook" <<EOF
#!/bin/bash
$(declare -f put make_tree)
make_tree "$R" 3
put "$S/servers/10.77.3.2:7471/state" connecting
put "$S/servers/10.77.3.2:7471/state_reason" "connect failed"
EOF
expect 4 "attach times out while a server is not live" "${SYS[@]}" --config "$T/rraim.conf" attach --timeout 0.5
contains "$T/err" "10.77.3.2:7471: connecting (connect failed)" "attach timeout: names the server and why"
rm -rf "$S"
expect 0 "attach --min-live 2 with a server down" "${SYS[@]}" --config "$T/rraim.conf" attach --min-live 2 --timeout 2
rm -rf "$S"

# the livepatch does not complete
cat >"$T/bin/modprobe.hook" <<EOF
#!/bin/bash
$(declare -f put make_tree)
make_tree "$R" 3
put "$S/attached" 0
EOF
expect 4 "attach times out while not attached" "${SYS[@]}" --config "$T/rraim.conf" attach --timeout 0.5
contains "$T/err" "the livepatch transition has not completed" "attach timeout: says the livepatch is pending"
rm -rf "$S"

# modprobe fails
printf '#!/bin/sh\nexit 1\n' >"$T/bin/modprobe.hook"
expect 1 "attach: modprobe failing" "${SYS[@]}" --config "$T/rraim.conf" attach
contains "$T/err" "modprobe rraim failed (exit status 1)" "attach: says modprobe failed"
rm -f "$T/bin/modprobe.hook"

# key files: logon keys while modprobe runs, unlinked after, never shown.
# An unlinked key stays in /proc/keys until the kernel's key garbage
# collector, a work item, has run: wait for it (up to 5 s).
keys_gone() {
	local n=0

	while grep -q ' rraim:' /proc/keys; do
		n=$((n + 1))
		[ $n -ge 50 ] && return 1
		sleep 0.1
	done
}

KEYTEXT=RRAIM-KEY-BYTES-NEVER-PRINTED-0
printf '%s' "$KEYTEXT" >"$T/secret"
printf '%s' "$KEYTEXT" | tr 'A-Z' 'a-z' >"$T/page-key"
chmod 600 "$T/secret" "$T/page-key"
cp "$T/rraim.conf" "$T/keys.conf"
printf 'secret = %s\nencrypt_key = %s\n' "$T/secret" "$T/page-key" >>"$T/keys.conf"
cat >"$T/bin/modprobe.hook" <<EOF
#!/bin/bash
grep -F ' rraim:' /proc/keys >"$T/keys-during"
$(declare -f put make_tree)
make_tree "$R" 3
EOF
chmod +x "$T/bin/modprobe.hook"
: >"$T/calls"
ctl "${SYS[@]}" --config "$T/keys.conf" attach
if attached_with_keys "attach with secret and encrypt_key"; then
	contains "$T/calls" "auto_rebuild=0 auth_key=rraim:cluster encrypt_key=rraim:pages" \
		"attach: modprobe names both logon keys"
	contains "$T/keys-during" "logon" "attach: logon keys while modprobe runs"
	contains "$T/keys-during" "rraim:pages" "attach: the page key while modprobe runs"
	contains "$T/keys-during" "rraim:cluster" "attach: the secret while modprobe runs"
	if keys_gone; then
		pass "attach: the logon keys are unlinked after modprobe"
	else
		fail "attach: the logon keys are unlinked after modprobe: $(grep ' rraim:' /proc/keys)"
	fi
	if ! grep -qi "$KEYTEXT" "$T/out" "$T/err" "$T/calls"; then
		pass "attach: the key bytes are never printed"
	else
		fail "attach: the key bytes are never printed"
	fi
	rm -rf "$S"
	printf '#!/bin/sh\ngrep -F " rraim:" /proc/keys >"%s"\nexit 1\n' "$T/keys-during" \
		>"$T/bin/modprobe.hook"
	chmod +x "$T/bin/modprobe.hook"
	expect 1 "attach with key files: modprobe failing" "${SYS[@]}" --config "$T/keys.conf" attach
	contains "$T/keys-during" "rraim:pages" "attach failing: the page key was there for modprobe"
	if keys_gone; then
		pass "attach failing: the logon keys are unlinked too"
	else
		fail "attach failing: the logon keys are unlinked too: $(grep ' rraim:' /proc/keys)"
	fi
fi
rm -f "$T/bin/modprobe.hook"
chmod 644 "$T/page-key"
: >"$T/calls"
expect 1 "attach refuses a page key others may read" "${SYS[@]}" --config "$T/keys.conf" attach
contains "$T/err" "encrypt_key: $T/page-key may be read or written by others (mode 0644): make it 0600" \
	"attach: says what is wrong with the page key"
if keys_gone; then
	pass "attach refused for its page key: the secret's key was unlinked"
else
	fail "attach refused for its page key: the secret's key was unlinked: $(grep ' rraim:' /proc/keys)"
fi
head -c 8 /dev/urandom >"$T/page-key"
chmod 600 "$T/page-key"
expect 1 "attach refuses a page key of 8 bytes" "${SYS[@]}" --config "$T/keys.conf" attach
contains "$T/err" "encrypt_key: $T/page-key holds 8 bytes" "attach: says the page key is too short"
if [ ! -s "$T/calls" ]; then
	pass "attach refused for its key: modprobe not run"
else
	fail "attach refused for its key: modprobe not run"
fi
printf '%s' "$KEYTEXT" >"$T/page-key"

# refusals before loading
: >"$T/calls"
put "$R/module/zswap/parameters/enabled" Y
expect 1 "attach refuses while zswap is enabled" "${SYS[@]}" --config "$T/rraim.conf" attach
contains "$T/err" "zswap is enabled" "attach: zswap message"
put "$R/module/zswap/parameters/enabled" N
printf '%s\tfile\t\t1024\t0\t-2\n' "$T/swap2" >>"$T/proc-swaps"
expect 1 "attach refuses when a configured swap area is already on" "${SYS[@]}" --config "$T/rraim.conf" attach
contains "$T/err" "swap area $T/swap2 is already on" "attach: names the swap area that is on"
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$T/proc-swaps"
sed "s|$T/swap2|$T/missing|" "$T/rraim.conf" >"$T/missing.conf"
expect 1 "attach refuses a missing swap area" "${SYS[@]}" --config "$T/missing.conf" attach
if [ ! -s "$T/calls" ]; then
	pass "attach refused: modprobe not run"
else
	fail "attach refused: modprobe not run"
fi

# already loaded: the configuration is applied at run time
make_tree "$R" 2
: >"$T/calls"
expect 0 "attach when loaded adds the missing servers and sets the knobs" "${SYS[@]}" --config "$T/rraim.conf" attach --min-live 2
file_is "$S/add_server" "10.77.3.2:7471" "attach when loaded: add_server"
file_is "$S/deadline_ms" 150 "attach when loaded: deadline_ms"
file_is "$S/auto_rebuild" 0 "attach when loaded: auto_rebuild"
if ! grep -q modprobe "$T/calls"; then
	pass "attach when loaded: no modprobe"
else
	fail "attach when loaded: no modprobe"
fi

# already loaded: encryption is chosen at load; a change is refused
grep -v '^secret' "$T/keys.conf" >"$T/enc.conf"
enc_refused() {	# enc_refused NAME CONFIG TEXT
	make_tree "$R" 2
	[ -n "$ENC" ] && put "$S/encryption" "$ENC"
	expect 1 "attach when loaded: $1" "${SYS[@]}" --config "$2" attach --min-live 2
	contains "$T/err" "$3" "attach when loaded: $1: says why"
	file_is "$S/add_server" "" "attach when loaded: $1: nothing changed"
}
ENC=off
enc_refused "encryption off, encrypt_key set" "$T/enc.conf" \
	"does not encrypt pages (encryption: off) but the configuration sets encrypt_key: changing encryption needs 'rraimctl detach' first"
ENC="on xts(aes) xts-aes-generic"
enc_refused "encryption on, no encrypt_key" "$T/rraim.conf" \
	"encrypts pages (encryption: on xts(aes) xts-aes-generic) but the configuration sets no encrypt_key: changing encryption needs 'rraimctl detach' first"
ENC=
enc_refused "no encryption in the module, encrypt_key set" "$T/enc.conf" \
	"the loaded rraim module has no page encryption"
make_tree "$R" 2
put "$S/encryption" "on xts(aes) xts-aes-generic"
expect 0 "attach when loaded: encryption on as configured" "${SYS[@]}" --config "$T/enc.conf" attach --min-live 2
contains "$T/out" "encryption: on already; the loaded module keeps the key it was loaded with" \
	"attach when loaded: says the key stays"
file_is "$S/add_server" "10.77.3.2:7471" "attach when loaded, encryption on: add_server"
make_tree "$R" 2
put "$S/encryption" off
expect 0 "attach when loaded: encryption off as configured" "${SYS[@]}" --config "$T/rraim.conf" attach --min-live 2

# ---------------------------------------------------------- swapon, swapoff

make_tree "$R"
: >"$T/calls"
expect 0 "swapon turns the areas on in order" "${SYS[@]}" --config "$T/rraim.conf" swapon
if [ "$(cat "$T/calls")" = "$(printf 'swapon %s\nswapon %s' "$T/swap1" "$T/swap2")" ]; then
	pass "swapon runs swapon for each area"
else
	fail "swapon runs swapon for each area: $(tr '\n' ';' <"$T/calls")"
fi
: >"$T/calls"
printf '%s\tfile\t1024\t0\t-2\n' "$(echo "$T/swap1" | sed 's/ /\\040/g')" >>"$T/proc-swaps"
expect 0 "swapon skips an area already on" "${SYS[@]}" --config "$T/rraim.conf" swapon
contains "$T/out" "$T/swap1 is already on" "swapon: says already on"
if [ "$(cat "$T/calls")" = "swapon $T/swap2" ]; then
	pass "swapon: only the area that is off"
else
	fail "swapon: only the area that is off: $(tr '\n' ';' <"$T/calls")"
fi
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$T/proc-swaps"
: >"$T/calls"
cat >"$T/bin/swapon.hook" <<EOF
#!/bin/sh
[ "\$1" = "$T/swap2" ] && exit 1
exit 0
EOF
chmod +x "$T/bin/swapon.hook"
expect 1 "swapon: a failure undoes the areas turned on" "${SYS[@]}" --config "$T/rraim.conf" swapon
if [ "$(cat "$T/calls")" = "$(printf 'swapon %s\nswapon %s\nswapoff %s' "$T/swap1" "$T/swap2" "$T/swap1")" ]; then
	pass "swapon: rolled back"
else
	fail "swapon: rolled back: $(tr '\n' ';' <"$T/calls")"
fi
rm -f "$T/bin/swapon.hook"
put "$S/attached" 0
: >"$T/calls"
expect 1 "swapon refuses while not attached" "${SYS[@]}" --config "$T/rraim.conf" swapon
contains "$T/err" "rraim is not attached" "swapon: says not attached"
expect 3 "swapon when the module is not loaded" --sysfs "$T/none/kernel/rraim" --config "$T/rraim.conf" swapon
put "$S/attached" 1

printf '%s\tfile\t1024\t0\t-2\n%s\tfile\t1024\t0\t-3\n' "$T/swap1" "$T/swap2" >>"$T/proc-swaps"
: >"$T/calls"
expect 0 "swapoff turns the areas off, last first" "${SYS[@]}" --config "$T/rraim.conf" swapoff
if [ "$(cat "$T/calls")" = "$(printf 'swapoff %s\nswapoff %s' "$T/swap2" "$T/swap1")" ]; then
	pass "swapoff runs swapoff for each area"
else
	fail "swapoff runs swapoff for each area: $(tr '\n' ';' <"$T/calls")"
fi
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$T/proc-swaps"
: >"$T/calls"
expect 0 "swapoff with the areas already off" "${SYS[@]}" --config "$T/rraim.conf" swapoff
if [ ! -s "$T/calls" ]; then
	pass "swapoff: nothing run when off"
else
	fail "swapoff: nothing run when off"
fi
expect 2 "swapoff: missing configuration" "${SYS[@]}" --config "$T/none.conf" swapoff

# ---------------------------------------------------- the block front end

BLK=$T/dev/rraim0
# The tree rraim_blk makes: rraim's without the livepatch, and its module's
# parameters (disksize in bytes, 64 MiB by default; all_copies N by
# default).  The device is apart.
make_blk_tree() {	# make_blk_tree ROOT [N [DISKSIZE [ALL_COPIES]]]
	make_tree "$1" "${2:-3}"
	rm -rf "$1/kernel/livepatch"
	put "$1/module/rraim_blk/parameters/disksize" "${3:-67108864}"
	put "$1/module/rraim_blk/parameters/all_copies" "${4:-N}"
	: >"$1/module/rraim_blk/parameters/auth_key"
	put "$1/kernel/rraim/stats/spaces" 1
	put "$1/kernel/rraim/stats/stored_pages" 0
}
swaps_empty() {
	printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$T/proc-swaps"
}
swaps_blk() {
	printf '%s\tpartition\t65532\t0\t-2\n' "$BLK" >>"$T/proc-swaps"
}
# calls_are NAME LINE...: the programs run were these, in this order
calls_are() {
	local name=$1 want

	shift
	want=$(printf '%s\n' "$@")
	if [ "$(cat "$T/calls")" = "$want" ]; then
		pass "$name"
	else
		fail "$name: $(tr '\n' ';' <"$T/calls")"
	fi
}

cat >"$T/blk.conf" <<EOF
mode = blockdev
disksize = 64M
servers = 10.77.1.2, 10.77.2.2, 10.77.3.2
replicas = 2
attach_timeout = 5
EOF
# modprobe stand-in: rraim_blk's tree, then the device, now, late or never
# ($BLK_DEV)
cat >"$T/bin/modprobe.hook" <<EOF
#!/bin/bash
$(declare -f put make_tree make_blk_tree)
make_blk_tree "$R" 3
case \${BLK_DEV:-now} in
now)	: >"$BLK" ;;
late)	(sleep 0.7; : >"$BLK") & ;;
esac
exit 0
EOF
chmod +x "$T/bin/modprobe.hook"
rm -rf "$R" "$BLK"
mkdir -p "$R/kernel" "$R/module/zswap/parameters"
# zswap may stay on in front of the device
put "$R/module/zswap/parameters/enabled" Y
swaps_empty
: >"$T/calls"
expect 0 "blockdev: attach loads rraim_blk, zswap on" "${SYS[@]}" --config "$T/blk.conf" attach
calls_are "blockdev: modprobe rraim_blk with disksize= and the configuration" \
	"modprobe rraim_blk disksize=64M servers=10.77.1.2:7471,10.77.2.2:7471,10.77.3.2:7471 replicas=2"
contains "$T/out" "rraim_blk attached, $BLK ready (64.0 MiB); 3 of 3 servers live" \
	"blockdev: attach says the device is ready"

rm -rf "$S" "$BLK"
export BLK_DEV=late
expect 0 "blockdev: attach waits for the device to appear" "${SYS[@]}" --config "$T/blk.conf" attach
wait
rm -rf "$S" "$BLK"
BLK_DEV=never
expect 4 "blockdev: attach times out when the device does not appear" "${SYS[@]}" --config "$T/blk.conf" attach --timeout 0.5
contains "$T/err" "$BLK has not appeared" "blockdev: the timeout names the device"
unset BLK_DEV

rm -rf "$S" "$BLK"
: >"$T/calls"
expect 0 "blockdev: mode and disksize on the command line" "${SYS[@]}" --no-config attach mode=blockdev disksize=1536M servers=10.77.1.2
calls_are "blockdev: modprobe with the command line's disksize" \
	"modprobe rraim_blk disksize=1536M servers=10.77.1.2:7471"
rm -rf "$S" "$BLK"
cp "$T/blk.conf" "$T/blk-all.conf"
echo "all_copies = 1" >>"$T/blk-all.conf"
: >"$T/calls"
expect 0 "blockdev: attach with all_copies = 1" "${SYS[@]}" --config "$T/blk-all.conf" attach
calls_are "blockdev: modprobe rraim_blk with all_copies=1" \
	"modprobe rraim_blk disksize=64M all_copies=1 servers=10.77.1.2:7471,10.77.2.2:7471,10.77.3.2:7471 replicas=2"
rm -rf "$S" "$BLK"
: >"$T/calls"
expect 0 "blockdev: attach with all_copies = 0 on the command line" "${SYS[@]}" --config "$T/blk-all.conf" attach all_copies=0
calls_are "blockdev: all_copies = 0: modprobe without all_copies=" \
	"modprobe rraim_blk disksize=64M servers=10.77.1.2:7471,10.77.2.2:7471,10.77.3.2:7471 replicas=2"
rm -rf "$S" "$BLK"
: >"$T/calls"
expect 0 "blockdev: all_copies on the command line" "${SYS[@]}" --no-config attach mode=blockdev disksize=1536M all_copies=on servers=10.77.1.2
calls_are "blockdev: modprobe with the command line's all_copies" \
	"modprobe rraim_blk disksize=1536M all_copies=1 servers=10.77.1.2:7471"
ctl "${SYS[@]}" --config "$T/rraim.conf" attach all_copies=1
if [ "$RC" = 2 ] && grep -qF "argument 'all_copies=1': all_copies is the rule of writes to /dev/rraim0, for mode = blockdev only" "$T/err"; then
	pass "attach: all_copies on the command line with mode = hooks: exit 2, for mode = blockdev only"
else
	fail "attach: all_copies on the command line with mode = hooks: exit $RC, expected 2, for mode = blockdev only"
fi
expect 2 "attach: disksize on the command line with mode = hooks" "${SYS[@]}" --config "$T/rraim.conf" attach disksize=1G
contains "$T/err" "argument 'disksize=1G': disksize is the size of /dev/rraim0, for mode = blockdev only" \
	"attach: says disksize is for mode = blockdev only"

rm -rf "$S" "$BLK"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/modprobe.hook"
expect 1 "blockdev: modprobe failing" "${SYS[@]}" --config "$T/blk.conf" attach
contains "$T/err" "modprobe rraim_blk failed (exit status 1)" "blockdev: says modprobe rraim_blk failed"
rm -f "$T/bin/modprobe.hook"

# loaded: applied at run time, but the device's size is fixed at load
make_blk_tree "$R" 2
: >"$BLK"
: >"$T/calls"
expect 0 "blockdev: attach when rraim_blk is loaded applies the configuration" "${SYS[@]}" --config "$T/blk.conf" attach --min-live 2
contains "$T/out" "rraim_blk is already loaded: applying the configuration at run time" \
	"blockdev: attach when loaded says so"
file_is "$S/add_server" "10.77.3.2:7471" "blockdev: attach when loaded: add_server"
if [ ! -s "$T/calls" ]; then
	pass "blockdev: attach when loaded: no modprobe"
else
	fail "blockdev: attach when loaded: no modprobe"
fi
make_blk_tree "$R" 2 1073741824
expect 1 "blockdev: attach refuses a loaded rraim_blk of another size" "${SYS[@]}" --config "$T/blk.conf" attach --min-live 2
contains "$T/err" "the loaded rraim_blk has disksize = 1G but the configuration sets 64M: the size of $BLK is fixed when it loads" \
	"blockdev: says the size is fixed at load"
file_is "$S/add_server" "" "blockdev: another size: nothing changed"
make_blk_tree "$R" 2
expect 1 "blockdev: attach refuses a loaded rraim_blk of all_copies N with all_copies = 1" "${SYS[@]}" --config "$T/blk-all.conf" attach --min-live 2
contains "$T/err" "the loaded rraim_blk has all_copies = 0 but the configuration sets 1: it is fixed when the module loads" \
	"blockdev: says all_copies is fixed at load"
make_blk_tree "$R" 2 67108864 Y
expect 1 "blockdev: attach refuses a loaded rraim_blk of all_copies Y with all_copies unset" "${SYS[@]}" --config "$T/blk.conf" attach --min-live 2
contains "$T/err" "the loaded rraim_blk has all_copies = 1 but the configuration sets 0" \
	"blockdev: says the loaded all_copies is 1"
file_is "$S/add_server" "" "blockdev: all_copies Y, unset: nothing changed"
make_blk_tree "$R" 2 67108864 Y
expect 0 "blockdev: attach takes a loaded rraim_blk of all_copies Y with all_copies = 1" "${SYS[@]}" --config "$T/blk-all.conf" attach --min-live 2
file_is "$S/add_server" "10.77.3.2:7471" "blockdev: the same all_copies: add_server"
make_blk_tree "$R" 2
rm -f "$R/module/rraim_blk/parameters/all_copies"
expect 1 "blockdev: attach refuses all_copies = 1 on a rraim_blk without the parameter" "${SYS[@]}" --config "$T/blk-all.conf" attach --min-live 2
contains "$T/err" "all_copies = 1, but the loaded rraim_blk has no all_copies parameter" \
	"blockdev: says the loaded rraim_blk has no all_copies"

# one front end at a time
make_tree "$R" 3
: >"$T/calls"
expect 1 "blockdev: attach refuses while rraim is loaded" "${SYS[@]}" --config "$T/blk.conf" attach
contains "$T/err" "the loaded module is rraim (the swap hooks), but the configuration sets mode = blockdev: one front end at a time, so 'rraimctl swapoff' and 'rraimctl detach' come first" \
	"blockdev: says which module is loaded and what comes first"
file_is "$S/add_server" "" "blockdev: rraim loaded: nothing changed"
make_blk_tree "$R" 3
expect 1 "hooks: attach refuses while rraim_blk is loaded" "${SYS[@]}" --config "$T/rraim.conf" attach
contains "$T/err" "the loaded module is rraim_blk (the block device), but the configuration sets mode = hooks" \
	"hooks: says rraim_blk is loaded"
file_is "$S/add_server" "" "hooks: rraim_blk loaded: nothing changed"
if [ ! -s "$T/calls" ]; then
	pass "the other front end loaded: modprobe not run"
else
	fail "the other front end loaded: modprobe not run"
fi

# the secret goes to rraim_blk's own auth_key parameter
cp "$T/blk.conf" "$T/blk-keys.conf"
printf 'secret = %s\n' "$T/secret" >>"$T/blk-keys.conf"
printf '%s' "$KEYTEXT" >"$T/secret"
chmod 600 "$T/secret"
make_blk_tree "$R" 3
ctl "${SYS[@]}" --config "$T/blk-keys.conf" attach
if attached_with_keys "blockdev: attach when loaded with a secret"; then
	file_is "$R/module/rraim_blk/parameters/auth_key" "rraim:cluster" \
		"blockdev: the secret goes to rraim_blk's auth_key"
fi

# swapon: mkswap then swapon, never mkswap on an active swap area
make_blk_tree "$R"
: >"$BLK"
: >"$T/calls"
expect 0 "blockdev: swapon" "${SYS[@]}" --config "$T/blk.conf" swapon
calls_are "blockdev: swapon runs mkswap, then swapon" "mkswap $BLK" "swapon $BLK"
swaps_blk
: >"$T/calls"
expect 0 "blockdev: swapon with the device on" "${SYS[@]}" --config "$T/blk.conf" swapon
contains "$T/out" "$BLK is already on: no mkswap, nothing to do" "blockdev: swapon says the device is on"
calls_are "blockdev: no mkswap on an active swap area" ""
swaps_empty
printf '#!/bin/sh\nexit 1\n' >"$T/bin/mkswap.hook"
chmod +x "$T/bin/mkswap.hook"
: >"$T/calls"
expect 1 "blockdev: swapon with mkswap failing" "${SYS[@]}" --config "$T/blk.conf" swapon
contains "$T/err" "mkswap $BLK failed (exit status 1)" "blockdev: says mkswap failed"
calls_are "blockdev: no swapon after a failed mkswap" "mkswap $BLK"
rm -f "$T/bin/mkswap.hook"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/swapon.hook"
chmod +x "$T/bin/swapon.hook"
: >"$T/calls"
expect 1 "blockdev: swapon failing" "${SYS[@]}" --config "$T/blk.conf" swapon
contains "$T/err" "cannot turn on $BLK" "blockdev: says swapon failed"
rm -f "$T/bin/swapon.hook"
rm -f "$BLK"
expect 1 "blockdev: swapon without the device" "${SYS[@]}" --config "$T/blk.conf" swapon
contains "$T/err" "swap area $BLK: No such file or directory" "blockdev: swapon names the missing device"
: >"$BLK"
make_tree "$R"
: >"$T/calls"
expect 1 "blockdev: swapon refuses while rraim is loaded" "${SYS[@]}" --config "$T/blk.conf" swapon
contains "$T/err" "the loaded module is rraim (the swap hooks), but the configuration sets mode = blockdev" \
	"blockdev: swapon says rraim is loaded"
make_blk_tree "$R"
expect 1 "hooks: swapon refuses while rraim_blk is loaded" "${SYS[@]}" --config "$T/rraim.conf" swapon
contains "$T/err" "the loaded module is rraim_blk (the block device), but the configuration sets mode = hooks" \
	"hooks: swapon says rraim_blk is loaded"
calls_are "the other front end loaded: nothing turned on" ""
expect 3 "blockdev: swapon when no module is loaded" --sysfs "$T/none/kernel/rraim" --config "$T/blk.conf" swapon

# swapoff: the device, whichever mode the configuration now says
swaps_blk
: >"$T/calls"
expect 0 "blockdev: swapoff" "${SYS[@]}" --config "$T/blk.conf" swapoff
calls_are "blockdev: swapoff turns the device off" "swapoff $BLK"
if ! grep -q "still holds" "$T/out"; then
	pass "blockdev: swapoff does not count the swap header as held"
else
	fail "blockdev: swapoff does not count the swap header as held"
fi
: >"$T/calls"
expect 0 "hooks: swapoff while rraim_blk is loaded" "${SYS[@]}" --config "$T/rraim.conf" swapoff
calls_are "hooks: swapoff turns rraim_blk's device off too" "swapoff $BLK"
swaps_empty
: >"$T/calls"
expect 0 "blockdev: swapoff with the device off" "${SYS[@]}" --config "$T/blk.conf" swapoff
contains "$T/out" "$BLK is not on" "blockdev: swapoff says the device is off"
calls_are "blockdev: swapoff: nothing run when off" ""

# detach: refused while swap is on the device, not for its swap header
make_blk_tree "$R"
put "$S/stats/stored_pages" 5
swaps_blk
: >"$T/calls"
expect 1 "blockdev: detach refuses while swap is on the device" "${SYS[@]}" detach
contains "$T/err" "refusing to detach: swap is on $BLK, whose 5 pages (20.0 KiB) rraim_blk holds would be lost" \
	"blockdev: detach says swap is on the device"
contains "$T/err" "'rraimctl swapoff' or 'swapoff $BLK'" "blockdev: detach tells to swapoff first"
calls_are "blockdev: detach refused: rmmod not run" ""
swaps_empty
put "$S/stats/stored_pages" 1
cat >"$T/bin/rmmod.hook" <<EOF
#!/bin/sh
rm -rf "$S" "$R/module/rraim_blk" "$BLK"
EOF
chmod +x "$T/bin/rmmod.hook"
expect 0 "blockdev: detach with the device off" "${SYS[@]}" detach
calls_are "blockdev: detach runs rmmod rraim_blk" "rmmod rraim_blk"
contains "$T/out" "rraim_blk detached and unloaded" "blockdev: detach says done"
make_blk_tree "$R"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/rmmod.hook"
expect 1 "blockdev: rmmod failing" "${SYS[@]}" detach
contains "$T/err" "rmmod rraim_blk failed (exit status 1): is $BLK still in use" \
	"blockdev: says rmmod failed and why it may"
rm -f "$T/bin/rmmod.hook"
file_is "$S/enabled" 1 "blockdev: detach leaves enabled alone"

# status: the front end and the device's size; what a refused write means
make_blk_tree "$R"
expect 0 "blockdev: status" "${SYS[@]}" status
contains "$T/out" "mode:              blockdev (rraim_blk, /dev/rraim0 of 64.0 MiB)" "blockdev: status shows the mode and the size"
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mode"] == "blockdev" and d["disksize"] == 67108864' "$T/out" 2>/dev/null &&
   [ "$("$HERE/json-check" .disksize <"$T/out")" = 67108864 ]; then
	pass "blockdev: status --json: mode, and disksize as a number"
else
	fail "blockdev: status --json: mode, and disksize as a number"
fi
contains "$T/out" '"all_copies": false' "blockdev: status --json: all_copies false"
ctl "${SYS[@]}" status
contains "$T/out" "all_copies:        no" "blockdev: status shows all_copies no"
put "$R/module/rraim_blk/parameters/all_copies" Y
ctl "${SYS[@]}" status
contains "$T/out" "all_copies:        yes" "blockdev: status shows all_copies yes"
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["all_copies"] is True' "$T/out" 2>/dev/null &&
   [ "$("$HERE/json-check" .all_copies <"$T/out")" = true ]; then
	pass "blockdev: status --json: all_copies true"
else
	fail "blockdev: status --json: all_copies true"
fi
make_blk_tree "$R"
for i in 1 2 3; do
	put "$S/servers/10.77.$i.2:7471/state" dead
done
ctl "${SYS[@]}" status
contains "$T/out" "CRITICAL: no server live: writes to /dev/rraim0 fail" "blockdev: no server live is critical"
make_blk_tree "$R"
put "$S/enabled" 0
ctl "${SYS[@]}" status
contains "$T/out" "CRITICAL: disabled: writes to /dev/rraim0 fail" "blockdev: disabled is critical"
make_tree "$R"
ctl "${SYS[@]}" status
contains "$T/out" "mode:              hooks (rraim)" "hooks: status shows the mode"
ctl "${SYS[@]}" --json status
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mode"] == "hooks" and "disksize" not in d' "$T/out" 2>/dev/null; then
	pass "hooks: status --json: mode, no disksize"
else
	fail "hooks: status --json: mode, no disksize"
fi
rm -f "$BLK"

# ---------------------------------------------------- unit and man pages

if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/unit/sbin" "$T/unit/etc/rraim"
	cp "$CTL" "$T/unit/sbin/rraimctl"
	sed -e "s|@SBINDIR@|$T/unit/sbin|g" -e "s|@SYSCONFDIR@|$T/unit/etc|g" \
		"$TOP/systemd/rraim.service.in" >"$T/unit/rraim.service"
	if (cd "$T/unit" && systemd-analyze verify --man=no ./rraim.service) >"$T/out" 2>"$T/err" &&
	   ! grep -q . "$T/err"; then
		pass "systemd-analyze verify rraim.service"
	else
		fail "systemd-analyze verify rraim.service"
	fi
else
	skip "systemd-analyze verify rraim.service" "no systemd-analyze"
fi

if command -v groff >/dev/null 2>&1; then
	for m in "$TOP"/Documentation/man/*.[58]; do
		if groff -man -Tutf8 -ww -z "$m" >"$T/out" 2>"$T/err" && ! grep -q . "$T/err"; then
			pass "groff -ww: $(basename "$m") without warnings"
		else
			fail "groff -ww: $(basename "$m") without warnings"
		fi
	done
else
	skip "man pages format without warnings" "no groff"
fi

echo "1..$N"
[ "$FAILED" = 0 ] || { echo "# $FAILED of $N failed"; exit 1; }
echo "# all $N passed"
exit 0
