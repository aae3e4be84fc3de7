#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Page encryption (encrypt_key): no memory server holds a page's plain
# text.  A marked workload (rraim-pattern -M: "RRAIM-PLAINTEXT!" in every
# page), three times its memory cgroup, swaps through RRAIM (replicas=2,
# three servers) and holds its pages out while rraim-memscan reads every
# server's process:
#  - premise, the module loaded without encrypt_key: encryption reads
#    "off", and the scan finds the marker in the servers (so it sees
#    plain text where there is some);
#  - rraimctl attach with "encrypt_key = FILE", the servers restarted
#    empty: encryption reads "on xts(aes) DRIVER", the parameter is
#    root-only and shows the key's description, the logon key does not
#    outlive the attach, and attach over the loaded module without the
#    key is refused; the same workload verifies every byte with
#    thousands of pages stored, no copy fails its checksum, and the scan
#    finds the marker in no server;
#  - a failure of the cipher (debugfs fault_crypt_errors) on store or
#    load is counted in crypt_errors, not as a server error or a corrupt
#    copy, and the workload verifies;
#  - with encryption on, the rogue server (corrupt-flip) in place of
#    server 3 and replicas 3: its spoiled ciphertext decrypts to bytes
#    that fail the checksum, so the copies are counted corrupt and read
#    from the good servers, and the same workload verifies every byte
#    (left out without rraim-rogue-server).
# A module without page encryption runs the premise and skips.  Single
# guest only: it reads the servers' processes.
# rraim-timeout: 420
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
[ "${RRAIM_TOPOLOGY:-single}" = single ] || skip "reads the memory servers' processes"
CTL=$(command -v rraimctl) || skip "no rraimctl in the test bed"
command -v rraim-memscan >/dev/null 2>&1 || skip "no rraim-memscan in the test bed"

MARK=RRAIM-PLAINTEXT!
SIZE=24M
LIMIT=8M
# -L: only the area is swapped; -H: hold it out while the servers are read
WORK="rraim-pattern -q -L -M -p 1 -H 600 $SIZE"
KEY=/etc/rraim/page-key
CONF=$RUN/encrypt.conf
OUT=$RUN/encrypt-work.out
# the workload's pid; one left running at exit dies with its cgroup
# (lib.sh's cleanup)
WORK_PID=

# markers: how often the marker occurs in memory server I's process
markers() {
	rraim-memscan "$(cat "$(server_pidfile "$1")")" "$MARK"
}

# hold_out WHAT: start the workload and wait until it verified and holds
# its pages out
hold_out() {
	local rc

	: >"$OUT"
	bg_in_cgroup "$CG" $WORK >"$OUT" 2>&1
	WORK_PID=$BG_PID
	wait_until 'grep -q "verified; holding" "$OUT" ||
		    ! kill -0 "$WORK_PID" 2>/dev/null' 3000
	grep -q "verified; holding" "$OUT" && return 0
	wait "$WORK_PID"
	rc=$?
	WORK_PID=
	sed 's/^/# workload: /' "$OUT" | tail -n 3
	fail "$1: the workload failed (exit $rc)"
}

# release WHAT: let the workload exit; it must have verified every byte
release() {
	local rc

	kill -USR1 "$WORK_PID"
	wait "$WORK_PID"
	rc=$?
	WORK_PID=
	[ "$rc" = 0 ] || { sed 's/^/# workload: /' "$OUT" | tail -n 3; fail "$1: the workload exited $rc"; }
	rmdir "$CG" || fail "$1: rmdir $CG"
}

# since T0, for the log
elapsed() {
	echo "$(( $(date +%s) - T0 ))s"
}

# counters: what the module did, for the log
counters() {
	echo "stores $(stat_of stores), stored_pages $(stat_of stored_pages), corrupt $(stat_of corrupt), lost $(stat_of lost_pages), reject_no_space $(stat_of reject_no_space)"
}

T0=$(date +%s)
diag "premise: no encrypt_key, the servers hold plain text"
load_rraim 3 replicas=2 || fail "load"
HAVE_ENC=
if [ -e "$RRAIM_SYS/encryption" ]; then
	HAVE_ENC=1
	[ "$(cat "$RRAIM_SYS/encryption")" = off ] ||
		fail "encryption reads '$(cat "$RRAIM_SYS/encryption")' without encrypt_key"
