#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# RRAIM driven end to end through rraimctl and its configuration file, the
# way rraim.service does it (three memory servers), with the tools
# installed the way a user installs them when an installation archive is
# given: tools/check makes one with "make install DESTDIR=... PREFIX=/usr"
# and passes it with --with (tools/check's stage_install_archive):
#
#   tools/rraim-vm run --servers 3 --with build/rraim-install.tar \
#       selftests/run_vm.sh rraim_ctl.sh
#
# Without the archive the test uses the rraimctl the test bed ships.
#
# Its last phase does it again with "mode = blockdev": rraim_blk and
# /dev/rraim0 (64M), mkswap and swapon by rraimctl, a verifying workload
# paged out to it, the refusals (detach while swap is on it, the hooks'
# configuration or another disksize while rraim_blk is loaded), then
# swapoff and detach, and no RRAIM module left.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3

TAR=/opt/extra/rraim-install.tar
if [ -f "$TAR" ]; then
	tar -xf "$TAR" -C / || fail "cannot unpack $TAR"
	depmod -a || fail "depmod"
	CTL=/usr/sbin/rraimctl
	[ -x "$CTL" ] || fail "$TAR has no /usr/sbin/rraimctl"
	diag "installed from $TAR"
else
	CTL=$(command -v rraimctl) || skip "no rraimctl in the test bed"
fi
JC=$(command -v json-check) || skip "no json-check in the test bed"

# expect RC ARGS...: run rraimctl, show its output, check its exit status
expect() {
	want=$1
	shift
	"$CTL" "$@" >/tmp/ctl.out 2>&1
	rc=$?
	sed 's/^/# | /' /tmp/ctl.out
	[ "$rc" = "$want" ] || fail "rraimctl $*: exit $rc, expected $want"
}

S1=$(server_addr 1):$RRAIM_PORT
S3=$(server_addr 3):$RRAIM_PORT

mkdir -p /etc/rraim
cat >/etc/rraim/rraim.conf <<EOF
servers = $(server_addr 1), $(server_addr 2), $(server_addr 3)
replicas = 2
deadline_ms = 100
swap = /dev/vda
attach_timeout = 300
EOF
mkswap /dev/vda >/dev/null || fail "mkswap"

diag "before attach"
expect 0 config
expect 3 status
grep -q "rraim module not loaded" /tmp/ctl.out || fail "no 'not loaded' message"
expect 3 swapon

diag "attach (modprobe rraim by name) and swapon, as rraim.service does"
expect 0 attach
[ "$(cat "$RRAIM_SYS/attached")" = 1 ] || fail "not attached"
grep -q 'rraim attached; 3 of 3 servers live' /tmp/ctl.out || fail "attach did not say so"
expect 0 swapon
grep -q '^/dev/vda ' /proc/swaps || fail "/dev/vda is not on"

diag "a verifying workload, paged out and held"
rraim-pattern -q -P -S 3000 64M &
pid=$!
# shellcheck disable=SC2016	# wait_until evaluates it
wait_until '[ "$(stat_of stored_pages)" -ge 8000 ]' 3000 ||
	fail "pages not stored: $(stat_of stored_pages)"

expect 0 status
for i in 1 2 3; do
	grep -q "^$(server_addr "$i"):$RRAIM_PORT  *live" /tmp/ctl.out ||
		fail "status: server $i not listed live"
done
grep -q '^verdict: ' /tmp/ctl.out || fail "status: no verdict"
"$CTL" --json status >/tmp/st.json || fail "status --json failed"
"$JC" </tmp/st.json || fail "status --json is not valid JSON"
[ "$("$JC" .summary.live </tmp/st.json)" = 3 ] || fail "JSON: live servers"
[ "$("$JC" .attached </tmp/st.json)" = true ] || fail "JSON: attached"
[ "$("$JC" .stats.stored_pages </tmp/st.json)" -ge 8000 ] || fail "JSON: stored_pages"
[ "$("$JC" .servers[0].name </tmp/st.json)" = "$S1" ] || fail "JSON: first server"
diag "JSON verdict: $("$JC" .verdict.level </tmp/st.json): $("$JC" .verdict.message </tmp/st.json)"

