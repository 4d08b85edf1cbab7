#!/usr/bin/env bash
# Build (once) and install the debug kernel of the stress suite: Debian's
# linux-source-6.1 with KASAN, UBSAN, kmemleak, lockdep, PROVE_RCU,
# DEBUG_OBJECTS, FAILSLAB... (scripts/kernel/debug.config, merged onto
# allnoconfig). The build is cached outside the repo, keyed by the config
# and the source package's version, so a second run reuses it:
#   $HSMON_CACHE (default /var/cache/hsmon)/debug-kernel/<key>/
# It installs /boot/vmlinuz-<release> and /lib/modules/<release> (the
# guests share this machine's root) and prints the release on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HSMON_CACHE:-/var/cache/hsmon}
frag=$here/kernel/debug.config
jobs=${JOBS:-$(($(nproc) + 1))}

log() { printf 'debug-kernel: %s\n' "$*" >&2; }

export DEBIAN_FRONTEND=noninteractive
need=()
for p in linux-source-6.1 flex bison bc libelf-dev libssl-dev dwarves xz-utils cpio kmod; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The one change to Debian's source: allow failslab's stack-trace filter
# (require-start / require-end, to fail only hsmon's own allocations) on
# x86-64, as upstream did in 6.2 ("fault-injection: allow stacktrace filter
# for x86-64"); frame pointers make the stack traces reliable here.
patch_source() {
	sed -i '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /{/^\tdepends on !X86_64$/d}' \
		"$1/lib/Kconfig.debug"
	! sed -n '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /p' "$1/lib/Kconfig.debug" |
		grep -q 'X86_64'
}

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$frag"; echo "$srcver"; declare -f patch_source; } | sha256sum | cut -c1-16)
dir=$cache/debug-kernel/$key
tree=$dir/linux

if [ ! -e "$dir/done" ]; then
	start=$(date +%s)
	rm -rf "$dir"
	mkdir -p "$dir"
	log "unpacking linux-source $srcver into $dir"
	tar -xaf /usr/src/linux-source-6.1.tar.xz -C "$dir"
	mv "$dir"/linux-source-6.1 "$tree"
	patch_source "$tree" || { log "cannot patch lib/Kconfig.debug"; exit 1; }
	make -C "$tree" -s allnoconfig >/dev/null
	(cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null)
	make -C "$tree" -s olddefconfig >/dev/null
	# Every option of the fragment must have survived: a typo or a missing
	# dependency would silently give a kernel without, say, KASAN.
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=[ym]' "$frag" | while IFS= read -r l; do
		grep -qx "$l" "$tree/.config" || echo "$l"; done)
	if [ -n "$missing" ]; then
		log "options the kernel did not take: $(echo $missing)"
	fi
	for must in CONFIG_KASAN=y CONFIG_UBSAN=y CONFIG_DEBUG_KMEMLEAK=y CONFIG_PROVE_LOCKING=y \
		    CONFIG_PROVE_RCU=y CONFIG_DEBUG_OBJECTS=y CONFIG_FAILSLAB=y CONFIG_NF_TABLES=y \
		    CONFIG_FAULT_INJECTION_STACKTRACE_FILTER=y \
		    CONFIG_VETH=y CONFIG_9P_FS=y CONFIG_IPV6=y CONFIG_NET_NS=y; do
		grep -qx "$must" "$tree/.config" || { log "config lacks $must"; exit 1; }
	done
	log "building with -j$jobs (about 10 minutes on 2 cores)"
	nice -n 10 make -C "$tree" -s -j"$jobs" bzImage modules >"$dir/build.log" 2>&1 ||
		{ tail -30 "$dir/build.log" >&2; exit 1; }
	echo $(($(date +%s) - start)) >"$dir/seconds"
	touch "$dir/done"
	log "built in $(cat "$dir/seconds") s"
fi

rel=$(make -C "$tree" -s kernelrelease)
if ! cmp -s "$tree/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel" ||
   [ ! -e "/lib/modules/$rel/modules.dep" ]; then
	log "installing $rel"
	install -m 0644 "$tree/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel"
	make -C "$tree" -s INSTALL_MOD_PATH=/ modules_install >/dev/null
	ln -sfn "$tree" "/lib/modules/$rel/build"
fi
echo "$rel"
