#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Garbage written to the sysfs knobs is refused with EINVAL and changes
# nothing; good values apply.
. "$(dirname "$0")/lib.sh"
require_root
require_rdma
require_servers 2

load_rraim 2 || fail "load"

# write FILE VALUE: succeeds?
put() {
	printf '%s' "$2" >"$RRAIM_SYS/$1" 2>/dev/null
}

garbage() {
	local file=$1 before
	shift
	before=$(cat "$RRAIM_SYS/$file")
	for v in "$@"; do
		put "$file" "$v" && fail "$file accepted '$v'"
		[ "$(cat "$RRAIM_SYS/$file")" = "$before" ] ||
			fail "$file changed after '$v'"
	done
}

garbage replicas abc 0 9 3 "2x" " 2" -1 +2 99999999999
garbage deadline_ms 0 4 60001 -5 1.5 abc
garbage heartbeat_ms 0 9 60001 x
garbage lost_wait_ms -1 3600001 1e3
garbage enabled maybe 2 10 yes nonsense +1 +0
put replicas 1 || fail "replicas=1 refused"
[ "$(cat $RRAIM_SYS/replicas)" = 1 ] || fail "replicas did not change"
put replicas 2 || fail "replicas=2 refused"
put deadline_ms 250 || fail "deadline_ms=250 refused"
[ "$(cat $RRAIM_SYS/deadline_ms)" = 250 ] || fail "deadline_ms did not change"
put enabled 0 && put enabled 1 || fail "enabled refused 0/1"

for v in 1.2.3 300.1.1.1 1.2.3.4:0 1.2.3.4:70000 "10.0.0.1 x" "1.2.3.4:"; do
	put add_server "$v" && fail "add_server accepted '$v'"
done
put add_server "$(server_addr 1):$RRAIM_PORT" && fail "duplicate server accepted"
put remove_server 10.9.9.9 && fail "removing an unknown server succeeded"
put stats/reset 0 && fail "stats/reset accepted 0"
put stats/reset yes && fail "stats/reset accepted yes"
put stats/reset +1 && fail "stats/reset accepted +1"
put stats/reset 1 || fail "stats/reset refused 1"
[ "$(ls $RRAIM_SYS/servers | wc -l)" = 2 ] || fail "server count changed"

# add and remove a third server at runtime
if [ "$RRAIM_SERVERS" -ge 3 ]; then
	put add_server "$(server_addr 3)" || fail "add_server refused server 3"
	wait_until '[ "$(cat "$(server_dir 3)/state")" = live ]' 100 ||
		fail "server 3 did not come up"
	put remove_server "$(server_addr 3):$RRAIM_PORT" ||
		fail "remove_server refused an empty server"
	[ ! -d "$(server_dir 3)" ] || fail "server 3 still listed"
fi
# Files that walk every stored page under a mutex the sync needs are
# root-only; the plain counters stay world-readable.
grep -q '^nobody:' /etc/passwd ||
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
as_nobody() {
	busybox su -s /bin/sh nobody -c "$*"
}
for f in stats/degraded_pages stats/unavailable_pages stats/below_target_pages \
	 "servers/$(server_addr 1):$RRAIM_PORT/pages"; do
	[ "$(stat -c %a "$RRAIM_SYS/$f")" = 400 ] ||
		fail "$f has mode $(stat -c %a "$RRAIM_SYS/$f"), not 400"
	as_nobody cat "'$RRAIM_SYS/$f'" >/dev/null 2>&1 &&
		fail "an unprivileged user read $f"
done
as_nobody cat "$RRAIM_SYS/stats/stored_pages" >/dev/null ||
	fail "an unprivileged user cannot read stats/stored_pages"
unload_rraim || fail "unload"
exit $KSFT_PASS
