#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print hsmon's version: the one string that `modinfo hsmon`, `hsmon
# --version`, the man pages and dkms.conf show.
#
#   scripts/version.sh [SRCDIR]     (default: the tree this script is in)
#
# In a git checkout of hsmon with a release tag (v0.1.0...) behind HEAD:
# `git describe --tags --dirty` without the "v" (0.1.0, 0.1.0-3-gabc1234,
# 0.1.0-3-gabc1234-dirty). Tags do not come along with every clone (CI
# clones main without them), so without one: the VERSION file's base
# version and the commit, as describe would print it
# (0.1.0-gabc1234[-dirty]). Outside git (a tarball, the DKMS copy in
# /usr/src/hsmon-VERSION, where `make dkms-install` wrote the whole version
# into VERSION): the VERSION file as it is.
set -eu

dir=${1:-$(dirname "$0")/..}
dir=$(cd "$dir" && pwd -P)
[ -r "$dir/VERSION" ] || { echo "version.sh: no $dir/VERSION" >&2; exit 1; }
base=$(sed -n '1{s/[[:space:]]//g;p;}' "$dir/VERSION")
[ -n "$base" ] || { echo "version.sh: $dir/VERSION is empty" >&2; exit 1; }

# `sudo make install` in a clone of another user's: git refuses a
# repository it does not own (safe.directory). Whoever runs this already
# runs this tree's code (its Makefile), so that protection adds nothing here.
git() {
	command git -c safe.directory="$dir" -C "$dir" "$@"
}

# Only hsmon's own repository: not a tarball unpacked inside another one.
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -z "$top" ] || [ "$(cd "$top" && pwd -P)" != "$dir" ]; then
	echo "$base"
	exit 0
fi
if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
	echo "${v#v}"
elif v=$(git describe --always --abbrev=7 --dirty 2>/dev/null); then
	echo "$base-g$v"
else
	echo "$base"
fi
