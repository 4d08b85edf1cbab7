#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hsmon installed with DKMS, as a user would. Before the guest boots,
# scripts/pkg-stage.sh ran `make dkms-install` (the sources in
# /usr/src/hsmon-VERSION, that version in dkms.conf), `dkms add` and `dkms
# build` for this kernel (compiling in the guest is far too slow). Here:
# `dkms install` puts the module where modprobe finds it; `modprobe hsmon`
# loads it with the options of an /etc/modprobe.d file, and /sys and modinfo
# show the version and the options; a real handshake shows up in
# /proc/hsmon; `dkms remove` takes the module away and `make
# dkms-uninstall` the sources. In overlays private to the test
# (pkg_lib.sh): the host is untouched.

[ -n "${HSMON_PKG_UNSHARED:-}" ] ||
	HSMON_PKG_UNSHARED=1 exec unshare --mount --propagation private -- bash "$0" "$@"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pkg_lib.sh"

require_hsmon
pkg_require dkms
trap cleanup EXIT

ver=$PKG_VERSION
ver_re=$(pkg_re "$ver")
kver_re=$(pkg_re "$HSMON_KVER")
src=/usr/src/hsmon-$ver
pkg_private_root

check_eq "$src/VERSION" "$ver" "$(file_line "$src/VERSION")"
check_eq "PACKAGE_VERSION in $src/dkms.conf" "PACKAGE_VERSION=\"$ver\"" \
	"$(grep '^PACKAGE_VERSION=' "$src/dkms.conf")"
check_match "dkms status, as staged" "^hsmon/$ver_re, $kver_re, [^:]*: built$" \
	"$(dkms status -m hsmon -v "$ver" -k "$HSMON_KVER" 2>/dev/null)"

logt "dkms install -m hsmon -v $ver -k $HSMON_KVER"
if ! dkms install -m hsmon -v "$ver" -k "$HSMON_KVER" >"$TMPD/log" 2>&1; then
	log "$(cat "$TMPD/log")"
	die "dkms install failed"
fi
logt "dkms install: done"
check_match "dkms status" "^hsmon/$ver_re, $kver_re, [^:]*: installed$" \
	"$(dkms status -m hsmon -v "$ver" -k "$HSMON_KVER" 2>/dev/null)"
# Debian's dkms puts modules in updates/dkms, whatever dkms.conf says.
check_match "modinfo -F filename hsmon" "^/lib/modules/$kver_re/updates/dkms/hsmon\.ko(\.xz|\.zst|\.gz)?$" \
	"$(modinfo -k "$HSMON_KVER" -F filename hsmon 2>&1)"
check_eq "modinfo -F version hsmon" "$ver" "$(modinfo -k "$HSMON_KVER" -F version hsmon 2>&1)"
check_eq "modinfo -F depends hsmon" "" "$(modinfo -k "$HSMON_KVER" -F depends hsmon 2>&1)"

pkg_modprobe_conf max_flows=4096 syn_timeout=17 track_midstream=1
pkg_modprobe
check_match "modprobe's insmod" \
	"^insmod /lib/modules/$kver_re/updates/dkms/hsmon\.ko[^ ]* +max_flows=4096 syn_timeout=17 track_midstream=1 *$" \
	"$PKG_INSMOD"
pkg_check_loaded "$ver" max_flows=4096 syn_timeout=17 track_midstream=Y events=Y
pkg_handshake 4096

logt "modprobe -r hsmon; dkms remove -m hsmon -v $ver --all"
modprobe -r hsmon || fail "modprobe -r hsmon"
dkms remove -m hsmon -v "$ver" --all >"$TMPD/log" 2>&1 ||
	{ log "$(cat "$TMPD/log")"; fail "dkms remove failed"; }
check_eq "dkms status -m hsmon, after dkms remove" "" "$(dkms status -m hsmon 2>/dev/null)"
check_eq "/var/lib/dkms/hsmon" absent "$([ -e /var/lib/dkms/hsmon ] && echo present || echo absent)"
pkg_check_gone

make -s -C "$PKG_SRC" dkms-uninstall >"$TMPD/log" 2>&1 ||
	{ log "$(cat "$TMPD/log")"; fail "make dkms-uninstall failed"; }
check_eq "$src, after make dkms-uninstall" absent "$([ -e "$src" ] && echo present || echo absent)"

pkg_restore
test_done
