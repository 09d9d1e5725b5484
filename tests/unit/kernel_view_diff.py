#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Differential test: fastpath/pkt_view against the running kernel.

    kernel_view_diff.py PKT_VIEW_DUMP [--random N] [--seed S] [--keep DIR]

Builds a corpus of frames (hand-written edge cases plus seeded random
mutations of them), asks pkt_view_dump what pkt_view makes of each (meta
length/protocol/l4proto/pkttype and a grid of @ll/@nh/@th/@ih loads), and
turns every answer into a pair of nft rules on a veth's netdev ingress chain:

    @nh,96,32 0x0a000001 counter        # must match iff the load succeeds
    @nh,96,32 != 0x0a000001 counter     # must never match

A load the kernel answers with NFT_BREAK matches neither, so the pair checks
the value and the success of every load. Each frame is then sent into the
other end of the veth with AF_PACKET and every counter is compared.

Runs in a private network namespace (re-executes itself under `unshare
--net`). Needs root, nft and scapy (/usr/bin/python3). Exits 0 when the
kernel agrees everywhere, 1 on any disagreement, 77 (skipped) when the
environment cannot run it.
"""

import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
PORT_MAC = "02:00:00:00:00:01"
SRC_MAC = "02:00:00:00:00:02"
SENTINEL_SRC = "02:aa:bb:cc:dd:ee"
SENTINEL_TYPE = 0x88B5  # IEEE local experimental

# (base, offset, len) in bytes; chosen around the VLAN rebuild boundary
# (12..18), header fields and the ends of short frames.
PROBES = (
    [("ll", o, n) for o, n in [
        (0, 6), (6, 6), (10, 4), (11, 2), (12, 1), (12, 2), (12, 4),
        (13, 4), (14, 2), (14, 4), (15, 4), (16, 1), (16, 2), (16, 4),
        (17, 2), (18, 2), (18, 4), (20, 8), (0, 16), (4, 16), (12, 8),
        (14, 1), (17, 1), (30, 4), (50, 4), (58, 2), (60, 4), (252, 2)]] +
    [("nh", o, n) for o, n in [
        (0, 1), (0, 2), (0, 4), (0, 8), (2, 2), (4, 4), (6, 1), (6, 2),
        (8, 1), (9, 1), (12, 4), (16, 4), (20, 4), (24, 16), (40, 2),
        (40, 8), (44, 4), (50, 4), (60, 4), (100, 2), (1, 2), (3, 4),
        (0, 3), (250, 4)]] +
    [("th", o, n) for o, n in [
        (0, 1), (0, 2), (0, 4), (2, 2), (4, 4), (8, 4), (12, 1), (13, 1),
        (16, 4), (20, 4), (0, 16), (30, 2), (1, 1), (1, 2), (2, 4),
        (0, 3), (0, 8), (6, 2), (255, 1)]] +
    [("ih", o, n) for o, n in [
        (0, 1), (0, 2), (0, 4), (2, 4), (8, 4), (20, 2)]]
)


def log(*a):
    print(*a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


# ---- the corpus -------------------------------------------------------------

def corpus():
    """[(name, frame bytes)]"""
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import (Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, ARP, Raw,
                           IPOption_NOP, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrRouting, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment)

    def E(t=None, dst=PORT_MAC):
        return Ether(dst=dst, src=SRC_MAC) if t is None else \
            Ether(dst=dst, src=SRC_MAC, type=t)

    pay = Raw(bytes(range(0xc0, 0xca)))
    f = []

    def add(name, pkt):
        f.append((name, bytes(pkt)))

    def patch(name, pkt, edits, cut=None):
        b = bytearray(bytes(pkt))
        for off, val in edits:
            b[off] = val
        if cut is not None:
            b = b[:cut]
        f.append((name, bytes(b)))

    tcp4 = E() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1234, dport=80) / pay
    add("ipv4 tcp", tcp4)
    add("ipv4 tcp options", E() / IP() / TCP(dport=80, options=[("NOP", None)] * 12) / pay)
    add("ipv4 udp", E() / IP() / UDP(sport=5353, dport=53) / Raw(b"abcdef"))
    add("ipv4 icmp", E() / IP() / ICMP())
    add("ipv4 proto 250", E() / IP(proto=250) / Raw(bytes(30)))
    add("ipv4 ihl 6", E() / IP(options=[IPOption_NOP()] * 4) / TCP(dport=80))
    patch("ipv4 ihl 4", tcp4, [(14, 0x44)])
    patch("ipv4 ihl 15", tcp4, [(14, 0x4f)])
    patch("ipv4 version 6", tcp4, [(14, 0x65)])
    add("ipv4 tot_len > packet", E() / IP(len=20 + 20 + 10 + 1) / TCP(dport=80) / pay)
    add("ipv4 padding", E() / IP(len=28) / UDP(dport=53) / Raw(bytes(range(18))))
    add("ipv4 tot_len < ihl*4", E() / IP(len=23, options=[IPOption_NOP()] * 4) / TCP(dport=80))
    add("ipv4 tot_len == ihl*4", E() / IP(len=24, options=[IPOption_NOP()] * 4) / TCP(dport=80))
    add("ipv4 tot_len 0", E() / IP(len=0) / TCP(dport=80))
    add("ipv4 first fragment", E() / IP(flags="MF", frag=0) / TCP(dport=80))
    add("ipv4 non-first fragment", E() / IP(flags="MF", frag=185) / TCP(dport=80))
    add("ipv4 last fragment", E() / IP(frag=3) / UDP(dport=53))
    add("ipv4 DF", E() / IP(flags="DF") / UDP(dport=53))
    patch("ipv4 cut in ip header", E() / IP() / TCP(), [], cut=14 + 10)
    patch("ipv4 cut in ip header 19", E() / IP() / TCP(), [], cut=14 + 19)
    add("ipv4 cut in tcp header", E() / IP(len=30, proto=6) / Raw(bytes(bytes(TCP(dport=80))[:10])))
    add("ipv4 udp header only 4", E() / IP(proto=17, len=24) / Raw(b"\x00\x01\x00\x35"))

    add("ipv6 tcp", E() / IPv6() / TCP(dport=80) / pay)
    add("ipv6 udp", E() / IPv6() / UDP(dport=53) / Raw(b"xyz"))
    add("ipv6 hbh rt dst frag udp",
        E() / IPv6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(m=1, offset=0) / UDP(dport=53))
    add("ipv6 non-first frag tcp",
        E() / IPv6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(offset=100) / TCP(dport=80))
    add("ipv6 non-first frag dstopt",
        E() / IPv6() / IPv6ExtHdrFragment(offset=100, m=1) / IPv6ExtHdrDestOpt() / TCP(dport=80))
    add("ipv6 non-first frag none",
        E() / IPv6() / IPv6ExtHdrFragment(offset=1, nh=59))
    add("ipv6 ah", E() / IPv6(nh=51) / Raw(bytes([6, 4]) + bytes(22)) / TCP(dport=80))
    add("ipv6 no next header", E() / IPv6(nh=59) / Raw(bytes(range(8))))
    add("ipv6 payload_len > packet", E() / IPv6(plen=9) / UDP(dport=53))
    add("ipv6 payload_len 0", E() / IPv6(plen=0) / UDP(dport=53))
    patch("ipv6 version 4", E() / IPv6() / UDP(dport=53), [(14, 0x40)])
    add("ipv6 ext length past end",
        E() / IPv6(nh=0) / Raw(bytes([6, 200]) + bytes(6)) / TCP(dport=80))
    add("ipv6 ext cut",
        E() / IPv6(nh=0) / Raw(bytes([60, 0]) + bytes(6) + bytes([6])))
    add("ipv6 routing 3 bytes", E() / IPv6(nh=43) / Raw(bytes([6, 0, 0])))
    add("ipv6 ext header 1208 bytes",
        E() / IPv6(nh=0) / Raw(bytes([6, 150]) + bytes(1206)) / TCP(dport=80) / pay)
    add("ipv4 jumbo udp", E() / IP() / UDP(dport=53) / Raw(bytes(range(256)) * 30))
    patch("ipv6 cut in header", E() / IPv6() / TCP(), [], cut=14 + 39)

    add("vlan ipv4 tcp", E() / Dot1Q(prio=1, vlan=100) / IP() / TCP(dport=80) / pay)
    add("vlan 88a8 ipv6 udp",
        Ether(dst="02:00:00:00:00:03", src=SRC_MAC, type=0x88a8) /
        Dot1Q(vlan=5) / IPv6() / UDP(dport=53))
    add("qinq 88a8 8100", Ether(dst=PORT_MAC, src=SRC_MAC, type=0x88a8) /
        Dot1Q(vlan=100) / Dot1Q(vlan=200) / IP() / TCP(dport=80))
    add("qinq 8100 8100", E() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / IPv6() / UDP(dport=53))
    add("vlan 802.3 raw ipx", E(0x8100) / Raw(b"\x00\x64\x00\x30\xff\xff" + bytes(20)))
    add("vlan 802.3 llc 20 bytes", E(0x8100) / Raw(b"\x00\x64\x00\x30\xaa\xaa"))
    add("vlan 21 bytes", E(0x8100) / Raw(b"\x00\x64\x08\x00\x45\x00\x00"))
    add("vlan 19 bytes", E(0x8100) / Raw(b"\x00\x64\x08\x00\x45"))
    add("vlan 18 bytes", E(0x8100) / Raw(b"\x00\x64\x08\x00"))
    add("88a8 16 bytes", E(0x88a8) / Raw(b"\x00\x64"))

    patch("runt 13 bytes", E(0x0800) / Raw(bytes(20)), [], cut=13)
    add("802.3 llc", E(0x0026) / Raw(b"\x42\x42\x03" + bytes(35)))
    add("802.3 raw ipx", E(0x05ff) / Raw(b"\xff\xff" + bytes(10)))
    add("802.3 header only", E(0x0000))
    add("ethertype 0x0600", E(0x0600) / Raw(b"\xff\xff"))
    add("arp broadcast", Ether(dst="ff:ff:ff:ff:ff:ff", src=SRC_MAC) / ARP())
    add("ipv4 multicast", Ether(dst="01:00:5e:00:00:01", src=SRC_MAC) / IP(dst="224.0.0.1") / UDP(dport=53))
    add("ipv4 otherhost", Ether(dst="02:00:00:00:00:03", src=SRC_MAC) / IP() / UDP(dport=53))
    add("ipv6 multicast", Ether(dst="33:33:00:00:00:01", src=SRC_MAC) / IPv6(dst="ff02::1") / UDP(dport=53))
    return f


def mutations(base, n, seed):
    """n seeded mutations of the header bytes of the base frames."""
    rng = random.Random(seed)
    out = []
    pool = [b for _, b in base if len(b) >= 20]
    for i in range(n):
        b = bytearray(rng.choice(pool))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(12, min(len(b), 90))
            b[pos] = rng.choice([0, 0xff, 0x40, 0x45, 0x60, 0x81, 0x88, 0x86,
                                 6, 17, 44, 51, 59, 60, 0x20, rng.randrange(256)])
        if rng.random() < 0.2:
            b = b[:rng.randrange(14, len(b) + 1)]
        out.append(("random %d" % i, bytes(b)))
    return out


def write_pcap(path, frames):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for _, b in frames:
            fh.write(struct.pack("<IIII", 0, 0, len(b), len(b)))
            fh.write(b)


# ---- pkt_view's answers -----------------------------------------------------

def pkt_view_answers(dump, pcap, probes_path, seg=None):
    cmd = [dump] + (["--seg", str(seg)] if seg else []) + \
        [PORT_MAC, pcap, probes_path]
    out = run(cmd).stdout
    views = {}
    for line in out.splitlines():
        w = line.split()
        if w[0] == "F":
            kv = dict(x.split("=") for x in w[2:])
            views[int(w[1])] = {"meta": kv, "probes": []}
        elif w[0] == "P":
            views[int(w[1])]["probes"].append(
                (w[2], int(w[3]), int(w[4]), None if w[5] == "-" else w[5]))
    return views


# ---- the kernel side --------------------------------------------------------

def setup_netns():
    for k in ("all", "default"):
        subprocess.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % k],
                       capture_output=True)
    run(["ip", "link", "add", "name", "va", "type", "veth", "peer", "name", "vb"])
    run(["ip", "link", "set", "vb", "address", PORT_MAC])
    run(["ip", "link", "set", "va", "address", SRC_MAC])
    # Room for jumbo frames: pkt_view has no MTU, the test wants big offsets.
    run(["ip", "link", "set", "va", "mtu", "9000"])
    run(["ip", "link", "set", "vb", "mtu", "9000"])
    run(["ip", "link", "set", "va", "up"])
    run(["ip", "link", "set", "vb", "up"])
    run(["nft", "-f", "-"], input="""
