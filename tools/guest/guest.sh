# SPDX-License-Identifier: GPL-2.0
#
# Guest-side library of the RRAIM test bed, sourced by /init and by the
# helpers in /opt/rraim/bin.  Everything here runs inside the VM.
#
# Addressing, the same in both topologies: memory server I (1-based) listens
# on 10.77.I.2, port 7471.  In the single-guest topology server I owns the
# dummy netdev "srvI" with rxe device "rxeI"; in the separate-VM topology the
# client reaches server node I over its NIC "linkI" (10.77.I.1, rxe device
# "rxeI") and the node's own NIC is "link0" with rxe device "rxe0".

RRAIM_PORT=7471
IP=/usr/sbin/ip		# busybox's own "ip" lacks what iproute2 has
RUN=/run/rraim

server_addr() {
	echo "10.77.$1.2"
}

server_list() {
	local i=1 list=""

	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		list="$list${list:+,}$(server_addr "$i"):$RRAIM_PORT"
		i=$((i + 1))
	done
	echo "$list"
}

log() {
	echo "rraim-guest: $*" >&2
}

# Why the guest's setup failed, one reason a line: logged, and kept for
# /init to print on the script's channel.
setup_error() {
	log "$*"
	echo "$*" >>$RUN/setup-errors
}

load_modules() {
	local m

	for m in virtio_pci virtio_blk virtio_net dummy crc32_generic crc32c_generic \
		 rdma_rxe ib_uverbs rdma_ucm; do
		modprobe "$m" || { log "modprobe $m failed"; return 1; }
	done
}

# Swap and THP as on a user's host, in every guest and before any swapon
# (guest_attach, the selftests, the demo and the benchmark all swap on
# later): a swap disk on an SSD reports itself non-rotational (the virtio
# disk says rotational, and the kernel then splits every THP before it
# swaps it out), and Debian ships THP "always" (a guest under 512 MiB has
# it switched off at boot).  defrag stays Debian's default.
guest_host_like() {
	[ -e /sys/block/vda/queue/rotational ] &&
		echo 0 >/sys/block/vda/queue/rotational
	echo always >/sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
	return 0
}

guest_setup_base() {
	mkdir -p $RUN /var/log
	$IP link set lo up
	load_modules || return 1
	guest_host_like
	# rxe allocates packets with GFP_ATOMIC: keep a reserve under pressure.
	sysctl -q -w vm.min_free_kbytes=32768
	sysctl -q -w kernel.hung_task_timeout_secs=60 2>/dev/null
	ulimit -l unlimited
	return 0
}

# Find the netdev whose MAC the host assigned (52:54:00:77:II:RR).
netdev_by_mac() {
	local want=$1 d

	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$want" ] && { basename "$d"; return 0; }
	done
	return 1
}

# Bring up netdev $1 as $2 with address $3/24, MTU 9000, and rxe device $4.
setup_rdma_link() {
	local dev=$1 name=$2 addr=$3 rxe=$4

	if [ "$dev" != "$name" ]; then
		$IP link set "$dev" down
		$IP link set "$dev" name "$name" || return 1
	fi
	$IP link set "$name" mtu 9000 up || return 1
	$IP addr add "$addr/24" dev "$name" || return 1
	rdma link add "$rxe" type rxe netdev "$name" || return 1
}

mac_of() {
	printf '52:54:00:77:%02x:%02x' "$1" "$2"
}

server_pidfile() {
	echo "$RUN/server-$1.pid"
}

server_sock() {
	echo "$RUN/server-$1.sock"
}

# The lines memory server $1 logged since its last start.
server_log_since_start() {
	local log="/var/log/rraim-server-$1.log" from

	from=$(cat "$RUN/server-$1.logstart" 2>/dev/null || echo 0)
	tail -n "+$((from + 1))" "$log" 2>/dev/null
}

# Why memory server $1 (pid $2) is not serving: how it ended into
# SERVER_HOW (exit status, signal, OOM kill), the error it logged last into
# SERVER_LINE (else, unless a signal ended it, its last line).  Reaps the
# process when this shell started it.
server_explain() {
	local i=$1 pid=$2 st

	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null; then
		SERVER_HOW="running, not answering on its status socket"
	else
		st=127
		[ -n "$pid" ] && { wait "$pid" 2>/dev/null; st=$?; }
		if [ -n "$pid" ] && dmesg | grep -q "Killed process $pid ("; then
			SERVER_HOW="killed by the OOM killer"
		elif [ "$st" = 127 ]; then
			SERVER_HOW="gone"
		elif [ "$st" -gt 128 ]; then
			SERVER_HOW="killed by signal $((st - 128))"
		else
			SERVER_HOW="exit status $st"
		fi
	fi
	SERVER_LINE=$(server_log_since_start "$i" | grep 'error: ' | tail -n 1)
	case $SERVER_HOW in
	killed*) ;;
	*) [ -n "$SERVER_LINE" ] ||
		SERVER_LINE=$(server_log_since_start "$i" | tail -n 1) ;;
	esac
}

