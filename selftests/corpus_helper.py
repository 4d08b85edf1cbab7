#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A malformed-packet corpus for hsmon_stress_malformed.sh, built and sent.

The corpus is deterministic: the same arguments give the same bytes. It is
made of cases (one or more IP packets each), grouped as
  ip4 ip6     truncated headers, IHL < 5 or past the end, wrong versions and
              lengths, IPv4 options, no TCP at all
  trunc       a TCP header cut at every length 0..19 (0: an IP payload of
              zero bytes), by the end of the packet or by its IP length
  doff        TCP data offset 0..4, past the end, exactly at the end
  flags       all 256 TCP flag bytes, each on a 5-tuple of its own
  live        the 160 impossible flag bytes, and malformed headers, on the
              5-tuple of a live ESTABLISHED flow (--live4/--live6)
  opts        bogus TCP options: length 0 or 1, past the header's end,
              unknown kinds, MSS/WS/SACK/TS/TFO/MD5 with wrong lengths
  frag4 frag6 tiny, lone, overlapping, duplicate, out-of-order and zero-length
              fragments, IPv6 atomic fragments and truncated fragment headers
  ext6        IPv6 extension header chains: hop-by-hop, destination options,
              routing, AH, fragment, long chains, chains cut short, unknown
              next headers
  zero        segments with no payload, and with some, as controls

and each case states what hsmon must count for it at two observation points:
  r  the router's FORWARD hook, after the router's IP input checks
     (no reassembly: it sees every fragment)
  s  the server: its LOCAL_IN hook for the inbound corpus (after its IP
     input checks and, for IPv4, after reassembly), its LOCAL_OUT hook for
     the outbound corpus (exactly the bytes sent, as the kernel rewrote them)
An observation is one of
  ipmal   malformed, before any TCP header (not a segment)
  tmal    malformed TCP header (a segment)
  frag    a non-first fragment of TCP
  bad     an impossible flag combination (a segment)
  syn     a SYN on a fresh 5-tuple: a new SYN_SENT flow
  synack  a SYN/ACK that finds no flow (synack and untracked)
  untr    an ACK, FIN|ACK or RST that finds no flow (untracked)
  none    a packet that reaches the hook but carries no TCP
and a packet the IP layer drops before the hook (a truncated IPv4 header, a
bad checksum, an IPv6 hop-by-hop option the router must not pass...) has no
observation there. The flag classes are module/fsm.c's (SYN with RST or
FIN, RST with FIN, none of SYN/ACK/RST: bad_flags), PSH, URG, ECE and CWR
aside.

  send --dir in --iface I --dmac M ...   (run in the client namespace)
      inbound: Ethernet frames on a packet socket, to the router (no hook of
      the sending namespace sees them)
  send --dir out ...                     (run in the server namespace)
      outbound: raw IP sockets that write their own header (IPPROTO_RAW:
      IP_HDRINCL, IPV6_HDRINCL), through the server's LOCAL_OUT hook. The
      kernel refuses IPv4 packets shorter than 20 bytes or whose IHL is below
      5 or past their end, and IPv6 packets shorter than 40 bytes (EINVAL):
      those cases expect exactly that refusal. In an IPv4 header of IHL >= 5
      it rewrites the total length and the checksum (and an id or a source
      address of 0): those cases expect the rewritten packet.
    common: --src4 --dst4 --src6 --dst6 (sender and receiver), --dport P,
    --sport-base N (fresh 5-tuples use source ports N, N+1, ...), --ttl T
    (every packet's TTL / hop limit: the receivers drop what arrives with
    T-1, after their hooks), --live4 SPORT:DPORT --live6 SPORT:DPORT (a live
    flow's ports, as this sender sends them), --out FILE, --only WORD (only
    the cases whose group/name contains WORD: for debugging).
    FILE gets the figures and the expectations:
      cases N / frames N / refused N / sent N / build_ms N / send_ms N
      expect r|s COUNTER DELTA       for segments malformed fragments
                                     bad_flags syn synack untracked flows
                                     flows_syn_sent
      flow r|s FAMILY INITIATOR RESPONDER ISN_J ORIG_FLAGS
  list --dir in|out (same addresses...)
      print the cases, their packet counts and observations.
