#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Separate-VM topology: a server's link is cut while its control
# connection has a reply on the wire, and comes back.  The reply's queue
# pair fails during the cut and the server closes the connection; had it
# sent the DREQ then, Soft-RoCE would have put the device's GSI queue pair
# (every CM message) in the error state for good, and the server would
# never have answered a connect request again.  netem on the client's link
# to server 1 delays each heartbeat's request and the acknowledgement of
# its reply, so that a reply is unacknowledged most of the time; 12 s of
# cut outlast the reply's retries.  Three cuts: server 1 is live again
# after each.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2
require_netem

load_rraim 2 replicas=2 heartbeat_ms=20 deadline_ms=400 || fail "load"
"$TC" qdisc add dev link1 root netem delay 100ms || fail "netem on link1"
for cut in 1 2 3; do
	wait_until '[ "$(cat "$(server_dir 1)/state")" = live ]' 600 ||
		fail "server 1 not live before cut $cut"
	# the last connection's RTU (delayed 100 ms) reaches the server: a
	# cut before it would make the server's CM resend its REP during the
	# cut, a CM message the server cannot hold back (the known limit,
	# design.rst "The memory server")
	sleep 3
	rraim-fault link-down 1 || fail "link-down"
	sleep 12
	rraim-fault link-up 1 || fail "link-up"
	t0=$(date +%s)
	wait_until '[ "$(cat "$(server_dir 1)/state")" = live ]' 900 ||
		fail "cut $cut: server 1 not live 90 s after its link came back ($(cat "$(server_dir 1)/state"): it answers no connect request)"
	diag "cut $cut: server 1 live again $(( $(date +%s) - t0 ))s after its link came back"
done
"$TC" qdisc del dev link1 root
unload_rraim || fail "unload"
no_splat || fail "kernel splat"
exit $KSFT_PASS
