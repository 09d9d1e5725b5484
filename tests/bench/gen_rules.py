#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Realistic rulesets of any size for the rule-scaling benchmark, and
matching traffic with a known hit/miss mix.

  gen_rules.py --rules N [-o PREFIX] [--device src] [--seed 1] [--frames 4096]
               [--policy accept|drop] [--no-pcap]

Writes PREFIX.nft (a netdev table with one ingress chain on DEVICE) and
PREFIX.pcap (64-byte frames), and prints the traffic mix.

The chain holds N rules: five *core* rules that the traffic hits, spread
evenly through it, and N - 5 *filler* rules of the shapes real edge rulesets
have, over address space the traffic never uses (so every size sees the
same verdicts for the same frames):
  - blocklist prefixes: `ip saddr 1.2.0.0/16 drop`, /16 to /32 mixed (60%)
  - service allows: `ip daddr 172.20.1.2 tcp dport 443 accept` (25%)
  - port ranges: `ip daddr 172.24.3.0/24 udp dport 10000-10999 accept` (10%)
  - small anonymous sets: `ip saddr { ... } drop`, `tcp dport { ... }` (5%)
The frames (the same for every N with the same --seed and --frames):
  15% from 198.18.0.0/16           -> core blocklist rule: drop
  25% to 172.16.1.10 tcp 80/443    -> core service rule (port set): accept
  15% to 172.16.1.20 udp 53        -> core service rule: accept
  10% to 172.16.2.0/24 udp 5000-5999 -> core range rule: drop
  10% 10.1.0.0/16 . tcp 8080 pairs -> core concatenated-set rule: accept
  25% anything else                -> no rule: the policy
