#!/usr/bin/env bash
# make shell: an interactive guest shell with hsmon loaded.
#
#   scripts/shell.sh [--kernel KVER]    (default: $KVER, else the first line
#                                        of scripts/.kernels)
#
# The guest sees the host's root read-only at the same paths (tmpfs on /tmp),
# so the repository and its selftests are where they are here: try
#   cat /proc/hsmon
#   selftests/run.sh hsmon_refused
# Leave with exit or ^D (the guest powers off); ^A x kills QEMU.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ "${1:-}" = --guest ]; then
	ko=${2:?}
	export HSMON_KO=$ko
	if insmod "$ko"; then
		echo "hsmon loaded from $ko (HSMON_KO is set for selftests/run.sh)"
	else
		echo "insmod $ko failed; the shell is yours anyway"
	fi
	export PS1='hsmon-guest:\w# '
	exec bash --norc -i
fi

kver=${KVER:-}
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) kver=${2:?}; shift 2 ;;
	*) echo "usage: scripts/shell.sh [--kernel KVER]" >&2; exit 2 ;;
	esac
done
if [ -z "$kver" ]; then
	[ -s "$here/.kernels" ] || bash "$here/setup-host.sh"
	kver=$(head -n 1 "$here/.kernels")
fi
echo "shell: building hsmon.ko for $kver" >&2
"$here/build.sh" "$kver"
exec "$here/vm.sh" --interactive --kernel "$kver" --cwd "$repo" ${HSMON_VM_TIMEOUT:+--timeout "$HSMON_VM_TIMEOUT"} -- \
	bash "$here/shell.sh" --guest "$repo/build/$kver/module/hsmon.ko"
