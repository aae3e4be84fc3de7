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

load_modules() {
	local m

	for m in virtio_pci virtio_blk virtio_net dummy crc32_generic \
		 rdma_rxe ib_uverbs rdma_ucm; do
		modprobe "$m" || { log "modprobe $m failed"; return 1; }
	done
}

guest_setup_base() {
	mkdir -p $RUN /var/log
	$IP link set lo up
	load_modules || return 1
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

# Start memory server $1 (in the background) and wait until it answers on
# its status socket.
server_start() {
	local i=$1 pid n=0

	rm -f "$(server_sock "$i")"
	setsid rraim-server --listen "$(server_addr "$i"):$RRAIM_PORT" \
		--capacity "${RRAIM_CAPACITY:-256M}" \
		--grace "${RRAIM_GRACE:-60}" \
		--status-socket "$(server_sock "$i")" \
		>>"/var/log/rraim-server-$i.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$(server_pidfile "$i")"
	while ! rraim-server --status "$(server_sock "$i")" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "server $i exited at start:"
			tail -n 5 "/var/log/rraim-server-$i.log" >&2
			return 1
		fi
		n=$((n + 1))
		[ $n -gt 300 ] && { log "server $i did not come up"; return 1; }
		sleep 0.1
	done
	return 0
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
		$IP link add "srv$i" type dummy || return 1
		setup_rdma_link "srv$i" "srv$i" "$(server_addr "$i")" "rxe$i" ||
			return 1
		server_start "$i" || return 1
		i=$((i + 1))
	done
}

guest_setup_multi() {
	local i=1 dev

	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		dev=$(netdev_by_mac "$(mac_of "$i" 1)") ||
			{ log "no NIC for server $i"; return 1; }
		setup_rdma_link "$dev" "link$i" "10.77.$i.1" "rxe$i" || return 1
		$IP neigh replace "$(server_addr "$i")" lladdr "$(mac_of "$i" 2)" \
			dev "link$i" nud permanent
		i=$((i + 1))
	done
	# The nodes boot alongside this guest: wait until each one listens.
	i=1
	while [ "$i" -le "$RRAIM_SERVERS" ]; do
		host_request wait-ready "$i" || return 1
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

# Load the module for servers $1 (a list) and wait until it is attached
# and every server is live.
rraim_load() {
	local list=$1 n
	shift

	n=$(echo "$list" | tr ',' '\n' | grep -c .)
	modprobe rraim servers="$list" "$@" || return 1
	wait_until '[ "$(cat /sys/kernel/rraim/attached)" = 1 ]' 300 ||
		{ log "the livepatch transition did not complete"; return 1; }
	wait_until '[ "$(rraim_servers_in live)" = "$n" ]' 300 ||
		{ log "not every server came up"; return 1; }
}

# Attach RRAIM to every server and turn on the swap area (--rraim).
guest_attach() {
	rraim_load "$(server_list)" \
		${RRAIM_REPLICAS:+replicas=$RRAIM_REPLICAS} || return 1
	mkswap /dev/vda >/dev/null || return 1
	swapon /dev/vda || return 1
}

guest_setup_client() {
	export RRAIM_SERVER_LIST
	RRAIM_SERVER_LIST=$(server_list)
	case $RRAIM_TOPOLOGY in
	single) guest_setup_single || return 1 ;;
	multi) guest_setup_multi || return 1 ;;
	*) log "unknown topology $RRAIM_TOPOLOGY"; return 1 ;;
	esac
	if [ "${RRAIM_ATTACH:-0}" = 1 ]; then
		guest_attach || { log "attach failed"; return 1; }
	fi
	return 0
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
# a time; the host answers "ACK ok" or "ACK error <why>".
host_request() {
	local ans

	while ! mkdir $RUN/host-request.lock 2>/dev/null; do sleep 0.1; done
	exec 3<>/dev/ttyS2
	echo "REQ $*" >&3
	read -r -t 300 ans <&3
	exec 3>&-
	rmdir $RUN/host-request.lock
	ans=$(echo "$ans" | tr -d '\r')
	case $ans in
	"ACK ok") return 0 ;;
	*) log "host request '$*' failed: ${ans:-no answer}"; return 1 ;;
	esac
}

# A server node of the separate-VM topology: bring up its link, run the
# server, then obey the host's commands on ttyS2.
guest_server_node_main() {
	local i=$RRAIM_INDEX dev cmd

	dev=$(netdev_by_mac "$(mac_of "$i" 2)") || { echo "RRAIM-NODE-FAILED no NIC" >/dev/ttyS1; return; }
	setup_rdma_link "$dev" link0 "$(server_addr "$i")" rxe0 ||
		{ echo "RRAIM-NODE-FAILED link" >/dev/ttyS1; return; }
	$IP neigh replace "10.77.$i.1" lladdr "$(mac_of "$i" 1)" dev link0 nud permanent
	server_start "$i" || { echo "RRAIM-NODE-FAILED server" >/dev/ttyS1; return; }
	echo "RRAIM-NODE-READY" >/dev/ttyS1
	exec 3<>/dev/ttyS2
	while read -r cmd <&3; do
		cmd=$(echo "$cmd" | tr -d '\r')
		case $cmd in
		kill) server_signal "$i" KILL; echo "ACK ok" >&3 ;;
		stop) server_signal "$i" TERM; echo "ACK ok" >&3 ;;
		start)
			if server_start "$i"; then echo "ACK ok" >&3
			else echo "ACK error server did not start" >&3; fi ;;
		*) echo "ACK error unknown command" >&3 ;;
		esac
	done
}
