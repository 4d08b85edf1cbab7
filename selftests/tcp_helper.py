#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Tiny TCP endpoints for the hsmon selftests, run inside a namespace.

  listen  --addr A --port P [--ready F] [--hold S] [--close]
          listen on A:P, write "listening" to F, accept connections and keep
          them open (or close them at once with --close) for S seconds.
  connect --addr A --port P [--sport N] [--timeout S] [--out F] [--hold S]
          [--capture IF]
          connect from source port N, write "connected PORT J K" or
          "error NAME J K" to F, keep the connection open for S seconds, then
          leave. J and K are the ISNs of the SYN and of the SYN/ACK as a
          packet socket on interface IF saw them on the wire ("-" if not seen
          or no --capture).
  loop    --addr A [--addr B...] --port P --count N --duration S [--out F]
          connect and close, round robin over the addresses, until N connects
          or S seconds (or SIGTERM); write "connects N ok M" to F.

Every mode ends by itself (bounded by --hold / --duration): a test that dies
leaves nothing behind for long, and cleanup kills them anyway.
"""
import argparse
import errno
import os
import signal
import socket
import sys
import time

from pkt_helper import TCP_ACK, TCP_SYN, tcp_of

ETH_P_ALL = 0x0003


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def report(path, line):
    """Write one line to path atomically (the test polls for it) or stdout."""
    if not path:
        print(line, flush=True)
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.rename(tmp, path)


def err_name(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    return errno.errorcode.get(e.errno, str(e.errno))


def cmd_listen(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(a.backlog)
    s.settimeout(0.2)
    report(a.ready, "listening")
    held = []
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        if a.close:
            c.close()
        else:
            held.append(c)
    return 0


def captured_isns(cap, sport, dport, want_k):
    """J and K from the frames a packet socket queued (the SYN/ACK or RST was
    queued before connect() returned: taps run before TCP)."""
    j = k = "-"
    deadline = time.monotonic() + 5
    cap.settimeout(0.5)
    while time.monotonic() < deadline and (j == "-" or (want_k and k == "-")):
        try:
            frame = cap.recv(65535)
        except socket.timeout:
            continue
        t = tcp_of(frame)
        if not t:
            continue
        fsport, fdport, seq, fl = t
        syn_ack = fl & (TCP_SYN | TCP_ACK)
        if j == "-" and syn_ack == TCP_SYN and (fsport, fdport) == (sport, dport):
            j = str(seq)
        if k == "-" and syn_ack == TCP_SYN | TCP_ACK and (fsport, fdport) == (dport, sport):
            k = str(seq)
    return j, k


def cmd_connect(a):
    cap = None
    if a.capture:
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        cap.bind((a.capture, 0))
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    if a.sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", a.sport))
    s.settimeout(a.timeout)
    try:
        s.connect((a.addr, a.port))
        result, rc = "connected", 0
    except OSError as e:
        result, rc = "error " + err_name(e), 1
    sport = s.getsockname()[1]
    j = k = "-"
    if cap:
        j, k = captured_isns(cap, sport, a.port, rc == 0)
        cap.close()
    if rc == 0:
        result += " %d" % sport
    report(a.out, "%s %s %s" % (result, j, k))
    if rc == 0:
        time.sleep(a.hold)
    s.close()
    return rc


def cmd_loop(a):
    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    n = ok = 0
    end = time.monotonic() + a.duration
    try:
        while n < a.count and time.monotonic() < end:
            addr = a.addr[n % len(a.addr)]
            n += 1
            try:
                c = socket.create_connection((addr, a.port), timeout=2)
                c.close()
                ok += 1
            except OSError:
                pass
    finally:
        report(a.out, "connects %d ok %d" % (n, ok))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("listen")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready")
    s.add_argument("--hold", type=float, default=60)
    s.add_argument("--backlog", type=int, default=128)
    s.add_argument("--close", action="store_true")

    s = sub.add_parser("connect")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("--out")
    s.add_argument("--hold", type=float, default=60)
    s.add_argument("--capture")

    s = sub.add_parser("loop")
    s.add_argument("--addr", action="append", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, default=1000)
    s.add_argument("--duration", type=float, default=30)
    s.add_argument("--out")

    a = p.parse_args()
    return {"listen": cmd_listen, "connect": cmd_connect, "loop": cmd_loop}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
