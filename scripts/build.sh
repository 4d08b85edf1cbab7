#!/usr/bin/env bash
# Build hsmon.ko for one kernel, out of the source tree:
#
#   scripts/build.sh KVER
#
# Runs `make KERNELDIR=/lib/modules/KVER/build BUILDDIR=build/KVER`, keeps the
# log in build/KVER/build.log, shows compiler warnings, and on failure the
# end of the log. The module lands in build/KVER/module/hsmon.ko.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:?usage: scripts/build.sh KVER}
[ -d "/lib/modules/$kver/build" ] ||
	{ echo "build.sh: no headers in /lib/modules/$kver/build" >&2; exit 1; }

mkdir -p "$repo/build/$kver"
# Two builds in one directory would trip over each other.
exec 9>"$repo/build/$kver/.lock"
flock 9
buildlog=$repo/build/$kver/build.log
if ! make -C "$repo" --no-print-directory KERNELDIR="/lib/modules/$kver/build" \
	BUILDDIR="build/$kver" module >"$buildlog" 2>&1; then
	tail -n 40 "$buildlog" >&2
	echo "build.sh: build for $kver failed (whole log: $buildlog)" >&2
	exit 1
fi
grep -E 'warning:|error:' "$buildlog" >&2 || true
[ -f "$repo/build/$kver/module/hsmon.ko" ] ||
	{ echo "build.sh: no build/$kver/module/hsmon.ko after make" >&2; exit 1; }