# Memory server $1's pool: the test bed's capacity, or (test only,
# rvm.failserver) more memory than any guest has, so that it refuses.
server_capacity() {
	if [ "$1" = "${RRAIM_FAILSERVER:-}" ]; then
		echo 1T
	else
		echo "${RRAIM_CAPACITY:-256M}"
	fi
}

# Start memory server $1 (in the background), with the rest of the
# arguments added to the test bed's options (e.g. --client-quota 8M), and
# wait until it answers on its status socket.  On failure, returns 1 with
# the reason in SERVER_WHY (also logged).
server_start() {
	local i=$1 pid n=0 log="/var/log/rraim-server-$1.log"
	shift

	rm -f "$(server_sock "$i")"
	if [ -f "$log" ]; then wc -l <"$log"; else echo 0; fi >"$RUN/server-$i.logstart"
	setsid rraim-server --listen "$(server_addr "$i"):$RRAIM_PORT" \
		--capacity "$(server_capacity "$i")" \
		--grace "${RRAIM_GRACE:-60}" \
		--status-socket "$(server_sock "$i")" "$@" \
		>>"$log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$(server_pidfile "$i")"
	while ! rraim-server --status "$(server_sock "$i")" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			server_explain "$i" "$pid"
			SERVER_WHY="server $i exited at start ($SERVER_HOW)${SERVER_LINE:+: $SERVER_LINE}"
			log "$SERVER_WHY"
			return 1
		fi
		n=$((n + 1))
		if [ $n -gt 300 ]; then
			server_explain "$i" "$pid"
			SERVER_WHY="server $i did not come up within 30 s ($SERVER_HOW)${SERVER_LINE:+: $SERVER_LINE}"
			log "$SERVER_WHY"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# Is memory server $1 still serving?  If not, returns 1 with the reason in
# SERVER_WHY.
server_alive() {
	local pid

	rraim-server --status "$(server_sock "$1")" >/dev/null 2>&1 && return 0
	pid=$(cat "$(server_pidfile "$1")" 2>/dev/null)
	server_explain "$1" "$pid"
	SERVER_WHY="server $1 is down ($SERVER_HOW)${SERVER_LINE:+: $SERVER_LINE}"
	return 1
}

server_signal() {
	local pid

	pid=$(cat "$(server_pidfile "$1")" 2>/dev/null) || return 1
	kill "-$2" "$pid" 2>/dev/null || return 1
	# reap: wait until the process is gone
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$(server_pidfile "$1")"
}

guest_setup_single() {
	local i=1

	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		$IP link add "srv$i" type dummy ||
			{ setup_error "server $i: cannot add its netdev"; return 1; }
		setup_rdma_link "srv$i" "srv$i" "$(server_addr "$i")" "rxe$i" ||
			{ setup_error "server $i: cannot set up its rxe link"; return 1; }
		server_start "$i" || { setup_error "$SERVER_WHY"; return 1; }
		i=$((i + 1))
	done
}

guest_setup_multi() {
	local i=1 dev

	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		dev=$(netdev_by_mac "$(mac_of "$i" 1)") ||
			{ setup_error "server $i: no NIC for it"; return 1; }
		setup_rdma_link "$dev" "link$i" "10.77.$i.1" "rxe$i" ||
			{ setup_error "server $i: cannot set up the rxe link to it"; return 1; }
		$IP neigh replace "$(server_addr "$i")" lladdr "$(mac_of "$i" 2)" \
			dev "link$i" nud permanent
		i=$((i + 1))
	done
	# The nodes boot alongside this guest: wait until each one listens.
	i=1
	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		host_request wait-ready "$i" || { setup_error "$HOST_ERROR"; return 1; }
		i=$((i + 1))
	done
}

# Wait (up to $2 tenths of a second) until command $1 succeeds.
wait_until() {
	local n=0

	while ! eval "$1"; do
		n=$((n + 1))
		[ $n -ge "$2" ] && return 1
		sleep 0.1
	done
	return 0
}

# Number of servers the module sees in state $1.
rraim_servers_in() {
	grep -lx "$1" /sys/kernel/rraim/servers/*/state 2>/dev/null | wc -l
}

# One line for each server the module does not see live: which server,
# its state and the module's reason.
rraim_not_live() {
	local d addr i

	for d in /sys/kernel/rraim/servers/*; do
		[ -f "$d/state" ] || continue
		[ "$(cat "$d/state")" = live ] && continue
		addr=${d##*/}
		i=${addr#10.77.}
		i=${i%%.*}
		echo "server $i ($addr): the module sees it $(cat "$d/state") ($(cat "$d/state_reason" 2>/dev/null))"
	done
}

# Load the module for servers $1 (a list) and wait until it is attached
# and every server is live; else log which servers are not.
rraim_load() {
	local list=$1 n
	shift

	n=$(echo "$list" | tr ',' '\n' | grep -c .)
	modprobe rraim servers="$list" "$@" || return 1
	wait_until '[ "$(cat /sys/kernel/rraim/attached)" = 1 ]' 300 ||
		{ log "the livepatch transition did not complete"; return 1; }
	if ! wait_until '[ "$(rraim_servers_in live)" = "$n" ]' 300; then
		log "not every server came up:"
		rraim_not_live >&2
		return 1
	fi
}

# Attach RRAIM to every server and turn on the swap area (--rraim).
guest_attach() {
	local l

	if ! rraim_load "$(server_list)" \
		${RRAIM_REPLICAS:+replicas=$RRAIM_REPLICAS}; then
		rraim_not_live >$RUN/not-live
		while read -r l; do
			setup_error "$l"
		done <$RUN/not-live
		setup_error "--rraim: the module did not attach to every server"
		return 1
	fi
	mkswap /dev/vda >/dev/null || { setup_error "--rraim: mkswap failed"; return 1; }
	swapon /dev/vda || { setup_error "--rraim: swapon failed"; return 1; }
}

# Is every memory server still serving, and (--rraim) does the module see
# every one live?  Checked last before the script: a server the OOM killer
# took while another one pinned its pool must not go unnoticed.
guest_check_servers() {
	local i=1 bad=0 l

	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		if [ "$RRAIM_TOPOLOGY" = single ]; then
			server_alive "$i" || { setup_error "$SERVER_WHY"; bad=1; }
		elif ! host_request check "$i"; then
			setup_error "$HOST_ERROR"
			bad=1
		fi
		i=$((i + 1))
	done
	if [ "${RRAIM_ATTACH:-0}" = 1 ] && [ "$bad" = 0 ]; then
		rraim_not_live >$RUN/not-live
		while read -r l; do
			setup_error "$l"
			bad=1
		done <$RUN/not-live
	fi
	[ "$bad" = 0 ]
}

guest_setup_client() {
	export RRAIM_SERVER_LIST
	RRAIM_SERVER_LIST=$(server_list)
	case $RRAIM_TOPOLOGY in
	single) guest_setup_single || return 1 ;;
	multi) guest_setup_multi || return 1 ;;
	*) setup_error "unknown topology $RRAIM_TOPOLOGY"; return 1 ;;
	esac
	if [ "${RRAIM_ATTACH:-0}" = 1 ]; then
		guest_attach || return 1
	fi
	guest_check_servers
}

