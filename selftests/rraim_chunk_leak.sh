#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# No chunk is lost on a server: every chunk a server granted to this host
# is one the module knows it holds, or has given back.  Server 1's process
# is stopped for a second, six times, while stores run; each time the free
# pool is rebuilt at once (replicas written again), so the refill asks the
# stopped server for chunks and gives it back the pool's old ones: the
# ALLOCs and FREEs miss their deadline; once it runs, the pool is rebuilt
# again.  A grant that comes after its
# ALLOC was given up must be freed, and a FREE that failed retried, not
# forgotten (the server would keep the chunk for the session's lifetime).
# At rest, the server's count of chunks granted to our session equals the
# module's servers/<addr>/chunks; after the unload, the servers hold
# nothing, and chunks whose FREE could not be sent are given back by
# themselves.  A FREE that timed out is not asked again: the server may have
# done it and granted the number anew, to a replica in use (whose writes
# would then fail with remote access errors): no transfer fails.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2
[ "${RRAIM_TOPOLOGY:-single}" = single ] || skip "reads the servers' status sockets"

# session chunks the server granted (live sessions)
server_chunks() {
	rraim-server --status "$(server_sock "$1")" |
		awk '$1 == "session" { n += $6 } END { print n + 0 }'
}

# a heartbeat that never fires: a stopped server is slow, not dead
load_rraim 2 replicas=2 deadline_ms=50 heartbeat_ms=60000 || fail "load"
# only this test's messages count (earlier tests of the boot may have had
# remote access errors of their own)
rae0=$(dmesg | grep -c 'remote access error')
swap_on || fail "swapon"
cg=$(make_cgroup leak 64M)
spid=$(cat "$(server_pidfile 1)")
allocs0=$(rraim-server --status "$(server_sock 1)" | awk '$1 == "allocs" { print $2 }')
bg_in_cgroup "$cg" rraim-pattern -q -p 2 -r -t 20 48M
wl=$BG_PID
round=1
while [ $round -le 6 ]; do
	kill -STOP "$spid"
	echo 2 >"$RRAIM_SYS/replicas" || { kill -CONT "$spid"; fail "replicas"; }
	sleep 1
	kill -CONT "$spid"
	# the server now does the FREEs that timed out; rebuilt again, the
	# pool gets their numbers anew while the sync (kicked by the write)
	# looks at the orphans
	sleep 0.5
	echo 2 >"$RRAIM_SYS/replicas" || fail "replicas"
	sleep 1
	round=$((round + 1))
done
wait "$wl" || fail "the workload failed"
allocs=$(( $(rraim-server --status "$(server_sock 1)" | awk '$1 == "allocs" { print $2 }') - allocs0 ))
# at rest: the refill is done, late replies are in, FREEs that failed
# were asked again (their retry backs off: a slow guest needs seconds)
wait_until '[ "$(cat "$(server_dir 1)/state")" = live ]' 300 || fail "server 1 not live"
wait_until '[ "$(server_chunks 1)" = "$(cat "$(server_dir 1)/chunks")" ]' 600
mine=$(cat "$(server_dir 1)/chunks")
theirs=$(server_chunks 1)
late=$(dmesg | grep -c 'gave back chunk .*, granted after its request timed out')
diag "server 1 granted $allocs chunks during the rounds, $late of them late; it holds $theirs for us, the module counts $mine"
[ "$theirs" = "$mine" ] ||
	fail "server 1 holds $theirs chunks for this host, the module knows of $mine"
[ "$late" -gt 0 ] || fail "no grant came late: the test missed its window"
rae=$(( $(dmesg | grep -c 'remote access error') - rae0 ))
[ "$rae" = 0 ] || fail "$rae remote access errors: a chunk in use was freed on its server"
[ "$(cat "$(server_dir 1)/errors")" = 0 ] || fail "server 1 counted $(cat "$(server_dir 1)/errors") failed transfers"
wait_until '[ "$(server_chunks 2)" = "$(cat "$(server_dir 2)/chunks")" ]' 600 ||
	fail "server 2 holds $(server_chunks 2) chunks for this host, the module knows of $(cat "$(server_dir 2)/chunks")"
