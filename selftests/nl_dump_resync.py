#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A flow-get dump whose last flow sent is removed, and its 5-tuple tracked
again, before the dump goes on: the dump must not return a flow twice. It
says it was interrupted (NLM_F_DUMP_INTR) when the flow was in the bucket
it goes on with (a flow there may have been skipped); not when the part
ended with that bucket, as nothing can be missed then. hsmon_nl_dump_resync.sh sets
the scene: a namespace with hsmon loaded with max_flows=64 (16 buckets), a
veth to nowhere, 192.0.2.2 as a static neighbour and a route to
10.99.0.0/16 via it.

  nl_dump_resync.py SELFTESTS_DIR SYNFLOOD ROUNDS

Runs ROUNDS rounds, then more (up to 5 x ROUNDS) until one was flagged: a
round is flagged only when its first part ended inside a bucket, which the
table's random hash key decides (about 3 rounds in 8); 8 rounds alone all
ended on a bucket's end about once in 40 runs.
Prints a line per round, then "rounds N duplicates N flagged N"; exits 1 if
a round returned a flow twice.
"""
import socket
import struct
import subprocess
import sys

sys.path.insert(0, sys.argv[1])
import hsmon_nl as h  # noqa: E402

SYNFLOOD = sys.argv[2]
ROUNDS = int(sys.argv[3])
A_CFG_MAX_FLOWS = 1
NFLOWS = 48


def sh(*args):
    subprocess.run([SYNFLOOD] + [str(a) for a in args] + ["-q"], check=True)


def key(f):
    return (f["initiator_addr"], f["initiator_port"], f["responder_addr"], f["responder_port"])


g = h.Genl()
fam = g.resolve()["id"]
ctl = h.Genl()
hits = 0
flagged = 0
rnd = 0
while rnd < ROUNDS or (not flagged and rnd < 5 * ROUNDS):
    base = 30000 + rnd * 100
    ctl.transact(fam, 5)
    sh("-d", "192.0.2.2", "-p", 9, "-n", NFLOWS, "-s", "10.99.0.0", "-P", base, "-R", NFLOWS)
    # Part 1 of a dump: the first datagram, queued when the dump starts (a
    # socket that never read: NLMSG_GOODSIZE, about 20 flows).
    # Peeked at, with a small receive buffer: the kernel fills the next
    # datagram only once this one is read (netlink_recvmsg()).
    g = h.Genl(rcvbuf=4096)
    seq = g.send(fam, 2, b"", h.NLM_F_REQUEST | h.NLM_F_DUMP)
    data = g.sk.recv(65536, socket.MSG_PEEK)
    first = []
    for mtype, mflags, mseq, off, mlen in g.messages(data):
        assert mtype == fam, mtype
        first.append(h.parse_flow(data, off + 20, off + mlen))
    last = first[-1]
    # The last flow returned: refused (the responder's RST acking J+1), so
    # that a trim by one takes it and only it, then a new SYN on its 5-tuple.
    sh("-d", "10.99.0.0", "-p", last["initiator_port"], "-n", 1, "-s", "192.0.2.2", "-P", 9,
       "-R", 1, "-f", "RA", "-j", 0, "-k", (last["isn_j"] + 1) & 0xffffffff)
    ctl.transact(fam, 4, h.nla(A_CFG_MAX_FLOWS, struct.pack("=I", NFLOWS - 1)))
    ctl.transact(fam, 4, h.nla(A_CFG_MAX_FLOWS, struct.pack("=I", 64)))
    sh("-d", "192.0.2.2", "-p", 9, "-n", 1, "-s", "10.99.0.0", "-P", last["initiator_port"],
       "-R", 1)
    # The rest of the dump: part 1 read for real, then the others.
    g.recv()
    rest, intr, done = [], False, False
    while not done:
        data = g.recv()
        for mtype, mflags, mseq, off, mlen in g.messages(data):
            intr |= bool(mflags & h.NLM_F_DUMP_INTR)
            if mtype == h.NLMSG_DONE:
                done = True
            elif mtype == fam:
                rest.append(h.parse_flow(data, off + 20, off + mlen))
    seen = {}
    dups = []
    for f in first + rest:
        k = key(f)
        if k in seen and f["isn_j"] == seen[k]["isn_j"]:
            dups.append(f)
        seen[k] = f
    print("round %d: %d + %d flows, %d distinct 5-tuples, last of part 1 port %d, "
          "NLM_F_DUMP_INTR %s, returned twice (same flow, same ISN): %s" % (
              rnd, len(first), len(rest), len(seen), last["initiator_port"],
              "set" if intr else "not set",
              " ".join(str(f["initiator_port"]) for f in dups) or "none"))
    print("  part 1: %s" % " ".join(str(f["initiator_port"] - base) for f in first))
    print("  rest:   %s" % " ".join("%d%s" % (f["initiator_port"] - base,
                                           "'" if f["initiator_port"] == last["initiator_port"] else "")
                                  for f in rest))
    hits += bool(dups)
    flagged += intr
    rnd += 1
print("rounds %d duplicates %d flagged %d" % (rnd, hits, flagged))
sys.exit(0 if hits == 0 else 1)