"""
import argparse
import errno
import os
import socket
import struct
import sys
import time

from pkt_helper import addr_bytes, csum, mac_bytes

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
IPV6_HDRINCL = 36

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
BADF = SYN | FIN  # the flags of cases that must parse and then be ignored
NH_HOP, NH_TCP, NH_UDP, NH_RT, NH_FRAG, NH_ESP, NH_AH, NH_ICMP6, NH_DST = \
    0, 6, 17, 43, 44, 50, 51, 58, 60
IP_MF, IP_DF, IP_EVIL = 0x2000, 0x4000, 0x8000

# What each observation adds to the counters of /proc/hsmon.
EFFECTS = {
    "ipmal": ("malformed",),
    "tmal": ("malformed", "segments"),
    "frag": ("fragments",),
    "bad": ("bad_flags", "segments"),
    "syn": ("syn", "segments", "flows", "flows_syn_sent"),
    "synack": ("synack", "untracked", "segments"),
    "untr": ("untracked", "segments"),
    "none": (),
}
COUNTERS = ("segments", "malformed", "fragments", "bad_flags", "syn", "synack",
            "untracked", "flows", "flows_syn_sent")


def flag_class(f):
    """The observation for a well-formed segment with flag byte f on a fresh
    5-tuple, as module/fsm.c classifies it (hsmon_seg_classify(), like
    conntrack's tcp_valid_flags: SYN with RST or FIN, RST with FIN, none of
    SYN/ACK/RST are impossible) and the flow table treats it (a SYN opens a
    flow; anything else finds none: untracked)."""
    syn, ack, fin, rst = f & SYN, f & ACK, f & FIN, f & RST
    if rst:
        return "bad" if syn or fin else "untr"
    if syn:
        return "bad" if fin else ("synack" if ack else "syn")
    return "untr" if ack else "bad"


def flag_letters(f):
    s = "".join(c for bit, c in ((SYN, "S"), (ACK, "A"), (FIN, "F"), (RST, "R"),
                                 (PSH, "P"), (URG, "U"), (ECE, "E"), (CWR, "C"))
                if f & bit)
    return s or "-"


# ------------------------------------------------------------------ packets

class Pkt:
    """One IP packet: its family (4 or 6) and bytes from the IP header on."""

    def __init__(self, fam, data):
        self.fam, self.data = fam, data


def pseudo(src, dst, length):
    s, d = addr_bytes(src), addr_bytes(dst)
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, NH_TCP, length)
    return s + d + struct.pack("!IxxxB", length, NH_TCP)


def tcp(src, dst, sport, dport, seq, flags, ack=0, opts=b"", payload=b"",
        doff=None, res=0):
    """A TCP segment with a correct checksum; doff defaults to the header's
    real length (20 + options, options a multiple of 4)."""
    if doff is None:
        assert len(opts) % 4 == 0
        doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (doff << 4) | res, flags,
                      8192, 0, 0) + opts + payload
    c = csum(pseudo(src, dst, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ip4(src, dst, payload, ttl, ident, frag=0, proto=NH_TCP, opts=b"", ihl=None,
        version=4, tot_len=None, check=None):
    if ihl is None:
        ihl = 5 + len(opts) // 4
    if tot_len is None:
        tot_len = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tot_len, ident, frag,
                      ttl, proto, 0, addr_bytes(src), addr_bytes(dst)) + opts
    if check is None:
        check = csum(hdr)
    return Pkt(4, hdr[:10] + struct.pack("!H", check) + hdr[12:] + payload)


def ip6(src, dst, nh, payload, hlim, plen=None, version=6):
    if plen is None:
        plen = len(payload)
    return Pkt(6, struct.pack("!IHBB16s16s", version << 28, plen, nh, hlim,
                              addr_bytes(src), addr_bytes(dst)) + payload)


def padn(n):
    """n bytes of IPv6 option padding (Pad1 or one PadN)."""
    return b"\0" if n == 1 else bytes([1, n - 2]) + bytes(n - 2)


def opthdr(nh, opts=b""):
    """A hop-by-hop or destination options header holding opts, padded to a
    multiple of 8 bytes."""
    n = (-(2 + len(opts))) % 8
    body = opts + (padn(n) if n else b"")
    return bytes([nh, (2 + len(body)) // 8 - 1]) + body


def rthdr(nh, rtype, segleft, nwords):
    """A routing header of type rtype with nwords * 8 bytes after its first 8."""
    data = bytes(4) + b"\x20\x01\x0d\xb8" * (nwords * 2)
    return bytes([nh, nwords, rtype, segleft]) + data


def fraghdr(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, (offset // 8) << 3 | more, ident)


def ahhdr(nh, words=4):
    """An authentication header of (words + 2) * 4 bytes."""
    return bytes([nh, words, 0, 0]) + struct.pack("!II", 0x1000, 1) + bytes((words - 1) * 4)


def chain(hdrs, last_nh, tail):
    """hdrs: (protocol number, builder(next header) -> bytes), outermost
    first. Returns (the fixed header's next header, the bytes)."""
    nh, data = last_nh, tail
    for proto, build in reversed(hdrs):
        data = build(nh) + data
        nh = proto
    return nh, data


# ------------------------------------------------------------------ corpus

class Case:
    def __init__(self, group, name, pkts, r=(), s=(), refuse=None):
        self.group, self.name, self.pkts = group, name, pkts
        self.r, self.s, self.refuse = list(r), list(s), refuse
        self.flows = []  # (where, family, initiator, responder, isn_j, flags)


class Corpus:
    def __init__(self, a):
        self.a, self.out = a, a.dir == "out"
        self.cases = []
        self.port = a.sport_base

    # A fresh 5-tuple: the next source port, and its ISN.
    def fresh(self):
        self.port += 1
        return self.port - 1

    @staticmethod
    def isn(sport):
        return 0x5EED0000 + sport

    def add(self, group, name, pkts, r=(), s=(), refuse=None):
        c = Case(group, name, pkts, r, s, refuse)
        self.cases.append(c)
        return c

    def both(self, group, name, pkts, obs):
        """A case observed alike at both points."""
        return self.add(group, name, pkts, obs, obs)

    def addrs(self, fam):
        a = self.a
        return (a.src4, a.dst4) if fam == 4 else (a.src6, a.dst6)

    def seg(self, fam, sport, flags, dport=None, **kw):
        src, dst = self.addrs(fam)
        kw.setdefault("ack", 0x0AC0000 + sport if flags & ACK else 0)
        return tcp(src, dst, sport, self.a.dport if dport is None else dport,
                   self.isn(sport), flags, **kw)

    def ip(self, fam, payload, ident=0, **kw):
        """payload in an IPv4 (ident: IP id) or IPv6 packet; IPv6 takes
        nh=..., plen=..., version=...; IPv4 the keywords of ip4()."""
        src, dst = self.addrs(fam)
        if fam == 4:
            return ip4(src, dst, payload, self.a.ttl, ident or 1, **kw)
        return ip6(src, dst, kw.pop("nh", NH_TCP), payload, self.a.ttl, **kw)

    def syn_flow(self, case, fam, sport, flags, where="rs", dport=None):
        src, dst = self.addrs(fam)

        def ep(addr, port):
            addr = socket.inet_ntop(socket.AF_INET if fam == 4 else socket.AF_INET6,
                                    addr_bytes(addr))
            return "%s:%d" % (addr, port) if fam == 4 else "[%s]:%d" % (addr, port)
        for w in where:
            case.flows.append((w, "ipv%d" % fam, ep(src, sport),
                               ep(dst, self.a.dport if dport is None else dport),
                               self.isn(sport), flag_letters(flags)))

    # -------------------------------------------------------------- groups

    def ip4_headers(self):
        g, out = "ip4", self.out
        for n in (0, 1, 10, 19):
            p = self.fresh()
            pkt = self.ip(4, self.seg(4, p, BADF), ident=p)
            pkt.data = pkt.data[:n]
            if out:
                self.add(g, "header cut at %d bytes" % n, [pkt], refuse=errno.EINVAL)
            else:
                self.both(g, "header cut at %d bytes" % n, [pkt], [])
        for ihl in range(5):
            p = self.fresh()
            pkt = self.ip(4, self.seg(4, p, BADF), ident=p, ihl=ihl)
            if out:
                self.add(g, "ihl %d" % ihl, [pkt], refuse=errno.EINVAL)
            else:
                self.both(g, "ihl %d" % ihl, [pkt], [])
        for ihl, n in ((6, 20), (15, 40), (15, 59)):
            p = self.fresh()
            pkt = self.ip(4, self.seg(4, p, BADF), ident=p, ihl=ihl, tot_len=n)
            pkt.data = pkt.data[:n]
            if out:
                self.add(g, "ihl %d past the end (%d bytes)" % (ihl, n), [pkt],
                         refuse=errno.EINVAL)
            else:
                self.both(g, "ihl %d past the end (%d bytes)" % (ihl, n), [pkt], [])
        p = self.fresh()
        # A raw socket leaves the version alone; hsmon and the router check it.
        pkt = self.ip(4, self.seg(4, p, BADF), ident=p, version=6)
        self.add(g, "version 6 in an IPv4 header", [pkt], r=[],
                 s=["ipmal"] if out else [])
        if not out:
            p = self.fresh()
            self.both(g, "bad header checksum",
                      [self.ip(4, self.seg(4, p, BADF), ident=p, check=0x1234)], [])
            p = self.fresh()
            self.both(g, "total length past the end",
                      [self.ip(4, self.seg(4, p, BADF), ident=p, tot_len=60)], [])
            p = self.fresh()
            self.both(g, "total length below ihl",
                      [self.ip(4, self.seg(4, p, BADF), ident=p, tot_len=16)], [])
            p = self.fresh()
            self.both(g, "total length short of the frame (trailing bytes)",
                      [self.ip(4, self.seg(4, p, BADF) + bytes(12), ident=p, tot_len=40)],
                      ["bad"])
        else:
            # Rewritten by the kernel: a well-formed packet leaves.
            p = self.fresh()
            self.both(g, "wrong total length and checksum (rewritten)",
                      [self.ip(4, self.seg(4, p, BADF), ident=p, tot_len=999, check=7)],
                      ["bad"])
            p = self.fresh()
            pkt = self.ip(4, self.seg(4, p, BADF), ident=p)
            pkt.data = pkt.data[:4] + b"\0\0" + pkt.data[6:]
            self.both(g, "id 0 (the kernel picks one)", [pkt], ["bad"])
        p = self.fresh()
        self.both(g, "ihl 6, options NOP NOP NOP EOL",
                  [self.ip(4, self.seg(4, p, BADF), ident=p, opts=b"\1\1\1\0")], ["bad"])
        p = self.fresh()
        self.both(g, "ihl 15, 40 bytes of NOP options, no TCP",
                  [self.ip(4, b"", ident=p, opts=b"\1" * 40)], ["tmal"])
        p = self.fresh()
        self.both(g, "ihl 15, 40 bytes of NOP options, then TCP",
                  [self.ip(4, self.seg(4, p, BADF), ident=p, opts=b"\1" * 40)], ["bad"])
        p = self.fresh()
        self.both(g, "reserved fragment flag set", [self.ip(4, self.seg(4, p, BADF), ident=p,
                                                           frag=IP_EVIL)], ["bad"])
        p = self.fresh()
        self.both(g, "DF set", [self.ip(4, self.seg(4, p, BADF), ident=p, frag=IP_DF)],
                  ["bad"])
        p = self.fresh()
        self.both(g, "protocol UDP, no payload", [self.ip(4, b"", ident=p, proto=NH_UDP)],
                  ["none"])
        p = self.fresh()
        self.both(g, "protocol 253", [self.ip(4, self.seg(4, p, SYN), ident=p, proto=253)],
                  ["none"])

    def ip6_headers(self):
        g, out = "ip6", self.out
        for n in (0, 1, 20, 39):
            p = self.fresh()
            pkt = self.ip(6, self.seg(6, p, BADF))
            pkt.data = pkt.data[:n]
            if out:
                self.add(g, "header cut at %d bytes" % n, [pkt], refuse=errno.EINVAL)
            else:
                self.both(g, "header cut at %d bytes" % n, [pkt], [])
        p = self.fresh()
        self.add(g, "version 4 in an IPv6 header", [self.ip(6, self.seg(6, p, BADF), version=4)],
                 r=[], s=["ipmal"] if out else [])
        p = self.fresh()
        # The router drops it (truncated); a raw socket sends it as is, and
        # hsmon reads what is there.
        self.add(g, "payload length past the end",
                 [self.ip(6, self.seg(6, p, BADF), plen=60)], r=[],
                 s=["bad"] if out else [])
        p = self.fresh()
        self.both(g, "payload length short of the packet (trailing bytes)",
                  [self.ip(6, self.seg(6, p, BADF) + bytes(12), plen=20)], ["bad"])
        p = self.fresh()
        self.both(g, "next header UDP, no payload", [self.ip(6, b"", nh=NH_UDP)], ["none"])
        p = self.fresh()
        self.both(g, "next header ESP", [self.ip(6, self.seg(6, p, SYN), nh=NH_ESP)], ["none"])
        p = self.fresh()
        self.both(g, "next header 253", [self.ip(6, self.seg(6, p, SYN), nh=253)], ["none"])

    def truncated(self):
        g, out = "trunc", self.out
        for fam in (4, 6):
            for n in range(20):
                p = self.fresh()
                seg = self.seg(fam, p, SYN)[:n]
                self.both(g, "IPv%d: TCP header cut at %d bytes" % (fam, n),
                          [self.ip(fam, seg, ident=p)], ["tmal"])
            # Cut by the IP length, the rest of the header still in the
            # packet: the router trims it; hsmon must not read past the IP
            # length where nobody trimmed (IPv6 from a raw socket).
            for n in (0, 10, 19):
                p = self.fresh()
                seg = self.seg(fam, p, SYN)
                if fam == 4:
                    if out:
                        continue  # the kernel sets the IPv4 length
                    pkt = self.ip(4, seg, ident=p, tot_len=20 + n)
                else:
                    pkt = self.ip(6, seg, plen=n)
                name = "IPv%d: TCP header cut at %d by the IP length" % (fam, n)
                if fam == 6 and n == 0 and out:
                    # payload length 0 with bytes after it: at LOCAL_OUT
                    # hsmon takes it for a jumbogram (see hooks.c); on the
                    # wire the router trims it. Not part of the corpus.
                    continue
                self.both(g, name, [pkt], ["tmal"])

    def doff(self):
        g = "doff"
        for fam in (4, 6):
            for d in range(5):
                p = self.fresh()
                self.both(g, "IPv%d: data offset %d" % (fam, d),
                          [self.ip(fam, self.seg(fam, p, SYN, doff=d), ident=p)], ["tmal"])
            for d, optlen in ((6, 0), (15, 0), (15, 36), (8, 8)):
                p = self.fresh()
                seg = self.seg(fam, p, SYN, doff=d, opts=b"\1" * optlen)
                self.both(g, "IPv%d: data offset %d, %d bytes of header" % (fam, d, 20 + optlen),
                          [self.ip(fam, seg, ident=p)], ["tmal"])
            for d in (6, 15):
                p = self.fresh()
                seg = self.seg(fam, p, BADF, opts=b"\1" * (d * 4 - 20))
                self.both(g, "IPv%d: data offset %d, exactly the segment" % (fam, d),
                          [self.ip(fam, seg, ident=p)], ["bad"])
            p = self.fresh()
            seg = self.seg(fam, p, SYN, opts=b"\1" * 40)
            c = self.both(g, "IPv%d: SYN, data offset 15, exactly the segment" % fam,
                          [self.ip(fam, seg, ident=p)], ["syn"])
            self.syn_flow(c, fam, p, SYN)
            p = self.fresh()
            seg = self.seg(fam, p, BADF, res=0xF)
            self.both(g, "IPv%d: reserved bits and AE set" % fam,
                      [self.ip(fam, seg, ident=p)], ["bad"])
        if self.out:
            # The data offset reaches past the IPv6 payload length, not past
            # the buffer: only the payload length may count.
            p = self.fresh()
            seg = self.seg(6, p, SYN, doff=8) + bytes(12)
            self.both(g, "IPv6: data offset past the payload length, within the buffer",
                      [self.ip(6, seg, plen=20)], ["tmal"])

    def flags(self):
        g = "flags"
        for fam in (4, 6):
            for f in range(256):
                p = self.fresh()
                obs = flag_class(f)
                c = self.both(g, "IPv%d: flags %s (0x%02x)" % (fam, flag_letters(f), f),
                              [self.ip(fam, self.seg(fam, p, f), ident=p)], [obs])
                if obs == "syn":
                    self.syn_flow(c, fam, p, f)

    def live(self):
        """The live flows' own 5-tuples: only what hsmon drops before any
        flow lookup (impossible flags, malformed headers), so they cannot
        change the flows, whatever their sequence numbers."""
        g = "live"
        for fam, spec in ((4, self.a.live4), (6, self.a.live6)):
            if not spec:
                continue
            sport, dport = (int(x) for x in spec.split(":"))
            n = 0
            for f in range(256):
                if flag_class(f) != "bad":
                    continue
                n += 1
                seg = self.seg(fam, sport, f, dport=dport, ack=0x12345678)
                self.both(g, "IPv%d: flags %s on the live flow" % (fam, flag_letters(f)),
                          [self.ip(fam, seg, ident=0x6000 + n)], ["bad"])
            for d in range(5):
                seg = self.seg(fam, sport, ACK, dport=dport, doff=d)
                self.both(g, "IPv%d: data offset %d on the live flow" % (fam, d),
                          [self.ip(fam, seg, ident=0x6100 + d)], ["tmal"])
            seg = self.seg(fam, sport, ACK, dport=dport, doff=15)
            self.both(g, "IPv%d: data offset past the end on the live flow" % fam,
                      [self.ip(fam, seg, ident=0x6105)], ["tmal"])
            seg = self.seg(fam, sport, RST | ACK, dport=dport)[:19]
            self.both(g, "IPv%d: RST cut at 19 bytes on the live flow" % fam,
                      [self.ip(fam, seg, ident=0x6106)], ["tmal"])

    OPTIONS = (
        ("kind 254 length 0", b"\xfe\x00\x00\x00"),
        ("kind 254 length 1", b"\xfe\x01\x00\x00"),
        ("MSS length 0", b"\x02\x00\x05\xb4"),
        ("MSS length 1", b"\x02\x01\x05\xb4"),
        ("MSS length 3", b"\x02\x03\x05\xb4"),
        ("MSS length 6", b"\x02\x06\x05\xb4\x00\x00\x00\x00"),
        ("MSS length 40, past the end", b"\x02\x28\x05\xb4"),
        ("option length 255, past the end", b"\xfe\xff" + b"\x01" * 38),
        ("kind without a length byte at the end", b"\x01\x01\x01\x08"),
        ("unknown kinds 99 and 253", b"\x63\x04\x00\x00\xfd\x04\xde\xad"),
        ("WS length 2", b"\x03\x02\x01\x00"),
        ("WS length 4", b"\x03\x04\x0e\x00"),
        ("WS shift 255", b"\x03\x03\xff\x00"),
        ("SACK-permitted length 3", b"\x04\x03\x00\x00"),
        ("SACK length 3", b"\x05\x03\x00\x00"),
        ("SACK length 11", b"\x05\x0b" + bytes(10)),
        ("SACK of 4 blocks and a half", b"\x05\x26" + bytes(38)),
        ("timestamps length 9", b"\x08\x09" + bytes(10)),
        ("TFO length 1", b"\x22\x01\x00\x00"),
        ("TFO length 3", b"\x22\x03\x00\x00"),
        ("TFO cookie of 20 bytes", b"\x22\x16" + bytes(22)),
        ("experimental TFO length 3", b"\xfe\x03\xf9\x89"),
        ("MD5 length 17", b"\x13\x11" + bytes(18)),
        ("MPTCP length 2", b"\x1e\x02\x00\x00"),
        ("TCP-AO length 2", b"\x1d\x02\x00\x00"),
        ("EOL then garbage", b"\x00\xff\xff\xff"),
        ("40 NOPs", b"\x01" * 40),
    )

    def options(self):
        """hsmon reads no option: the segments count by their flags alone;
        a SYN is tracked with its J whatever its options."""
        g = "opts"
        for fam in (4, 6):
            for name, opts in self.OPTIONS:
                for f in (BADF, SYN):
                    p = self.fresh()
                    seg = self.seg(fam, p, f, opts=opts)
                    c = self.both(g, "IPv%d: %s, %s" % (fam, flag_letters(f), name),
                                  [self.ip(fam, seg, ident=p)], [flag_class(f)])
                    if f == SYN:
                        self.syn_flow(c, fam, p, f)

    def frag4(self):
        """IPv4 fragments: the router sees each; an inbound set reaches the
        server's hook only once reassembled, an outbound one leaves its hook
        fragment by fragment. Every outcome here is independent of the
        order in which the fragments arrive."""
        g, out = "frag4", self.out

        def frags(flags, pieces, tail=b"", extra=0):
            """pieces: (offset, length, more[, bytes]) of the segment."""
            p = self.fresh()
            seg = self.seg(4, p, flags, payload=tail)
            pkts = []
            for off, ln, more, *data in pieces:
                body = data[0] if data else seg[off:off + ln]
                pkts.append(self.ip(4, body, ident=p,
                                    frag=(IP_MF if more else 0) | extra | off // 8))
            return p, pkts

        def case(name, pkts, r, s_in):
            return self.add(g, name, pkts, r, r if out else s_in)

        _, pk = frags(BADF, [(24, 8, 0)], bytes(12))
        case("a lone non-first fragment", pk, ["frag"], [])
        _, pk = frags(BADF, [(8, 16, 1)], bytes(12))
        case("a lone middle fragment", pk, ["frag"], [])
        _, pk = frags(BADF, [(0, 8, 1)])
        case("a lone first fragment of 8 bytes", pk, ["tmal"], [])
        _, pk = frags(BADF, [(0, 24, 1)], bytes(12))
        case("a lone first fragment with the whole TCP header", pk, ["bad"], [])
        _, pk = frags(BADF, [(0, 24, 1)], bytes(12), extra=IP_DF)
        case("a lone first fragment with DF and MF", pk, ["bad"], [])
        _, pk = frags(ACK, [(0, 8, 1), (8, 12, 0)])
        case("ACK: first fragment of 8 bytes, then the rest", pk, ["tmal", "frag"], ["untr"])
        _, pk = frags(BADF, [(0, 8, 1), (8, 8, 1), (16, 4, 0)])
        case("8-byte fragments", pk, ["tmal", "frag", "frag"], ["bad"])
        _, pk = frags(BADF, [(16, 4, 0), (8, 8, 1), (0, 8, 1)])
        case("8-byte fragments, last first", pk, ["frag", "frag", "tmal"], ["bad"])
        p, pk = frags(SYN, [(0, 8, 1), (8, 12, 0)])
        # The router cannot see this SYN; the server, after reassembly, can.
        c = case("SYN: first fragment of 8 bytes, then the rest", pk, ["tmal", "frag"],
                 ["syn"])
        if not out:
            self.syn_flow(c, 4, p, SYN, where="s")
        _, pk = frags(BADF, [(0, 24, 1), (24, 8, 0)], bytes(12))
        case("whole TCP header in the first fragment", pk, ["bad", "frag"], ["bad"])
        _, pk = frags(BADF, [(0, 24, 1), (24, 8, 0), (24, 8, 0)], bytes(12))
        case("a duplicate last fragment", pk, ["bad", "frag", "frag"], ["bad"])
        _, pk = frags(BADF, [(0, 16, 1), (8, 24, 0)], bytes(12))
        case("overlapping: 0-16 and 8-32", pk, ["tmal", "frag"], [])
        # The second fragment would turn the ACK into SYN|FIN: the server
        # drops both (RFC 5722 for IPv6, Linux for IPv4 too).
        rewrite = tcp(self.a.src4, self.a.dst4, 1, 2, 3, BADF, payload=bytes(12))[8:32]
        _, pk = frags(ACK, [(0, 24, 1), (8, 24, 0, rewrite)], bytes(12))
        case("overlap rewriting the TCP header", pk, ["untr", "frag"], [])
        _, pk = frags(BADF, [(24, 16, 0), (0, 32, 1)], bytes(20))
        case("overlapping, last first", pk, ["frag", "bad"], [])
        _, pk = frags(BADF, [(8, 0, 1)])
        case("a non-first fragment of 0 bytes", pk, ["frag"], [])
        _, pk = frags(BADF, [(0, 0, 1)])
        case("a first fragment of 0 bytes", pk, ["tmal"], [])
        _, pk = frags(BADF, [(65528, 8, 0, bytes(8))])
        case("a fragment at offset 65528", pk, ["frag"], [])

    def frag6(self):
        """IPv6 fragments: both points see every fragment (the server's
        hook runs before reassembly, which happens past LOCAL_IN)."""
        g = "frag6"

        def frags(flags, pieces, tail=b"", pre=(), nh=NH_TCP):
            p = self.fresh()
            seg = self.seg(6, p, flags, payload=tail)
            pkts = []
            for off, ln, more in pieces:
                hdrs = list(pre) + [(NH_FRAG, lambda n, o=off, m=more: fraghdr(n, o, m, p))]
                first, data = chain(hdrs, nh, seg[off:off + ln])
                pkts.append(self.ip(6, data, nh=first))
            return p, pkts

        _, pk = frags(BADF, [(24, 8, 0)], bytes(12))
        self.both(g, "a lone non-first fragment", pk, ["frag"])
        _, pk = frags(BADF, [(24, 8, 0)], bytes(12), nh=NH_UDP)
        self.both(g, "a lone non-first fragment of UDP", pk, ["none"])
        _, pk = frags(BADF, [(0, 8, 1)])
        self.both(g, "a first fragment of 8 bytes", pk, ["tmal"])
        _, pk = frags(BADF, [(0, 0, 1)])
        self.both(g, "a first fragment of 0 bytes", pk, ["tmal"])
        _, pk = frags(BADF, [(0, 8, 1), (8, 8, 1), (16, 4, 0)])
        self.both(g, "8-byte fragments", pk, ["tmal", "frag", "frag"])
        _, pk = frags(BADF, [(0, 16, 1), (8, 24, 0)], bytes(12))
        self.both(g, "overlapping: 0-16 and 8-32", pk, ["tmal", "frag"])
        _, pk = frags(BADF, [(0, 24, 1), (24, 8, 0)], bytes(12))
        self.both(g, "whole TCP header in the first fragment", pk, ["bad", "frag"])
        _, pk = frags(BADF, [(0, 20, 0)])
        self.both(g, "an atomic fragment", pk, ["bad"])
        _, pk = frags(BADF, [(0, 8, 0)])
        self.both(g, "an atomic fragment of 8 bytes of TCP", pk, ["tmal"])
        p, pk = frags(SYN, [(0, 20, 0)])
        c = self.both(g, "SYN in an atomic fragment", pk, ["syn"])
        self.syn_flow(c, 6, p, SYN)
        hop = (NH_HOP, lambda n: opthdr(n, padn(4)))
        dst = (NH_DST, lambda n: opthdr(n, padn(4)))
        _, pk = frags(BADF, [(24, 8, 0)], bytes(12), pre=[hop, dst])
        self.both(g, "hop-by-hop, dstopts, non-first fragment", pk, ["frag"])
        _, pk = frags(BADF, [(0, 24, 1)], bytes(12), pre=[dst])
        self.both(g, "dstopts, first fragment", pk, ["bad"])
        p = self.fresh()
        seg = self.seg(6, p, BADF)
        for (o1, m1, o2, m2, obs) in ((0, 1, 8, 0, "frag"), (0, 1, 0, 0, "bad")):
            nh, data = chain([(NH_FRAG, lambda n: fraghdr(n, o1, m1, p)),
                              (NH_FRAG, lambda n: fraghdr(n, o2, m2, p + 1))], NH_TCP, seg)
            self.both(g, "two fragment headers, the second at offset %d" % o2,
                      [self.ip(6, data, nh=nh)], [obs])
        # A fragment header cut short, the packet's end at its nth byte.
        for n, off, obs in ((4, 0, "tmal"), (4, 24, "frag"), (2, 24, "ipmal"),
                            (1, 0, "ipmal")):
            p = self.fresh()
            data = fraghdr(NH_TCP, off, 1, p)[:n]
            self.both(g, "fragment header (offset %d) cut at %d bytes" % (off, n),
                      [self.ip(6, data, nh=NH_FRAG)], [obs])

    def ext6(self):
        g, out = "ext6", self.out

        def pkt(hdrs, flags=BADF, nh=NH_TCP, tail=None, cut=None):
            p = self.fresh()
            seg = self.seg(6, p, flags) if tail is None else tail
            first, data = chain(hdrs, nh, seg)
            if cut is not None:
                data = data[:cut]
            return p, self.ip(6, data, nh=first)

        hop = (NH_HOP, lambda n: opthdr(n, padn(4)))
        dst = (NH_DST, lambda n: opthdr(n, padn(4)))
        _, pk = pkt([hop])
        self.both(g, "hop-by-hop", [pk], ["bad"])
        _, pk = pkt([(NH_HOP, lambda n: opthdr(n, b"\x1e\x04\xde\xad\xbe\xef"))])
        self.both(g, "hop-by-hop, unknown option to skip", [pk], ["bad"])
        # Unknown options the router must drop the packet for (action 01
        # and 10): it never reaches a FORWARD or LOCAL_IN hook.
        for opt in (b"\x7e\x04\xde\xad\xbe\xef", b"\xbe\x04\xde\xad\xbe\xef"):
            _, pk = pkt([(NH_HOP, lambda n, o=opt: opthdr(n, o))])
            self.add(g, "hop-by-hop, unknown option 0x%02x" % opt[0], [pk], r=[],
                     s=["bad"] if out else [])
        _, pk = pkt([(NH_HOP, lambda n: opthdr(n, b"\x01\x04\x00\x01\x00\x00"))])
        self.add(g, "hop-by-hop, PadN with a non-zero byte", [pk], r=[],
                 s=["bad"] if out else [])
        _, pk = pkt([hop], cut=1)
        self.add(g, "hop-by-hop cut at 1 byte", [pk], r=[], s=["ipmal"] if out else [])
        _, pk = pkt([dst])
        self.both(g, "dstopts", [pk], ["bad"])
        _, pk = pkt([dst, hop])
        self.both(g, "dstopts, then a misplaced hop-by-hop", [pk], ["bad"])
        _, pk = pkt([hop, dst, (NH_RT, lambda n: rthdr(n, 0, 0, 2)), dst])
        self.both(g, "hop-by-hop, dstopts, routing type 0, dstopts", [pk], ["bad"])
        _, pk = pkt([(NH_RT, lambda n: rthdr(n, 0, 1, 2))])
        self.both(g, "routing type 0, 1 segment left", [pk], ["bad"])
        _, pk = pkt([(NH_RT, lambda n: rthdr(n, 4, 3, 1))])
        self.both(g, "routing type 4 (SRH), garbage", [pk], ["bad"])
        _, pk = pkt([(NH_RT, lambda n: rthdr(n, 253, 0, 0))])
        self.both(g, "routing type 253", [pk], ["bad"])
        _, pk = pkt([(NH_AH, lambda n: ahhdr(n))])
        self.both(g, "AH", [pk], ["bad"])
        _, pk = pkt([dst, (NH_AH, lambda n: ahhdr(n, 1)), dst])
        self.both(g, "dstopts, AH, dstopts", [pk], ["bad"])
        _, pk = pkt([dst] * 40)
        self.both(g, "40 dstopts headers", [pk], ["bad"])
        p, pk = pkt([dst] * 40, flags=SYN)
        c = self.both(g, "SYN behind 40 dstopts headers", [pk], ["syn"])
        self.syn_flow(c, 6, p, SYN)
        _, pk = pkt([(NH_DST, lambda n: opthdr(n, bytes(800)))])
        self.both(g, "dstopts of 808 bytes", [pk], ["bad"])
        _, pk = pkt([hop, dst, (NH_RT, lambda n: rthdr(n, 0, 0, 1)),
                     (NH_FRAG, lambda n: fraghdr(n, 0, 0, 77)), (NH_AH, lambda n: ahhdr(n)),
                     dst] * 1 + [dst] * 8)
        self.both(g, "every kind in one chain", [pk], ["bad"])
        # Chains cut short by the payload length.
        _, pk = pkt([dst], cut=1)
        self.both(g, "dstopts cut at 1 byte", [pk], ["ipmal"])
        _, pk = pkt([dst], tail=b"", cut=2)
        self.both(g, "dstopts cut at 2 bytes, TCP next", [pk], ["tmal"])
        _, pk = pkt([dst, dst], cut=2)
        self.both(g, "dstopts cut at 2 bytes, dstopts next", [pk], ["ipmal"])
        _, pk = pkt([dst] * 10, cut=73)
        self.both(g, "10 dstopts headers cut in the 10th", [pk], ["ipmal"])
        _, pk = pkt([(NH_DST, lambda n: bytes([n, 255]) + bytes(6))])
        self.both(g, "dstopts claiming 2048 bytes, TCP next", [pk], ["tmal"])
        _, pk = pkt([(NH_RT, lambda n: bytes([n, 200, 0, 0]) + bytes(4))])
        self.both(g, "routing header claiming 1608 bytes, TCP next", [pk], ["tmal"])
        _, pk = pkt([(NH_AH, lambda n: bytes([n, 250, 0, 0]) + bytes(8))])
        self.both(g, "AH claiming 1008 bytes, TCP next", [pk], ["tmal"])
        _, pk = pkt([dst], cut=8 + 12)
        self.both(g, "dstopts, then TCP cut at 12 bytes", [pk], ["tmal"])
        # Chains that end in something else than TCP, No Next Header (59)
        # included: neither TCP nor a broken chain.
        for nh, name in ((253, "253"), (NH_UDP, "UDP"), (NH_ICMP6, "ICMPv6"),
                         (NH_ESP, "ESP"), (143, "Ethernet (143)"), (59, "No Next Header")):
            _, pk = pkt([hop, dst], nh=nh)
            self.both(g, "hop-by-hop, dstopts, then %s" % name, [pk], ["none"])
        _, pk = pkt([], nh=59, tail=b"")
        self.both(g, "No Next Header, no payload at all", [pk], ["none"])

    def zero(self):
        g = "zero"
        for fam in (4, 6):
            for f in (ACK, FIN | ACK, RST, RST | ACK, SYN | ACK):
                p = self.fresh()
                self.both(g, "IPv%d: %s, no payload" % (fam, flag_letters(f)),
                          [self.ip(fam, self.seg(fam, p, f), ident=p)], [flag_class(f)])
                p = self.fresh()
                self.both(g, "IPv%d: %s, 100 bytes of payload" % (fam, flag_letters(f)),
                          [self.ip(fam, self.seg(fam, p, f, payload=b"z" * 100), ident=p)],
                          [flag_class(f)])

    def build(self):
        for group in (self.ip4_headers, self.ip6_headers, self.truncated, self.doff,
                      self.flags, self.live, self.options, self.frag4, self.frag6,
                      self.ext6, self.zero):
            group()
        if self.a.only:
            self.cases = [c for c in self.cases
                          if self.a.only in c.group + ": " + c.name]
        return self.cases


# ------------------------------------------------------------------ sending

def totals(cases):
    exp = {w: dict.fromkeys(COUNTERS, 0) for w in "rs"}
    for c in cases:
        for w, obs in (("r", c.r), ("s", c.s)):
            for o in obs:
                for counter in EFFECTS[o]:
                    exp[w][counter] += 1
    return exp


def send_in(a, cases):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.iface, 0))
    smac, dmac = sock.getsockname()[4][:6], mac_bytes(a.dmac)
    sent = 0
    for c in cases:
        for p in c.pkts:
            eth = struct.pack("!H", ETH_P_IP if p.fam == 4 else ETH_P_IPV6)
            sock.send(dmac + smac + eth + p.data)
            sent += 1
    return sent, 0


def send_out(a, cases):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s6.setsockopt(socket.IPPROTO_IPV6, IPV6_HDRINCL, 1)
    sent = refused = 0
    for c in cases:
        for p in c.pkts:
            sock, dst = (s4, a.dst4) if p.fam == 4 else (s6, a.dst6)
            try:
                sock.sendto(p.data, (dst, 0))
            except OSError as e:
                if e.errno != c.refuse:
                    raise SystemExit("%s: %s: %s" % (c.group, c.name, e))
                refused += 1
                continue
            if c.refuse:
                raise SystemExit("%s: %s: sent, expected %s" %
                                 (c.group, c.name, errno.errorcode[c.refuse]))
            sent += 1
    return sent, refused


def cmd_send(a):
    t0 = time.monotonic()
    cases = Corpus(a).build()
    t1 = time.monotonic()
    sent, refused = (send_out if a.dir == "out" else send_in)(a, cases)
    t2 = time.monotonic()
    exp = totals(cases)
    lines = ["cases %d" % len(cases),
             "frames %d" % sum(len(c.pkts) for c in cases),
             "sent %d" % sent, "refused %d" % refused,
             "build_ms %d" % ((t1 - t0) * 1000), "send_ms %d" % ((t2 - t1) * 1000)]
    for w in "rs":
        lines += ["expect %s %s %d" % (w, k, v) for k, v in exp[w].items()]
    for c in cases:
        lines += ["flow %s %s %s %s %d %s" % f for f in c.flows]
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, a.out)
    return 0


