#!/usr/bin/env bash
# Build, on this machine, what the packaging selftests (selftests/hsmon_pkg_*)
# install inside a guest. Compiling the module in a TCG guest is far too
# slow (460 s for one plain `make module` on 6.1: kbuild runs gcc some 60
# times before it compiles a file, and reads the headers over 9p), so the
# compiling is done here and the guest runs the installing and removing:
#
#   scripts/pkg-stage.sh KVER DIR
#
#   DIR/src      the sources as a release tarball holds them (no .git: the
#                VERSION file says the whole version), with `make module
#                cli` done for KVER: the guest runs `make install` and `make
#                uninstall` there
#   DIR/dkms/usr-src, DIR/dkms/var-lib-dkms
#                what `make dkms-install`, `dkms add` and `dkms build -k
#                KVER` added to /usr/src and /var/lib/dkms: the guest lays
#                them over its own and runs `dkms install` and `dkms remove`
#   DIR/version  the version
#
# The DKMS part runs in a private mount namespace, with overlays on /usr/src
# and /var/lib/dkms whose upper directories are DIR/dkms/...: this
# machine's own /usr/src and /var/lib/dkms stay as they are (dkms writes its
# module signing key to /var/lib/dkms too).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

die() {
	echo "pkg-stage.sh: $*" >&2
	exit 1
}

if [ "${1:-}" = --in-namespace ]; then
	# The DKMS part, in the private mount namespace.
	dir=$2 kver=$3 ver=$4
	for d in usr-src:/usr/src var-lib-dkms:/var/lib/dkms; do
		mkdir -p "$dir/dkms/${d%%:*}" "$dir/dkms/work-${d%%:*}"
		mount -t overlay "hsmon-stage-${d%%:*}" -o "lowerdir=${d#*:},upperdir=$dir/dkms/${d%%:*},workdir=$dir/dkms/work-${d%%:*}" "${d#*:}"
	done
	make -s -C "$dir/src" dkms-install >/dev/null
	dkms add -m hsmon -v "$ver"
	dkms build -m hsmon -v "$ver" -k "$kver" ||
		{ cat "/var/lib/dkms/hsmon/$ver/build/make.log" 2>/dev/null; exit 1; }
	exit 0
fi

# Build as a user would, from the tarball alone: nothing from a make this
# runs under (make check-one's KVER=..., a version it computed).
unset MAKEFLAGS MFLAGS MAKELEVEL HSMON_VERSION

kver=${1:?usage: scripts/pkg-stage.sh KVER DIR}
dir=${2:?usage: scripts/pkg-stage.sh KVER DIR}
[ "$(id -u)" = 0 ] || die "must run as root (mount, dkms)"
[ -e "/lib/modules/$kver/build/Makefile" ] || die "no headers for $kver"
command -v dkms >/dev/null || die "dkms missing (run scripts/setup-host.sh)"

rm -rf "$dir"
mkdir -p "$dir/src"
dir=$(cd "$dir" && pwd)
ver=$(sh "$repo/scripts/version.sh" "$repo")
echo "$ver" >"$dir/version"

# The tarball: what `make`, `make install` and `make dkms-install` read.
(cd "$repo" && tar cf - Makefile Kbuild VERSION dkms.conf scripts/version.sh \
	module/Kbuild module/*.c module/*.h module/selftest/*.c include/uapi/linux/*.h \
	cli/Makefile cli/*.c cli/*.h man/hsmon.4 man/hsmon.8) | tar xf - -C "$dir/src"
echo "$ver" >"$dir/src/VERSION"
[ "$(sh "$dir/src/scripts/version.sh")" = "$ver" ] ||
	die "the copy's version is '$(sh "$dir/src/scripts/version.sh")', not '$ver'"
make -s -C "$dir/src" KERNELDIR="/lib/modules/$kver/build" module cli \
	>"$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log" >&2; die "make module cli failed"; }

unshare --mount --propagation private -- bash "$0" --in-namespace "$dir" "$kver" "$ver" \
	>"$dir/dkms.log" 2>&1 || { tail -n 40 "$dir/dkms.log" >&2; die "dkms add/build failed"; }
rm -rf "$dir/dkms/work-usr-src" "$dir/dkms/work-var-lib-dkms"
