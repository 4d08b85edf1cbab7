#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hsmon installed with `make install`, as a user would from a release
# tarball after `make` (scripts/pkg-stage.sh did the `make` before the guest
# booted: compiling in the guest is far too slow). `make install` puts the
# module in /lib/modules/KVER/extra/ (depmod: modprobe finds it), the hsmon
# command and the man pages hsmon(8) and hsmon(4) under /usr/local, all of
# them saying the version of the VERSION file; `modprobe hsmon` loads the
# module with the options of an /etc/modprobe.d file; a real handshake
# shows up in /proc/hsmon and in the installed `hsmon flows`; `make
# uninstall` leaves none of it. In overlays private to the test
# (pkg_lib.sh): the host is untouched.

[ -n "${HSMON_PKG_UNSHARED:-}" ] ||
	HSMON_PKG_UNSHARED=1 exec unshare --mount --propagation private -- bash "$0" "$@"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pkg_lib.sh"

require_hsmon
pkg_require
trap cleanup EXIT

ver=$PKG_VERSION
kver_re=$(pkg_re "$HSMON_KVER")
bin=/usr/local/bin/hsmon
man8=/usr/local/share/man/man8/hsmon.8
man4=/usr/local/share/man/man4/hsmon.4
pkg_private_root

check_eq "make version in the release copy" "$ver" "$(make -s -C "$PKG_SRC" version)"
logt "make install"
make -C "$PKG_SRC" install >"$TMPD/log" 2>&1 ||
	{ log "$(tail -n 40 "$TMPD/log")"; die "make install failed"; }
logt "make install: done"
check_match "modinfo -F filename hsmon" "^/lib/modules/$kver_re/extra/hsmon\.ko(\.xz|\.zst|\.gz)?$" \
	"$(modinfo -k "$HSMON_KVER" -F filename hsmon 2>&1)"
check_eq "modinfo -F version hsmon" "$ver" "$(modinfo -k "$HSMON_KVER" -F version hsmon 2>&1)"
check_eq "modinfo -F depends hsmon" "" "$(modinfo -k "$HSMON_KVER" -F depends hsmon 2>&1)"
check_eq "$bin --version" "hsmon $ver" "$("$bin" --version 2>&1)"
check_eq ".TH of $man8" ".TH HSMON 8 \"2026\" \"hsmon $ver\" \"System Administration\"" \
	"$(grep -m1 '^\.TH ' "$man8" 2>&1)"
check_eq ".TH of $man4" ".TH HSMON 4 \"2026\" \"hsmon $ver\" \"Kernel Interfaces\"" \
	"$(grep -m1 '^\.TH ' "$man4" 2>&1)"
# man finds them (Debian's /usr/local/man is a link to /usr/local/share/man).
if command -v man >/dev/null; then
	check_eq "man -w 8 hsmon, resolved" "$man8" "$(readlink -f "$(man -w 8 hsmon 2>&1)")"
	check_eq "man -w 4 hsmon, resolved" "$man4" "$(readlink -f "$(man -w 4 hsmon 2>&1)")"
fi

pkg_modprobe_conf max_flows=2048 linger_timeout=45 events=0
pkg_modprobe
check_match "modprobe's insmod" \
	"^insmod /lib/modules/$kver_re/extra/hsmon\.ko[^ ]* +max_flows=2048 linger_timeout=45 events=0 *$" \
	"$PKG_INSMOD"
pkg_check_loaded "$ver" max_flows=2048 linger_timeout=45 events=N track_midstream=N
pkg_handshake 2048
check_eq "$bin flows state established, in $NS_C: initiator responder state" \
	"$C4:40001 $S4:8080 ESTABLISHED" \
	"$(ip netns exec "$NS_C" "$bin" flows state established 2>&1 |
		awk 'NR > 1 { print $2, $3, $5 }')"
check_eq "$bin config, in $NS_C: max_flows linger_timeout events" "2048 45 0" \
	"$(ip netns exec "$NS_C" "$bin" config 2>&1 |
		awk '{ v[$1] = $2 } END { print v["max_flows"], v["linger_timeout"], v["events"] }')"

logt "rmmod hsmon; make uninstall"
hsmon_unload || fail "rmmod hsmon"
make -C "$PKG_SRC" uninstall >"$TMPD/log" 2>&1 ||
	{ log "$(tail -n 40 "$TMPD/log")"; fail "make uninstall failed"; }
for f in "$bin" "$man8" "$man4"; do
	check_eq "$f, after make uninstall" absent "$([ -e "$f" ] && echo present || echo absent)"
done
pkg_check_gone

pkg_restore
test_done
