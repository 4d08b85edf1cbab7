#!/usr/bin/env bash
# Boot a Debian kernel under QEMU (TCG) with this host's root filesystem as the
# guest's root, read-only over virtio-9p, and run one command in it.
#
#   scripts/vm.sh [options] [--] [command [args...]]
#
#   -k, --kernel KVER    kernel release (default: first line of scripts/.kernels)
#   -r, --results DIR    host directory shared read-write with the guest, at the
#                        same path (default: a temporary one, removed on exit)
#   -t, --timeout SECS   wall-clock limit for the whole guest (default: 600 in
#                        run mode, none in interactive mode); 0 = no limit
#   -i, --interactive    attach the guest's console to this terminal; the
#                        command (default: bash --norc -i) gets it as its tty
#   -C, --cwd DIR        working directory of the command (default: $PWD)
#   -a, --append ARGS    extra kernel command line arguments
#   -I, --idle-timeout SECS  run mode: stop a guest whose command has
#                        printed nothing for SECS (a wedged kernel); 0 = never
#   -q, --quiet          do not stream the command's output (run mode)
#   -m, --mem SIZE       guest memory (default: 2G)
#   -c, --cpus N         guest CPUs (default: 2)
#   -Q, --qemu ARG       one more QEMU argument (repeat as needed)
#   -n, --icount SHIFT   count instructions (QEMU -icount shift=SHIFT,sleep=off):
#                        the guest's clock advances 2^SHIFT ns per emulated
#                        instruction, and jumps to the next timer when the
#                        guest idles, so guest time measures the work done,
#                        whatever the host is busy with (one CPU only)
#
# Run mode (the default) runs the command non-interactively with stdin from
# /dev/null, then powers the guest off. The results directory then holds:
#   cmd          the script the guest ran (the command, quoted, after a cd)
#   output       the command's stdout and stderr (also streamed to our stdout)
#   status       the command's exit status (absent: it never finished)
#   booted       guest /proc/uptime when the command started (boot time)
#   dmesg        the guest's whole kernel log, taken after the command
#   kmemleak     leak reports, on kernels built with kmemleak only
#   console.log  the serial console: boot messages, and what a crash printed
#   guest        how the guest ended: exited | timeout | idle | died
# Exit status: the command's, or 124 if the guest timed out (or went
# idle), 125 if it died
# before the command finished (panic, init failure), 2 on a usage error.
#
# Inside the guest / is the host's / (read-only), with fresh proc, sys, dev,
# debugfs and tmpfs on /tmp, /run and /var/tmp, so paths are the same as on
# the host: the repository, the module you built, Debian's python3 and scapy.
# The host's /tmp is hidden: give the guest files through the repository or
# the results directory (which may itself live under /tmp).
# It is the guest's real root, not a chroot: user namespaces work, and the
# kernel's own module requests (veth, nf_tables...) run the host's modprobe.
# No network device.
#
# The initramfs (busybox-static plus the kernel's 9p/virtio modules) is built
# once per kernel into $HSMON_CACHE/vm (default /var/cache/hsmon/vm).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HSMON_CACHE:-/var/cache/hsmon}/vm

usage() {
	sed -n '2,/^set -euo/{/^#/{s/^# \{0,1\}//;p}}' "$0" >&2
	exit 2
}

die() {
	echo "vm.sh: $*" >&2
	exit 2
}

kver=""
results=""
timeout=""
idle=0
interactive=0
cwd=$PWD
append=""
quiet=0
mem=2G
cpus=2
icount=""
qemu_extra=()
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) kver=${2:?}; shift 2 ;;
	-r | --results) results=${2:?}; shift 2 ;;
	-t | --timeout) timeout=${2:?}; shift 2 ;;
	-I | --idle-timeout) idle=${2:?}; shift 2 ;;
	-i | --interactive) interactive=1; shift ;;
	-C | --cwd) cwd=${2:?}; shift 2 ;;
	-a | --append) append=${2:?}; shift 2 ;;
	-q | --quiet) quiet=1; shift ;;
	-m | --mem) mem=${2:?}; shift 2 ;;
	-c | --cpus) cpus=${2:?}; shift 2 ;;
	-n | --icount) icount=${2:?}; shift 2 ;;
	-Q | --qemu) qemu_extra+=("${2:?}"); shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) break ;;
	esac
done

if [ -z "$kver" ]; then
	[ -s "$here/.kernels" ] || die "no --kernel and no scripts/.kernels (run scripts/setup-host.sh)"
	kver=$(head -n 1 "$here/.kernels")
