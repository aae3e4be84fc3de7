#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every memory server listens, answers on its status socket and serves a
# client end to end: connect, grant, RDMA WRITE and READ back, free, bye.
# Its whole pool is resident and locked once it listens.  A server whose
# pool does not fit in the memory the machine can give refuses to start,
# at once and with one line, instead of waking the OOM killer (which would
# kill the servers already running as likely as itself).
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 1

# kB of field $2 (VmLck, VmRSS...) in /proc/PID/status of process $1.
status_kb() {
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB\$/\1/p" "/proc/$1/status"
}

meminfo_kb() {
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB\$/\1/p" /proc/meminfo
}

oom_events() {
	dmesg | grep -cE 'Out of memory|oom-kill|oom_reaper'
}

# Server $1, with a pool of $2 bytes, has all of it resident and locked.
check_pinned() {
	local i=$1 cap_kb=$(($2 / 1024)) pid lck rss

	pid=$(cat "$(server_pidfile "$i")") || fail "no pid file for server $i"
	lck=$(status_kb "$pid" VmLck)
	rss=$(status_kb "$pid" VmRSS)
	diag "server $i: capacity $cap_kb kB, VmLck $lck kB, VmRSS $rss kB, VmSize $(status_kb "$pid" VmSize) kB"
	[ -n "$lck" ] && [ "$lck" -ge "$cap_kb" ] ||
		fail "server $i: VmLck $lck kB is below its capacity ($cap_kb kB)"
	[ -n "$rss" ] && [ "$rss" -ge "$cap_kb" ] ||
		fail "server $i: VmRSS $rss kB is below its capacity ($cap_kb kB)"
}

# A server asked for more than MemAvailable (but less than the RAM) exits
# at once with one line, the OOM killer stays asleep, the others live on.
check_refused() {
	local avail total cap out rc start secs oom i

	avail=$(meminfo_kb MemAvailable)
	total=$(meminfo_kb MemTotal)
	# MemAvailable + 64 MiB, rounded up to whole 4 MiB chunks
	cap=$(( (avail / 1024 + 64 + 3) / 4 * 4 ))
	[ $((cap * 1024)) -lt "$total" ] ||
		skip "MemAvailable ($avail kB) is too close to MemTotal ($total kB)"
	oom=$(oom_events)
	start=$(date +%s)
	out=$(timeout 120 rraim-server --listen "$(server_addr 1):7999" \
		--capacity "${cap}M" 2>&1 </dev/null)
	rc=$?
	secs=$(( $(date +%s) - start ))
	diag "MemAvailable $avail kB, MemTotal $total kB: --capacity ${cap}M exited $rc after ${secs}s"
	diag "$out"
	[ "$rc" = 1 ] || fail "a server too big for MemAvailable exited $rc, not 1"
	[ "$(echo "$out" | wc -l)" = 1 ] ||
		fail "a server too big for MemAvailable said more than one line"
	echo "$out" | grep -q "does not fit in this machine's available memory: MemAvailable is" ||
		fail "a server too big for MemAvailable did not say why"
	[ "$secs" -le 10 ] || fail "a server too big for MemAvailable took ${secs}s to refuse"
	[ "$(oom_events)" = "$oom" ] || {
		dmesg | grep -E 'Out of memory|oom-kill' | tail -n 4 | sed 's/^/# /'
		fail "the OOM killer fired"
	}
	i=1
	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		rraim-server --status "$(server_sock "$i")" | grep -qx "state running" ||
			fail "server $i no longer runs after the refused start"
		i=$((i + 1))
	done
}

i=1
while [ "$i" -le "$RRAIM_SERVERS" ]; do
	if [ "$RRAIM_TOPOLOGY" = multi ]; then
		# the status socket is inside the server's node
		out=$(rraim-rogue "$(server_addr "$i"):$RRAIM_PORT" ok 2>&1) ||
			{ echo "$out"; fail "server node $i did not serve a client"; }
		i=$((i + 1))
		continue
	fi
	st=$(rraim-server --status "$(server_sock "$i")") ||
		fail "server $i does not answer on its status socket"
	echo "$st" | grep -qx "state running" || fail "server $i is not running"
	echo "$st" | grep -qx "listen $(server_addr "$i"):$RRAIM_PORT" ||
		fail "server $i does not listen on $(server_addr "$i")"
	out=$(rraim-rogue "$(server_addr "$i"):$RRAIM_PORT" ok 2>&1) ||
		{ echo "$out"; fail "server $i did not serve a client"; }
	diag "server $i: $(echo "$st" | grep -E '^(capacity|free) ' | tr '\n' ' ')"
	check_pinned "$i" "$(echo "$st" | sed -n 's/^capacity //p')"
	i=$((i + 1))
done

[ "$RRAIM_TOPOLOGY" = multi ] && exit $KSFT_PASS
check_refused
exit $KSFT_PASS