fi
swap_on || fail "swapon"
CG=$(make_cgroup encrypt "$LIMIT")
hold_out "premise"
diag "premise: holding after $(elapsed); $(counters)"
total=0
for i in 1 2 3; do
	n=$(markers "$i") || fail "rraim-memscan of server $i"
	diag "premise: server $i holds the marker $n times"
	total=$((total + n))
done
[ "$total" -gt 0 ] ||
	fail "no marker in any server without encryption: the scan proves nothing"
diag "premise: scanned after $(elapsed)"
release "premise"
swapoff /dev/vda || fail "swapoff"
unload_rraim || fail "unload"
[ -n "$HAVE_ENC" ] ||
	skip "premise ok ($total markers); this module has no page encryption ($RRAIM_SYS/encryption)"

T0=$(date +%s)
diag "encrypt_key = $KEY, the servers restarted empty"
for i in 1 2 3; do
	rraim-fault stop "$i" && rraim-fault start "$i" || fail "restart server $i"
	[ "$(markers "$i")" = 0 ] || fail "server $i holds markers after its restart"
done
mkdir -p /etc/rraim
head -c 32 /dev/urandom >"$KEY"
chmod 600 "$KEY"
cat >"$CONF" <<CONF
servers = $(server_addr 1), $(server_addr 2), $(server_addr 3)
replicas = 2
encrypt_key = $KEY
attach_timeout = 300
CONF
"$CTL" --config "$CONF" attach >"$RUN/ctl.out" 2>&1 || {
	sed 's/^/# | /' "$RUN/ctl.out"
	fail "rraimctl attach with encrypt_key"
}
sed 's/^/# | /' "$RUN/ctl.out"
grep -q "encrypt_key=rraim:pages" "$RUN/ctl.out" ||
	fail "attach did not pass encrypt_key=rraim:pages"
enc=$(cat "$RRAIM_SYS/encryption")
diag "encryption: $enc"
case $enc in
"on xts(aes) "?*) ;;
*) fail "encryption reads '$enc' with encrypt_key" ;;
esac
P=/sys/module/rraim/parameters/encrypt_key
mode=$(stat -c %a "$P") || fail "no $P"
[ $((0$mode & 044)) = 0 ] || fail "$P has mode $mode: others may read it"
[ "$(cat "$P")" = rraim:pages ] || fail "$P reads '$(cat "$P")', not the key's description"
wait_until '! grep -q "logon *rraim:pages" /proc/keys' 100 ||
	fail "the logon key outlived the attach: $(grep rraim /proc/keys)"
"$CTL" status >"$RUN/ctl.out" 2>&1
grep -q "^encryption: *on (xts(aes), " "$RUN/ctl.out" ||
	fail "rraimctl status: $(grep encryption "$RUN/ctl.out")"

# the key cannot change on a loaded module: attach without it is refused
grep -v '^encrypt_key' "$CONF" >"$CONF.off"
if "$CTL" --config "$CONF.off" attach >"$RUN/ctl.out" 2>&1; then
	fail "rraimctl attach without encrypt_key over an encrypting module succeeded"
fi
grep -q "changing encryption needs 'rraimctl detach' first" "$RUN/ctl.out" ||
	fail "attach without encrypt_key: $(tail -n 1 "$RUN/ctl.out")"

swap_on || fail "swapon"
CG=$(make_cgroup encrypt "$LIMIT")
hold_out "encrypted"
stores=$(stat_of stores)
diag "encrypted: holding after $(elapsed); $(counters)"
[ "$stores" -ge 2000 ] || fail "only $stores pages stored: the scan proves little"
for i in 1 2 3; do
	n=$(markers "$i") || fail "rraim-memscan of server $i"
	diag "encrypted: server $i holds the marker $n times, $(cat "$(server_dir "$i")/pages") pages"
	[ "$n" = 0 ] || fail "server $i holds $n plain-text markers with encryption on"