def cmd_list(a):
    cases = Corpus(a).build()
    for c in cases:
        what = ("refused: " + errno.errorcode[c.refuse]) if c.refuse else \
            "r: %s; s: %s" % (" ".join(c.r) or "-", " ".join(c.s) or "-")
        print("%-6s %-60s %d  %s" % (c.group, c.name, len(c.pkts), what))
    exp = totals(cases)
    for w in "rs":
        print(w, " ".join("%s=%d" % kv for kv in exp[w].items()))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("send", "list"):
        s = sub.add_parser(name)
        s.add_argument("--dir", choices=("in", "out"), required=True)
        s.add_argument("--iface")
        s.add_argument("--dmac")
        s.add_argument("--src4", required=True)
        s.add_argument("--dst4", required=True)
        s.add_argument("--src6", required=True)
        s.add_argument("--dst6", required=True)
        s.add_argument("--dport", type=int, default=7000)
        s.add_argument("--sport-base", type=int, default=20000)
        s.add_argument("--ttl", type=int, default=7)
        s.add_argument("--live4")
        s.add_argument("--live6")
        s.add_argument("--only")
        if name == "send":
            s.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "send" and a.dir == "in" and not (a.iface and a.dmac):
        p.error("--dir in needs --iface and --dmac")
    return {"send": cmd_send, "list": cmd_list}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