diag "detach is refused while pages are held"
expect 1 detach
grep -q "rraim holds [0-9]* pages" /tmp/ctl.out || fail "detach: no count"
[ -d /sys/module/rraim ] || fail "the module went away"
[ "$(cat "$RRAIM_SYS/enabled")" = 1 ] || fail "detach left enabled at 0"

diag "replicas 3: the sync adds the third copies"
expect 0 replicas 3
[ "$(cat "$RRAIM_SYS/replicas")" = 3 ] || fail "replicas not 3"
expect 0 wait-sync --timeout 900
[ "$(stat_of degraded_pages)" = 0 ] || fail "degraded pages after wait-sync"
[ "$(stat_of below_target_pages)" = 0 ] || fail "pages below 3 copies after wait-sync"
expect 2 replicas 9
expect 0 replicas 2

diag "drain, remove and add back server 3"
expect 0 drain --wait --timeout 900 "$(server_addr 3)"
[ "$(cat "$RRAIM_SYS/servers/$S3/sync_state")" = drained ] || fail "not drained"
[ "$(cat "$RRAIM_SYS/servers/$S3/pages")" = 0 ] || fail "drained server holds pages"
expect 0 remove "$(server_addr 3)"
[ ! -d "$RRAIM_SYS/servers/$S3" ] || fail "server 3 still there"
expect 1 remove "$(server_addr 3)"
expect 0 add --wait --timeout 300 "$(server_addr 3)"
[ "$(cat "$RRAIM_SYS/servers/$S3/state")" = live ] || fail "server 3 not live"
expect 1 add "$(server_addr 3)"

diag "knobs"
expect 0 set deadline_ms 200
[ "$(cat "$RRAIM_SYS/deadline_ms")" = 200 ] || fail "deadline_ms not set"
expect 2 set deadline_ms 3
expect 0 set deadline_ms 100
expect 0 wait-sync --timeout 900

diag "the workload verifies every page"
kill -USR1 "$pid"
wait "$pid" || fail "the workload found wrong data"

diag "swapoff and detach, as stopping rraim.service does"
expect 0 swapoff
grep -q '^/dev/vda ' /proc/swaps && fail "/dev/vda still on"
[ "$(stat_of stored_pages)" = 0 ] || fail "pages held after swapoff"
expect 0 detach
[ ! -d /sys/module/rraim ] || fail "the module is still loaded"
expect 3 status
expect 3 detach

# ------------------------------------------------------- mode = blockdev
if ! modinfo rraim_blk >/dev/null 2>&1; then
	diag "no rraim_blk module in the test bed: no blockdev phase"
	exit "$KSFT_PASS"
fi
cp /etc/rraim/rraim.conf /tmp/hooks.conf
cat >/etc/rraim/rraim.conf <<EOF
mode = blockdev
disksize = 64M
servers = $(server_addr 1), $(server_addr 2), $(server_addr 3)
replicas = 2
deadline_ms = 100
attach_timeout = 300
EOF

diag "blockdev: the configuration"
expect 0 config
grep -q '^mode = blockdev$' /tmp/ctl.out || fail "config: no mode = blockdev"
grep -q '^disksize = 64M$' /tmp/ctl.out || fail "config: no disksize = 64M"

diag "blockdev: attach (modprobe rraim_blk) and swapon (mkswap /dev/rraim0)"
expect 0 attach
grep -q 'rraim_blk attached, /dev/rraim0 ready (64.0 MiB); 3 of 3 servers live' /tmp/ctl.out ||
	fail "attach did not say so"
[ -d /sys/module/rraim_blk ] || fail "rraim_blk is not loaded"
[ -d /sys/module/rraim ] && fail "rraim is loaded"
[ -b /dev/rraim0 ] || fail "no /dev/rraim0"
[ "$(cat /sys/module/rraim_blk/parameters/disksize)" = $((64 << 20)) ] ||
	fail "disksize $(cat /sys/module/rraim_blk/parameters/disksize)"
