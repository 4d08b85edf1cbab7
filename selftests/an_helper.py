#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Segments and sockets for the hsmon analytics selftests (hsmon_an_*.sh).

  craft --orig-if IF --orig-dmac MAC --reply-if IF --reply-dmac MAC
        --src A --dst B --sport P --dport Q [--proc FILE] [--dir D] STEP...
      send crafted segments of one connection, in order, as raw frames (no
      netfilter hook of the sending namespace sees them). STEP is
        o:FLAGS:SEQ[:ACK[:LEN]]  from the initiator A:P to B:Q, sent on
                                 --orig-if to --orig-dmac
        r:FLAGS:SEQ[:ACK[:LEN]]  from the responder B:Q to A:P, sent on
                                 --reply-if to --reply-dmac
        snap:NAME                copy FILE (an observer's /proc/hsmon) to D/NAME
        sport:N                  the steps after this one use source port N
      FLAGS are scapy's letters (S, SA, A, R, FA...); LEN bytes of payload.
      Exits 4 if scapy cannot be imported. With --proc, a segment is sent only once the one before it was
      inspected: after each send the helper polls FILE until its `segments`
      counter has grown by one (a frame sent on one veth and the next on
      another could otherwise be processed out of order, on two CPUs).
  tfo-listen --addr A --port P --ready F [--hold S]
      a TCP Fast Open server (TCP_FASTOPEN on the listener): accepts,
      reads what comes, holds the connections.
  tfo-connect --addr A --port P --len N --count C --out F [--hold S]
      C connections in turn, each opened by sendto(N bytes, MSG_FASTOPEN);
      writes "ok PORT..." (the source ports) or "error NAME" to F, then
      holds the connections open.

Every mode ends by itself; the test's cleanup kills it anyway.
"""
import argparse
import errno
import os
import socket
import struct
import sys
import time

SOL_TCP = 6
TCP_FASTOPEN = 23
MSG_FASTOPEN = 0x20000000


def report(path, line):
    """Write one line to path atomically (the test polls for it)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.rename(tmp, path)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ------------------------------------------------------------------- craft

def segments_of(path):
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                break
            if w[0] == "segments":
                return int(w[1])
    raise SystemExit("no segments counter in " + path)


def cmd_craft(a):
    try:
        from scapy.layers.inet import IP, TCP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
    except ImportError as e:
        print("scapy: %s" % e, file=sys.stderr)
        return 4

    socks = {}
    for side, ifname in (("o", a.orig_if), ("r", a.reply_if)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
        socks[side] = s
    mac = {s: ":".join("%02x" % b for b in socks[s].getsockname()[4][:6]) for s in socks}
    dmac = {"o": a.orig_dmac, "r": a.reply_dmac}
    sport = a.sport
    seen = segments_of(a.proc) if a.proc else 0
    for step in a.step:
        p = step.split(":")
        if p[0] == "sport":
            sport = int(p[1])
            continue
        if p[0] == "snap":
            with open(a.proc) as f:
                text = f.read()
            report(os.path.join(a.dir, p[1]), text.rstrip("\n"))
            continue
        if p[0] not in socks or len(p) < 3:
            raise SystemExit("bad step " + step)
        side, flags, seq = p[0], p[1], int(p[2]) & 0xFFFFFFFF
        ack = int(p[3]) & 0xFFFFFFFF if len(p) > 3 else 0
        length = int(p[4]) if len(p) > 4 else 0
        if side == "o":
            src, dst, sp, dp = a.src, a.dst, sport, a.dport
        else:
            src, dst, sp, dp = a.dst, a.src, a.dport, sport
        l3 = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
        pkt = (Ether(src=mac[side], dst=dmac[side]) / l3 /
               TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240))
        if length:
            pkt = pkt / Raw(b"x" * length)
        socks[side].send(bytes(pkt))
        if a.proc:
            seen += 1
            deadline = time.monotonic() + 10
            while segments_of(a.proc) < seen:
                if time.monotonic() > deadline:
                    raise SystemExit("step %s: not inspected within 10 s" % step)
                time.sleep(0.01)
    return 0


# ------------------------------------------------------------------- fast open

def cmd_tfo_listen(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(SOL_TCP, TCP_FASTOPEN, 16)
    s.bind((a.addr, a.port))
    s.listen(16)
    s.settimeout(0.2)
    report(a.ready, "listening")
    held = []
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        held.append(c)
    return 0


def cmd_tfo_connect(a):
    held, ports = [], []
    for _ in range(a.count):
        s = socket.socket(family(a.addr), socket.SOCK_STREAM)
        # A blocking socket (a Python timeout would make it non-blocking and
        # sendto fail with EINPROGRESS); the kernel bounds the connect wait.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 10, 0))
        try:
            # Returns once the handshake is done (with or without a cookie).
            s.sendto(b"x" * a.len, MSG_FASTOPEN, (a.addr, a.port))
        except OSError as e:
            report(a.out, "error " + errno.errorcode.get(e.errno, str(e.errno)))
            return 1
        held.append(s)
        ports.append(str(s.getsockname()[1]))
    report(a.out, "ok " + " ".join(ports))
    time.sleep(a.hold)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("craft")
    s.add_argument("--orig-if", required=True)
    s.add_argument("--orig-dmac", required=True)
    s.add_argument("--reply-if", required=True)
    s.add_argument("--reply-dmac", required=True)
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--sport", type=int, required=True)
    s.add_argument("--dport", type=int, required=True)
    s.add_argument("--proc")
    s.add_argument("--dir", default=".")
    s.add_argument("step", nargs="+")

    s = sub.add_parser("tfo-listen")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready", required=True)
    s.add_argument("--hold", type=float, default=60)

    s = sub.add_parser("tfo-connect")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--len", type=int, default=10)
    s.add_argument("--count", type=int, default=2)
    s.add_argument("--out", required=True)
    s.add_argument("--hold", type=float, default=60)

    a = p.parse_args()
    return {"craft": cmd_craft, "tfo-listen": cmd_tfo_listen,
            "tfo-connect": cmd_tfo_connect}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