guest_teardown() {
	local i=1

	[ "$RRAIM_TOPOLOGY" = single ] || return 0
	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		server_signal "$i" TERM 2>/dev/null
		i=$((i + 1))
	done
}

# Ask the host for something the guest cannot do itself (power a server
# node off or on, cut its link, signal its server process).  One request at
# a time; the host answers "ACK ok" or "ACK error <why>" (<why> is left in
# HOST_ERROR).
host_request() {
	local ans

	HOST_ERROR=""
	while ! mkdir $RUN/host-request.lock 2>/dev/null; do sleep 0.1; done
	exec 3<>/dev/ttyS2
	echo "REQ $*" >&3
	read -r -t 300 ans <&3
	exec 3>&-
	rmdir $RUN/host-request.lock
	ans=$(echo "$ans" | tr -d '\r')
	case $ans in
	"ACK ok") return 0 ;;
	"ACK error "*) HOST_ERROR=${ans#ACK error } ;;
	*) HOST_ERROR="no answer from the host to '$*'${ans:+: $ans}" ;;
	esac
	log "host request '$*' failed: $HOST_ERROR"
	return 1
}

# A server node of the separate-VM topology: bring up its link, run the
# server, then obey the host's commands on ttyS2.
guest_server_node_main() {
	local i=$RRAIM_INDEX dev cmd

	dev=$(netdev_by_mac "$(mac_of "$i" 2)") ||
		{ echo "RRAIM-NODE-FAILED the node has no NIC" >/dev/ttyS1; return; }
	setup_rdma_link "$dev" link0 "$(server_addr "$i")" rxe0 ||
		{ echo "RRAIM-NODE-FAILED cannot set up the node's rxe link" >/dev/ttyS1; return; }
	$IP neigh replace "10.77.$i.1" lladdr "$(mac_of "$i" 1)" dev link0 nud permanent
	server_start "$i" || { echo "RRAIM-NODE-FAILED $SERVER_WHY" >/dev/ttyS1; return; }
	echo "RRAIM-NODE-READY" >/dev/ttyS1
	exec 3<>/dev/ttyS2
	while read -r cmd <&3; do
		cmd=$(echo "$cmd" | tr -d '\r')
		case $cmd in
		kill) server_signal "$i" KILL; echo "ACK ok" >&3 ;;
		stop) server_signal "$i" TERM; echo "ACK ok" >&3 ;;
		start)
			if server_start "$i"; then echo "ACK ok" >&3
			else echo "ACK error $SERVER_WHY" >&3; fi ;;
		check)
			if server_alive "$i"; then echo "ACK ok" >&3
			else echo "ACK error $SERVER_WHY" >&3; fi ;;
		*) echo "ACK error unknown command" >&3 ;;
		esac
	done
}