fi
image=/boot/vmlinuz-$kver
[ -r "$image" ] || die "no kernel image $image"
[ -d "/lib/modules/$kver" ] ||
	echo "vm.sh: warning: no /lib/modules/$kver: 9p, virtio and the rest must be built in" >&2
case $timeout in
"") if [ "$interactive" = 1 ]; then timeout=0; else timeout=600; fi ;;
*[!0-9]*) die "--timeout wants seconds" ;;
esac
case $icount in
"") ;;
*[!0-9]*) die "--icount wants a shift (0-10)" ;;
*) [ "$cpus" = 1 ] || die "--icount needs --cpus 1" ;;
esac
case $idle in
"" | *[!0-9]*) die "--idle-timeout wants seconds" ;;
esac
cwd=$(cd "$cwd" && pwd)
if [ $# -eq 0 ]; then
	[ "$interactive" = 1 ] || die "run mode needs a command"
	set -- bash --norc -i
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run scripts/setup-host.sh)"
[ -x /bin/busybox ] || die "/bin/busybox missing (busybox-static; run scripts/setup-host.sh)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hsmon-vm.XXXXXX")
qpid=""
tailpid=""
watchpid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	[ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || true
	[ -z "$watchpid" ] || kill "$watchpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "$results" ]; then
	results=$tmp/results
fi
mkdir -p "$results"
results=$(cd "$results" && pwd)
# The path goes on the kernel command line and into QEMU's comma-separated
# options: keep it plain.
case $results$cwd in
*[[:space:],]*) die "paths with blanks or commas are not supported: $results $cwd" ;;
esac
rm -f "$results/status" "$results/dmesg" "$results/kmemleak" "$results/guest" \
	"$results/output" "$results/console.log" "$results/cmd"

# --- initramfs -------------------------------------------------------------

