#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw frames for the hsmon selftests: SYN floods and crafted oddities.

Frames are built by hand (struct) and sent on a packet socket, so they
bypass the sender's own netfilter hooks. Plain python: scapy's import alone
takes seconds under QEMU TCG.

  flood --iface I --dmac M --src S --dst D --dport P [--sport-base N]
        [--count C] [--gap-us G]
      C IPv4 SYNs S:N+i -> D:P (i = 0..C-1), G microseconds apart.
  send --iface I --dmac M --src4 .. --dst4 .. --src6 .. --dst6 .. --dport P SPEC...
      one frame per SPEC, in order. SPEC is KIND:SPORT[:SEQ], KIND one of
        syn4 syn6            a valid SYN (seq SEQ, default 1000)
        doff_short4 doff_short6  a SYN with TCP data offset 4 (< 5)
        tcp_trunc4           the IPv4 total length leaves 10 bytes of TCP header
        doff_past_end4       data offset 15 (60 bytes) with 20 bytes present
        syn_fin4 syn_rst4    invalid flag combinations
        frag4 frag6          a non-first fragment (offset 24) of a TCP segment
        exthdr_syn6          a valid SYN behind hop-by-hop and destination
                             options headers
"""
import argparse
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
NH_HOP, NH_TCP, NH_FRAG, NH_DEST = 0, 6, 44, 60


def tcp_of(frame):
    """(sport, dport, seq, flags) of an Ethernet frame's TCP header, or None."""
    if len(frame) < 14:
        return None
    proto, l3 = struct.unpack("!H", frame[12:14])[0], frame[14:]
    if proto == ETH_P_IP and len(l3) >= 20:
        ihl = (l3[0] & 0xF) * 4
        if l3[9] != NH_TCP:
            return None
        l4 = l3[ihl:]
    elif proto == ETH_P_IPV6 and len(l3) >= 40:
        if l3[6] != NH_TCP:
            return None
        l4 = l3[40:]
    else:
        return None
    if len(l4) < 14:
        return None
    sport, dport, seq = struct.unpack("!HHI", l4[:8])
    return sport, dport, seq, l4[13]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def addr_bytes(a):
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


def tcp_hdr(src, dst, sport, dport, seq, flags, doff=5):
    """A 20-byte TCP header (no options) with its checksum; doff as given."""
    s, d = addr_bytes(src), addr_bytes(dst)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags, 64240, 0, 0)
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, NH_TCP, len(hdr))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(hdr), NH_TCP)
    return hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]


def ip4(src, dst, payload, ident=1, frag_off=0, proto=NH_TCP):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag_off,
                      64, proto, 0, addr_bytes(src), addr_bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return ETH_P_IP, hdr + payload


def ip6(src, dst, nh, payload):
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                      addr_bytes(src), addr_bytes(dst))
    return ETH_P_IPV6, hdr + payload


def opts_hdr(nh):
    """A hop-by-hop or destination options header: 8 bytes, one PadN option."""
    return struct.pack("!BB", nh, 0) + b"\x01\x04\0\0\0\0"


def frag6_hdr(nh, offset_bytes, ident):
    return struct.pack("!BBHI", nh, 0, (offset_bytes // 8) << 3, ident)


def build(kind, sport, seq, a):
    s4, d4, s6, d6, dp = a.src4, a.dst4, a.src6, a.dst6, a.dport
    if kind == "syn4":
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN))
    if kind == "syn6":
        return ip6(s6, d6, NH_TCP, tcp_hdr(s6, d6, sport, dp, seq, TCP_SYN))
    if kind == "doff_short4":
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN, doff=4))
    if kind == "doff_short6":
        return ip6(s6, d6, NH_TCP, tcp_hdr(s6, d6, sport, dp, seq, TCP_SYN, doff=4))
    if kind == "tcp_trunc4":
        # Ports, seq and half the ack: the IP total length ends there.
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN)[:10])
    if kind == "doff_past_end4":
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN, doff=15))
    if kind == "syn_fin4":
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN | TCP_FIN))
    if kind == "syn_rst4":
        return ip4(s4, d4, tcp_hdr(s4, d4, sport, dp, seq, TCP_SYN | TCP_RST))
    if kind == "frag4":
        # Offset 3 * 8 = 24 bytes in: the TCP header was in the first fragment.
        return ip4(s4, d4, b"x" * 24, ident=sport, frag_off=3)
    if kind == "frag6":
        return ip6(s6, d6, NH_FRAG, frag6_hdr(NH_TCP, 24, sport) + b"x" * 24)
    if kind == "exthdr_syn6":
        tcp = tcp_hdr(s6, d6, sport, dp, seq, TCP_SYN)
        return ip6(s6, d6, NH_HOP, opts_hdr(NH_DEST) + opts_hdr(NH_TCP) + tcp)
    raise SystemExit("unknown kind " + kind)


def packet_socket(iface):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    return sock, sock.getsockname()[4][:6]


def frame(smac, dmac, ethertype_l3):
    ethertype, l3 = ethertype_l3
    return dmac + smac + struct.pack("!H", ethertype) + l3


def cmd_flood(a):
    sock, smac = packet_socket(a.iface)
    dmac = mac_bytes(a.dmac)
    gap = a.gap_us / 1e6
    for i in range(a.count):
        sport = a.sport_base + i
        l3 = ip4(a.src, a.dst, tcp_hdr(a.src, a.dst, sport, a.dport, 0x10000 * i + 7, TCP_SYN),
                 ident=sport)
        sock.send(frame(smac, dmac, l3))
        if gap:
            time.sleep(gap)
    print("sent", a.count)
    return 0


def cmd_send(a):
    sock, smac = packet_socket(a.iface)
    dmac = mac_bytes(a.dmac)
    frames = []
    for spec in a.spec:
        parts = spec.split(":")
        seq = int(parts[2]) if len(parts) > 2 else 1000
        frames.append(frame(smac, dmac, build(parts[0], int(parts[1]), seq, a)))
    for f in frames:
        sock.send(f)
    print("sent", len(frames))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("flood")
    s.add_argument("--iface", required=True)
    s.add_argument("--dmac", required=True)
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--dport", type=int, required=True)
    s.add_argument("--sport-base", type=int, default=20000)
    s.add_argument("--count", type=int, default=200)
    s.add_argument("--gap-us", type=int, default=0)

    s = sub.add_parser("send")
    s.add_argument("--iface", required=True)
    s.add_argument("--dmac", required=True)
    s.add_argument("--src4")
    s.add_argument("--dst4")
    s.add_argument("--src6")
    s.add_argument("--dst6")
    s.add_argument("--dport", type=int, required=True)
    s.add_argument("spec", nargs="+")

    a = p.parse_args()
    return {"flood": cmd_flood, "send": cmd_send}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