done
diag "encrypted: scanned after $(elapsed)"
release "encrypted"
[ "$(stat_of corrupt)" = 0 ] || fail "$(stat_of corrupt) copies failed their checksum"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"

# A failure of the cipher is the host's, not a server's or a copy's: the
# first 3 pages a paged-out workload stores cannot be encrypted (they go
# to the swap device), then the first 3 it loads cannot be decrypted
# (each is read from its other copy).  crypt_errors counts all 6; no
# server counts an error, no copy is corrupt, the workload verifies.
T0=$(date +%s)
FAULT=/sys/kernel/debug/rraim/fault_crypt_errors
[ -e "$FAULT" ] || fail "no $FAULT"
server_errors() {
	local i n=0

	for i in 1 2 3; do
		n=$((n + $(cat "$(server_dir "$i")/errors")))
	done
	echo "$n"
}
x0=$(stat_of crypt_errors) || fail "no stats/crypt_errors"
e0=$(server_errors)
c0=$(stat_of corrupt)
CG=$(make_cgroup encrypt-fault 64M)
echo 3 >"$FAULT" || fail "fault_crypt_errors"
: >"$OUT"
bg_in_cgroup "$CG" rraim-pattern -L -P -S 600 -p 1 8M >"$OUT" 2>&1
WORK_PID=$BG_PID
wait_until 'grep -q "holding (SIGUSR1" "$OUT" || ! kill -0 "$WORK_PID" 2>/dev/null' 600
grep -q "holding (SIGUSR1" "$OUT" || fail "cipher faults: the workload did not page out"
[ "$(cat "$FAULT")" = 0 ] || fail "cipher faults: $(cat "$FAULT") of 3 store faults unused"
x1=$(stat_of crypt_errors)
diag "cipher faults: stores: crypt_errors +$((x1 - x0)), server errors +$(( $(server_errors) - e0 )); $(counters)"
[ $((x1 - x0)) = 3 ] || fail "3 stores failed to encrypt, crypt_errors moved by $((x1 - x0))"
echo 3 >"$FAULT" || fail "fault_crypt_errors"
kill -USR1 "$WORK_PID"
wait "$WORK_PID" || { sed 's/^/# workload: /' "$OUT" | tail -n 3; fail "cipher faults: the workload failed"; }
WORK_PID=
rmdir "$CG" || fail "cipher faults: rmdir $CG"
x2=$(stat_of crypt_errors)
e2=$(server_errors)
diag "cipher faults: loads: crypt_errors +$((x2 - x1)), server errors +$((e2 - e0)), corrupt +$(( $(stat_of corrupt) - c0 )), after $(elapsed); $(counters)"
[ "$(cat "$FAULT")" = 0 ] || fail "cipher faults: $(cat "$FAULT") of 3 load faults unused"
[ $((x2 - x1)) = 3 ] || fail "3 loads failed to decrypt, crypt_errors moved by $((x2 - x1))"
[ "$e2" = "$e0" ] || fail "the cipher's failures were counted as $((e2 - e0)) server errors"
[ "$(stat_of corrupt)" = "$c0" ] || fail "the cipher's failures were counted as corrupt copies"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"

# The sync checks an encrypted copy on its plaintext: a failure of the
# cipher there judges no copy (the next source is read, or the page waits
# for the next pass) and counts in crypt_errors.  Server 1 is killed and
# restarted empty while a paged-out workload holds its pages; the first 3
# checks of the sync that makes its copies again cannot decrypt.  No copy
# is corrupt, no page lost, the sync completes, the workload verifies.
T0=$(date +%s)
D1=$(server_dir 1)
CG=$(make_cgroup encrypt-sync 64M)
: >"$OUT"
bg_in_cgroup "$CG" rraim-pattern -L -P -S 900 -p 1 8M >"$OUT" 2>&1
WORK_PID=$BG_PID
wait_until 'grep -q "holding (SIGUSR1" "$OUT" || ! kill -0 "$WORK_PID" 2>/dev/null' 600
grep -q "holding (SIGUSR1" "$OUT" || fail "sync cipher faults: the workload did not page out"
[ "$(cat "$D1/pages")" -gt 0 ] || fail "sync cipher faults: server 1 holds no page"
x0=$(stat_of crypt_errors)
c0=$(stat_of corrupt)
s0=$(stat_of sync_copies)
rraim-fault kill 1 || fail "kill server 1"
wait_until '[ "$(cat "$D1/state")" != live ]' 300 || fail "server 1 still live after its kill"
echo 3 >"$FAULT" || fail "fault_crypt_errors"
rraim-fault start 1 || fail "restart server 1"
wait_until '[ "$(cat "$FAULT")" = 0 ] && [ "$(cat "$D1/state")" = live ] &&
	[ "$(stat_of degraded_pages)" = 0 ]' 1800 ||
	fail "sync cipher faults: no complete sync: $(cat "$FAULT") faults left, server 1 $(cat "$D1/state"), $(stat_of degraded_pages) degraded pages"