expect 0 swapon
grep -q 'mkswap /dev/rraim0' /tmp/ctl.out || fail "swapon ran no mkswap"
grep -q '^/dev/rraim0 ' /proc/swaps || fail "/dev/rraim0 is not on"
grep -q '^/dev/vda ' /proc/swaps && fail "/dev/vda is on"
expect 0 swapon
grep -q '/dev/rraim0 is already on: no mkswap, nothing to do' /tmp/ctl.out ||
	fail "a second swapon did not leave the device alone"

diag "blockdev: the refusals while rraim_blk is loaded"
expect 1 --config /tmp/hooks.conf attach
grep -q "the loaded module is rraim_blk (the block device), but the configuration sets mode = hooks" /tmp/ctl.out ||
	fail "attach with the hooks: no refusal naming rraim_blk"
expect 1 --config /tmp/hooks.conf swapon
grep -q '^/dev/vda ' /proc/swaps && fail "swapon with the hooks turned /dev/vda on"
expect 1 attach disksize=128M
grep -q "the loaded rraim_blk has disksize = 64M but the configuration sets 128M" /tmp/ctl.out ||
	fail "attach with another disksize: no refusal"
expect 0 attach
grep -q 'rraim_blk is already loaded' /tmp/ctl.out || fail "attach when loaded did not say so"

diag "blockdev: a verifying workload, paged out to /dev/rraim0 and held"
out0=$(vmstat_of pswpout)
cg=$(make_cgroup ctlblk 256M)
bg_in_cgroup "$cg" rraim-pattern -q -P -S 3000 32M
pid=$BG_PID
# shellcheck disable=SC2016	# wait_until evaluates it
wait_until '[ "$(stat_of stored_pages)" -ge 7000 ]' 3000 ||
	fail "pages not stored: $(stat_of stored_pages)"
diag "blockdev: pswpout $(( $(vmstat_of pswpout) - out0 )), stored $(stat_of stored_pages)"

expect 0 status
grep -q '^mode: *blockdev (rraim_blk, /dev/rraim0 of 64.0 MiB)$' /tmp/ctl.out ||
	fail "status: no blockdev mode line"
grep -q '^verdict: ' /tmp/ctl.out || fail "status: no verdict"
"$CTL" --json status >/tmp/st.json || fail "status --json failed"
"$JC" </tmp/st.json || fail "status --json is not valid JSON"
[ "$("$JC" .mode </tmp/st.json)" = blockdev ] || fail "JSON: mode"
[ "$("$JC" .disksize </tmp/st.json)" = $((64 << 20)) ] || fail "JSON: disksize"
[ "$("$JC" .summary.live </tmp/st.json)" = 3 ] || fail "JSON: live servers"

diag "blockdev: detach is refused while swap is on /dev/rraim0"
expect 1 detach
grep -q "refusing to detach: swap is on /dev/rraim0" /tmp/ctl.out || fail "detach: no refusal"
[ -d /sys/module/rraim_blk ] || fail "rraim_blk went away"

diag "blockdev: the workload verifies every page"
kill -USR1 "$pid"
wait "$pid" || fail "the workload found wrong data"
rmdir "$cg"

diag "blockdev: swapoff and detach, as stopping rraim.service does"
expect 0 swapoff
grep -q '^/dev/rraim0 ' /proc/swaps && fail "/dev/rraim0 still on"
expect 0 detach
grep -q 'rraim_blk detached and unloaded' /tmp/ctl.out || fail "detach did not say so"
[ -d /sys/module/rraim_blk ] && fail "rraim_blk is still loaded"
[ -d /sys/module/rraim ] && fail "rraim is loaded"
[ -e /dev/rraim0 ] && fail "/dev/rraim0 outlived rraim_blk"
expect 3 status
expect 3 detach
exit "$KSFT_PASS"
