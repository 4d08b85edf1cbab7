#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink to the hsmon family, for the selftests (stdlib only).

  [--rcvbuf N] COMMAND      (SO_RCVBUF of the socket)
  info                      family id, version, maxattr, ops and their flags,
                            multicast groups
  stats                     "name value" per HSMON_A_STATS_* attribute
  config-get                "name value" per HSMON_A_CONFIG_* attribute
  config-set NAME=VALUE...  change knobs (names as in config-get)
  flush                     remove every flow
  dump [FILTERS] [--summary] [--cancel-after-first]
                            the flows, one /proc/hsmon-style line each; with
                            --summary "flows N unique N messages N recvs N
                            intr N" instead (unique: distinct 5-tuples,
                            recvs: datagrams read, intr: NLM_F_DUMP_INTR seen);
                            --cancel-after-first reads one datagram and closes
  raw --cmd N [--attr TYPE:FMT:VALUE...] [...]
                            send an arbitrary (possibly malformed) request and
                            print what came back (see cmd_raw)
  batch                     raw requests read from stdin, "NAME|RAW ARGS" per
                            line; prints "NAME|RESULT" per line
  listen [--no-read] [--ready F] [--duration S]
                            join the "events" group (write "joined ID" to F);
                            print one line per notification, "flow_event
                            OUTCOME <flow line>", until SIGTERM or S seconds;
                            with --no-read read nothing until then, and then
                            print "queued N overruns E" (what the socket held,
                            ENOBUFS errors seen)

A netlink error (in NLMSG_ERROR, or in the NLMSG_DONE that ends a dump: raw
then adds " (in NLMSG_DONE)") is printed as one line on stdout,
    error ENAME [offs=N] [attr=K] [miss=T] [msg=TEXT]
(offs: NLMSGERR_ATTR_OFFS, from the start of the request; attr: which of the
attributes we sent, 1-based, lies at offs; msg: NLMSGERR_ATTR_MSG) and the exit
status is 3. Other failures exit 1.

