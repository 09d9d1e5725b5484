#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Self-tests of the kernel oracle (kernel_oracle.py).

Run as root: /usr/bin/python3 tests/oracle/test_oracle.py [-v] [TestClass.test_name]
Exit 77 (meson: skipped) when not root or when namespaces cannot be created.

Every test states what the kernel must do and compares exact frames / counter values, so a
wrong oracle (or a kernel that changed behaviour) fails it.  Frames are built with the stdlib
(no scapy), so malformed headers are easy to write.
"""

import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import kernel_oracle as ko                                          # noqa: E402

SRC_MAC = "02:00:00:00:00:01"
ETH0_MAC = ko.default_mac(0)        # 02:70:63:61:70:00, what eth0 gets by default


# --------------------------------------------------------------------------- frame builders

def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, ihl=5, ttl=64, ident=1):
    opts = b"\0" * ((ihl - 5) * 4) if ihl > 5 else b""
    total = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def _l4csum(src, dst, proto, seg):
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def tcp(src, dst, sport, dport, flags=0x02, seq=1, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192, 0, 0) + payload
    c = _l4csum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload=b""):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = _l4csum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def eth(payload, ethertype=0x0800, dmac=ETH0_MAC, smac=SRC_MAC, tags=()):
    """tags: [(tpid, vid)] outermost first."""
    h = mac(dmac) + mac(smac)
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", ethertype) + payload


def tcp_frame(sport, dport, src="10.0.0.1", dst="10.0.0.2", flags=0x02, **kw):
    return eth(ip4(src, dst, 6, tcp(src, dst, sport, dport, flags)), **kw)


def udp_frame(sport, dport, src="10.0.0.1", dst="10.0.0.2", payload=b"", **kw):
    return eth(ip4(src, dst, 17, udp(src, dst, sport, dport, payload)), **kw)


def chain(body, dev="eth0", prio=0, policy="accept", name="c", table="t"):
    return (f"table netdev {table} {{\n  chain {name} {{\n"
            f'    type filter hook ingress device "{dev}" priority {prio}; policy {policy};\n'
            + "".join(f"    {line}\n" for line in body) + "  }\n}\n")


def outs(pkt):
    return [(o["port"], bytes.fromhex(o["frame"])) for o in pkt["outputs"]]


# --------------------------------------------------------------------------- leak checks

def netns_list():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def root_links():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


# Interface names the oracle creates (ports used by this suite, taps, control veth).
OURS = {"eth0", "eth1", "eth2", "eth3", "t0", "t1", "t2", "t3", ko.BARRIER_TAP, ko.BARRIER_DEV}


def oracle_leftovers(before):
    """Named namespaces and root interfaces that appeared since `before` and look like the
    oracle's.  Other engineers' tests may add and remove namespaces concurrently, so a new name
    alone is not ours; one holding the oracle's devices, or a root device named like them, is."""
    leaks = []
    for _ in range(20):
        new_ns = netns_list() - before["netns"]
        new_links = root_links() - before["links"]
        leaks = [f"root interface {n}" for n in sorted(new_links & OURS)]
        for ns in sorted(new_ns):
            out = subprocess.run(["ip", "-n", ns, "-o", "link", "show"], capture_output=True,
                                 text=True).stdout
            names = {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}
            if names & {ko.BARRIER_TAP, ko.BARRIER_DEV}:
                leaks.append(f"named namespace {ns} with {sorted(names)}")
        if not new_ns and not leaks:
            return []
        time.sleep(0.1)        # someone else's namespace: give it time to go away
    return leaks


