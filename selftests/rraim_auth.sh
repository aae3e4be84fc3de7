#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Authentication with the cluster's shared secret (three servers, each
# started with --secret):
#  - a client without the secret is refused by every server and is granted
#    nothing;
#  - a client with it (rraimctl attach with "secret = FILE", as
#    rraim.service does) is admitted and its pages verify; the logon key
#    does not outlive the attach;
#  - a "memory server" without the secret, or with another one, is refused
#    by the client: it is granted to nobody, gets no page, while the
#    workload runs on the others.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
CTL=$(command -v rraimctl) || skip "no rraimctl in the test bed"

SECRET=/etc/rraim/secret
OTHER=/etc/rraim/other-secret
mkdir -p /etc/rraim
head -c 32 /dev/urandom >"$SECRET"
head -c 32 /dev/urandom >"$OTHER"
chmod 600 "$SECRET" "$OTHER"

# restart I [SECRET]: memory server I again, with --secret SECRET if given
restart() {
	rraim-fault stop "$1"
	if [ -n "${2:-}" ]; then
		rraim-fault start "$1" --secret "$2"
	else
		rraim-fault start "$1"
	fi || fail "restart server $1${2:+ with --secret $2}"
}

# counter I NAME: a counter of server I's status report
counter() {
	rraim-fault status "$1" | sed -n "s/^$2 //p"
}

cleanup() {
	swapoff -a 2>/dev/null
	[ -n "${cg:-}" ] && rmdir "$cg" 2>/dev/null
	unload_rraim
	for i in 1 2 3; do restart "$i"; done
}

for i in 1 2 3; do restart "$i" "$SECRET"; done
[ "$(counter 1 auth)" = yes ] || fail "server 1 does not say it authenticates"
S="$(server_addr 1):$RRAIM_PORT,$(server_addr 2):$RRAIM_PORT,$(server_addr 3):$RRAIM_PORT"

diag "a client without the secret"
modprobe rraim servers="$S" replicas=2 || fail "modprobe"
wait_until '[ "$(counter 1 refused_auth)" -ge 1 ] && [ "$(counter 2 refused_auth)" -ge 1 ] && [ "$(counter 3 refused_auth)" -ge 1 ]' 600 ||
	fail "the servers did not refuse a client without the secret"
sleep 2
for i in 1 2 3; do
	d=$(server_dir "$i")
	diag "server $i: refused_auth $(counter "$i" refused_auth), chunks_granted $(counter "$i" chunks_granted); module: $(cat "$d/state") ($(cat "$d/state_reason"))"
	[ "$(counter "$i" chunks_granted)" = 0 ] || fail "server $i granted a chunk to a client without the secret"
	[ "$(counter "$i" sessions_created)" = 0 ] || fail "server $i created a session for it"
	[ "$(cat "$d/state")" != live ] || fail "the module sees server $i live without the secret"
done
dmesg | grep -q 'refused connection 0: authentication required (set auth_key)' ||
	fail "the module did not say why it was refused"
unload_rraim || fail "unload"

diag "a client with the secret: rraimctl attach, secret = $SECRET"
cat >/tmp/auth.conf <<CONF
servers = $(server_addr 1), $(server_addr 2), $(server_addr 3)
replicas = 2
secret = $SECRET
attach_timeout = 300
CONF
"$CTL" --config /tmp/auth.conf attach >/tmp/ctl.out 2>&1 || {
	sed 's/^/# | /' /tmp/ctl.out
	fail "rraimctl attach with the secret"
}
sed 's/^/# | /' /tmp/ctl.out
[ "$(rraim_servers_in live)" = 3 ] || fail "not every server is live: $(rraim_not_live)"
[ "$(cat /sys/module/rraim/parameters/auth_key)" = rraim:cluster ] ||
	fail "auth_key does not name the key"
for i in 1 2 3; do
	[ "$(counter "$i" auth_ok)" -ge 1 ] || fail "server $i counted no authentication"
	[ "$(counter "$i" unauthed_requests)" = 0 ] || fail "server $i got requests before the proof"
done
wait_until '! grep -q "logon *rraim:cluster" /proc/keys' 100 ||
	fail "the logon key outlived the attach: $(grep rraim /proc/keys)"
swap_on || fail "swapon"
cg=$(make_cgroup auth 32M)
in_cgroup "$cg" rraim-pattern -q -p 1 -r 64M || { cleanup; fail "the workload did not verify"; }
for i in 1 2 3; do
	diag "server $i: auth_ok $(counter "$i" auth_ok), chunks_granted $(counter "$i" chunks_granted)"
done

for other in none "$OTHER"; do
	if [ "$other" = none ]; then
		diag "server 3 restarted without a secret: a rogue server"
		restart 3
		why="does not authenticate"
	else
		diag "server 3 restarted with another secret"
		restart 3 "$other"
		why="wrong proof"
	fi
	wait_until "dmesg | grep -q 'server $(server_addr 3):$RRAIM_PORT.*$why'" 600 ||
		fail "the module did not refuse server 3 ($why)"
	in_cgroup "$cg" rraim-pattern -q -p 1 -r 64M || { cleanup; fail "the workload did not verify"; }
	d=$(server_dir 3)
	diag "server 3: chunks_granted $(counter 3 chunks_granted), sessions $(counter 3 sessions); module: $(cat "$d/state") ($(cat "$d/state_reason")), $(cat "$d/pages") pages"
	# the server's own count is the truth: nothing of ours went there.
	# (The module's pages count of server 3 may still name copies of the
	# session before the restart: it cannot learn that they are gone
	# from a server it does not accept, and rebuilds them elsewhere.)
	[ "$(counter 3 chunks_granted)" = 0 ] || fail "server 3 was granted chunks"
	[ "$(counter 3 allocs)" = 0 ] || fail "server 3 granted an ALLOC"
	[ "$(cat "$d/state")" != live ] || fail "the module uses server 3"
done
[ "$(counter 3 refused_connects)" = 0 ] || [ "$other" != "$OTHER" ] ||
	diag "server 3 refused $(counter 3 refused_connects) connections"
swapoff /dev/vda || fail "swapoff"
rmdir "$cg"
cg=
cleanup
no_splat || fail "kernel splat"
exit $KSFT_PASS