Names and numbers come from include/uapi/linux/hsmon.h, read at start-up, so
the helper speaks what the header says and nothing else.
"""
import argparse
import errno
import json
import os
import re
import select
import signal
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_COOKIE = 1, 2, 3
NLMSGERR_ATTR_POLICY, NLMSGERR_ATTR_MISS_TYPE = 4, 5

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION = 1, 2, 3
CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_OPS = 4, 5, 6
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS = 1, 2
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2

NLHDR = struct.Struct("=IHHII")
GENLHDR = struct.Struct("=BBH")
NLA = struct.Struct("=HH")

HERE = os.path.dirname(os.path.abspath(__file__))
UAPI = os.environ.get("HSMON_UAPI",
                      os.path.join(HERE, "..", "include", "uapi", "linux", "hsmon.h"))


# ------------------------------------------------------------------ uapi

def read_enums(path):
    """{PREFIXED_NAME: value} for every enumerator of the header."""
    with open(path) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    vals = {}
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, flags=re.S):
        nxt = 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"(\w+)\s*(?:=\s*(.+))?$", item, flags=re.S)
            if not m:
                continue
            name, expr = m.group(1), m.group(2)
            if expr is not None:
                expr = re.sub(r"\b([A-Z_][A-Z0-9_]*)\b",
                              lambda mm: str(vals[mm.group(1)]), expr)
                val = int(eval(expr, {"__builtins__": {}}))  # noqa: S307
            else:
                val = nxt
            vals[name] = val
            nxt = val + 1
    return vals


def names_of(enums, prefix):
    """{value: lowercase name} of the enumerators PREFIX*, without __X/X_MAX."""
    out = {}
    for k, v in enums.items():
        if not k.startswith(prefix):
            continue
        n = k[len(prefix):]
        if n == "MAX" or k.startswith("__"):
            continue
        out[v] = n.lower()
    return out


ENUMS = read_enums(UAPI)
# HSMON_GENL_FAMILY: another family, to try the helper where hsmon is not.
FAMILY_NAME = os.environ.get("HSMON_GENL_FAMILY", "hsmon")
CMD = {v: k for k, v in names_of(ENUMS, "HSMON_CMD_").items()}
CMD_NAME = {v: k for k, v in CMD.items()}
STATS = names_of(ENUMS, "HSMON_A_STATS_")
FLOW = names_of(ENUMS, "HSMON_A_FLOW_")
FLOW_ID = {v: k for k, v in FLOW.items()}
CONFIG = names_of(ENUMS, "HSMON_A_CONFIG_")
CONFIG_ID = {v: k for k, v in CONFIG.items()}
STATE = {k: v.upper() for k, v in names_of(ENUMS, "HSMON_STATE_").items()}
STATE_ID = {v: k for k, v in STATE.items()}
DIRECTION = names_of(ENUMS, "HSMON_DIR_")
DIRECTION_ID = {v: k for k, v in DIRECTION.items()}
NOTE = names_of(ENUMS, "HSMON_NOTE_")
OUTCOME = names_of(ENUMS, "HSMON_OUTCOME_")

# Widths of the fixed-size attributes, from the header's "/* u32: ..." notes.
def read_types(path, prefix):
    with open(path) as f:
        text = f.read()
    fmts = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}
    out = {}
    for name, t in re.findall(r"\b(%s\w+)\b[^,\n]*,\s*/\*\s*(u8|u16|u32|u64|binary)\b"
                              % prefix, text):
        if t in fmts:
            out[ENUMS[name]] = fmts[t]
    return out


STATS_FMT = read_types(UAPI, "HSMON_A_STATS_")
FLOW_FMT_ID = read_types(UAPI, "HSMON_A_FLOW_")
CONFIG_FMT = read_types(UAPI, "HSMON_A_CONFIG_")

FLAG_LETTERS = ((0x02, "S"), (0x10, "A"), (0x01, "F"), (0x04, "R"),
                (0x08, "P"), (0x20, "U"), (0x40, "E"), (0x80, "C"))


# ------------------------------------------------------------------ netlink

def errname(err):
    """The kernel's name of an errno (Python calls 95 ENOTSUP)."""
    if err == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(err, str(err))


class NlError(Exception):
    def __init__(self, err, msg=None, offs=None, miss=None):
        super().__init__(err)
        self.errno = err
        self.msg = msg
        self.offs = offs
        self.miss = miss

    def line(self, attr_offsets=()):
        s = "error " + errname(self.errno)
        if self.offs is not None:
            s += " offs=%d" % self.offs
            if self.offs in attr_offsets:
                s += " attr=%d" % (attr_offsets.index(self.offs) + 1)
        if self.miss is not None:
            s += " miss=%d" % self.miss
        if self.msg is not None:
            s += " msg=" + self.msg
        return s


