#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""kernel_oracle -- what does the Linux kernel do with this ruleset and these packets?

The forwarder must filter with exactly the kernel's nftables netdev ingress semantics (DESIGN.md
section 3).  This tool asks the kernel: it builds the forwarder's port model out of veth pairs in
private network namespaces, loads the ruleset with `nft -f`, injects every frame on its input port
and records, per injected frame, every frame the kernel sent out of every port, plus all counters
and quotas after the run.

Model mirrored (the forwarder's):
  * ports have names (eth0, eth1, ...) and are paired (consecutive ports by default: eth0<->eth1,
    eth2<->eth3, ...; explicit pairs replace the defaults);
  * a frame arriving on a port runs through that device's netdev ingress base chains;
  * accepted -> it leaves through the peer port (dropped if the port has no peer);
  * `fwd to X` -> it leaves through X instead; `dup to X` -> a copy leaves through X and the
    original continues; `reject` -> the TCP RST / ICMP error leaves through the input port;
  * drop -> nothing.

How (see README.md next to this file for the measurements behind it):
  * two anonymous network namespaces, held only by file descriptors of this process: "dut" with
    one veth end per port, named exactly like the port, and "tap" with the other ends (t0, t1, ...).
    Nothing is named in /run/netns and nothing touches the host's namespace; when the process
    exits -- even on SIGKILL -- the kernel destroys both namespaces and every veth with them.
  * the oracle's own table `netdev __kernel_oracle` has, on every port, a last base chain
    (priority 2147483647) that does `fwd to <peer>`.  It is loaded before the user's ruleset:
    at equal priority the kernel runs the chain registered last first, so every user chain runs
    before it (if the user's file flushes the ruleset, the table is added again after it).
    accept ends only the current base chain, so that chain sees exactly the frames every user
    chain accepted; a drop, fwd, reject or stolen frame never reaches it.
  * a frame is sent with AF_PACKET on its tap; then a barrier frame is sent on a separate control
    veth ("oracle-barrier" in dut) whose ingress chain sends it straight back.  The process is
    pinned to one CPU, veth (no XDP, no GRO) delivers through netif_rx into that CPU's backlog
    queue, which is FIFO: when the barrier is back on the capture socket, everything the frame
    caused has been delivered before it.  A safety timeout marks a packet "complete": false.
  * one capture socket (ETH_P_ALL, PACKET_IGNORE_OUTGOING, PACKET_AUXDATA) on the whole tap
    namespace; the VLAN tag the receive path moved into skb metadata is put back from the
    auxdata, so captured frames are the bytes on the wire.
  * in the tap namespace every tap has an ingress chain that drops after capture, and IPv6 is
    disabled in both namespaces (no DAD/RS/MLD), no addresses are configured: the kernel sends
    nothing on its own.

Python API:
    import kernel_oracle
    res = kernel_oracle.run(ruleset_text, ["eth0", "eth1"], pairs=None,
                            inputs=[("eth0", frame_bytes), ...])
    with kernel_oracle.Oracle(["eth0", "eth1"]) as o:     # reuse namespaces for many cases
        r1 = o.run(ruleset1, inputs1); r2 = o.run(ruleset2, inputs2)
The result is the dict written to result.json (schema in README.md).

CLI:
    kernel_oracle.py --ruleset r.nft --ports eth0,eth1 [--pair eth0:eth1] \\
        --in eth0=a.pcap [--in eth1=b.pcap] [--mac eth0=02:..] --out-dir DIR
writes DIR/<port>.pcap (everything the kernel sent out of that port, in order) and
DIR/result.json.  Exit status: 0 success, 1 oracle error (nft message on stderr), 2 usage.
"""

import argparse
import contextlib
import ctypes
import errno
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

__all__ = ["Oracle", "OracleError", "run", "read_pcap", "write_pcap", "inputs_from_pcaps",
           "default_pairs", "default_mac"]

SCHEMA_VERSION = 1

INTERNAL_TABLE = "__kernel_oracle"
BARRIER_DEV = "oracle-barrier"      # port end of the control veth, in the dut namespace
BARRIER_TAP = "tbar"                # its tap end
BARRIER_ETHERTYPE = 0x88B5          # IEEE 802 local experimental
BARRIER_MAGIC = b"KERNEL-ORACLE-BARRIER"
MAX_PRIO = 2147483647

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_IGNORE_OUTGOING = 23
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
PACKET_OUTGOING = 4
AUXDATA_FMT = "=IIIHHHH"            # struct tpacket_auxdata
AUXDATA_LEN = struct.calcsize(AUXDATA_FMT)

RCVBUF = 8 << 20
MAX_FRAME = 65535 + 64

_libc = ctypes.CDLL(None, use_errno=True)


class OracleError(Exception):
    """Set-up or ruleset error; the message carries nft's or ip's own text verbatim."""


# --------------------------------------------------------------------------- namespaces

def _check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        raise OracleError(f"{what}: {os.strerror(e)}")


def _setns(fd):
    _check(_libc.setns(fd, CLONE_NEWNET), "setns")


class _NetNs:
    """An anonymous network namespace kept alive by one open file descriptor.

    It is never bound into /run/netns: when the descriptor is closed (or the process dies) and
    no process is inside it, the kernel destroys it with all its devices."""

    def __init__(self, sysctls=()):
        orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
            try:
                self.fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
                # /proc/sys/net follows the calling thread's namespace.
                for key, val, required in sysctls:
                    try:
                        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
                            f.write(str(val))
                    except FileNotFoundError:
                        if required:
                            raise
            finally:
                _setns(orig)
        finally:
            os.close(orig)
        self.path = f"/proc/{os.getpid()}/fd/{self.fd}"

    @contextlib.contextmanager
    def entered(self):
        """Run the body with this thread inside the namespace (sockets created there stay
        there)."""
        orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(self.fd)
            try:
                yield
            finally:
                _setns(orig)
        finally:
            os.close(orig)

    def cmd(self, argv, input_text=None, check=True):
        # nsenter instead of preexec_fn: safe in threaded callers.
        p = subprocess.run(["nsenter", "--net=" + self.path] + list(argv), input=input_text,
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise OracleError(f"{' '.join(argv)} failed (rc {p.returncode}):\n"
                              f"{p.stderr.strip() or p.stdout.strip()}")
        return p

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


_NS_SYSCTLS = (
    # no IPv6 at all: no DAD, router solicitation, MLD from either side
    ("net.ipv6.conf.all.disable_ipv6", 1, True),
    ("net.ipv6.conf.default.disable_ipv6", 1, True),
    # Attribution relies on every frame being processed in the sending CPU's backlog, in FIFO
    # order: no RPS on the new devices, whatever the host's default (per-netns since 6.x).
    ("net.core.rps_default_mask", 0, False),
)

# Per device in dut (the neigh "default" directory exists only in the initial namespace):
# `fwd ip to ... device X` resolves neighbours: send one ARP request (synchronously, so it is
# attributed to its packet) and never retransmit it from a timer.
_DEV_SYSCTLS = (
    ("net/ipv4/neigh/{dev}/mcast_solicit", 1),
    ("net/ipv4/neigh/{dev}/ucast_solicit", 0),
    ("net/ipv4/neigh/{dev}/app_solicit", 0),
)


# --------------------------------------------------------------------------- pcap

def read_pcap(path):
    """Frames of a pcap or pcapng file (Ethernet link type) as [(timestamp, bytes)]."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise OracleError(f"{path}: not a pcap file")
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng(path, data)
    for endian in "<>":
        m = struct.unpack(endian + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise OracleError(f"{path}: not a pcap file (magic {magic.hex()})")
    div = 1e6 if m == 0xA1B2C3D4 else 1e9
    if len(data) < 24:
        raise OracleError(f"{path}: truncated pcap header")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        raise OracleError(f"{path}: link type {linktype}, only Ethernet (1) is supported")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise OracleError(f"{path}: truncated record")
        if incl != orig:
            raise OracleError(f"{path}: record {len(out)} was truncated at capture "
                              f"({incl} of {orig} bytes)")
        out.append((sec + frac / div, data[off:off + incl]))
        off += incl
    return out


def _read_pcapng(path, data):
    out, off, endian, ifaces = [], 0, "<", []
    while off + 12 <= len(data):
        btype = struct.unpack(endian + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(endian + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            raise OracleError(f"{path}: truncated pcapng block")
        body = data[off + 8:off + blen - 4]
        if btype == 1:                          # interface description
            linktype = struct.unpack(endian + "H", body[:2])[0]
            if linktype != 1:
                raise OracleError(f"{path}: link type {linktype}, only Ethernet is supported")
            res = 1e6
            opt = 8
            while opt + 4 <= len(body):
                code, olen = struct.unpack(endian + "HH", body[opt:opt + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:     # if_tsresol
                    v = body[opt + 4]
                    res = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                opt += 4 + ((olen + 3) & ~3)
            ifaces.append(res)
        elif btype == 6:                        # enhanced packet
            ifid, th, tl, cap, orig = struct.unpack(endian + "IIIII", body[:20])
            if cap != orig:
                raise OracleError(f"{path}: record {len(out)} was truncated at capture")
            res = ifaces[ifid] if ifid < len(ifaces) else 1e6
            out.append((((th << 32) | tl) / res, body[20:20 + cap]))
        elif btype == 3:                        # simple packet
            orig = struct.unpack(endian + "I", body[:4])[0]
            out.append((0.0, body[4:4 + orig]))
        off += blen
    return out


def write_pcap(path, records):
    """Write [(timestamp, bytes)] as a classic microsecond pcap, link type Ethernet."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, frame in records:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def inputs_from_pcaps(spec):
    """[(port, pcap_path)] -> injection list [(port, frame, {"ts":, "in_index":})].

    Several files are merged by pcap timestamp; equal timestamps keep the order of `spec`, then
    file order.  A file's own frames always stay in file order (the sort is stable and a file
    whose timestamps go backwards is kept as is, merged by its running maximum)."""
    recs = []
    for fileno, (port, path) in enumerate(spec):
        running = float("-inf")
        for i, (ts, frame) in enumerate(read_pcap(path)):
            running = max(running, ts)
            recs.append((running, fileno, i, port, frame, ts))
    recs.sort(key=lambda r: (r[0], r[1], r[2]))
    return [(port, frame, {"ts": ts, "in_index": i, "file": spec[fileno][1]})
            for _, fileno, i, port, frame, ts in recs]


# --------------------------------------------------------------------------- helpers

def default_pairs(ports):
    """eth0<->eth1, eth2<->eth3, ...: consecutive ports in list order; an odd last one has no
    peer."""
    peers = {}
    for i in range(0, len(ports) - 1, 2):
        peers[ports[i]], peers[ports[i + 1]] = ports[i + 1], ports[i]
    return peers


def default_mac(index):
    """DPDK net_pcap's default port MAC: 02:70:63:61:70:<n> ("pcap"), n = creation order."""
    return "02:70:63:61:70:%02x" % (index & 0xFF)


def _tap_mac(index):
    return "02:00:00:6f:72:%02x" % (index & 0xFF)


def _valid_ifname(name):
    return (0 < len(name) < 16 and name not in (".", "..")
            and not any(c in name for c in "/: \t\n\"'\\"))


def _norm_mac(mac):
    parts = mac.split(":")
    if len(parts) != 6 or not all(len(p) in (1, 2) for p in parts):
        raise OracleError(f"bad MAC address {mac!r}")
    try:
        b = bytes(int(p, 16) for p in parts)
    except ValueError:
        raise OracleError(f"bad MAC address {mac!r}") from None
    if b[0] & 1:
        raise OracleError(f"MAC address {mac} is multicast")
    return ":".join("%02x" % x for x in b)


def _reinsert_vlan(data, anc):
    """Put back the tag the receive path moved into skb metadata (skb_vlan_untag / hw accel)."""
    for level, typ, cdata in anc:
        if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= AUXDATA_LEN:
            status, _, _, _, _, tci, tpid = struct.unpack(AUXDATA_FMT, cdata[:AUXDATA_LEN])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


_QUOTA_UNIT = {"bytes": 1, "kbytes": 1 << 10, "mbytes": 1 << 20, "gbytes": 1 << 30}


def _quota_bytes(val, unit):
    return int(val) * _QUOTA_UNIT.get(unit or "bytes", 1)


def _nft_version():
    try:
        p = subprocess.run(["nft", "--version"], capture_output=True, text=True)
        return p.stdout.strip()
    except OSError:
        return None


# --------------------------------------------------------------------------- the oracle

class Oracle:
    """A set of ports built once; run() any number of (ruleset, inputs) cases on it.

    Each run() flushes the dut namespace's ruleset, loads the new one, so counters, quotas and
    sets start from zero.  Neighbour entries (`fwd ip to`) persist between runs."""

    def __init__(self, ports, pairs=None, macs=None, mtu=9000, timeout=2.0, cpu=None):
        ports = list(ports)
        if not ports:
            raise OracleError("no ports")
        if len(set(ports)) != len(ports):
            raise OracleError("duplicate port names")
        for p in ports:
            if not _valid_ifname(p):
                raise OracleError(f"bad port name {p!r} (a Linux interface name, <= 15 chars)")
            if p == BARRIER_DEV:
                raise OracleError(f"port name {p!r} is reserved by the oracle")
        self.ports = ports
        if pairs is None:
            self.peers = default_pairs(ports)
        else:
            if isinstance(pairs, dict):
                pairs = pairs.items()
            self.peers = {}
            for pair in pairs:
                a, b = pair.split(":", 1) if isinstance(pair, str) else pair
                for x in (a, b):
                    if x not in ports:
                        raise OracleError(f"pair {a}:{b}: {x} is not a port")
                for x, y in ((a, b), (b, a)):
                    if self.peers.get(x, y) != y:
                        raise OracleError(f"port {x} paired twice")
                    self.peers[x] = y
        macs = dict(macs or {})
        for p in macs:
            if p not in ports:
                raise OracleError(f"--mac {p}: not a port")
        self.macs = {p: _norm_mac(macs.get(p) or default_mac(i)) for i, p in enumerate(ports)}
        self.mtu = int(mtu)
        self.timeout = float(timeout)
        self.cpu = cpu
        self.taps = {p: f"t{i}" for i, p in enumerate(ports)}
        self.tap2port = {t: p for p, t in self.taps.items()}
        self.dut = self.tap = None
        self.cap = None
        self.tx = {}
        self.bar_tx = None
        self.ifindex = {}
        self._seq = 0
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    # -- set-up / tear-down

    def _setup(self):
        t0 = time.monotonic()
        self.dut = _NetNs(_NS_SYSCTLS)
        self.tap = _NetNs(_NS_SYSCTLS)
        batch = []
        devs = [(p, self.taps[p], self.macs[p], _tap_mac(i)) for i, p in enumerate(self.ports)]
        devs.append((BARRIER_DEV, BARRIER_TAP, "02:00:00:6f:72:fe", "02:00:00:6f:72:ff"))
        for port, tap, mac, tmac in devs:
            batch.append(f"link add name {tap} address {tmac} mtu {self.mtu} type veth "
                         f"peer name {port} address {mac} mtu {self.mtu} netns {self.dut.path}")
            batch.append(f"link set {tap} up")
        self.tap.cmd(["ip", "-batch", "-"], "\n".join(batch) + "\n")
        self.dut.cmd(["ip", "-batch", "-"],
                     "".join(f"link set {d[0]} up\n" for d in devs))
        # Tap side: capture happens before the ingress hook; drop everything after it so the
        # tap namespace's stack never sees (or answers) a frame.
        tapnft = [f"table netdev {INTERNAL_TABLE} {{"]
        for port, tap, _, _ in devs:
            tapnft.append(f'  chain {tap} {{ type filter hook ingress device "{tap}" '
                          f"priority 0; policy drop; }}")
        tapnft.append("}")
        self.tap.cmd(["nft", "-f", "-"], "\n".join(tapnft) + "\n")
        with self.dut.entered():
            for d in devs:
                for key, val in _DEV_SYSCTLS:
                    with open("/proc/sys/" + key.format(dev=d[0]), "w") as f:
                        f.write(str(val))
        # A device brought up before its peer gets its qdisc (noop until then: it would drop
        # what we send) from linkwatch, asynchronously: wait until every device is ready.
        deadline = time.monotonic() + 5
        while True:
            pending = []
            for ns, names in ((self.dut, [d[0] for d in devs]), (self.tap, [d[1] for d in devs])):
                ready = {}
                for line in ns.cmd(["ip", "-o", "link", "show"]).stdout.splitlines():
                    idx, name, rest = line.split(":", 2)
                    name = name.strip().split("@")[0]
                    ready[name] = "LOWER_UP" in rest and " qdisc noop " not in rest
                    if ns is self.dut:
                        self.ifindex[name] = int(idx)
                pending += [n for n in names if not ready.get(n)]
            if not pending:
                break
            if time.monotonic() > deadline:
                raise OracleError(f"devices not ready: {', '.join(pending)}")
            time.sleep(0.005)
        with self.tap.entered():
            self.cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.cap.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            self.cap.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            try:
                self.cap.setsockopt(socket.SOL_SOCKET, 33, RCVBUF)      # SO_RCVBUFFORCE
            except OSError:
                self.cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            self.cap.setblocking(False)
            for port in self.ports:
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
                s.bind((self.taps[port], 0))
                self.tx[port] = s
            self.bar_tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            self.bar_tx.bind((BARRIER_TAP, 0))
        self.setup_s = time.monotonic() - t0

    def close(self):
        for s in list(self.tx.values()) + [self.cap, self.bar_tx]:
            if s is not None:
                s.close()
        self.tx, self.cap, self.bar_tx = {}, None, None
        for ns in (self.dut, self.tap):
            if ns is not None:
                ns.close()
        self.dut = self.tap = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- ruleset

    def _internal_ruleset(self):
        lines = [f"table netdev {INTERNAL_TABLE} {{",
                 f'  chain barrier {{ type filter hook ingress device "{BARRIER_DEV}" '
                 f'priority 0; fwd to "{BARRIER_DEV}"; }}']
        for i, port in enumerate(self.ports):
            peer = self.peers.get(port)
            action = f'fwd to "{peer}"' if peer else "drop"
            lines.append(f'  chain out{i} {{ type filter hook ingress device "{port}" '
                         f"priority {MAX_PRIO}; {action}; }}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def load(self, ruleset=None, ruleset_file=None):
        """Flush, load the oracle's own table, then the user's ruleset (text or file).

        At equal priority the kernel runs the chain registered *last* first
        (nf_hook_entries_grow inserts before equal priorities), so the oracle's last chains
        are registered before the user's: a user chain at priority 2147483647 still runs
        before them.  If the ruleset flushed them (`flush ruleset`), they are added again
        after it, and then a user ingress chain at that priority is refused."""
        self.dut.cmd(["nft", "-f", "-"], "flush ruleset\n" + self._internal_ruleset())
        if ruleset_file is not None:
            self.dut.cmd(["nft", "-f", os.path.abspath(ruleset_file)])
        elif ruleset is not None:
            with tempfile.NamedTemporaryFile("w", suffix=".nft", prefix="oracle-") as f:
                f.write(ruleset)
                f.flush()
                self.dut.cmd(["nft", "-f", f.name])
        if self.dut.cmd(["nft", "list", "table", "netdev", INTERNAL_TABLE],
                        check=False).returncode == 0:
            return
        self.dut.cmd(["nft", "-f", "-"], self._internal_ruleset())
        doc = json.loads(self.dut.cmd(["nft", "-j", "list", "chains"]).stdout)["nftables"]
        for obj in doc:
            c = obj.get("chain")
            if c and c.get("table") != INTERNAL_TABLE and c.get("hook") == "ingress" \
                    and c.get("prio") == MAX_PRIO:
                raise OracleError(
                    f"chain {c['family']} {c['table']} {c['name']}: priority {MAX_PRIO} "
                    "after `flush ruleset` cannot be ordered before the oracle's forwarding "
                    "chain; use a lower priority")

    # -- traffic

    def _recv_one(self):
        try:
            data, anc, flags, addr = self.cap.recvmsg(MAX_FRAME, socket.CMSG_SPACE(64))
        except BlockingIOError:
            return None
        if flags & socket.MSG_TRUNC:
            raise OracleError("captured frame truncated")
        return addr[0], _reinsert_vlan(data, anc), time.time()

    def _barrier_seq(self, frame):
        if (len(frame) >= 14 + len(BARRIER_MAGIC) + 8
                and struct.unpack("!H", frame[12:14])[0] == BARRIER_ETHERTYPE
                and frame[14:14 + len(BARRIER_MAGIC)] == BARRIER_MAGIC):
            off = 14 + len(BARRIER_MAGIC)
            return struct.unpack("!Q", frame[off:off + 8])[0]
        return None

    def _drain(self, until_seq, timeout):
        """Collect frames until barrier `until_seq` is back (or timeout).
        Returns (frames, complete)."""
        got = []
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.cap, select.POLLIN)
        while True:
            r = self._recv_one()
            if r is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return got, until_seq is None
                poller.poll(max(1, int(left * 1000)))
                continue
            ifname, frame, ts = r
            if ifname == BARRIER_TAP:
                seq = self._barrier_seq(frame)
                if seq is not None:
                    if seq == until_seq:
                        return got, True
                    continue            # a late barrier of an earlier, timed-out packet
            got.append((self.tap2port.get(ifname, ifname), frame, ts))

    def inject(self, inputs, settle=0.05):
        """Send the frames in order; return (packets, unattributed)."""
        packets = []
        barrier_hdr = (b"\xff" * 6 + bytes.fromhex("02000000" "72fe")
                       + struct.pack("!H", BARRIER_ETHERTYPE) + BARRIER_MAGIC)
        # Anything already queued (there should be nothing) is not ours to attribute.
        stray, _ = self._drain(None, 0)
        for idx, item in enumerate(inputs):
            port, frame = item[0], bytes(item[1])
            meta = item[2] if len(item) > 2 else {}
            if port not in self.tx:
                raise OracleError(f"input port {port!r} is not a port")
            entry = {"index": idx, "in_port": port}
            if "in_index" in meta:
                entry["in_index"] = meta["in_index"]
            if "ts" in meta:
                entry["pcap_ts"] = meta["ts"]
            entry["frame"] = frame.hex()
            try:
                self.tx[port].send(frame)
            except OSError as e:
                entry.update(outputs=[], complete=True,
                             error=f"injection refused: {e.strerror} (errno {e.errno})")
                packets.append(entry)
                continue
            self._seq += 1
            self.bar_tx.send(barrier_hdr + struct.pack("!Q", self._seq))
            frames, complete = self._drain(self._seq, self.timeout)
            entry["outputs"] = [{"port": p, "frame": f.hex()} for p, f, _ in frames]
            entry["complete"] = complete
            entry["_ts"] = [ts for _, _, ts in frames]
            packets.append(entry)
        late, _ = self._drain(None, settle)
        unattributed = [{"port": p, "frame": f.hex(), "_ts": ts,
                         "after_packet": len(packets) - 1} for p, f, ts in late]
        unattributed = [{"port": p, "frame": f.hex(), "_ts": ts, "after_packet": -1}
                        for p, f, ts in stray] + unattributed
        return packets, unattributed

    # -- state

    def state(self):
        """Counters, quotas and the whole ruleset (without the oracle's table) after a run."""
        p = self.dut.cmd(["nft", "-j", "list", "ruleset"])
        doc = json.loads(p.stdout)["nftables"]
        rules, named_counters, quotas, ruleset = [], [], [], []
        position = {}
        for obj in doc:
            kind, body = next(iter(obj.items()))
            if kind == "metainfo":
                continue
            if body.get("table", body.get("name") if kind == "table" else None) == INTERNAL_TABLE:
                continue
            ruleset.append(obj)
            if kind == "rule":
                key = (body["family"], body["table"], body["chain"])
                pos = position.get(key, 0)
                position[key] = pos + 1
                counters, rquotas, refs = [], [], []
                for e in body.get("expr", []):
                    if "counter" in e:
                        c = e["counter"]
                        if isinstance(c, dict):
                            counters.append({"packets": c.get("packets", 0),
                                             "bytes": c.get("bytes", 0)})
                        else:
                            refs.append({"counter": c})
                    elif "quota" in e:
                        q = e["quota"]
                        if isinstance(q, dict):
                            rquotas.append({
                                "bytes": _quota_bytes(q.get("val", 0), q.get("val_unit")),
                                "used": _quota_bytes(q.get("used", 0), q.get("used_unit")),
                                "inv": bool(q.get("inv", False))})
                        else:
                            refs.append({"quota": q})
                rule = {"family": body["family"], "table": body["table"],
                        "chain": body["chain"], "handle": body["handle"], "position": pos,
                        "counters": counters, "quotas": rquotas, "refs": refs}
                if counters:
                    rule["packets"] = counters[0]["packets"]
                    rule["bytes"] = counters[0]["bytes"]
                rules.append(rule)
            elif kind == "counter":
                named_counters.append({k: body.get(k) for k in
                                       ("family", "table", "name", "handle", "packets",
                                        "bytes")})
            elif kind == "quota":
                quotas.append({"family": body.get("family"), "table": body.get("table"),
                               "name": body.get("name"), "handle": body.get("handle"),
                               "bytes": body.get("bytes", 0), "used": body.get("used", 0),
                               "inv": bool(body.get("inv", False))})
        text = self.dut.cmd(["nft", "-a", "list", "ruleset"]).stdout
        return {"rules": rules, "named_counters": named_counters, "quotas": quotas,
                "ruleset": ruleset, "ruleset_text": _strip_internal(text)}

    def run(self, ruleset=None, inputs=(), ruleset_file=None, settle=0.05):
        """Load a ruleset, inject `inputs` ([(port, frame[, meta])]) and return the result
        dict (the result.json schema)."""
        t0 = time.monotonic()
        self.load(ruleset, ruleset_file)
        t1 = time.monotonic()
        old_aff = os.sched_getaffinity(0)
        cpu = self.cpu if self.cpu is not None else min(old_aff)
        os.sched_setaffinity(0, {cpu})
        try:
            packets, unattributed = self.inject(list(inputs), settle)
        finally:
            os.sched_setaffinity(0, old_aff)
        t2 = time.monotonic()
        st = self.state()
        t3 = time.monotonic()
        per_port = {p: [] for p in self.ports}
        for ent in packets:
            for o, ts in zip(ent["outputs"], ent.pop("_ts", [])):
                per_port.setdefault(o["port"], []).append((ts, bytes.fromhex(o["frame"])))
        for u in unattributed:
            per_port.setdefault(u["port"], []).append((u.pop("_ts"), bytes.fromhex(u["frame"])))
        for v in per_port.values():
            v.sort(key=lambda r: r[0])
        return {
            "schema": SCHEMA_VERSION,
            "kernel": os.uname().release,
            "nft": _nft_version(),
            "cpu": cpu,
            "mtu": self.mtu,
            "ports": [{"name": p, "peer": self.peers.get(p), "mac": self.macs[p],
                       "ifindex": self.ifindex.get(p), "tap": self.taps[p]}
                      for p in self.ports],
            "packets": packets,
            "unattributed": unattributed,
            "complete": all(pk["complete"] for pk in packets),
            "rules": st["rules"],
            "named_counters": st["named_counters"],
            "quotas": st["quotas"],
            "ruleset": st["ruleset"],
            "ruleset_text": st["ruleset_text"],
            "timing": {"setup_s": round(getattr(self, "setup_s", 0.0), 4),
                       "load_s": round(t1 - t0, 4), "inject_s": round(t2 - t1, 4),
                       "state_s": round(t3 - t2, 4)},
            "_per_port": per_port,
        }


def _strip_internal(text):
    out, skip = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith(f"table netdev {INTERNAL_TABLE} "):
            skip = True
        if not skip:
            out.append(line)
        if skip and line.rstrip() == "}":
            skip = False
    return "".join(out).rstrip("\n") + "\n" if out else ""


def run(ruleset_text, ports, pairs=None, inputs=(), macs=None, mtu=9000, timeout=2.0,
        settle=0.05, ruleset_file=None):
    """One-shot: build the ports, load the ruleset, inject, tear everything down.

    inputs: [(port, frame_bytes)] or [(port, frame_bytes, {"ts":..., "in_index":...})] in
    injection order (see inputs_from_pcaps).  pairs: [(a, b)] or None for the defaults.
    Returns the result dict; result["_per_port"] maps port -> [(ts, frame)] (not JSON)."""
    with Oracle(ports, pairs, macs, mtu, timeout) as o:
        return o.run(ruleset_text, inputs, ruleset_file=ruleset_file, settle=settle)


def write_outputs(result, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    per_port = result.get("_per_port", {})
    for port, recs in per_port.items():
        write_pcap(os.path.join(out_dir, f"{port}.pcap"), recs)
    doc = {k: v for k, v in result.items() if not k.startswith("_")}
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


# --------------------------------------------------------------------------- CLI

def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compute what the kernel's nftables netdev ingress does with a ruleset "
                    "and packet captures (see README.md).")
    ap.add_argument("--ruleset", required=True, help="nft ruleset file, loaded with nft -f")
    ap.add_argument("--ports", required=True, help="comma-separated port names, e.g. eth0,eth1")
    ap.add_argument("--pair", action="append", default=[], metavar="A:B",
                    help="pair two ports (repeatable); if given, only these pairs exist "
                         "(default: consecutive ports)")
    ap.add_argument("--in", dest="inputs", action="append", default=[], metavar="PORT=PCAP",
                    help="frames to inject on PORT (repeatable; merged by pcap timestamp)")
    ap.add_argument("--mac", action="append", default=[], metavar="PORT=MAC",
                    help="MAC of a port's device (default 02:70:63:61:70:<n>, net_pcap's)")
    ap.add_argument("--mtu", type=int, default=9000)
    ap.add_argument("--timeout", type=float, default=2.0,
                    help="seconds to wait for one packet's barrier (default 2)")
    ap.add_argument("--settle", type=float, default=0.05,
                    help="seconds to listen for late frames after the last packet")
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args(argv)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
    ports = [p for p in a.ports.split(",") if p]
    try:
        pairs = None
        if a.pair:
            pairs = []
            for s in a.pair:
                x, sep, y = s.partition(":")
                if not sep:
                    ap.error(f"--pair {s}: expected A:B")
                pairs.append((x, y))
        macs = {}
        for s in a.mac:
            x, sep, y = s.partition("=")
            if not sep:
                ap.error(f"--mac {s}: expected PORT=MAC")
            macs[x] = y
        spec = []
        for s in a.inputs:
            x, sep, y = s.partition("=")
            if not sep:
                ap.error(f"--in {s}: expected PORT=FILE")
            if x not in ports:
                ap.error(f"--in {s}: {x} is not in --ports")
            spec.append((x, y))
        inputs = inputs_from_pcaps(spec)
        res = run(None, ports, pairs, inputs, macs, a.mtu, a.timeout, a.settle,
                  ruleset_file=a.ruleset)
        write_outputs(res, a.out_dir)
    except OracleError as e:
        print(f"kernel_oracle: {e}", file=sys.stderr)
        return 1
    t = res["timing"]
    print(f"kernel_oracle: {len(res['packets'])} packets, "
          f"{sum(len(p['outputs']) for p in res['packets'])} frames out, "
          f"{len(res['unattributed'])} unattributed, complete={res['complete']}; "
          f"setup {t['setup_s']}s load {t['load_s']}s inject {t['inject_s']}s",
          file=sys.stderr)
    return 0 if res["complete"] else 3


if __name__ == "__main__":
    sys.exit(main())