# PID 1 of the guest. Stage 1, in the initramfs: load the 9p modules, mount
# the host root and everything under it, then make it the root the way
# switch_root(8) does (move it onto /, chroot into it). No process is left
# "chrooted" in the kernel's sense, so user namespaces work; and kernel
# threads share PID 1's root, so the kernel's own module requests (veth,
# nf_tables...) run the host's /sbin/modprobe. Stage 2, the same script run
# by a busybox copied to /run/hsmon: run the command, save status and kernel
# log to the results share, power off.
write_init() {
	cat <<'EOF'
#!/bin/sh
# hsmon guest init, generated by scripts/vm.sh
cmdline() {
	mode=run
	results=
	for a in $(cat /proc/cmdline); do
		case $a in
		hsmon_mode=*) mode=${a#*=} ;;
		hsmon_results=*) results=${a#*=} ;;
		hsmon_repo=*) repo=${a#*=} ;;
		esac
	done
}

fail() {
	echo "hsmon-init: $*" >/dev/console
	sync
	reboot -f
	sleep 60
}

if [ "$1" != stage2 ]; then
	export PATH=/bin
	r=/newroot
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	cmdline

	while read -r m; do
		insmod "/modules/$m" || fail "insmod $m failed"
	done </modules/order

	# 9p over virtio: cache=loose (the root is read-only and lives only as
	# long as the guest) and a big msize cut python's imports several-fold.
	o=trans=virtio,version=9p2000.L,msize=262144
	mount -t 9p -o "$o,ro,cache=loose" hostroot "$r" ||
		fail "cannot mount the host root"
	# A repository under /tmp, /var/tmp or /run (a CI clone, say) would be
	# hidden by the tmpfs mounted there: keep it visible at its path.
	keep=
	case $repo in
	/tmp/*|/var/tmp/*|/run/*)
		mkdir -p /keep && mount -o bind "$r$repo" /keep && keep=$repo ;;
	esac
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	mount -t tmpfs -o mode=1777 tmpfs "$r/var/tmp"
	mount -t tmpfs -o mode=755 tmpfs "$r/run"
	if [ -n "$keep" ]; then
		mkdir -p "$r$keep" && mount -o bind /keep "$r$keep" ||
			fail "cannot keep the repository $keep visible"
	fi
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t debugfs debugfs "$r/sys/kernel/debug" 2>/dev/null
	mount -t tracefs tracefs "$r/sys/kernel/tracing" 2>/dev/null
	mount -t devtmpfs devtmpfs "$r/dev"
	mkdir -p "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o ptmxmode=666 devpts "$r/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
	# udev is not running: make the links bash's <(...) and friends need.
	ln -sf /proc/self/fd "$r/dev/fd"
	ln -sf /proc/self/fd/0 "$r/dev/stdin"
	ln -sf /proc/self/fd/1 "$r/dev/stdout"
	ln -sf /proc/self/fd/2 "$r/dev/stderr"
	if [ -n "$results" ]; then
		mkdir -p "$r$results" 2>/dev/null
		mount -t 9p -o "$o,cache=none" results "$r$results" ||
			fail "cannot mount the results share on $results"
	fi

	mkdir -p "$r/run/hsmon/bin"
	cp /bin/busybox "$r/run/hsmon/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/run/hsmon/bin/$a"
	done
	cp /init "$r/run/hsmon/init"
	cd "$r" || fail "cannot enter $r"
	mount --move . / || fail "cannot move $r onto /"
	exec chroot . /run/hsmon/bin/sh /run/hsmon/init stage2
fi

# Stage 2: / is the host's root.
export PATH=/run/hsmon/bin
cmdline
echo /sbin/modprobe >/proc/sys/kernel/modprobe
hostname hsmon-guest
ip link set lo up

leak=/sys/kernel/debug/kmemleak
if [ -w "$leak" ]; then
	# Forget what boot leaked; judge only what the command leaves.
	echo scan >"$leak"
	echo clear >"$leak"
fi

env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 HSMON_RESULTS=$results"
cat /proc/uptime >"$results/booted"
if [ "$mode" = shell ]; then
	# cttyhack makes the console the shell's controlling tty (job control, ^C).
	# shellcheck disable=SC2086
	setsid cttyhack env -i $env TERM=${TERM:-linux} \
		/bin/bash --noprofile --norc "$results/cmd"
	st=$?
else
	# The command's output goes to the second serial port, which the host
	# streams: no kernel messages mixed in, nothing lost in a crash.
	stty -F /dev/ttyS1 115200 raw -echo
	# shellcheck disable=SC2086
	env -i $env TERM=dumb \
		/bin/bash --noprofile --norc "$results/cmd" </dev/null >/dev/ttyS1 2>&1
	st=$?
fi

if [ -w "$leak" ]; then
	# kmemleak only reports objects older than 5 s: scan, wait, scan again.
	echo scan >"$leak"
	sleep 6
	echo scan >"$leak"
	cat "$leak" >"$results/kmemleak"
fi
/usr/bin/dmesg >"$results/dmesg" 2>&1
echo "$st" >"$results/status"
sync
reboot -f
sleep 60
EOF
}

# The virtio and 9p modules of $kver, dependencies first, as modprobe
# resolves them (on 6.12 virtio_pci and fscache are built in; a debug kernel
# may have all of them built in).
guest_modules() {
	local m
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$kver" --show-depends "$m" 2>/dev/null || true
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

build_initramfs() {
	local out=$1 stage=$tmp/initramfs m name a
	mkdir -p "$stage"/{bin,proc,sys,dev,newroot,modules}
	cp /bin/busybox "$stage/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
	done
	write_init >"$stage/init"
	chmod 755 "$stage/init"
	: >"$stage/modules/order"
	while read -r m; do
		name=$(basename "$m")
		case $name in
		*.ko.xz) xz -dc "$m" >"$stage/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$m" >"$stage/modules/${name%.zst}"; name=${name%.zst} ;;
		*.ko.gz) gzip -dc "$m" >"$stage/modules/${name%.gz}"; name=${name%.gz} ;;
		*) cp "$m" "$stage/modules/$name" ;;
		esac
		echo "$name" >>"$stage/modules/order"
	done < <(guest_modules)
	if ! grep -q '^9p\.ko$' "$stage/modules/order" &&
		! modprobe -S "$kver" --show-depends 9p 2>/dev/null | grep -q '^builtin'; then
		echo "vm.sh: warning: no 9p module for $kver, assuming it is built in" >&2
	fi
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
}

# Rebuild when the init, busybox or the kernel's modules change.
key=$( {
	write_init
	echo "$kver"
	stat -L -c '%n %s %Y' /bin/busybox
	guest_modules | xargs -r stat -L -c '%n %s %Y'
} | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$kver-$key.cpio
if [ ! -s "$initrd" ]; then
	mkdir -p "$cache"
	# Old ones, but not one that a guest starting right now may be reading.
	find "$cache" -maxdepth 1 -name "initramfs-$kver-*.cpio" -mmin +60 -delete
	build_initramfs "$initrd"
fi

# --- the command -----------------------------------------------------------

{
	echo "# generated by scripts/vm.sh"
	if [ "$interactive" = 1 ] && [ -t 0 ] && size=$(stty size 2>/dev/null); then
		# A serial console does not know the size of our terminal.
		echo "stty rows ${size% *} cols ${size#* } 2>/dev/null"
		echo "export PS1='hsmon-guest:\\w# '"
	fi
	printf 'cd %q || exit 125\n' "$cwd"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$results/cmd"

# --- QEMU ------------------------------------------------------------------

# Run mode: stop the guest when its output has not grown for $idle seconds.
# A kernel stuck in a soft lockup keeps QEMU busy but prints nothing more.
watch_idle() {
	local size last=-1 since=$SECONDS
	while kill -0 "$qpid" 2>/dev/null; do
		size=$(stat -c %s "$results/output" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size
			since=$SECONDS
		elif [ $((SECONDS - since)) -ge "$idle" ]; then
			: >"$tmp/idle"
			kill "$qpid" 2>/dev/null
			return 0
		fi
		sleep 5
	done
}

cmdline="console=ttyS0,115200 panic=-1 log_buf_len=8M hsmon_results=$results hsmon_repo=$(cd "$here/.." && pwd)"
# shellcheck disable=SC2054 # the commas belong to QEMU's options
qemu=(qemu-system-x86_64
	-nodefaults -no-user-config -display none -vga none -no-reboot
	-accel tcg -machine pc -cpu max -smp "$cpus" -m "$mem"
	-kernel "$image" -initrd "$initrd"
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot
	-fsdev "local,id=res,path=$results,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=res,mount_tag=results)
[ -z "$icount" ] || qemu+=(-icount "shift=$icount,align=off,sleep=off")
qemu+=(${qemu_extra[@]+"${qemu_extra[@]}"})

if [ "$interactive" = 1 ]; then
	# quiet: kernel messages below "error" stay in dmesg, off the prompt.
	cmdline="$cmdline quiet hsmon_mode=shell ${append}"
	[ -z "${TERM:-}" ] || cmdline="$cmdline TERM=$TERM"
	qemu+=(-serial mon:stdio -append "$cmdline")
	echo "vm.sh: booting $kver; power off with exit or ^D, kill QEMU with ^A x" >&2
	set +e
	if [ "$timeout" -gt 0 ]; then
		timeout --foreground -k 5 "$timeout" "${qemu[@]}"
	else
		"${qemu[@]}"
	fi
	rc=$?
	set -e
else
	cmdline="$cmdline hsmon_mode=run ${append}"
	: >"$results/output"
	qemu+=(-chardev "file,id=con,path=$results/console.log" -serial chardev:con
		-chardev "file,id=out,path=$results/output" -serial chardev:out
		-append "$cmdline")
	if [ "$timeout" -gt 0 ]; then
		timeout -k 5 "$timeout" "${qemu[@]}" </dev/null &
	else
		"${qemu[@]}" </dev/null &
	fi
	qpid=$!
	if [ "$idle" -gt 0 ]; then
		watch_idle &
		watchpid=$!
	fi
	if [ "$quiet" = 0 ]; then
		tail -n +1 -f --pid="$qpid" "$results/output" &
		tailpid=$!
	fi
	set +e
	wait "$qpid"
	rc=$?
	set -e
	qpid=""
	if [ -n "$watchpid" ]; then
		kill "$watchpid" 2>/dev/null || true
		wait "$watchpid" 2>/dev/null || true
		watchpid=""
	fi
	if [ -n "$tailpid" ]; then
		wait "$tailpid" 2>/dev/null
		tailpid=""
	fi
fi

if [ -s "$results/status" ]; then
	echo exited >"$results/guest"
	exit "$(cat "$results/status")"
elif [ -e "$tmp/idle" ]; then
	echo idle >"$results/guest"
	echo "vm.sh: guest ($kver) stopped: its command printed nothing for ${idle}s" >&2
	rc=124
elif [ "$timeout" -gt 0 ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
	echo timeout >"$results/guest"
	echo "vm.sh: guest ($kver) timed out after ${timeout}s" >&2
	rc=124
else
	echo died >"$results/guest"
	echo "vm.sh: guest ($kver) ended before the command finished (qemu status $rc)" >&2
	rc=125
fi
if [ "$interactive" = 0 ] && [ -s "$results/console.log" ]; then
	echo "vm.sh: last lines of the console:" >&2
	tail -n 40 "$results/console.log" | sed 's/^/    /' >&2
fi
exit "$rc"
