#!/usr/bin/env bash
# make demo: boot a guest with hsmon loaded, make three real handshakes
# between two network namespaces and show /proc/hsmon from each side.
#
#   scripts/demo.sh [--kernel KVER]     (default: first line of scripts/.kernels)
#
#   client 10.0.0.1, fd00::1 --veth-- server 10.0.0.2, fd00::2
#     - port 8080: a server listens, the client connects (IPv4 and IPv6) and
#       keeps the connections open while we read: ESTABLISHED
#     - port 8081: nothing listens: REFUSED
#     - port 9999: nft in the server namespace drops the SYNs: SYN_SENT, with
#       retransmissions counted
#
# The part after the boot runs inside the guest: scripts/demo.sh --guest KO.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3	# Debian's, not whatever python3 PATH finds first

host() {
	local kver=""
	while [ $# -gt 0 ]; do
		case $1 in
		-k | --kernel) kver=${2:?}; shift 2 ;;
		*) echo "usage: scripts/demo.sh [--kernel KVER]" >&2; exit 2 ;;
		esac
	done
	[ -n "$kver" ] || kver=$(head -n 1 "$here/.kernels" 2>/dev/null) ||
		true
	if [ -z "$kver" ]; then
		bash "$here/setup-host.sh"
		kver=$(head -n 1 "$here/.kernels")
	fi
	echo "demo: building hsmon.ko for $kver" >&2
	"$here/build.sh" "$kver"
	exec "$here/vm.sh" --kernel "$kver" --timeout 300 -- \
		bash "$here/demo.sh" --guest "$(cd "$here/.." && pwd)/build/$kver/module/hsmon.ko"
}

# Poll until "$@" succeeds, for at most $1 ms.
busywait() {
	local deadline=$(($(date +%s%3N) + $1))
	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

listening() {
	[ -n "$(ip netns exec server ss -Hltn 'sport = :8080')" ]
}

established() {	# $1 = how many
	[ "$(ip netns exec client ss -Htn state established '( dport = :8080 )' | wc -l)" -ge "$1" ]
}

# The dropped SYN has been sent again at least once (first RTO: 1 s).
retransmitted() {
	# shellcheck disable=SC2016 # awk's $3, not the shell's
	ip netns exec client awk '$3 ~ /:9999$/ && $8 >= 1 { f = 1 } END { exit !f }' /proc/hsmon
}

pids=()
# shellcheck disable=SC2317 # called by the trap
guest_cleanup() {
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
	ip netns del client 2>/dev/null || true
	ip netns del server 2>/dev/null || true
}

guest() {
	local ko=$1
	trap guest_cleanup EXIT

	echo "demo: kernel $(uname -r)"
	insmod "$ko"
	echo "demo: $(dmesg | grep 'hsmon:' | tail -n 1 | sed 's/^\[[^]]*\] //')"

	ip netns add client
	ip netns add server
	ip link add veth0 netns client type veth peer name veth0 netns server
	ip -n client addr add 10.0.0.1/24 dev veth0
	ip -n server addr add 10.0.0.2/24 dev veth0
	ip -n client addr add fd00::1/64 dev veth0 nodad
	ip -n server addr add fd00::2/64 dev veth0 nodad
	for ns in client server; do
		ip -n $ns link set lo up
		ip -n $ns link set veth0 up
	done
	ip netns exec server nft -f - <<-'EOF'
		table inet demo {
			chain input {
				type filter hook input priority 0;
				tcp dport 9999 tcp flags & (syn | ack) == syn drop
			}
		}
	EOF

	# A dual-stack server on 8080 that accepts and holds connections.
	ip netns exec server "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8080))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
' &
	pids+=($!)
	busywait 10000 listening || { echo "demo: server did not start" >&2; exit 1; }

	echo "demo: 10.0.0.1 -> 10.0.0.2:8080 and [fd00::1] -> [fd00::2]:8080 (listening)"
	ip netns exec client "$PY" -c '
import socket, time
a = socket.create_connection(("10.0.0.2", 8080), timeout=10)
b = socket.create_connection(("fd00::2", 8080), timeout=10)
time.sleep(600)
' &
	pids+=($!)
	busywait 10000 established 2 || echo "demo: the connections did not establish" >&2

	echo "demo: 10.0.0.1 -> 10.0.0.2:8081 (closed port)"
	ip netns exec client "$PY" -c '
import socket
try:
    socket.create_connection(("10.0.0.2", 8081), timeout=10)
    print("demo:   connected?!")
except ConnectionRefusedError:
    print("demo:   connection refused, as expected")
'

	echo "demo: 10.0.0.1 -> 10.0.0.2:9999 (SYNs dropped by nft)"
	ip netns exec client "$PY" -c '
import socket
try:
    socket.create_connection(("10.0.0.2", 9999), timeout=60)
except OSError:
    pass
' &
	pids+=($!)
	busywait 5000 retransmitted || true

	echo
	echo "### ip netns exec client cat /proc/hsmon"
	ip netns exec client cat /proc/hsmon
	echo
	echo "### ip netns exec server cat /proc/hsmon"
	ip netns exec server cat /proc/hsmon
}

if [ "${1:-}" = --guest ]; then
	guest "${2:?}"
else
	host "$@"
fi