def nla(atype, payload):
    hdr = NLA.pack(4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def attrs_iter(data, off=0, end=None):
    """Yield (type, payload offset, payload length) of each attribute."""
    end = len(data) if end is None else end
    while off + 4 <= end:
        alen, atype = NLA.unpack_from(data, off)
        if alen < 4 or off + alen > end:
            break
        yield atype & 0x3fff, off + 4, alen - 4
        off += (alen + 3) & ~3


def extack(err, data, start, end):
    """NlError for errno -err with the extack attributes in data[start:end]."""
    msg = offs = miss = None
    for atype, p, plen in attrs_iter(data, start, end):
        if atype == NLMSGERR_ATTR_MSG:
            msg = data[p:p + plen].split(b"\0")[0].decode(errors="replace")
        elif atype == NLMSGERR_ATTR_OFFS:
            offs = struct.unpack_from("=I", data, p)[0]
        elif atype == NLMSGERR_ATTR_MISS_TYPE:
            miss = struct.unpack_from("=I", data, p)[0]
    return NlError(-err, msg, offs, miss)


def parse_error(data, off, mlen, flags):
    """NlError from an NLMSG_ERROR message (None for an ACK): the errno, the
    request's header (and payload unless NLM_F_CAPPED), then the extack."""
    err = struct.unpack_from("=i", data, off + 16)[0]
    if err == 0:
        return None
    if not flags & NLM_F_ACK_TLVS:
        return NlError(-err)
    orig_len = NLHDR.unpack_from(data, off + 20)[0]
    tlv = off + 20 + (16 if flags & NLM_F_CAPPED else (orig_len + 3) & ~3)
    return extack(err, data, tlv, off + mlen)


def parse_done(data, off, mlen, flags):
    """NlError from an NLMSG_DONE ending a dump with an error (its errno,
    then the extack), None for a dump that ended well."""
    if mlen < 20:
        return None
    err = struct.unpack_from("=i", data, off + 16)[0]
    if err >= 0:
        return None
    if not flags & NLM_F_ACK_TLVS:
        return NlError(-err)
    return extack(err, data, off + 20, off + mlen)


class Genl:
    """A NETLINK_GENERIC socket with extended acks on."""

    def __init__(self, rcvbuf=None):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        if rcvbuf:
            self.sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sk.bind((0, 0))
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = int(time.time()) & 0xffffff
        self.buf = bytearray(1 << 20)
        self.recvs = 0

    def close(self):
        self.sk.close()

    def send_raw(self, data):
        self.sk.send(data)

    def build(self, family, cmd, payload, flags, version=1):
        self.seq += 1
        body = GENLHDR.pack(cmd, version, 0) + payload
        return NLHDR.pack(16 + len(body), family, flags, self.seq, 0) + body

    def send(self, family, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK):
        self.send_raw(self.build(family, cmd, payload, flags))
        return self.seq

    def recv(self, timeout=None):
        """One datagram as bytes, or None after timeout seconds."""
        if timeout is not None:
            r, _, _ = select.select([self.sk], [], [], timeout)
            if not r:
                return None
        n = self.sk.recv_into(self.buf)
        self.recvs += 1
        return bytes(self.buf[:n])

    @staticmethod
    def messages(data):
        """Yield (type, flags, seq, offset, length) per message of a datagram."""
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, mflags, mseq, _ = NLHDR.unpack_from(data, off)
            if mlen < 16 or off + mlen > len(data):
                break
            yield mtype, mflags, mseq, off, mlen
            off += (mlen + 3) & ~3

    def transact(self, family, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK):
        """A 'do': returns [(type, flags, data, off, len)] replies; raises NlError."""
        seq = self.send(family, cmd, payload, flags)
        replies = []
        while True:
            data = self.recv()
            for mtype, mflags, mseq, off, mlen in self.messages(data):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    e = parse_error(data, off, mlen, mflags)
                    if e:
                        raise e
                    return replies
                if mtype == NLMSG_DONE:
                    return replies
                replies.append((mtype, mflags, data, off, mlen))

    def dump(self, family, cmd, payload=b"", stop_after_first=False):
        """Yield (flags, data, off, len) per reply message; raises NlError."""
        seq = self.send(family, cmd, payload, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
        while True:
            data = self.recv()
            for mtype, mflags, mseq, off, mlen in self.messages(data):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    e = parse_error(data, off, mlen, mflags)
                    if e:
                        raise e
                    return
                if mtype == NLMSG_DONE:
                    e = parse_done(data, off, mlen, mflags)
                    if e:
                        raise e
                    if mflags & NLM_F_DUMP_INTR:
                        yield mflags, None, 0, 0
                    return
                yield mflags, data, off, mlen
            if stop_after_first:
                return

    def resolve(self, name=FAMILY_NAME):
        """{'id', 'version', 'hdrsize', 'maxattr', 'ops': {cmd: flags},
        'mcgrps': {name: id}} of a family; NlError ENOENT if absent."""
        payload = nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
        replies = self.transact(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, payload)
        fam = {"ops": {}, "mcgrps": {}}
        for _, _, data, off, mlen in replies:
            for atype, p, plen in attrs_iter(data, off + 20, off + mlen):
                if atype == CTRL_ATTR_FAMILY_ID:
                    fam["id"] = struct.unpack_from("=H", data, p)[0]
                elif atype == CTRL_ATTR_VERSION:
                    fam["version"] = struct.unpack_from("=I", data, p)[0]
                elif atype == CTRL_ATTR_HDRSIZE:
                    fam["hdrsize"] = struct.unpack_from("=I", data, p)[0]
                elif atype == CTRL_ATTR_MAXATTR:
                    fam["maxattr"] = struct.unpack_from("=I", data, p)[0]
                elif atype == CTRL_ATTR_OPS:
                    for _, q, qlen in attrs_iter(data, p, p + plen):
                        op = dict((t, struct.unpack_from("=I", data, r)[0])
                                  for t, r, _ in attrs_iter(data, q, q + qlen))
                        fam["ops"][op.get(CTRL_ATTR_OP_ID)] = op.get(CTRL_ATTR_OP_FLAGS, 0)
                elif atype == CTRL_ATTR_MCAST_GROUPS:
                    for _, q, qlen in attrs_iter(data, p, p + plen):
                        g = {}
                        for t, r, rlen in attrs_iter(data, q, q + qlen):
                            if t == CTRL_ATTR_MCAST_GRP_NAME:
                                g["name"] = data[r:r + rlen].split(b"\0")[0].decode()
                            elif t == CTRL_ATTR_MCAST_GRP_ID:
                                g["id"] = struct.unpack_from("=I", data, r)[0]
                        fam["mcgrps"][g.get("name")] = g.get("id")
        return fam

    def join(self, group_id):
        self.sk.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)


# ------------------------------------------------------------------ hsmon

def fixed(data, p, plen, fmt):
    size = struct.calcsize("=" + fmt)
    if plen != size:
        raise ValueError("attribute of %d bytes where the header says %d" % (plen, size))
    return struct.unpack_from("=" + fmt, data, p)[0]


def parse_values(data, off, end, names, fmts):
    """[(name, value)] in message order; binary attributes as bytes."""
    out = []
    for atype, p, plen in attrs_iter(data, off, end):
        name = names.get(atype, "attr%d" % atype)
        if name == "pad":
            continue
        fmt = fmts.get(atype)
        out.append((name, fixed(data, p, plen, fmt) if fmt else data[p:p + plen]))
    return out


def parse_flow(data, off, end):
    return dict(parse_values(data, off, end, FLOW, FLOW_FMT_ID))


def endpoint(fam, addr, port):
    if fam == socket.AF_INET:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET, addr), port)
    return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, addr), port)