The mix is checked: every frame is run through this script's own first-match
evaluation of the generated rules, and the counts are printed.
"""

import argparse
import ipaddress
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import fwdtest as T  # noqa: E402


def ip(s):
    return int(ipaddress.IPv4Address(s))


def ipstr(v):
    return str(ipaddress.IPv4Address(v))


class Rule:
    """One rule: nft text and a predicate over (saddr, daddr, proto, dport)."""

    def __init__(self, text, pred, verdict, core=None):
        self.text = text
        self.pred = pred
        self.verdict = verdict
        self.core = core


def prefix_pred(field, net, plen):
    mask = (0xffffffff << (32 - plen)) & 0xffffffff if plen else 0
    return lambda p: (p[field] & mask) == net


def core_rules(rnd):
    pairs = [(ip("10.1.0.0") + rnd.randrange(65536), 8080) for _ in range(64)]
    pairset = set(pairs)
    rules = [
        Rule("ip saddr 198.18.0.0/16 counter drop",
             prefix_pred(0, ip("198.18.0.0"), 16), "drop", "blocklist"),
        Rule("ip daddr 172.16.1.10 tcp dport { 80, 443 } counter accept",
             lambda p: p[1] == ip("172.16.1.10") and p[2] == 6 and p[3] in (80, 443),
             "accept", "service-tcp"),
        Rule("ip daddr 172.16.1.20 udp dport 53 accept",
             lambda p: p[1] == ip("172.16.1.20") and p[2] == 17 and p[3] == 53,
             "accept", "service-udp"),
        Rule("ip daddr 172.16.2.0/24 udp dport 5000-5999 drop",
             lambda p: (p[1] & 0xffffff00) == ip("172.16.2.0") and p[2] == 17 and
             5000 <= p[3] <= 5999, "drop", "range"),
        Rule("ip saddr . tcp dport @pairs accept",
             lambda p: p[2] == 6 and (p[0], p[3]) in pairset, "accept", "concat-set"),
    ]
    return rules, pairs


def filler_rule(rnd):
    k = rnd.random()
    if k < 0.60:
        # blocklist prefixes in 1.0.0.0 - 9.255.255.255
        plen = rnd.choice([16, 20, 22, 24, 24, 24, 28, 32, 32, 32])
        net = rnd.randrange(ip("1.0.0.0"), ip("10.0.0.0")) & ((0xffffffff << (32 - plen)) & 0xffffffff)
        text = f"ip saddr {ipstr(net)}/{plen} drop" if plen < 32 else f"ip saddr {ipstr(net)} drop"
        return Rule(text, prefix_pred(0, net, plen), "drop")
    if k < 0.85:
        # service allows on 172.20.0.0/14
        d = ip("172.20.0.0") + rnd.randrange(1 << 18)
        proto, name = rnd.choice([(6, "tcp"), (6, "tcp"), (17, "udp")])
        port = rnd.choice([22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 993, 3306, 5432,
                           6379, 8080, 8443, rnd.randrange(1024, 65536)])
        return Rule(f"ip daddr {ipstr(d)} {name} dport {port} accept",
                    lambda p, d=d, proto=proto, port=port: p[1] == d and p[2] == proto and p[3] == port,
                    "accept")
    if k < 0.95:
        # port ranges towards 172.24.0.0/16 subnets
        net = ip("172.24.0.0") + (rnd.randrange(256) << 8)
        lo = rnd.randrange(1024, 60000)
        hi = lo + rnd.randrange(1, 5000)
        hi = min(hi, 65535)
        verdict = rnd.choice(["accept", "drop"])
        return Rule(f"ip daddr {ipstr(net)}/24 udp dport {lo}-{hi} {verdict}",
                    lambda p, net=net, lo=lo, hi=hi: (p[1] & 0xffffff00) == net and p[2] == 17 and lo <= p[3] <= hi,
                    verdict)
    if k < 0.975:
        addrs = sorted({rnd.randrange(ip("1.0.0.0"), ip("10.0.0.0")) for _ in range(rnd.randrange(2, 8))})
        text = "ip saddr { " + ", ".join(ipstr(a) for a in addrs) + " } drop"
        aset = set(addrs)
        return Rule(text, lambda p, aset=aset: p[0] in aset, "drop")
    d = ip("172.21.0.0") + rnd.randrange(1 << 16)
    ports = sorted({rnd.randrange(1, 65536) for _ in range(rnd.randrange(2, 6))})
    pset = set(ports)
    text = f"ip daddr {ipstr(d)} tcp dport {{ " + ", ".join(map(str, ports)) + " } accept"
    return Rule(text, lambda p, d=d, pset=pset: p[1] == d and p[2] == 6 and p[3] in pset, "accept")


def gen_rules(n, seed):
    rnd = random.Random(seed)
    core, pairs = core_rules(random.Random(seed * 7 + 1))
    filler = [filler_rule(rnd) for _ in range(max(0, n - len(core)))]
    rules = list(filler)
    # the core rules spread evenly, in their order
    for k, r in enumerate(core):
        pos = (k * len(rules)) // len(core) + k if n > len(core) else k
        rules.insert(min(pos, len(rules)), r)
    return rules[:max(n, len(core))], pairs


def gen_traffic(nframes, seed, pairs):
    """(saddr, daddr, proto, sport, dport, intended category) per frame."""
    rnd = random.Random(seed * 13 + 5)
    flows = []
    for i in range(nframes):
        k = i % 20          # exact proportions, interleaved
        sport = rnd.randrange(1024, 65536)
        if k < 3:
            f = (ip("198.18.0.0") + rnd.randrange(65536), ip("172.16.9.1"), rnd.choice([6, 17]),
                 sport, rnd.choice([80, 53, 1234]), "blocklist")
        elif k < 8:
            f = (ip("10.0.0.0") + rnd.randrange(1 << 24), ip("172.16.1.10"), 6, sport,
                 rnd.choice([80, 443]), "service-tcp")
        elif k < 11:
            f = (ip("10.0.0.0") + rnd.randrange(1 << 24), ip("172.16.1.20"), 17, sport, 53,
                 "service-udp")
        elif k < 13:
            f = (ip("10.0.0.0") + rnd.randrange(1 << 24), ip("172.16.2.0") + rnd.randrange(256),
                 17, sport, rnd.randrange(5000, 6000), "range")
        elif k < 15:
            sa, dp = rnd.choice(pairs)
            f = (sa, ip("172.16.3.3"), 6, sport, dp, "concat-set")
        else:
            f = (ip("10.0.0.0") + rnd.randrange(1 << 24), ip("172.16.9.0") + rnd.randrange(256),
                 rnd.choice([6, 17]), sport, rnd.choice([22, 80, 443, 8080, rnd.randrange(1, 65536)]),
                 "none")
        flows.append(f)
    return flows


def frame(f, i):
    """A 60-byte frame (64 on the wire with the FCS)."""
    sa, da, proto, sport, dport, _ = f
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, i, 0, 0x50, 0x02, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8, 0)
    ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, proto, 0,
                      sa.to_bytes(4, "big"), da.to_bytes(4, "big")) + l4
    fr = bytes.fromhex("020000000002" "020000000001" "0800") + ip4
    return fr + bytes(max(0, 60 - len(fr)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", type=int, required=True)
    ap.add_argument("-o", "--out", default=None, help="output prefix (default rules-N)")
    ap.add_argument("--device", default="src")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frames", type=int, default=4096)
    ap.add_argument("--policy", choices=["accept", "drop"], default="accept")
    ap.add_argument("--no-pcap", action="store_true")
    a = ap.parse_args()
    prefix = a.out or f"rules-{a.rules}"

    rules, pairs = gen_rules(a.rules, a.seed)
    with open(prefix + ".nft", "w") as f:
        f.write(f"# gen_rules.py --rules {a.rules} --seed {a.seed}: {len(rules)} rules\n")
        f.write("table netdev bench {\n")
        f.write("\tset pairs {\n\t\ttype ipv4_addr . inet_service\n\t\telements = { ")
        f.write(", ".join(f"{ipstr(s)} . {p}" for s, p in sorted(set(pairs))))
        f.write(" }\n\t}\n")
        f.write("\tchain ingress {\n")
        f.write(f'\t\ttype filter hook ingress device "{a.device}" priority 0; policy {a.policy};\n')
        for r in rules:
            f.write("\t\t" + r.text + "\n")
        f.write("\t}\n}\n")

    flows = gen_traffic(a.frames, a.seed, pairs)
    counts = {}
    verdicts = {"accept": 0, "drop": 0}
    for fl in flows:
        p = (fl[0], fl[1], fl[2], fl[4])
        hit = next((r for r in rules if r.pred(p)), None)
        got = hit.core if hit is not None else "none"
        if hit is not None and hit.core is None:
            got = "filler"
        if got != fl[5]:
            sys.exit(f"gen_rules: frame meant for {fl[5]} hits {got} ({hit.text if hit else '-'})")
        counts[got] = counts.get(got, 0) + 1
        verdicts[hit.verdict if hit else a.policy] += 1
    if not a.no_pcap:
        T.write_pcap(prefix + ".pcap", [frame(fl, i) for i, fl in enumerate(flows)])
    n = len(flows)
    print(f"{prefix}.nft: {len(rules)} rules on device {a.device}, policy {a.policy}"
          + ("" if a.no_pcap else f"; {prefix}.pcap: {n} frames"))
    print("traffic: " + ", ".join(f"{k} {100.0 * v / n:.0f}%" for k, v in sorted(counts.items()))
          + f"; verdicts: accept {100.0 * verdicts['accept'] / n:.0f}%, drop {100.0 * verdicts['drop'] / n:.0f}%")


if __name__ == "__main__":
    main()
