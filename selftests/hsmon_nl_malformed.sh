#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and invalid requests to the hsmon family are refused, each with
# the errno its policy (or the netlink core) gives and, where an attribute is
# at fault, an extended ack whose message says why and whose offset points at
# that attribute; requests the core cannot even parse get no reply. A refused
# request changes nothing, and afterwards the family still answers and
# handshakes are still tracked.
#
# Each case is one raw message sent by hsmon_nl.py; the expected line is what
# it prints: "error ERRNO [offs=N attr=K] [msg=TEXT]", "noreply" or "ack".
# offs counts from the start of the request: the first attribute is at 20
# (16 bytes of netlink header, 4 of genetlink header), attr=K is the K-th
# attribute sent. The checks across several filters run when the dump starts;
# 6.1 gives a dump's start no extack, so there the module reports them at its
# first step, in the NLMSG_DONE that ends the dump, which on 6.1 carries the
# message but no offset: those cases accept either form (A||B).

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
trap cleanup EXIT

setup_ns NS
require_genl

# Commands and attribute numbers, from the uapi header.
CMD_STATS_GET=1 CMD_FLOW_GET=2 CMD_CONFIG_GET=3 CMD_CONFIG_SET=4 CMD_FLOW_EVENT=6
A_CONFIG_MAX_FLOWS=1 A_CONFIG_SYN_TIMEOUT=2 A_CONFIG_EVENTS=5
A_STATS_SEGMENTS=2
A_FLOW_FAMILY=2 A_FLOW_DIRECTION=7 A_FLOW_STATE=8 A_FLOW_ISN_J=9
A_FLOW_ADDR=18 A_FLOW_PREFIX_LEN=19 A_FLOW_PORT=20

config_before=$(nl "$NS" config-get)
check_eq "config-get answers: max_flows" 65536 "$(awk '$1 == "max_flows" { print $2 }' \
	<<<"$config_before")"