x1=$(stat_of crypt_errors)
diag "sync cipher faults: crypt_errors +$((x1 - x0)), corrupt +$(( $(stat_of corrupt) - c0 )), sync copies +$(( $(stat_of sync_copies) - s0 )), after $(elapsed); $(counters)"
[ $((x1 - x0)) = 3 ] || fail "3 sync checks failed to decrypt, crypt_errors moved by $((x1 - x0))"
[ "$(stat_of corrupt)" = "$c0" ] || fail "the sync counted the cipher's failures as corrupt copies"
[ "$(cat "$D1/corrupt")" = 0 ] || fail "server 1 counts $(cat "$D1/corrupt") corrupt copies"
kill -USR1 "$WORK_PID"
wait "$WORK_PID" || { sed 's/^/# workload: /' "$OUT" | tail -n 3; fail "sync cipher faults: the workload failed"; }
WORK_PID=
rmdir "$CG" || fail "sync cipher faults: rmdir $CG"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"

if command -v rraim-rogue-server >/dev/null 2>&1; then
	T0=$(date +%s)
	diag "encrypted, the rogue (corrupt-flip) in place of server 3, replicas 3"
	ROGUE_SOCK=$RUN/rogue-encrypt.sock
	ROGUE_LOG=/var/log/rraim-rogue-server-encrypt.log
	D3=$(server_dir 3)
	rraim-fault kill 3 || fail "kill server 3"
	rogue_start corrupt-flip || fail "the rogue server did not start"
	wait_until '[ "$(cat "$D3/state")" = live ]' 600 ||
		fail "the module does not use the rogue: $(cat "$D3/state") ($(cat "$D3/state_reason"))"
	"$CTL" replicas 3 >/dev/null || fail "rraimctl replicas 3"
	CG=$(make_cgroup encrypt "$LIMIT")
	if ! in_cgroup "$CG" rraim-pattern -q -L -M -r -p 1 -R 1 "$SIZE" >"$OUT" 2>&1; then
		sed 's/^/# workload: /' "$OUT" | tail -n 3
		fail "rogue: the workload read wrong data or failed; $(counters)"
	fi
	rmdir "$CG" || fail "rogue: rmdir $CG"
	n=$(rraim-memscan "$ROGUE_PID" "$MARK") || fail "rraim-memscan of the rogue"
	diag "rogue: verified after $(elapsed); $(counters), server 3's corrupt $(cat "$D3/corrupt"), spoiled by the rogue $(rogue_stat rogue_spoiled), markers in the rogue $n"
	[ "$(rogue_stat rogue_spoiled)" -gt 0 ] 2>/dev/null ||
		fail "the rogue spoiled no page: the case proves nothing"
	[ "$(stat_of corrupt)" -gt 0 ] || fail "no corrupt copy counted"
	[ "$(cat "$D3/corrupt")" -gt 0 ] || fail "server 3's corrupt counter did not move"
	[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
	[ "$n" = 0 ] || fail "the rogue holds $n plain-text markers"
	rogue_stop
	rraim-fault start 3 || fail "restart server 3"
else
	diag "no rraim-rogue-server: the rogue's case is left out"
fi
swapoff /dev/vda || fail "swapoff"
no_splat || fail "kernel splat"
unload_rraim || fail "unload"
rm -f "$KEY"
exit $KSFT_PASS
