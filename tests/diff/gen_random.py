#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Random differential tests: random netdev rulesets and packets that hit their boundaries,
kernel (oracle) against forwarder (nftdiff).

    gen_random.py [--seed S] [--count N] [--packets P] [--case I] [--bin PATH]
                  [--save DIR] [--kernel-only] [--print]
                  [--offload PROFILE --flowemu LIBFLOWEMU.so]

Case I of seed S is fully determined by (S, I): `--seed S --case I` reruns one case alone,
`--print` prints its ruleset and packet summaries instead of running it.  --save DIR writes every
failing case as DIR/seedS-caseI/{ruleset.nft,in-eth0.pcap,report.txt} with the nftdiff command
line that reproduces it.  Exit 0 all equal, 1 any difference, 77 when the forwarder cannot load
rulesets (kernel side still run: the generator's rulesets must load into the kernel).

--offload PROFILE runs the forwarder with `--offload auto` on an emulated rte_flow NIC
(tests/flowemu, libflowemu.so preloaded from --flowemu, every port attached with PROFILE: rich,
nopriority, smalltable, none): frames and counters must still equal the kernel's, and the run
fails when the profile took no hardware rule at all (or `none` took one), so that it cannot
pass by offloading nothing.

What is generated (one input port, eth0 -> eth1, so frames and counters compare exactly):
  * 1-3 base chains on eth0 (priorities drawn from a small set, so equal priorities happen),
    policies accept/drop; 0-3 regular chains reached by jump/goto (acyclic);
  * rules of 1-3 matches: ip saddr/daddr prefixes (== / !=), address ranges, ip protocol,
    ttl values/ranges, tcp/udp sport/dport values, ranges, !=, anonymous sets with intervals,
    tcp flags under masks, meta l4proto/protocol/length, meta mark (set by earlier rules),
    named sets (addresses with intervals, ports, `ip saddr . tcp dport` concatenations),
    ip6 saddr prefixes, vlan id, ether saddr;
  * statements: counter (inline, and named counters), meta mark set, verdicts accept / drop /
    jump / goto / return / continue, or none;
  * packets: IPv4 TCP/UDP/ICMP, IPv6 TCP/UDP, VLAN-tagged IPv4, ARP; every field value is taken,
    with high probability, from the boundary points of the generated rules (for a prefix: its
    first and last address and the addresses just outside; for a range: both ends and the values
    just outside; for set elements: the element and its neighbours), else random.
"""

import argparse
import ipaddress
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "corpus"))
sys.dont_write_bytecode = True
import nftdiff as D                                                 # noqa: E402

PORTS = ["eth0", "eth1"]
# the forwarder's offload log line (control/offload.c)
OFFLOAD_SUMMARY = re.compile(r"offload: \d+ rule\(s\) in hardware, \d+ partial, \d+ in software; "
                             r"(\d+) hardware rule")
SRC_MAC = "02:00:00:00:00:01"


# --------------------------------------------------------------------------- value pools

class Pools:
    """Boundary values per field, collected while generating the rules."""

    def __init__(self):
        self.v = {}
        self.cur = None         # the current rule's own values (a hint for packets)

    def add(self, field, *vals):
        for d in (self.v, self.cur):
            if d is None:
                continue
            s = d.setdefault(field, [])
            for x in vals:
                if x not in s:
                    s.append(x)

    def pick(self, rnd, field, default):
        s = self.v.get(field)
        if s and rnd.random() < 0.8:
            return rnd.choice(s)
        return default()


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


class Gen:
    def __init__(self, seed, case):
        self.rnd = random.Random(f"{seed}:{case}")
        self.pools = Pools()
        self.sets = []                  # declarations
        self.hints = []                 # per rule: its boundary values and l3/l4 profile
        self.counters = []
        self.marks = [self.rnd.randint(1, 0xff) for _ in range(3)]
        self.addr_bases = [self.rnd.choice(["10.0.0.0", "10.1.0.0", "192.168.0.0", "172.16.0.0"])
                           for _ in range(2)]

    # -- values

    def rand_ip(self):
        base = int(ipaddress.IPv4Address(self.rnd.choice(self.addr_bases)))
        return str(ipaddress.IPv4Address(base + self.rnd.randint(0, 0x1ffff)))

    def prefix(self, field):
        r = self.rnd
        plen = r.choice([8, 16, 20, 24, 28, 30, 31, 32])
        net = ipaddress.IPv4Network(f"{self.rand_ip()}/{plen}", strict=False)
        lo, hi = int(net.network_address), int(net.broadcast_address)
        pts = [lo, hi, lo - 1, hi + 1, r.randint(lo, hi)]
        self.pools.add(field, *[str(ipaddress.IPv4Address(clamp(x, 0, 2**32 - 1))) for x in pts])
        return str(net) if plen < 32 else str(net.network_address)

    def addr_range(self, field):
        a = int(ipaddress.IPv4Address(self.rand_ip()))
        b = a + self.rnd.randint(1, 600)
        self.pools.add(field, *[str(ipaddress.IPv4Address(x)) for x in (a, b, a - 1, b + 1, (a + b) // 2)])
        return f"{ipaddress.IPv4Address(a)}-{ipaddress.IPv4Address(b)}"

    def port(self, field):
        p = self.rnd.choice([self.rnd.randint(1, 1024), self.rnd.randint(1025, 65534), 80, 443, 53])
        self.pools.add(field, p, p - 1, p + 1)
        return p

    def port_range(self, field):
        a = self.rnd.randint(1, 60000)
        b = a + self.rnd.randint(1, 2000)
        self.pools.add(field, a, b, a - 1, b + 1, (a + b) // 2)
        return a, b

    def port_set(self, field, n=None):
        """Disjoint values and intervals, as nft wants them."""
        n = n or self.rnd.randint(2, 5)
        pts = sorted(self.rnd.sample(range(1, 65000, 7), n * 2))
        elems = []
        for i in range(n):
            a, b = pts[2 * i], pts[2 * i + 1]
            if self.rnd.random() < 0.5:
                elems.append(str(a))
                self.pools.add(field, a, a - 1, a + 1)
            else:
                b = min(b, a + self.rnd.randint(1, 300))
                elems.append(f"{a}-{b}")
                self.pools.add(field, a, b, a - 1, b + 1)
        return elems

    def ttl(self):
        if self.rnd.random() < 0.5:
            t = self.rnd.randint(0, 255)
            self.pools.add("ttl", t, clamp(t - 1, 0, 255), clamp(t + 1, 0, 255))
            return str(t)
        a = self.rnd.randint(0, 250)
        b = self.rnd.randint(a + 1, 255)
        self.pools.add("ttl", a, b, clamp(a - 1, 0, 255), clamp(b + 1, 0, 255))
        return f"{a}-{b}"

    # -- matches

    # kind: (needs l3, needs l4, sets) -- nft refuses a rule whose dependencies conflict
    # (tcp vs udp, ip vs ip6, ether vs vlan), so a rule has one l3 / l4 profile.
    KINDS = {
        "saddr": ("ip", None), "daddr": ("ip", None), "saddr_ne": ("ip", None),
        "addr_range": ("ip", None), "proto": ("ip", "none"), "ttl": ("ip", None),
        "dport": (None, "tcp"), "sport": (None, "tcp"), "dport_ne": (None, "tcp"),
        "udp_dport": (None, "udp"), "dport_range": (None, "l4"), "port_set": (None, "l4"),
        "port_set_ne": (None, "l4"), "set_port": (None, "l4"), "tcp_flags": (None, "tcp"),
        "l4proto": (None, "none"), "protocol": ("none", "none"), "length": (None, None),
        "mark": (None, None), "set_addr": ("ip", None), "set_concat": ("ip", "tcp"),
        "ip6_saddr": ("ip6", None), "vlan": (None, None), "ether_saddr": (None, None),
    }

    def match(self, st):
        """One match compatible with the rule state st = {l3, l4, used}; None if none fits."""
        r = self.rnd
        ok = []
        for k, (l3, l4) in self.KINDS.items():
            if l3 == "none" and (st["l3"] or st["l3_used"]):
                continue
            if l3 not in (None, "none") and st["l3"] != l3:
                continue
            if l4 == "none" and (st["l4_used"] or st["l4"]):
                continue
            if l4 in ("tcp", "udp") and st["l4"] != l4:
                continue
            if l4 == "l4" and st["l4"] not in ("tcp", "udp"):
                continue
            if k in ("vlan", "ether_saddr", "protocol") and st["link"]:
                continue
            ok.append(k)
        if not ok:
            return None
        k = r.choice(ok)
        l3, l4 = self.KINDS[k]
        if l3 is not None:
            st["l3_used"] = True
        if l4 is not None:
            st["l4_used"] = True
        if k in ("proto", "l4proto"):
            st["l4"] = "blocked"
        if k == "protocol":
            st["l3"] = "blocked"
        if k in ("vlan", "ether_saddr", "protocol"):
            st["link"] = True
        proto = st["l4"] if st["l4"] in ("tcp", "udp") else "tcp"
        if k == "saddr":
            return f"ip saddr {self.prefix('saddr')}"
        if k == "daddr":
            return f"ip daddr {self.prefix('daddr')}"
        if k == "saddr_ne":
            return f"ip saddr != {self.prefix('saddr')}"
        if k == "addr_range":
            f = r.choice(["saddr", "daddr"])
            return f"ip {f} {self.addr_range(f)}"
        if k == "proto":
            return f"ip protocol {r.choice(['tcp', 'udp', 'icmp', '{ tcp, udp }'])}"
        if k == "ttl":
            return f"ip ttl {'!= ' if r.random() < 0.2 else ''}{self.ttl()}"
        if k in ("dport", "sport"):
            return f"tcp {k} {self.port(k)}"
        if k == "udp_dport":
            return f"udp dport {self.port('dport')}"
        if k == "dport_range":
            a, b = self.port_range("dport")
            return f"{proto} dport {a}-{b}"
        if k == "dport_ne":
            return f"tcp dport != {self.port('dport')}"
        if k in ("port_set", "port_set_ne"):
            neg = "!= " if k == "port_set_ne" else ""
            return f"{proto} dport {neg}{{ {', '.join(self.port_set('dport'))} }}"
        if k == "tcp_flags":
            fl = ["fin", "syn", "rst", "psh", "ack", "urg"]
            mask = r.sample(fl, r.randint(1, 3))
            want = [f for f in mask if r.random() < 0.5]
            self.pools.add("flags", "".join(x[0].upper() for x in want) or "A")
            return f"tcp flags & ({'|'.join(mask)}) == " + (f"({'|'.join(want)})" if want else "0")
        if k == "l4proto":
            return f"meta l4proto {r.choice(['tcp', 'udp', 'icmp', 'ipv6-icmp', '{ tcp, udp }'])}"
        if k == "protocol":
            return f"meta protocol {r.choice(['ip', 'ip6', 'arp', 'vlan'])}"
        if k == "length":
            a = r.randint(20, 200)
            b = a + r.randint(0, 100)
            self.pools.add("length", a, b, a - 1, b + 1)
            return f"meta length {a}-{b}" if a != b else f"meta length {a}"
        if k == "mark":
            m = r.choice(self.marks)
            return r.choice([f"meta mark {m:#x}", f"meta mark != {m:#x}",
                             f"meta mark & {m & 0xf0:#x} == {m & 0xf0:#x}"])
        if k == "set_addr":
            name = f"s{len(self.sets)}"
            f = r.choice(["saddr", "daddr"])
            elems = self.disjoint_addr_elems(f)
            self.sets.append(f"\tset {name} {{\n\t\ttype ipv4_addr\n\t\tflags interval\n"
                             f"\t\telements = {{ {', '.join(elems)} }}\n\t}}")
            return f"ip {f} {'!= ' if r.random() < 0.2 else ''}@{name}"
        if k == "set_port":
            name = f"s{len(self.sets)}"
            elems = self.port_set("dport")
            self.sets.append(f"\tset {name} {{\n\t\ttype inet_service\n\t\tflags interval\n"
                             f"\t\telements = {{ {', '.join(elems)} }}\n\t}}")
            return f"{proto} dport @{name}"
        if k == "set_concat":
            name = f"s{len(self.sets)}"
            interval = r.random() < 0.5
            elems = []
            cur = r.randint(1, 20000)
            for _ in range(r.randint(1, 4)):
                if interval:
                    # disjoint port ranges: the elements never overlap (nft refuses overlaps)
                    a = cur + r.randint(1, 3000)
                    b = a + r.randint(0, 2000)
                    cur = b + 1
                    self.pools.add("dport", a, b, a - 1, b + 1)
                    elems.append(f"{self.prefix('saddr')} . {a}-{b}")
                else:
                    ip = self.rand_ip()
                    self.pools.add("saddr", ip)
                    elems.append(f"{ip} . {self.port('dport')}")
            self.sets.append(f"\tset {name} {{\n\t\ttype ipv4_addr . inet_service\n"
                             + ("\t\tflags interval\n" if interval else "")
                             + f"\t\telements = {{ {', '.join(elems)} }}\n\t}}")
            return f"ip saddr . tcp dport @{name}"
        if k == "ip6_saddr":
            plen = r.choice([32, 48, 64, 120, 128])
            base = ipaddress.IPv6Address("2001:db8::") + (r.getrandbits(64) << 32 if plen < 64
                                                         else r.getrandbits(80))
            net = ipaddress.IPv6Network(f"{base}/{plen}", strict=False)
            lo, hi = int(net.network_address), int(net.broadcast_address)
            self.pools.add("saddr6", *[str(ipaddress.IPv6Address(x)) for x in (lo, hi, lo - 1, hi + 1)])
            return f"ip6 saddr {net if plen < 128 else net.network_address}"
        if k == "vlan":
            v = r.randint(1, 4094)
            self.pools.add("vlan", v, v - 1, v + 1)
            return f"vlan id {v}"
        if k == "ether_saddr":
            m = "02:00:00:00:%02x:%02x" % (r.randint(0, 3), r.randint(0, 255))
            self.pools.add("ether_saddr", m)
            return f"ether saddr {m}"
        raise AssertionError(k)

    def disjoint_addr_elems(self, field):
        base = int(ipaddress.IPv4Address(self.rand_ip())) & ~0xfff
        elems, cur = [], base
        for _ in range(self.rnd.randint(1, 4)):
            cur += self.rnd.randint(1, 300)
            if self.rnd.random() < 0.5:
                elems.append(str(ipaddress.IPv4Address(cur)))
                self.pools.add(field, *[str(ipaddress.IPv4Address(x)) for x in (cur, cur - 1, cur + 1)])
                cur += 2
            else:
                end = cur + self.rnd.randint(1, 200)
                elems.append(f"{ipaddress.IPv4Address(cur)}-{ipaddress.IPv4Address(end)}")
                self.pools.add(field, *[str(ipaddress.IPv4Address(x))
                                        for x in (cur, end, cur - 1, end + 1)])
                cur = end + 2
        return elems

    # -- rules and chains

    def rule(self, chain_idx, n_regular, base):
        r = self.rnd
        st = {"l3": r.choice(["ip", "ip", "ip", "ip6", None]), "l4": r.choice(["tcp", "tcp", "udp", None]),
              "l3_used": False, "l4_used": False, "link": False}
        self.pools.cur = {}
        parts = [m for m in (self.match(st) for _ in range(r.choice([1, 1, 2, 2, 3]))) if m]
        hint = self.pools.cur
        self.pools.cur = None
        hint["_l3"], hint["_l4"] = st["l3"], st["l4"]
        if any(m.startswith("vlan") for m in parts):
            hint["_vlan"] = True
        self.hints.append(hint)
        # link-layer matches first: after a network match nft refuses them (ether vs vlan)
        parts.sort(key=lambda m: not m.startswith(("vlan", "ether")))
        if r.random() < 0.5:
            parts.append("counter")
        elif r.random() < 0.15 and self.counters:
            parts.append(f'counter name "{r.choice(self.counters)}"')
        if r.random() < 0.2:
            parts.append(f"meta mark set {r.choice(self.marks):#x}")
        x = r.random()
        if x < 0.05:
            parts.append(f"quota {'over ' if r.random() < 0.5 else ''}{r.randint(1, 40) * 100} bytes")
        elif x < 0.09:
            parts.append(f"limit rate {'over ' if r.random() < 0.3 else ''}1/hour burst "
                         f"{r.randint(1, 20)} packets")
        elif x < 0.12 and st["l3"] == "ip":
            parts.append(f"ip ttl set {r.randint(1, 255)}")
        elif x < 0.15 and st["l4"] == "tcp" and st["l4_used"]:
            parts.append(f"tcp dport set {self.port('dport')}")
        elif x < 0.18:
            parts.append(f'dup to "{r.choice(PORTS)}"')
        later = list(range(chain_idx + 1, n_regular)) if not base else list(range(n_regular))
        if st["l4"] == "tcp" and r.random() < 0.06:
            # a verdict map instead of a verdict
            elems = {}
            for _ in range(r.randint(1, 4)):
                elems[self.port("dport")] = r.choice(["accept", "drop"] + [f"jump r{c}" for c in later])
            parts = [p for p in parts if p != "counter"]
            parts.append("tcp dport vmap { " + ", ".join(f"{k} : {v}" for k, v in elems.items()) + " }")
            return " ".join(parts)
        verdicts = {"accept": 20, "drop": 35, "": 20, "continue": 4, "fwd": 3}
        if later:
            verdicts.update(jump=12, goto=5)
        if not base:
            verdicts["return"] = 8
        if st["l3"] in ("ip", "ip6") and st["l3_used"]:
            verdicts["reject"] = 3
        if st["l4"] == "tcp" and st["l4_used"]:
            verdicts["reject with tcp reset"] = 3
        v = r.choices(list(verdicts), list(verdicts.values()))[0]
        if v in ("jump", "goto"):
            v = f"{v} r{r.choice(later)}"
        elif v == "fwd":
            v = f'fwd to "{r.choice(PORTS)}"'
        if v:
            parts.append(v)
        return " ".join(parts)

    def ruleset(self):
        r = self.rnd
        n_regular = r.randint(0, 3)
        n_base = r.randint(1, 3)
        self.counters = [f"nc{i}" for i in range(r.randint(0, 2))]
        chains = []
        prios = [r.choice([-10, 0, 0, 10]) for _ in range(n_base)]
        for i in range(n_base):
            pol = "drop" if r.random() < 0.15 else "accept"
            rules = [self.rule(0, n_regular, True) for _ in range(r.randint(1, 8))]
            chains.append(f"\tchain b{i} {{\n\t\ttype filter hook ingress device \"eth0\" "
                          f"priority {prios[i]}; policy {pol};\n"
                          + "".join(f"\t\t{x}\n" for x in rules) + "\t}")
        for i in range(n_regular):
            rules = [self.rule(i, n_regular, False) for _ in range(r.randint(1, 5))]
            chains.append(f"\tchain r{i} {{\n" + "".join(f"\t\t{x}\n" for x in rules) + "\t}")
        objs = [f"\tcounter {c} {{ }}" for c in self.counters]
        return "table netdev t {\n" + "\n".join(objs + self.sets + chains) + "\n}\n"

    # -- packets

    def packets(self, n):
        from pk import Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, ARP, Raw
        r, P = self.rnd, self.pools
        out = []
        glob = P
        for _ in range(n):
            kind = r.choices(["tcp4", "udp4", "icmp4", "tcp6", "udp6", "vlan4", "arp"],
                             [30, 25, 5, 10, 8, 15, 2])[0]
            damage = r.choices(["", "frag", "ihl", "trunc"], [88, 5, 3, 4])[0]
            P = glob
            if self.hints and r.random() < 0.7:
                # aim at one rule: its protocol profile, its own boundary values first
                h = r.choice(self.hints)
                l3 = h["_l3"] if h["_l3"] in ("ip", "ip6") else r.choice(["ip", "ip6"])
                l4 = h["_l4"] if h["_l4"] in ("tcp", "udp") else r.choice(["tcp", "udp", "icmp"])
                if l3 == "ip6" and l4 == "icmp":
                    l4 = "udp"
                kind = {"ip": {"tcp": "tcp4", "udp": "udp4", "icmp": "icmp4"},
                        "ip6": {"tcp": "tcp6", "udp": "udp6"}}[l3][l4]
                if h.get("_vlan") and l3 == "ip" and l4 == "tcp":
                    kind = "vlan4"
                P = Pools()
                # sorted: set order of str follows PYTHONHASHSEED, and each key draws
                # from r: unsorted, a case would not depend on (seed, case) alone
                P.v = {k: (h.get(k) or []) + glob.v.get(k, []) if r.random() < 0.7 else glob.v.get(k, [])
                       for k in sorted(set(glob.v) | set(h)) if not k.startswith("_")}
            smac = P.pick(r, "ether_saddr", lambda: SRC_MAC) if r.random() < 0.3 else SRC_MAC
            e = Ether(src=smac, dst="02:70:63:61:70:00")
            if kind == "arp":
                out.append(bytes(e / ARP(psrc=self.rand_ip(), pdst=self.rand_ip())))
                continue
            sport = P.pick(r, "sport", lambda: r.randint(1, 65535)) if r.random() < 0.5 else \
                P.pick(r, "dport", lambda: r.randint(1, 65535))
            dport = P.pick(r, "dport", lambda: r.randint(1, 65535))
            sport, dport = clamp(sport, 0, 65535), clamp(dport, 0, 65535)
            if kind in ("tcp4", "tcp6", "vlan4"):
                l4 = TCP(sport=sport, dport=dport, flags=P.pick(r, "flags", lambda: r.choice(["S", "SA", "A", "FA", "R", "PA"])))
            elif kind == "icmp4":
                l4 = ICMP()
            else:
                l4 = UDP(sport=sport, dport=dport)
            pay = b"\0" * r.choice([0, 0, 1, 10, 100])
            if kind in ("tcp6", "udp6"):
                src = P.pick(r, "saddr6", lambda: "2001:db8::%x" % r.getrandbits(16))
                l3 = IPv6(src=src, dst="2001:db8::1")
            else:
                l3 = IP(src=P.pick(r, "saddr", self.rand_ip), dst=P.pick(r, "daddr", self.rand_ip),
                        ttl=P.pick(r, "ttl", lambda: r.choice([1, 64, 128, 255])))
            # hit meta length boundaries sometimes
            if "length" in P.v and r.random() < 0.3:
                want = r.choice(P.v["length"])
                have = len(bytes(l3 / l4))
                if want >= have:
                    pay = b"\0" * (want - have)
            l2 = e
            if kind == "vlan4":
                l2 = e / Dot1Q(vlan=P.pick(r, "vlan", lambda: r.randint(0, 4095)) % 4096)
            elif "vlan" in P.v and r.random() < 0.1:
                l2 = e / Dot1Q(vlan=r.choice(P.v["vlan"]) % 4096)
            if damage == "frag" and kind in ("tcp4", "udp4", "vlan4"):
                l3.flags = r.choice([0, 1])
                l3.frag = r.choice([0, 1, 3, 100])
            elif damage == "ihl" and kind in ("tcp4", "udp4", "vlan4"):
                l3.ihl = r.choice([4, 6, 15])
            fr = bytes(l2 / l3 / l4 / Raw(pay))
            if damage == "trunc":
                fr = fr[:r.randint(14, len(fr))]
            out.append(fr)
        return out


def make_case(seed, i, npk):
    g = Gen(seed, i)
    rs = g.ruleset()
    frames = g.packets(npk)
    return D.Case(f"seed{seed}-case{i}", rs, PORTS, [("eth0", f) for f in frames])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--packets", type=int, default=200)
    ap.add_argument("--case", type=int, help="run (or --print) only case I")
    ap.add_argument("--bin", default=D.DEFAULT_BIN)
    ap.add_argument("--save")
    ap.add_argument("--kernel-only", action="store_true")
    ap.add_argument("--print", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--offload", metavar="PROFILE",
                    help="forwarder with --offload auto on this flowemu profile")
    ap.add_argument("--flowemu", metavar="LIB", help="libflowemu.so (with --offload)")
    a = ap.parse_args(argv)
    if a.offload:
        if not a.flowemu:
            ap.error("--offload needs --flowemu LIBFLOWEMU.so")
        # nftdiff passes these to the forwarder only (not to nft or the oracle)
        os.environ["NFTDIFF_FWD_PRELOAD"] = os.path.abspath(a.flowemu)
        os.environ["NFTFWD_FLOWEMU"] = f"*={a.offload}"
        os.environ["NFTDIFF_FWD_ARGS"] = "--offload auto"
    idx = [a.case] if a.case is not None else list(range(a.count))
    if a.print:
        for i in idx:
            c = make_case(a.seed, i, a.packets)
            print(f"# {c.name}\n{c.ruleset}")
            for k, (_, f) in enumerate(c.inputs):
                print(f"#{k} {D.summary(f)}")
        return 0
    if os.geteuid() != 0:
        print("gen_random: needs root (network namespaces); skipped")
        return 77
    passed = failed = skipped = 0
    fails = []
    kinds = {}
    planned = entries = 0
    t0 = time.monotonic()
    with D.Session(PORTS, binary=a.bin, forwarder=not a.kernel_only) as s:
        for i in idx:
            case = make_case(a.seed, i, a.packets)
            try:
                try:
                    res = s.diff(case)
                except D.NotSupported as e:
                    print(f"note: forwarder not compared: {e}")
                    s.forwarder = False
                    res = s.diff(case)
            except D.ko.OracleError as e:
                failed += 1
                fails.append(i)
                print(f"FAIL {case.name}: the kernel refused the generated ruleset "
                      f"(generator bug): {e}")
                print(case.ruleset)
                continue
            if a.offload and res.forwarder is not None:
                for m in OFFLOAD_SUMMARY.finditer(res.forwarder.stderr or ""):
                    planned += 1
                    entries += int(m.group(1))
            kr = res.kernel
            nout = sum(len(o) for o in kr.packets if o)
            ndrop = sum(1 for o in kr.packets if o == [])
            if not s.forwarder:
                skipped += 1
                if a.verbose:
                    print(f"KERNEL-OK {case.name} ({ndrop} dropped, {nout} out)")
                continue
            if res.ok:
                passed += 1
                print(f"PASS {case.name} ({len(case.inputs)} packets: {ndrop} dropped, "
                      f"{nout} out; {len(kr.counters)} counters)")
            else:
                failed += 1
                fails.append(i)
                for k in res.kinds:
                    kinds[k] = kinds.get(k, 0) + 1
                print(f"FAIL {case.name} ({', '.join(sorted(res.kinds))} differ); "
                      f"rerun: {sys.argv[0]} --seed {a.seed} --case {i} --packets {a.packets}")
                print("     ruleset:\n       " + case.ruleset.rstrip().replace("\n", "\n       "))
                print("     " + res.report.replace("\n", "\n     "))
                if a.save:
                    save(a, case, res, i)
            sys.stdout.flush()
    dt = time.monotonic() - t0
    print(f"random: seed {a.seed}, {len(idx)} rulesets x {a.packets} packets in {dt:.1f} s "
          f"(kernel {s.kernel_s:.1f} s, forwarder {s.forwarder_s:.1f} s)")
    if fails:
        print("failed cases: " + " ".join(map(str, fails))
              + "  (" + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())) + ")")
    if a.offload and passed + failed > 0:
        print(f"offload profile {a.offload}: {planned} plans, {entries} hardware rules installed")
        if planned == 0:
            print("FAIL: the forwarder made no offload plan")
            failed += 1
        elif (a.offload == "none") != (entries == 0):
            print(f"FAIL: profile {a.offload} " +
                  ("took hardware rules" if a.offload == "none" else "took no hardware rule: "
                   "the run proves nothing"))
            failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    return 77 if skipped and not passed else 0


def save(a, case, res, i):
    d = os.path.join(a.save, f"seed{a.seed}-case{i}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "ruleset.nft"), "w") as f:
        f.write(case.ruleset)
    D.ko.write_pcap(os.path.join(d, "in-eth0.pcap"),
                    [(1700000000.0 + k * 1e-6, fr) for k, (_, fr) in enumerate(case.inputs)])
    with open(os.path.join(d, "report.txt"), "w") as f:
        f.write(res.report + "\n\nreproduce: tests/diff/nftdiff.py --ruleset ruleset.nft "
                "--ports eth0,eth1 --in eth0=in-eth0.pcap\n")


if __name__ == "__main__":
    sys.exit(main())