# NAME|hsmon_nl.py raw ARGS|EXPECTED, sent by one hsmon_nl.py batch, each on
# a socket of its own.
cat >"$TMPD/cases" <<EOT
unknown command (the core has no message for it)|--cmd 99|error EOPNOTSUPP
the notification command sent as a request|--cmd $CMD_FLOW_EVENT|error EOPNOTSUPP
a do-only command asked to dump|--cmd $CMD_STATS_GET --dump|error EOPNOTSUPP
config-set as a dump|--cmd $CMD_CONFIG_SET --dump --attr $A_CONFIG_SYN_TIMEOUT:u32:5|error EOPNOTSUPP
unknown attribute type 200|--cmd $CMD_CONFIG_SET --attr 200:u32:5|error EINVAL offs=20 attr=1 msg=Unknown attribute type
stats-get takes no attribute|--cmd $CMD_STATS_GET --attr $A_STATS_SEGMENTS:u64:0|error EINVAL offs=20 attr=1 msg=Unsupported attribute
config-get takes no attribute|--cmd $CMD_CONFIG_GET --attr $A_CONFIG_MAX_FLOWS:u32:100|error EINVAL offs=20 attr=1 msg=Unsupported attribute
flow-get: isn_j is no filter|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ISN_J:u32:5|error EINVAL offs=20 attr=1 msg=Unsupported attribute
u32 max_flows in 2 bytes|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u16:100|error EINVAL offs=20 attr=1 msg=invalid attribute length
u32 max_flows in 8 bytes|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u64:100|error EINVAL offs=20 attr=1 msg=invalid attribute length
u8 family filter in 2 bytes (validated as 1 byte of binary)|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_FAMILY:u16:2|error ERANGE offs=20 attr=1 msg=Attribute failed policy validation
u16 port filter in 4 bytes|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_PORT:u32:80|error EINVAL offs=20 attr=1 msg=invalid attribute length
max_flows=1 (min 16)|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u32:1|error ERANGE offs=20 attr=1 msg=integer out of range
max_flows=15|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u32:15|error ERANGE offs=20 attr=1 msg=integer out of range
max_flows=16777217 (max 16777216)|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u32:16777217|error ERANGE offs=20 attr=1 msg=integer out of range
syn_timeout=0 (min 1)|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_SYN_TIMEOUT:u32:0|error ERANGE offs=20 attr=1 msg=integer out of range
syn_timeout=3601 (max 3600)|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_SYN_TIMEOUT:u32:3601|error ERANGE offs=20 attr=1 msg=integer out of range
events=2 (0 or 1)|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_EVENTS:u8:2|error ERANGE offs=20 attr=1 msg=integer out of range
a valid syn_timeout, then max_flows=1: the second is named|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_SYN_TIMEOUT:u32:5 --attr $A_CONFIG_MAX_FLOWS:u32:1|error ERANGE offs=28 attr=2 msg=integer out of range
state filter 0 (NONE is never in a table)|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_STATE:u8:0|error ERANGE offs=20 attr=1 msg=integer out of range
state filter 200|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_STATE:u8:200|error ERANGE offs=20 attr=1 msg=integer out of range
direction filter 9|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_DIRECTION:u8:9|error ERANGE offs=20 attr=1 msg=integer out of range
address filter of 2 bytes|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ADDR:hex:c000|error EINVAL offs=20 attr=1 msg=address must be 4 or 16 bytes
address filter of 17 bytes (an IPv6 address is 16)|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ADDR:len:17|error ERANGE offs=20 attr=1 msg=Attribute failed policy validation
address filter of 5 bytes|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ADDR:hex:c000020100|error EINVAL offs=20 attr=1 msg=address must be 4 or 16 bytes
family filter 5 (not AF_INET, AF_INET6)|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_FAMILY:u8:5|error EINVAL offs=20 attr=1 msg=family must be AF_INET or AF_INET6
IPv6 family filter with an IPv4 address|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_FAMILY:u8:10 --attr $A_FLOW_ADDR:hex:c0000201|error EINVAL offs=28 attr=2 msg=address does not match family||error EINVAL msg=address does not match family (in NLMSG_DONE)
prefix length 33 on an IPv4 address|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ADDR:hex:c0000201 --attr $A_FLOW_PREFIX_LEN:u8:33|error EINVAL offs=28 attr=2 msg=prefix length longer than the address||error EINVAL msg=prefix length longer than the address (in NLMSG_DONE)
prefix length 129|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_ADDR:hex:20010db8000000000000000000000001 --attr $A_FLOW_PREFIX_LEN:u8:129|error ERANGE offs=40 attr=2 msg=integer out of range
prefix length without an address|--cmd $CMD_FLOW_GET --dump --attr $A_FLOW_PREFIX_LEN:u8:8|error EINVAL offs=20 attr=1 msg=prefix length without an address||error EINVAL msg=prefix length without an address (in NLMSG_DONE)
attribute whose nla_len (4000) runs past the message|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_SYN_TIMEOUT:u32:5 --attr $A_CONFIG_MAX_FLOWS:nla_len=4000:00010000|error EINVAL msg=bytes leftover after parsing attributes
attribute whose nla_len (2) is below its header|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:nla_len=2:00010000|error EINVAL msg=bytes leftover after parsing attributes
genetlink header cut to 2 bytes (18 sent)|--cmd $CMD_CONFIG_GET --trunc 18|error EINVAL
netlink header cut to 12 bytes: the core drops it|--cmd $CMD_CONFIG_GET --trunc 12|noreply
nlmsg_len says 1000, 28 bytes sent: dropped|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_SYN_TIMEOUT:u32:5 --nlmsg-len 1000|noreply
the valid bounds are accepted|--cmd $CMD_CONFIG_SET --attr $A_CONFIG_MAX_FLOWS:u32:16 --attr $A_CONFIG_SYN_TIMEOUT:u32:3600|ack
EOT
cut -d'|' -f1,2 "$TMPD/cases" | nl "$NS" batch >"$TMPD/results" 2>&1
check_eq "batch: answers" "$(grep -c . "$TMPD/cases")" "$(grep -c . "$TMPD/results")"
while IFS='|' read -r name _ expected; do
	seen=$(awk -F'|' -v n="$name" '$1 == n { print $2 }' "$TMPD/results")
	case "||$expected||" in
	*"||$seen||"*) check_eq "$name" "$seen" "$seen" ;;
	*) check_eq "$name" "$expected" "$seen" ;;
	esac
done <"$TMPD/cases"

# Only the last request was valid: it set max_flows and syn_timeout and
# nothing else changed; every refused request (some of which carried valid
# knobs, like syn_timeout=5 above) changed nothing.
expected=$(sed -e 's/^max_flows .*/max_flows 16/' -e 's/^syn_timeout .*/syn_timeout 3600/' \
	<<<"$config_before")
check_eq "config after the requests (lines that differ)" "" \
	"$(diff <(echo "$expected") <(nl "$NS" config-get) | grep '^[<>]')"

# Still answering, still tracking.
check_eq "stats after the requests: segments" 0 "$(nl_counter "$NS" segments)"
tcp_listen "$NS" 127.0.0.1 8080
tcp_connect "$NS" 127.0.0.1 8080 40001 "connected 40001"
busywait 10000 hsmon_has_flow "$NS" state=ESTABLISHED
hsmon_snap "$NS" "$TMPD/snap"
check_eq "the handshake after the requests, in /proc (age_ms aside)" \
	"ipv4 127.0.0.1:40001 127.0.0.1:8080 local ESTABLISHED" \
	"$(flow_sans_age "$TMPD/snap" | cut -d' ' -f1-5)"
check_eq "the handshake after the requests, by dump" \
	"ipv4 127.0.0.1:40001 127.0.0.1:8080 local ESTABLISHED" \
	"$(nl "$NS" dump | cut -d' ' -f1-5)"
check_eq "counter established" 1 "$(nl_counter "$NS" established)"

test_done
