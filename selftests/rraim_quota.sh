#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A client at its quota is refused and places elsewhere.  Server 3 is
# restarted with --client-quota 8M (2 chunks for each client address; in
# the guest every client of server 3 comes from the same address).  With
# replicas=3 over the three servers, a verifying workload of 64 MiB pages
# out under a memcg and holds: server 3 holds at most 2 chunks and tells
# the module it has no room, servers 1 and 2 take the rest.  A second
# client from the same address (rraim-rogue) then asks server 3 for a
# chunk: refused (enospc), counted in alloc_quota, logged.  The workload
# verifies.
# rraim-timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 3
[ "${RRAIM_TOPOLOGY:-single}" = single ] ||
	skip "restarts a server with its own options and reads its status socket"

QUOTA_CHUNKS=2

# server 3 with the test bed's options again, whatever happened
restore_server3() {
	[ -e "$RUN/quota-server" ] || return 0
	rraim-fault stop 3
	rraim-fault start 3 && rm -f "$RUN/quota-server"
}
trap 'cleanup; restore_server3' EXIT

status3() {
	rraim-server --status "$(server_sock 3)"
}

# a counter of server 3's status report
status3_of() {
	status3 | awk -v k="$1" '$1 == k { print $2 }'
}

# chunks the sessions on server 3 hold, live or in grace
server3_chunks() {
	status3 | awk '$1 == "session" { n += $6 } END { print n + 0 }'
}

rraim-fault stop 3
touch "$RUN/quota-server"
rraim-fault start 3 --client-quota "$((QUOTA_CHUNKS * 4))M" ||
	fail "start server 3 with a quota"
load_rraim 3 replicas=3 || fail "load"
swap_on || fail "swapon"
cg=$(make_cgroup quota 32M)
# write 64 MiB (16384 pages), page it all out, hold it until SIGUSR1
bg_in_cgroup "$cg" rraim-pattern -q -p 2 -r -P -S 600 64M
pid=$BG_PID
wait_until '[ "$(stat_of stored_pages)" -ge 16000 ]' 1200 ||
	fail "the workload did not page out: $(stat_of stored_pages) pages"

held=$(server3_chunks)
mod3=$(cat "$(server_dir 3)/chunks")
client=$(status3 | awk '$1 == "session" { for (i = 2; i < NF; i++) if ($i == "client") print $(i + 1); exit }')
diag "server 3 (client $client): holds $held chunks, the module counts $mod3, free_bytes $(cat "$(server_dir 3)/free_bytes"); servers 1 and 2: $(cat "$(server_dir 1)/chunks") and $(cat "$(server_dir 2)/chunks") chunks; alloc_quota $(status3_of alloc_quota); stored $(stat_of stored_pages) degraded $(stat_of degraded_pages)"
[ "$held" -le "$QUOTA_CHUNKS" ] ||
	fail "server 3 holds $held chunks, over the quota of $QUOTA_CHUNKS"
[ "$mod3" -le "$QUOTA_CHUNKS" ] ||
	fail "the module holds $mod3 chunks on server 3, over the quota"
[ "$(cat "$(server_dir 3)/free_bytes")" = 0 ] ||
	fail "server 3 reports free space to a client at its quota"
# 16000 pages need 4 chunks on each of servers 1 and 2
for i in 1 2; do
	[ "$(cat "$(server_dir "$i")/chunks")" -ge 4 ] ||
		fail "server $i did not take what server 3 refused"
done
case $client in
0.0.0.0|'') fail "no client address on server 3's session line" ;;
esac

# The module is at its quota: another client from its address is refused,
# and the refusal is counted.
[ "$held" = "$QUOTA_CHUNKS" ] ||
	fail "the module did not fill its quota on server 3 ($held chunks)"
before=$(status3_of alloc_quota)
out=$(rraim-rogue "$(server_addr 3):$RRAIM_PORT" ok 2>&1) &&
	{ echo "$out"; fail "a second client got a chunk over the quota"; }
echo "$out" | grep -q 'ALLOC: enospc' ||
	{ echo "$out"; fail "the second client was not refused with enospc"; }
after=$(status3_of alloc_quota)
diag "alloc_quota $before -> $after"
[ "$after" -gt "$before" ] || fail "the refusal was not counted in alloc_quota"
grep -q "client $client is at its quota of $((QUOTA_CHUNKS * 4)) MiB" \
	/var/log/rraim-server-3.log || fail "server 3 did not log the refusal"

kill -USR1 "$pid"
wait "$pid" || fail "the pattern did not verify"
diag "verified; lost $(stat_of lost_pages)"
[ "$(stat_of lost_pages)" = 0 ] || fail "pages were lost"
no_splat || fail "kernel splat"

rmdir "$cg"
unload_rraim || fail "unload"
restore_server3 || fail "restart server 3"
exit $KSFT_PASS