def letters(flags):
    s = "".join(c for bit, c in FLAG_LETTERS if flags & bit)
    return s or "-"


def opt(f, key):
    return str(f[key]) if key in f else "-"


def flow_line(f):
    """A flow as /proc/hsmon prints it (its header row: PROC_FLOW_HEADER)."""
    fam = f["family"]
    notes = ",".join(NOTE[b] for b in sorted(NOTE) if f.get("notes", 0) & (1 << b))
    zeek = f.get("zeek_state", b"-")
    return " ".join((
        "ipv4" if fam == socket.AF_INET else "ipv6",
        endpoint(fam, f["initiator_addr"], f["initiator_port"]),
        endpoint(fam, f["responder_addr"], f["responder_port"]),
        DIRECTION.get(f["direction"], "?"),
        STATE.get(f["state"], "?"),
        str(f["isn_j"]),
        opt(f, "isn_k"),
        str(f["syn_rtx"]), str(f["synack_rtx"]),
        letters(f["orig_flags"]), letters(f["reply_flags"]),
        notes or "-",
        str(f["age_ms"]),
        OUTCOME.get(f["outcome"], "?") if "outcome" in f else "-",
        zeek.split(b"\0")[0].decode(),
        opt(f, "syn_synack_us"), opt(f, "synack_ack_us"), opt(f, "handshake_us"),
        opt(f, "ack_expected"), opt(f, "ack_seen"),
    ))


PROC_FLOW_HEADER = ("family initiator responder direction state isn_j isn_k syn_rtx "
                    "synack_rtx orig_flags reply_flags notes age_ms outcome zeek "
                    "syn_synack_us synack_ack_us handshake_us ack_expected ack_seen")