def net_ns_inodes_alive():
    """Every network namespace inode referenced by a process (as its ns or an open fd)."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        paths = [f"/proc/{pid}/ns/net"]
        try:
            paths += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        for p in paths:
            try:
                link = os.readlink(p)
            except OSError:
                continue
            if link.startswith("net:["):
                found.add(link)
    return found


_BEFORE = {}


def setUpModule():
    _BEFORE["netns"] = netns_list()
    _BEFORE["links"] = root_links()


def tearDownModule():
    # The final, global check: the suite left no namespace and no interface behind.  The
    # oracle's namespaces are anonymous (never in `ip netns list`), so the precise check is
    # that no namespace this process created is still referenced by anyone.
    leaks = oracle_leftovers(_BEFORE)
    assert not leaks, f"left behind: {leaks}"
    held = _fd_ns_links(os.getpid()) - {os.readlink("/proc/self/ns/net")}
    assert not held, f"this process still holds namespaces {held}"


def _fd_ns_links(pid):
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("net:["):
            out.add(link)
    return out


# --------------------------------------------------------------------------- tests

class OracleCase(unittest.TestCase):
    PORTS = ["eth0", "eth1", "eth2", "eth3"]

    def run_oracle(self, ruleset, inputs, ports=None, **kw):
        r = ko.run(ruleset, ports or self.PORTS, inputs=inputs, **kw)
        self.assertTrue(r["complete"], "a barrier timed out")
        self.assertEqual(r["unattributed"], [])
        return r

    def rule(self, r, handle_or_pos, chain="c", table="t"):
        for rule in r["rules"]:
            if rule["table"] == table and rule["chain"] == chain and \
                    rule["position"] == handle_or_pos:
                return rule
        self.fail(f"no rule at position {handle_or_pos} in {table}/{chain}")


class Verdicts(OracleCase):
    def test_accept_forwards_to_peer(self):
        f0, f1, f2 = tcp_frame(1, 80), tcp_frame(2, 80), udp_frame(3, 53)
        r = self.run_oracle(chain(["accept"]), [("eth0", f0), ("eth1", f1), ("eth2", f2)])
        p = r["packets"]
        self.assertEqual(outs(p[0]), [("eth1", f0)])
        self.assertEqual(outs(p[1]), [("eth0", f1)])        # no chain on eth1: accepted too
        self.assertEqual(outs(p[2]), [("eth3", f2)])        # default pairs: eth2<->eth3
        self.assertEqual([x["peer"] for x in r["ports"]], ["eth1", "eth0", "eth3", "eth2"])

    def test_explicit_pairs(self):
        f = tcp_frame(1, 80)
        r = self.run_oracle(chain(["accept"]), [("eth0", f), ("eth1", f), ("eth3", f)],
                            pairs=[("eth0", "eth2")])
        p = r["packets"]
        self.assertEqual(outs(p[0]), [("eth2", f)])
        self.assertEqual(outs(p[1]), [])                    # eth1 has no peer: dropped
        self.assertEqual(outs(p[2]), [])

    def test_drop_produces_nothing(self):
        fd, fa = tcp_frame(1, 22), tcp_frame(1, 80)
        r = self.run_oracle(chain(["tcp dport 22 drop"]), [("eth0", fd), ("eth0", fa)])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(outs(r["packets"][1]), [("eth1", fa)])

    def test_policy_drop(self):
        fa, fd = tcp_frame(1, 80), tcp_frame(1, 81)
        r = self.run_oracle(chain(["tcp dport 80 accept"], policy="drop"),
                            [("eth0", fa), ("eth0", fd), ("eth1", fd)])
        self.assertEqual(outs(r["packets"][0]), [("eth1", fa)])
        self.assertEqual(outs(r["packets"][1]), [])
        self.assertEqual(outs(r["packets"][2]), [("eth0", fd)])   # other device: no chain

    def test_accept_then_drop_in_later_base_chain(self):
        # Chains are added in the opposite order of their priorities on purpose.
        rs = ("table netdev t {\n"
              '  chain late { type filter hook ingress device "eth0" priority 10; '
              "policy accept; tcp dport 22 counter drop; counter; }\n"
              '  chain early { type filter hook ingress device "eth0" priority -10; '
              "policy accept; counter accept; }\n}\n")
        fd, fa = tcp_frame(1, 22), tcp_frame(1, 80)
        r = self.run_oracle(rs, [("eth0", fd), ("eth0", fa)])
        self.assertEqual(outs(r["packets"][0]), [])         # accept did not end the hook
        self.assertEqual(outs(r["packets"][1]), [("eth1", fa)])
        self.assertEqual(self.rule(r, 0, "early")["packets"], 2)
        self.assertEqual(self.rule(r, 0, "late")["packets"], 1)
        self.assertEqual(self.rule(r, 1, "late")["packets"], 1)

    def test_drop_in_earlier_chain_is_final(self):
        rs = ("table netdev t {\n"
              '  chain a { type filter hook ingress device "eth0" priority -5; '
              "policy accept; tcp dport 22 drop; }\n"
              '  chain b { type filter hook ingress device "eth0" priority 5; '
              "policy accept; counter; }\n}\n")
        r = self.run_oracle(rs, [("eth0", tcp_frame(1, 22))])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(self.rule(r, 0, "b")["packets"], 0)

    def test_equal_priority_later_chain_runs_first(self):
        # Kernel fact the forwarder must copy: among base chains of equal priority the one
        # registered last runs first (g/c, then f/b, then f/a).
        def rs(va, vb, vc):
            hook = 'type filter hook ingress device "eth0" priority 0; policy accept;'
            return (f"table netdev f {{\n  chain a {{ {hook} counter {va}; }}\n"
                    f"  chain b {{ {hook} counter {vb}; }}\n}}\n"
                    f"table netdev g {{\n  chain c {{ {hook} counter {vc}; }}\n}}\n")
        r = self.run_oracle(rs("drop", "accept", "accept"), [("eth0", tcp_frame(1, 80))])
        self.assertEqual(outs(r["packets"][0]), [])
        for t, c in (("f", "a"), ("f", "b"), ("g", "c")):
            self.assertEqual(self.rule(r, 0, c, t)["packets"], 1, f"{t}/{c}")
        r = self.run_oracle(rs("accept", "drop", "accept"), [("eth0", tcp_frame(1, 80))])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(self.rule(r, 0, "c", "g")["packets"], 1)
        self.assertEqual(self.rule(r, 0, "b", "f")["packets"], 1)
        self.assertEqual(self.rule(r, 0, "a", "f")["packets"], 0)   # after b's drop

    def test_user_chain_at_max_priority_runs_before_forwarding(self):
        body = ["tcp dport 22 counter drop"]
        fd, fa = tcp_frame(1, 22), tcp_frame(1, 80)
        r = self.run_oracle(chain(body, prio=ko.MAX_PRIO), [("eth0", fd), ("eth0", fa)])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(outs(r["packets"][1]), [("eth1", fa)])
        # `flush ruleset` removes the oracle's table; it is re-added after, so a user chain at
        # the maximum priority can no longer be ordered and is refused ...
        with self.assertRaises(ko.OracleError):
            ko.run("flush ruleset\n" + chain(body, prio=ko.MAX_PRIO), ["eth0", "eth1"],
                   inputs=[])
        # ... while any lower priority works after a flush.
        r = self.run_oracle("flush ruleset\n" + chain(body, prio=ko.MAX_PRIO - 1),
                            [("eth0", fd), ("eth0", fa)])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(outs(r["packets"][1]), [("eth1", fa)])

    def test_fwd_and_dup(self):
        f1, f2, f3 = udp_frame(1, 1), udp_frame(2, 2), udp_frame(3, 3)
        rs = chain(['udp dport 1 fwd to "eth3"',
                    'udp dport 2 dup to "eth2" dup to "eth3"',
                    'udp dport 3 dup to "eth2" drop'])
        r = self.run_oracle(rs, [("eth0", f1), ("eth0", f2), ("eth0", f3)])
        p = r["packets"]
        self.assertEqual(outs(p[0]), [("eth3", f1)])
        self.assertEqual(outs(p[1]), [("eth2", f2), ("eth3", f2), ("eth1", f2)])
        self.assertEqual(outs(p[2]), [("eth2", f3)])
        # per-port pcaps carry the same frames in order
        self.assertEqual([f for _, f in r["_per_port"]["eth2"]], [f2, f3])
        self.assertEqual([f for _, f in r["_per_port"]["eth3"]], [f1, f2])
        self.assertEqual([f for _, f in r["_per_port"]["eth0"]], [])

    def test_egress_chains_see_every_output(self):
        # Outputs are transmitted on the port devices: egress chains run on the peer forward,
        # fwd, dup and reject replies, and their counters include the Ethernet header.
        rs = ("table netdev t {\n"
              '  chain c { type filter hook ingress device "eth0" priority 0; policy accept;\n'
              '    udp dport 2 dup to "eth2"\n    tcp dport 80 reject with tcp reset\n  }\n'
              '  chain e1 { type filter hook egress device "eth1" priority 0; policy accept;\n'
              "    counter\n    udp dport 4 drop\n  }\n"
              '  chain e0 { type filter hook egress device "eth0" priority 0; policy accept;\n'
              "    counter\n  }\n}\n")
        f1, f2, f4, f80 = udp_frame(1, 1), udp_frame(1, 2), udp_frame(1, 4), tcp_frame(1, 80)
        r = self.run_oracle(rs, [("eth0", f1), ("eth0", f2), ("eth0", f4), ("eth0", f80)])
        p = r["packets"]
        self.assertEqual(outs(p[0]), [("eth1", f1)])
        self.assertEqual(outs(p[1]), [("eth2", f2), ("eth1", f2)])
        self.assertEqual(outs(p[2]), [])                    # dropped on eth1's egress
        self.assertEqual([x[0] for x in outs(p[3])], ["eth0"])
        self.assertEqual((self.rule(r, 0, "e1")["packets"], self.rule(r, 0, "e1")["bytes"]),
                         (3, 3 * 42))
        self.assertEqual((self.rule(r, 0, "e0")["packets"], self.rule(r, 0, "e0")["bytes"]),
                         (1, 54))                           # the RST, Ethernet header included

    def test_reject_tcp_reset_out_of_input_port(self):
        f = tcp_frame(40000, 80, src="10.0.0.1", dst="10.0.0.2", flags=0x02)
        r = self.run_oracle(chain(["tcp dport 80 reject with tcp reset"]), [("eth0", f)])
        o = outs(r["packets"][0])
        self.assertEqual(len(o), 1)
        port, rst = o[0]
        self.assertEqual(port, "eth0")
        self.assertEqual(rst[0:6], mac(SRC_MAC))            # back to the sender
        self.assertEqual(rst[6:12], mac(ETH0_MAC))
        self.assertEqual(rst[12:14], b"\x08\x00")
        ip = rst[14:]
        self.assertEqual(ip[9], 6)
        self.assertEqual(ip[12:16], socket.inet_aton("10.0.0.2"))
        self.assertEqual(ip[16:20], socket.inet_aton("10.0.0.1"))
        th = ip[(ip[0] & 15) * 4:]
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", th[:14])
        self.assertEqual((sport, dport), (80, 40000))
        self.assertEqual(flags & 0x04, 0x04)                # RST
        self.assertEqual(ack, 2)                            # SYN seq 1 + 1
        self.assertEqual(csum(ip[:20]), 0)

    def test_reject_icmp_unreachable(self):
        f = udp_frame(5000, 53)
        r = self.run_oracle(chain(["udp dport 53 reject"]), [("eth0", f)])
        (port, icmp), = outs(r["packets"][0])
        self.assertEqual(port, "eth0")
        ip = icmp[14:]
        self.assertEqual(ip[9], 1)
        self.assertEqual((ip[20], ip[21]), (3, 3))          # port unreachable
        self.assertEqual(ip[28:48], f[14:34])               # quotes the offending IP header


class Counters(OracleCase):
    def test_rule_counters(self):
        rs = ("table netdev t {\n"
              "  counter named { }\n"
              "  quota q { 100 bytes }\n"
              '  chain c { type filter hook ingress device "eth0" priority 0; policy accept;\n'
              "    counter\n"
              "    tcp dport 22 counter drop\n"
              '    udp dport 53 counter name "named" quota 30 bytes counter\n'
              '    quota name "q" counter\n'
              "  }\n}\n")
        frames = [("eth0", tcp_frame(1, 22)),         # 40 B: rules 0, 1
                  ("eth0", udp_frame(1, 53)),         # 28 B: 0, 2 (quota 28 <= 30), 3
                  ("eth0", udp_frame(2, 53)),         # 28 B: 0, 2 (quota over), 3
                  ("eth0", tcp_frame(2, 80)),         # 40 B: 0, 3 (q: 28+28+40=96)
                  ("eth0", tcp_frame(3, 80)),         # 40 B: 0, q exhausted
                  ("eth1", tcp_frame(3, 22))]         # other device: nothing
        r = self.run_oracle(rs, frames)
        self.assertEqual((self.rule(r, 0)["packets"], self.rule(r, 0)["bytes"]), (5, 176))
        self.assertEqual((self.rule(r, 1)["packets"], self.rule(r, 1)["bytes"]), (1, 40))
        r2 = self.rule(r, 2)
        self.assertEqual(r2["counters"], [{"packets": 1, "bytes": 28}])
        # 56 bytes were consumed; the kernel dumps min(consumed, quota)
        self.assertEqual(r2["quotas"], [{"bytes": 30, "used": 30, "inv": False}])
        self.assertEqual(r2["refs"], [{"counter": "named"}])
        self.assertEqual(r["named_counters"][0]["name"], "named")
        self.assertEqual((r["named_counters"][0]["packets"], r["named_counters"][0]["bytes"]),
                         (2, 56))
        self.assertEqual((self.rule(r, 3)["packets"], self.rule(r, 3)["bytes"]), (3, 96))
        self.assertEqual(r["quotas"][0]["name"], "q")
        self.assertEqual(r["quotas"][0]["used"], 100)      # kernel reports min(used, quota)
        # handles are the kernel's, in order of creation within the table
        handles = [x["handle"] for x in r["rules"]]
        self.assertEqual(handles, sorted(handles))
        self.assertEqual(len(set(handles)), 4)
        self.assertIn(f"# handle {handles[1]}", r["ruleset_text"])
        self.assertNotIn(ko.INTERNAL_TABLE, r["ruleset_text"])
        self.assertFalse(any(ko.INTERNAL_TABLE in json.dumps(o) for o in r["ruleset"]))


class Parsing(OracleCase):
    def test_vlan_tagged_ipv4_matched_by_ip_saddr(self):
        bad = tcp_frame(1, 80, src="192.0.2.1", tags=[(0x8100, 5)])
        good = tcp_frame(1, 80, src="192.0.2.2", tags=[(0x8100, 5)])
        rs = chain(["ip saddr 192.0.2.1 counter drop", "vlan id 5 counter"])
        r = self.run_oracle(rs, [("eth0", bad), ("eth0", good)])
        self.assertEqual(outs(r["packets"][0]), [])
        self.assertEqual(outs(r["packets"][1]), [("eth1", good)])   # tag kept on the wire
        self.assertEqual(self.rule(r, 0)["packets"], 1)
        self.assertEqual(self.rule(r, 0)["bytes"], 40)     # the removed tag is not counted
        self.assertEqual(self.rule(r, 1)["packets"], 1)

    def test_qinq_outer_tag_only_removed(self):
        f = tcp_frame(1, 80, src="192.0.2.1", tags=[(0x88A8, 7), (0x8100, 5)])
        rs = chain(["ip saddr 192.0.2.1 counter drop",
                    "ether type 8021ad counter", 'fwd to "eth2"'])
        r = self.run_oracle(rs, [("eth0", f)])
        self.assertEqual(outs(r["packets"][0]), [("eth2", f)])    # both tags kept
        self.assertEqual(self.rule(r, 0)["packets"], 0)   # meta protocol is 8021q, not ip
        self.assertEqual((self.rule(r, 1)["packets"], self.rule(r, 1)["bytes"]), (1, 44))

    def test_reject_reply_of_tagged_frame_is_untagged(self):
        # Measured kernel behaviour: nft_reject_netdev does not copy the VLAN tag.
        f = tcp_frame(1, 80, tags=[(0x8100, 5)])
        r = self.run_oracle(chain(["tcp dport 80 reject with tcp reset"]), [("eth0", f)])
        (port, rst), = outs(r["packets"][0])
        self.assertEqual(port, "eth0")
        self.assertEqual(rst[12:14], b"\x08\x00")
        self.assertEqual(len(rst), 14 + 40)

    def test_malformed_ihl_has_no_transport_header(self):
        good = tcp_frame(1, 80, src="192.0.2.9")
        bad = bytearray(good)
        bad[14] = 0x44                                      # version 4, ihl 4
        bad = bytes(bad)
        rs = chain(["ip saddr 192.0.2.9 counter", "tcp dport 80 counter drop"])
        r = self.run_oracle(rs, [("eth0", good), ("eth0", bad)])
        self.assertEqual(outs(r["packets"][0]), [])         # control: well-formed is dropped
        self.assertEqual(outs(r["packets"][1]), [("eth1", bad)])
        self.assertEqual(self.rule(r, 0)["packets"], 2)     # network header still loads
        self.assertEqual(self.rule(r, 1)["packets"], 1)

    def test_pkttype_follows_port_mac(self):
        f = tcp_frame(1, 80, dmac="02:aa:00:00:00:01")
        rs = chain(["meta pkttype host counter drop", "meta pkttype other counter"])
        r1 = self.run_oracle(rs, [("eth0", f)], macs={"eth0": "02:aa:00:00:00:01"})
        r2 = self.run_oracle(rs, [("eth0", f)])
        self.assertEqual(r1["ports"][0]["mac"], "02:aa:00:00:00:01")
        self.assertEqual(r2["ports"][0]["mac"], ETH0_MAC)
        self.assertEqual(outs(r1["packets"][0]), [])
        self.assertEqual(outs(r2["packets"][0]), [("eth1", f)])
        self.assertEqual(self.rule(r2, 1)["packets"], 1)

    def test_short_and_oversized_frames(self):
        f14 = eth(b"")                                      # header only: meta length 0
        r = self.run_oracle(chain(["meta length 0 counter"]),
                            [("eth0", f14), ("eth0", f14[:13]),
                             ("eth0", udp_frame(1, 2, payload=b"x" * 8972)),
                             ("eth0", udp_frame(1, 2, payload=b"x" * 8973))])
        p = r["packets"]
        self.assertEqual(outs(p[0]), [("eth1", f14)])       # not padded to 60
        self.assertIn("injection refused", p[1]["error"])
        self.assertEqual(len(outs(p[2])), 1)                # IP 9000 = MTU
        self.assertIn("injection refused", p[3]["error"])   # IP 9001 > MTU
        self.assertEqual(self.rule(r, 0)["packets"], 1)


class Attribution(OracleCase):
    def test_ordering_under_mixed_outputs(self):
        """Every output frame is attributed to the packet that caused it (sport = index)."""
        rs = chain(["udp dport 1000 drop",
                    'udp dport 1002 dup to "eth2" dup to "eth3"',
                    'udp dport 1003 fwd to "eth3"',
                    'udp dport 1004 dup to "eth2" reject',
                    'tcp dport 1005 dup to "eth3" reject with tcp reset'])
        expect = {0: [], 1: ["eth1"], 2: ["eth2", "eth3", "eth1"], 3: ["eth3"],
                  4: ["eth2", "eth0"], 5: ["eth3", "eth0"]}
        rnd = random.Random(7)
        kinds = [rnd.randrange(6) for _ in range(600)]
        inputs = []
        for i, k in enumerate(kinds):
            if k == 5:
                inputs.append(("eth0", tcp_frame(i + 1, 1000 + k)))
            else:
                inputs.append(("eth0", udp_frame(i + 1, 1000 + k)))
        r = self.run_oracle(rs, inputs)
        for p, k in zip(r["packets"], kinds):
            o = outs(p)
            self.assertEqual([x[0] for x in o], expect[k], f"packet {p['index']}")
            for port, fr in o:
                ip = fr[14:]
                if ip[9] == 1:                              # ICMP quotes our UDP header
                    sport = struct.unpack("!H", ip[48:50])[0]
                elif port == "eth0":                        # RST: ports swapped
                    sport = struct.unpack("!H", ip[22:24])[0]
                else:
                    sport = struct.unpack("!H", ip[20:22])[0]
                self.assertEqual(sport, p["index"] + 1, f"packet {p['index']} -> {port}")

    def test_stray_frames_are_reported_not_attributed(self):
        # A frame the oracle did not inject (sent behind its back) must not be attributed to
        # the first packet: it is reported as unattributed (after_packet -1).
        stray, f = udp_frame(9, 9), udp_frame(1, 1)
        with ko.Oracle(["eth0", "eth1"]) as o:
            o.load(chain(["accept"]))
            o.tx["eth0"].send(stray)
            packets, unattributed = o.inject([("eth0", f)])
        self.assertEqual(outs(packets[0]), [("eth1", f)])
        self.assertEqual([(u["port"], bytes.fromhex(u["frame"]), u["after_packet"])
                          for u in unattributed], [("eth1", stray, -1)])

    def test_200_packets_fast(self):
        inputs = [("eth0" if i % 2 else "eth1", udp_frame(i, 9)) for i in range(200)]
        t = time.monotonic()
        r = self.run_oracle(chain(["udp sport 7 drop"]), inputs)
        elapsed = time.monotonic() - t
        self.assertEqual(sum(1 for p in r["packets"] if p["outputs"]), 199)
        self.assertLess(elapsed, 5.0, r["timing"])

    def test_session_reuse_resets_state(self):
        with ko.Oracle(["eth0", "eth1"]) as o:
            rs = chain(["counter"])
            a = o.run(rs, [("eth0", tcp_frame(1, 1))] * 3)
            b = o.run(rs, [("eth0", tcp_frame(1, 1))])
            c = o.run(chain(["drop"]), [("eth0", tcp_frame(1, 1))])
        self.assertEqual(a["rules"][0]["packets"], 3)
        self.assertEqual(b["rules"][0]["packets"], 1)
        self.assertEqual(outs(c["packets"][0]), [])


class Hygiene(OracleCase):
    def test_leak_check_detects_a_leak(self):
        # The suite's final check must be able to fail: a named namespace holding the
        # oracle's control device is reported.
        before = {"netns": netns_list(), "links": root_links()}
        name = f"kotest-{os.getpid()}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        try:
            subprocess.run(["ip", "-n", name, "link", "add", "name", ko.BARRIER_DEV,
                            "type", "veth", "peer", "name", "kotest-peer"], check=True)
            self.assertEqual(len(oracle_leftovers(before)), 1)
        finally:
            subprocess.run(["ip", "netns", "del", name], check=True)
        self.assertEqual(oracle_leftovers(before), [])

    def test_namespaces_vanish_after_close(self):
        before = net_ns_inodes_alive()
        o = ko.Oracle(["eth0", "eth1"])
        mine = {os.readlink(f"/proc/self/fd/{o.dut.fd}"), os.readlink(f"/proc/self/fd/{o.tap.fd}")}
        self.assertEqual(len(mine), 2)
        self.assertTrue(mine <= net_ns_inodes_alive())
        self.assertFalse(mine & before)
        o.close()
        self.assertFalse(mine & net_ns_inodes_alive())

    def test_bad_ruleset_reports_nft_error_and_cleans_up(self):
        before = net_ns_inodes_alive()
        with self.assertRaises(ko.OracleError) as cm:
            ko.run("table netdev t { chain c { bogus } }\n", ["eth0", "eth1"], inputs=[])
        self.assertIn("Error", str(cm.exception))           # nft's own message
        self.assertEqual(net_ns_inodes_alive() - before, set())

    def test_cli_writes_pcaps_and_json(self):
        with tempfile.TemporaryDirectory() as d:
            rsf = os.path.join(d, "r.nft")
            with open(rsf, "w") as f:
                f.write(chain(['udp dport 2 dup to "eth1"', "udp dport 3 drop"]))
            a = os.path.join(d, "a.pcap")
            b = os.path.join(d, "b.pcap")
            fa1, fa2, fb1 = udp_frame(1, 2), udp_frame(2, 3), udp_frame(3, 4)
            ko.write_pcap(a, [(10.0, fa1), (30.0, fa2)])
            ko.write_pcap(b, [(20.0, fb1)])
            out = os.path.join(d, "out")
            p = subprocess.run([sys.executable, os.path.join(HERE, "kernel_oracle.py"),
                                "--ruleset", rsf, "--ports", "eth0,eth1", "--in", f"eth0={a}",
                                "--in", f"eth1={b}", "--mac", "eth1=02:00:00:00:11:11",
                                "--out-dir", out], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "result.json")) as f:
                res = json.load(f)
            pk = res["packets"]
            self.assertEqual([(x["in_port"], x["in_index"]) for x in pk],
                             [("eth0", 0), ("eth1", 0), ("eth0", 1)])   # by timestamp
            self.assertEqual(outs(pk[0]), [("eth1", fa1), ("eth1", fa1)])
            self.assertEqual(outs(pk[1]), [("eth0", fb1)])
            self.assertEqual(outs(pk[2]), [])
            self.assertEqual(res["ports"][1]["mac"], "02:00:00:00:11:11")
            self.assertEqual([f for _, f in ko.read_pcap(os.path.join(out, "eth1.pcap"))],
                             [fa1, fa1])
            self.assertEqual([f for _, f in ko.read_pcap(os.path.join(out, "eth0.pcap"))],
                             [fb1])

    def test_cli_bad_ruleset_exit_status(self):
        with tempfile.TemporaryDirectory() as d:
            rsf = os.path.join(d, "r.nft")
            with open(rsf, "w") as f:
                f.write(chain(['fwd to "nosuchdev"']))
            p = subprocess.run([sys.executable, os.path.join(HERE, "kernel_oracle.py"),
                                "--ruleset", rsf, "--ports", "eth0,eth1",
                                "--out-dir", os.path.join(d, "o")],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertIn("nosuchdev", p.stderr)

    def _killed_cli_leaves_nothing(self, sig):
        with tempfile.TemporaryDirectory() as d:
            rsf = os.path.join(d, "r.nft")
            with open(rsf, "w") as f:
                f.write(chain(["accept"]))
            own = os.readlink("/proc/self/ns/net")
            proc = subprocess.Popen([sys.executable, os.path.join(HERE, "kernel_oracle.py"),
                                     "--ruleset", rsf, "--ports", "eth0,eth1",
                                     "--settle", "60", "--out-dir", os.path.join(d, "o")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            held = set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(held) < 2:
                time.sleep(0.05)
                held = set()
                try:
                    for fd in os.listdir(f"/proc/{proc.pid}/fd"):
                        try:
                            link = os.readlink(f"/proc/{proc.pid}/fd/{fd}")
                        except OSError:
                            continue
                        if link.startswith("net:[") and link != own:
                            held.add(link)
                except OSError:
                    break
            self.assertEqual(len(held), 2, "oracle did not create its two namespaces")
            time.sleep(0.5)                                 # well into --settle
            proc.send_signal(sig)
            proc.wait(timeout=10)
            proc.stderr.close()
            self.assertEqual(held & net_ns_inodes_alive(), set())

    def test_sigterm_leaves_nothing(self):
        self._killed_cli_leaves_nothing(signal.SIGTERM)

    def test_sigkill_leaves_nothing(self):
        self._killed_cli_leaves_nothing(signal.SIGKILL)


def main():
    if os.geteuid() != 0:
        print("test_oracle: needs root (network namespaces, nft); skipped")
        return 77
    try:
        subprocess.run(["unshare", "--net", "true"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("test_oracle: cannot create network namespaces; skipped")
        return 77
    prog = unittest.main(module=__name__, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
