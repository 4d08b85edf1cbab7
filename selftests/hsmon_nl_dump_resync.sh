#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A flow dump goes on after the last flow it sent, found again by a
# fingerprint. When that very flow is removed and its 5-tuple tracked again
# before the dump's next part, the new flow (at the head of the bucket) must
# not be taken for it: the dump returns no flow twice, and says it was
# interrupted (NLM_F_DUMP_INTR) when it goes on in that flow's bucket. Eight
# rounds or more, each in a 16-bucket table of 48 flows (nl_dump_resync.py):
# about 3 in 8 end a part inside a bucket, and rounds go on (up to 40) until
# one has.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_synflood
trap cleanup EXIT

hsmon_reload max_flows=64 syn_timeout=3600 linger_timeout=3600 || die "insmod max_flows=64"
require_genl

setup_ns A
ns_batch "$A" <<EOF2
link add veth0 type veth peer name veth1
addr add 192.0.2.1/24 dev veth0
link set veth0 up
link set veth1 up
neigh add 192.0.2.2 lladdr 02:00:00:00:00:99 dev veth0 nud permanent
route add 10.99.0.0/16 via 192.0.2.2 dev veth0
EOF2

ip netns exec "$A" "$PY" -S "$SELFTEST_DIR/nl_dump_resync.py" "$SELFTEST_DIR" "$SYNFLOOD" 8 \
	>"$TMPD/out" 2>&1
rc=$?
while IFS= read -r l; do log "$l"; done <"$TMPD/out"
read -r _ rounds _ dups _ flagged <<<"$(tail -n 1 "$TMPD/out")"
check_ge "rounds" 8 "$rounds"
check_eq "rounds that returned a flow twice" 0 "$dups"
check_ge "rounds flagged NLM_F_DUMP_INTR" 1 "$flagged"
check_eq "nl_dump_resync.py exit status" 0 "$rc"

test_done
