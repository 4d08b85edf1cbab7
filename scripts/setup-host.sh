#!/usr/bin/env bash
# Install everything `make check`, `make demo` and `make shell` need on a fresh
# Debian 12 machine: QEMU, a static busybox for the guest's init, the 6.1
# (bookworm) and 6.12 (bookworm-backports, also its PREEMPT_RT flavour)
# kernels with their headers, the userland the selftests run inside the
# guest (the guest shares this root: dkms for the packaging tests), and what
# `make lint` runs (sparse, cppcheck, linux-source-6.1 for checkpatch.pl).
#
# Idempotent: a second run only checks. Prints the kernel releases it set up
# to scripts/.kernels (one per line) for the test runner.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
stamp="$here/.kernels"

log() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
	echo "setup: must run as root (apt-get install)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Enable bookworm-backports by reusing the URI of the machine's own Debian
# entry: never name a mirror host here.
enable_backports() {
	local uri="" f
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk '
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print u; exit } }
			/^$/ { u = "" }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -e /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
	fi
	if [ -z "$uri" ]; then
		echo "setup: no Debian bookworm apt source found to derive backports from" >&2
		exit 1
	fi
	log "enabling bookworm-backports from $uri"
	cat > /etc/apt/sources.list.d/hsmon-backports.sources <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	NEED_UPDATE=1
}

NEED_UPDATE=0
[ -n "$(ls -A /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ] || NEED_UPDATE=1
enable_backports
if [ "$NEED_UPDATE" = 1 ] || ! apt-cache policy 2>/dev/null | grep -q bookworm-backports; then
	log "apt-get update"
	apt-get update -qq
fi

# The versioned kernel packages behind each suite's metapackage.
K61=$(apt-cache depends linux-image-amd64/bookworm 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
K612=$(apt-cache depends linux-image-amd64/bookworm-backports 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
if [ -z "$K61" ] || [ -z "$K612" ]; then
	echo "setup: cannot resolve kernel versions (6.1='$K61' 6.12='$K612')" >&2
	exit 1
fi
# The PREEMPT_RT flavour of the same 6.12: spinlocks sleep there, which
# catches locking the other kernels hide.
K612RT=${K612%-amd64}-rt-amd64
log "kernels: $K61 $K612 $K612RT"

install_missing() {	# $1 = target release, rest = packages
	local rel=$1 p missing=()
	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ "${#missing[@]}" -gt 0 ] || return 0
	log "installing from $rel: ${missing[*]}"
	apt-get install -y -qq --no-install-recommends -t "$rel" "${missing[@]}" >/dev/null
}

install_missing bookworm \
	build-essential make gcc kmod initramfs-tools \
	qemu-system-x86 busybox-static cpio xz-utils \
	iproute2 nftables python3 python3-scapy python3-yaml tcpdump procps \
	libmnl-dev pkg-config \
	iperf3 conntrack linux-perf \
	dkms openssl sparse cppcheck linux-source-6.1 \
	"linux-image-$K61" "linux-headers-$K61"
install_missing bookworm-backports \
	"linux-image-$K612" "linux-headers-$K612" \
	"linux-image-$K612RT" "linux-headers-$K612RT"

printf '%s\n' "$K61" "$K612" "$K612RT" > "$stamp"
log "ready"