# A FREE that cannot be sent (a READ abandoned on its server is still in
# flight) leaves its chunk an orphan, for a sync pass to give back.  For
# 3 s every FREE is refused so while the pool is rebuilt at rest: the
# pool's chunks become orphans, and the passes that retry them (after 1
# and 2 s) fail too.  Nothing else runs a pass now: the retry must come by
# itself, or the servers hold the chunks until the session ends.
echo 3000 >/sys/kernel/debug/rraim/fault_free_busy_ms || fail "fault_free_busy_ms"
echo 2 >"$RRAIM_SYS/replicas" || fail "replicas"
sleep 3
for i in 1 2; do
	diag "server $i, FREEs refused: it holds $(server_chunks $i) chunks for this host, the module knows of $(cat "$(server_dir $i)/chunks")"
done
for i in 1 2; do
	wait_until "[ \"\$(server_chunks $i)\" = \"\$(cat \"\$(server_dir $i)/chunks\")\" ]" 300 ||
		fail "server $i holds $(server_chunks $i) chunks for this host, the module knows of $(cat "$(server_dir $i)/chunks"): a chunk whose FREE was not sent is never given back"
done
# Grants that come late one after another: while the FREE of one is on
# its way, the next arrives.  The FREE must forget the chunk it gave back,
# not the newest grant (that one would stay on the server for the
# session's lifetime, and the freed number be freed a second time, maybe
# under a replica in use).  The next ALLOCs are given up as soon as sent,
# and a late grant's FREE waits half a second while any is left: the
# refill of a rebuilt pool brings the next grant into that window.
# Both servers run the whole time: no heartbeat may miss.  Each late
# grant's FREE is followed at once by a heartbeat, whose request must
# wait for the FREE's SEND to complete (that completion can come after
# the FREE's reply): counted as a miss, it made a running server suspect,
# then dead, and the grants on their way were lost with the connection.
late0=$(dmesg | grep -c 'gave back chunk .*, granted after its request timed out')
rae0=$(dmesg | grep -c 'remote access error')
hb0=$(dmesg | grep -cE 'heartbeat (late|missed)')
for round in 1 2 3; do
	echo 4 >/sys/kernel/debug/rraim/fault_alloc_late || fail "fault_alloc_late"
	echo 2 >"$RRAIM_SYS/replicas" || fail "replicas"
	wait_until '[ "$(cat /sys/kernel/debug/rraim/fault_alloc_late)" = 0 ]' 60 ||
		echo 0 >/sys/kernel/debug/rraim/fault_alloc_late
	sleep 1
done
for i in 1 2; do
	wait_until "[ \"\$(server_chunks $i)\" = \"\$(cat \"\$(server_dir $i)/chunks\")\" ]" 300 ||
		fail "server $i holds $(server_chunks $i) chunks for this host, the module knows of $(cat "$(server_dir $i)/chunks"): a grant that came late while another's FREE was on its way was forgotten"
done
late=$(( $(dmesg | grep -c 'gave back chunk .*, granted after its request timed out') - late0 ))
hb=$(( $(dmesg | grep -cE 'heartbeat (late|missed)') - hb0 ))
diag "back to back late grants: $late given back; heartbeats late or missed: $hb"
[ "$hb" = 0 ] || fail "$hb heartbeats of running servers counted as late or missed"
[ "$late" -ge 4 ] || fail "only $late late grants given back: the test missed its window"
rae=$(( $(dmesg | grep -c 'remote access error') - rae0 ))
[ "$rae" = 0 ] || fail "$rae remote access errors: a chunk in use was freed on its server"
rmdir "$cg"
unload_rraim || fail "unload"
# the sessions ended: every chunk is back in the pools
for i in 1 2; do
	wait_until "[ \"\$(rraim-server --status \"\$(server_sock $i)\" |
		awk '\$1 == \"chunks_granted\" { print \$2 }')\" = 0 ]" 100 ||
		fail "server $i still grants chunks after the unload"
done
no_splat || fail "kernel splat"
exit $KSFT_PASS