def stat_text(v):
    """A stats value: a number, or a binary histogram as its u64 slots."""
    if isinstance(v, bytes):
        return " ".join(str(x) for x in struct.unpack("=%dQ" % (len(v) // 8), v))
    return str(v)


def family_or_die(g):
    try:
        return g.resolve()
    except NlError as e:
        if e.errno == errno.ENOENT:
            print("error ENOENT msg=no generic netlink family %s" % FAMILY_NAME)
            sys.exit(3)
        raise


def u(fmt, v):
    return struct.pack("=" + fmt, v)


def filter_payload(a):
    p = b""
    if a.state is not None:
        p += nla(FLOW_ID["state"], u("B", STATE_ID[a.state.upper()]))
    if a.family is not None:
        p += nla(FLOW_ID["family"],
                 u("B", socket.AF_INET if a.family in ("4", "ipv4") else socket.AF_INET6))
    if a.direction is not None:
        p += nla(FLOW_ID["direction"], u("B", DIRECTION_ID[a.direction]))
    if a.port is not None:
        p += nla(FLOW_ID["port"], u("H", a.port))
    if a.addr is not None:
        af = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        p += nla(FLOW_ID["addr"], socket.inet_pton(af, a.addr))
    if a.prefix_len is not None:
        p += nla(FLOW_ID["prefix_len"], u("B", a.prefix_len))
    return p


# ------------------------------------------------------------------ commands

def cmd_info(g, a):
    fam = family_or_die(g)
    print("id %d" % fam["id"])
    print("version %d" % fam.get("version", 0))
    print("hdrsize %d" % fam.get("hdrsize", 0))
    print("maxattr %d" % fam.get("maxattr", 0))
    for cmd in sorted(fam["ops"]):
        print("op %s flags 0x%x" % (CMD.get(cmd, cmd), fam["ops"][cmd]))
    for name in sorted(fam["mcgrps"]):
        print("mcgrp %s %d" % (name, fam["mcgrps"][name]))
    return 0


def cmd_stats(g, a):
    fam = family_or_die(g)
    replies = g.transact(fam["id"], CMD["stats_get"])
    vals = []
    for _, _, data, off, mlen in replies:
        vals += parse_values(data, off + 20, off + mlen, STATS, STATS_FMT)
    if a.json:
        print(json.dumps(dict((n, [int(x) for x in stat_text(v).split()]
                               if isinstance(v, bytes) else v) for n, v in vals)))
    else:
        for n, v in vals:
            print("%s %s" % (n, stat_text(v)))
    return 0


def cmd_config_get(g, a):
    fam = family_or_die(g)
    for _, _, data, off, mlen in g.transact(fam["id"], CMD["config_get"]):
        for n, v in parse_values(data, off + 20, off + mlen, CONFIG, CONFIG_FMT):
            print("%s %s" % (n, v))
    return 0


def cmd_config_set(g, a):
    fam = family_or_die(g)
    p = b""
    for kv in a.knobs:
        k, _, v = kv.partition("=")
        if k not in CONFIG_ID:
            raise SystemExit("unknown knob %s (know %s)" % (k, " ".join(CONFIG_ID)))
        p += nla(CONFIG_ID[k], u(CONFIG_FMT[CONFIG_ID[k]], int(v, 0)))
    g.transact(fam["id"], CMD["config_set"], p)
    print("ok")
    return 0


def cmd_flush(g, a):
    fam = family_or_die(g)
    g.transact(fam["id"], CMD["flush"])
    print("ok")
    return 0


def cmd_dump(g, a):
    fam = family_or_die(g)
    g.recvs = 0
    payload = filter_payload(a)
    if a.cancel_after_first:
        n = 0
        for _, data, off, mlen in g.dump(fam["id"], CMD["flow_get"], payload,
                                         stop_after_first=True):
            n += data is not None
        g.close()
        print("read %d flows in %d recv, then closed the socket" % (n, g.recvs))
        return 0
    flows = unique = intr = 0
    seen = set()
    out = []
    kf, kia, kra = FLOW_ID["family"], FLOW_ID["initiator_addr"], FLOW_ID["responder_addr"]
    kip, krp = FLOW_ID["initiator_port"], FLOW_ID["responder_port"]
    for mflags, data, off, mlen in g.dump(fam["id"], CMD["flow_get"], payload):
        if mflags & NLM_F_DUMP_INTR:
            intr += 1
        if data is None:
            continue
        flows += 1
        if a.summary:
            # The 5-tuple only: a dump of 100,000 flows must stay quick.
            t = {}
            for atype, p, plen in attrs_iter(data, off + 20, off + mlen):
                if atype in (kf, kia, kra, kip, krp):
                    t[atype] = data[p:p + plen]
                    if len(t) == 5:
                        break
            seen.add((t.get(kf), t.get(kia), t.get(kra), t.get(kip), t.get(krp)))
        else:
            out.append(flow_line(parse_flow(data, off + 20, off + mlen)))
    if a.summary:
        unique = len(seen)
        print("flows %d unique %d messages %d recvs %d intr %d"
              % (flows, unique, flows, g.recvs, intr))
    else:
        sys.stdout.write("".join(line + "\n" for line in out))
    return 0


def cmd_listen(g, a):
    fam = family_or_die(g)
    gid = fam["mcgrps"].get("events")
    if gid is None:
        print("error ENOENT msg=no events group")
        return 3
    try:
        g.join(gid)
    except OSError as e:
        print("error " + errname(e.errno), flush=True)
        return 3
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("joined %d\n" % gid)
        os.rename(a.ready + ".tmp", a.ready)
    end = time.monotonic() + a.duration
    while not stop and time.monotonic() < end:
        if a.no_read:
            time.sleep(0.1)
            continue
        try:
            data = g.recv(timeout=0.1)
        except OSError as e:
            print("error " + errname(e.errno), flush=True)
            continue
        if data is None:
            continue
        for mtype, mflags, mseq, off, mlen in g.messages(data):
            if mtype != fam["id"]:
                continue
            cmd = data[off + 16]
            f = parse_flow(data, off + 20, off + mlen)
            print("%s %s %s" % (CMD_NAME.get(cmd, cmd), OUTCOME.get(f.get("outcome"), "?"),
                                flow_line(f)), flush=True)
    if a.no_read:
        # What the kernel managed to queue while we did not read.
        queued = overruns = 0
        g.sk.setblocking(False)
        while True:
            try:
                data = g.recv()
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                overruns += 1
                continue
            queued += sum(1 for m in g.messages(data) if m[0] == fam["id"])
        print("queued %d overruns %d" % (queued, overruns), flush=True)
    return 0


def cmd_raw(g, a):
    """Send one hand-made request; print "ack", "reply N", "dump N", "noreply"
    or the error line. --attr TYPE:FMT:VALUE with FMT one of u8 u16 u32 u64
    (a number), hex (bytes), len=N (N zero bytes) and, for a lying header,
    TYPE:nla_len=L:HEX (the header says L, HEX follows). --trunc N sends only
    the first N bytes (and sets nlmsg_len to N unless --nlmsg-len says more)."""
    fam_id = a.family_id
    if fam_id is None:
        fam_id = family_or_die(g)["id"]
    payload = b""
    offsets = []
    for spec in a.attr:
        t, fmt, val = spec.split(":", 2)
        t = int(t, 0)
        offsets.append(16 + 4 + len(payload))
        if fmt in ("u8", "u16", "u32", "u64"):
            payload += nla(t, u({"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}[fmt],
                                int(val, 0)))
        elif fmt == "hex":
            payload += nla(t, bytes.fromhex(val))
        elif fmt == "len":
            payload += nla(t, b"\0" * int(val))
        elif fmt.startswith("nla_len="):
            body = bytes.fromhex(val)
            payload += NLA.pack(int(fmt[8:], 0), t) + body
        else:
            raise SystemExit("bad attribute format " + fmt)
    flags = NLM_F_REQUEST | NLM_F_ACK
    if a.dump:
        flags |= NLM_F_DUMP
    g.seq += 1
    body = GENLHDR.pack(a.cmd, a.version, 0) + payload
    msg = NLHDR.pack(16 + len(body), fam_id, flags, g.seq, 0) + body
    if a.trunc is not None:
        msg = msg[:a.trunc]
        msg = struct.pack("=I", a.trunc) + msg[4:] if a.trunc >= 4 else msg
    if a.nlmsg_len is not None:
        msg = struct.pack("=I", a.nlmsg_len) + msg[4:]
    g.send_raw(msg)
    replies = 0
    while True:
        data = g.recv(timeout=a.timeout)
        if data is None:
            print("noreply" if not replies else "reply %d" % replies)
            return 0
        for mtype, mflags, mseq, off, mlen in g.messages(data):
            if mseq != g.seq:
                continue
            if mtype == NLMSG_ERROR:
                e = parse_error(data, off, mlen, mflags)
                if e:
                    print(e.line(offsets))
                    return 3
                print("ack" if not replies else "reply %d" % replies)
                return 0
            if mtype == NLMSG_DONE:
                # A dump may fail at its first step: the error comes here.
                e = parse_done(data, off, mlen, mflags)
                if e:
                    print(e.line(offsets) + " (in NLMSG_DONE)")
                    return 3
                print("dump %d" % replies)
                return 0
            replies += 1


def cmd_batch(g, a):
    """raw requests, one per line of stdin: "NAME|ARGS" (ARGS as for raw);
    prints "NAME|RESULT" for each, each on a socket of its own."""
    fam_id = family_or_die(g)["id"]
    g.close()
    parser = raw_parser(argparse.ArgumentParser(prog="batch"))
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        name, _, args = line.partition("|")
        ra = parser.parse_args(args.split())
        if ra.family_id is None:
            ra.family_id = fam_id
        rg = Genl(rcvbuf=a.rcvbuf)
        sys.stdout.write(name + "|")
        try:
            cmd_raw(rg, ra)
        finally:
            rg.close()
        sys.stdout.flush()
    return 0


def raw_parser(s):
    s.add_argument("--cmd", type=int, required=True)
    s.add_argument("--version", type=int, default=1)
    s.add_argument("--family-id", type=int)
    s.add_argument("--attr", action="append", default=[])
    s.add_argument("--dump", action="store_true")
    s.add_argument("--trunc", type=int)
    s.add_argument("--nlmsg-len", type=int)
    s.add_argument("--timeout", type=float, default=2.0)
    return s


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rcvbuf", type=int, help="SO_RCVBUF of the socket")
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("info")
    s = sub.add_parser("stats")
    s.add_argument("-j", "--json", action="store_true")
    sub.add_parser("config-get")
    s = sub.add_parser("config-set")
    s.add_argument("knobs", nargs="+", metavar="NAME=VALUE")
    sub.add_parser("flush")
    s = sub.add_parser("dump")
    s.add_argument("--state")
    s.add_argument("--family")
    s.add_argument("--direction")
    s.add_argument("--port", type=int)
    s.add_argument("--addr")
    s.add_argument("--prefix-len", type=int)
    s.add_argument("--summary", action="store_true")
    s.add_argument("--cancel-after-first", action="store_true")
    raw_parser(sub.add_parser("raw"))
    sub.add_parser("batch")
    s = sub.add_parser("listen")
    s.add_argument("--no-read", action="store_true")
    s.add_argument("--ready")
    s.add_argument("--duration", type=float, default=60)
    a = p.parse_args()

    g = Genl(rcvbuf=a.rcvbuf)
    fn = {"info": cmd_info, "stats": cmd_stats, "config-get": cmd_config_get,
          "config-set": cmd_config_set, "flush": cmd_flush, "dump": cmd_dump,
          "raw": cmd_raw, "batch": cmd_batch, "listen": cmd_listen}[a.action]
    try:
        return fn(g, a)
    except NlError as e:
        print(e.line(), flush=True)
        return 3
    except ValueError as e:
        print("bad reply: %s" % e, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