table netdev pvd {
    chain c {
        type filter hook ingress device "vb" priority 0; policy accept;
    }
}
""")


def rules_for(view):
    """[(comment, rule text, expected packets)] for one frame."""
    m = view["meta"]
    hook = m["hook"] == "1"
    r = [("sentinel", "@ll,48,48 0x%s @ll,96,16 0x%04x counter accept" %
          (SENTINEL_SRC.replace(":", ""), SENTINEL_TYPE), None),
         ("total", "counter", int(hook))]
    if not hook:
        # Nothing may match; the probe rules are kept to prove it.
        m = {"len": "0", "proto": "0000", "l4": "-", "pkttype": "0"}
    r.append(("len_eq", "meta length %s" % m["len"], int(hook)))
    r.append(("len_ne", "meta length != %s" % m["len"], 0))
    r.append(("proto_eq", "meta protocol 0x%s" % m["proto"], int(hook)))
    r.append(("proto_ne", "meta protocol != 0x%s" % m["proto"], 0))
    l4 = m["l4"]
    r.append(("l4_eq", "meta l4proto %s" % (0 if l4 == "-" else l4),
              int(hook and l4 != "-")))
    r.append(("l4_ne", "meta l4proto != %s" % (0 if l4 == "-" else l4), 0))
    r.append(("iiftype_eq", "meta iiftype 1", int(hook)))
    r.append(("pkttype_eq", "meta pkttype %s" % m["pkttype"], int(hook)))
    r.append(("pkttype_ne", "meta pkttype != %s" % m["pkttype"], 0))
    for i, (base, off, n, val) in enumerate(view["probes"]):
        v = "0x" + (val if val is not None else "00" * n)
        sel = "@%s,%d,%d" % (base, off * 8, n * 8)
        ok = hook and val is not None
        r.append(("p%d_eq" % i, "%s %s" % (sel, v), int(ok)))
        r.append(("p%d_ne" % i, "%s != %s" % (sel, v), 0))
    return r


def load_rules(rules):
    lines = ["flush chain netdev pvd c"]
    for name, text, _ in rules:
        if not text.endswith(("counter", "accept")):
            text += " counter"
        lines.append('add rule netdev pvd c %s comment "%s"' % (text, name))
    run(["nft", "-f", "-"], input="\n".join(lines) + "\n")


def read_counters():
    js = json.loads(run(["nft", "-j", "list", "chain", "netdev", "pvd", "c"]).stdout)
    got = {}
    for item in js["nftables"]:
        rule = item.get("rule")
        if not rule:
            continue
        for e in rule["expr"]:
            if "counter" in e:
                got[rule["comment"]] = (e["counter"]["packets"],
                                        e["counter"]["bytes"])
    return got


def send(sock, frame):
    try:
        sock.send(frame)
        return True
    except OSError:
        return False


def sentinel_frame():
    mac = bytes.fromhex(PORT_MAC.replace(":", ""))
    src = bytes.fromhex(SENTINEL_SRC.replace(":", ""))
    return mac + src + struct.pack("!H", SENTINEL_TYPE) + bytes(46)


def kernel_run(frames, views):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    sock.bind(("va", 0))
    n_checks = n_bad = 0
    for i, (name, frame) in enumerate(frames):
        view = views[i]
        rules = rules_for(view)
        load_rules(rules)
        sent = send(sock, frame)
        # The sentinel follows the frame through the same CPU's backlog:
        # once it is counted, the frame has been through the hook.
        if not send(sock, sentinel_frame()):
            raise RuntimeError("cannot send the sentinel frame")
        deadline = time.time() + 2.0
        while True:
            got = read_counters()
            if got["sentinel"][0] == 1 or time.time() > deadline:
                break
            time.sleep(0.01)
        bad = []
        if got["sentinel"][0] != 1:
            bad.append("sentinel not seen")
        for cname, text, want in rules:
            if want is None:
                continue
            n_checks += 1
            if got[cname][0] != want:
                bad.append("%-60s kernel %d, pkt_view %d" %
                           (text, got[cname][0], want))
        if view["meta"]["hook"] == "1" and got["total"][1] != int(view["meta"]["len"]):
            bad.append("counter bytes %d, pkt_view len %s" %
                       (got["total"][1], view["meta"]["len"]))
        if view["meta"]["hook"] == "1" and not sent:
            bad.append("AF_PACKET refused a frame pkt_view says reaches the hook")
        if bad:
            n_bad += 1
            log("MISMATCH frame %d (%s), %d bytes: %s%s" % (
                i, name, len(frame), frame[:128].hex(),
                "..." if len(frame) > 128 else ""))
            log("  pkt_view: %s" % " ".join("%s=%s" % kv for kv in view["meta"].items()))
            for b in bad[:20]:
                log("  " + b)
    return n_checks, n_bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--random", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="directory to keep the pcap and probes in")
    a = ap.parse_args()

    if os.geteuid() != 0:
        log("kernel_view_diff: skipped, needs root")
        return SKIP
    if os.environ.get("PV_DIFF_IN_NETNS") != "1":
        if subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode != 0:
            log("kernel_view_diff: skipped, cannot create a network namespace")
            return SKIP
        env = dict(os.environ, PV_DIFF_IN_NETNS="1")
        return subprocess.run(["unshare", "--net", "--", sys.executable,
                               os.path.abspath(__file__)] + sys.argv[1:],
                              env=env).returncode
    try:
        import scapy  # noqa: F401
    except ImportError:
        log("kernel_view_diff: skipped, %s has no scapy" % sys.executable)
        return SKIP
    if subprocess.run(["nft", "--version"], capture_output=True).returncode != 0:
        log("kernel_view_diff: skipped, no nft")
        return SKIP

    # One CPU: the frame and the sentinel share a backlog queue.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    frames = corpus()
    frames += mutations(frames, a.random, a.seed)
    tmp = a.keep or tempfile.mkdtemp(prefix="pv_diff_")
    os.makedirs(tmp, exist_ok=True)
    pcap = os.path.join(tmp, "frames.pcap")
    probes_path = os.path.join(tmp, "probes.txt")
    write_pcap(pcap, frames)
    with open(probes_path, "w") as fh:
        for base, off, n in PROBES:
            fh.write("%s %d %d\n" % (base, off, n))

    views = pkt_view_answers(a.dump, pcap, probes_path)
    # pkt_view must not care how the frame is split into segments.
    seg_bad = 0
    for seg in (1, 3, 7, 64):
        if pkt_view_answers(a.dump, pcap, probes_path, seg) != views:
            log("MISMATCH: pkt_view answers differ with %d-byte segments" % seg)
            seg_bad += 1

    setup_netns()
    n_checks, n_bad = kernel_run(frames, views)
    log("kernel_view_diff: %s; %d frames, %d rule checks, %d frames differ"
        % (os.uname().release, len(frames), n_checks, n_bad))
    if not a.keep:
        for p in (pcap, probes_path):
            os.unlink(p)
        os.rmdir(tmp)
    return 1 if n_bad or seg_bad else 0


if __name__ == "__main__":
    sys.exit(main())
