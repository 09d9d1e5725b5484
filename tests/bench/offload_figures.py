#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Figures for docs/OFFLOAD.md: for every shipped example ruleset
(conf/*.nft), where its rules run on each emulated NIC profile, what the
kernel's own `flags offload` would do with the same ruleset, and what the
worker saves per packet when the NIC decides.

For each ruleset:
  1. the forwarder (net_pcap ports, tests/flowemu preloaded with one
     profile on both ports, --offload auto --offload-plan) prints every
     rule's placement with its reason; counted per profile:
     hardware (exact) / partial / software (+ rules that need no hardware
     rule);
  2. the kernel's verdict: all or nothing per transaction (every base
     chain with `flags offload`, whether or not the file has it).  (a) A model of
     the kernel's offload callbacks (net/netfilter/nf_tables_offload.c,
     nft_cmp.c, nft_payload.c, nft_meta.c, nft_bitwise.c, nft_immediate.c,
     nft_counter.c, nft_fwd_netdev.c / nft_dup_netdev.c; expressions
     without an .offload callback: lookup, range, limit, quota, objref,
     log, reject, ...) applied to the forwarder's IR (--dump-ir), chain
     conditions included (netdev ingress, priority 1..65535, policy
     accept, a device that binds flow blocks); (b) a real attempt on this
     kernel: the ruleset without the flag and with `flags offload;` on
     every base chain, each loaded
     with nft -f on veth devices in a private network namespace (veth has
     no ndo_setup_tc: the kernel refuses the chain itself);
  3. tests/bench/bench_offload (built in BUILD) on a generated traffic mix
     per profile: cycles per frame of the worker's pipeline when software
     classifies vs when the emulated NIC decided (see bench_offload.c).

usage: offload_figures.py [--build build-figs] [--conf DIR]
                          [--profiles rich,nopriority,smalltable,none]
                          [--rounds 7] [--ms 100] [--no-bench] [--json OUT]
Needs root (nft in network namespaces) and the forwarder, libflowemu.so and
bench_offload built in BUILD.  Prints Markdown tables.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import fwdtest as T  # noqa: E402

PORTS = ["wan", "lan"]
PLAN_RULE = re.compile(r"^  (\S+)/(\S+) #(\d+): (hardware|partial|software|none)\s+(\S+)(.*)$")

# ---- the kernel's offload, modelled on the IR ------------------------------

# nft_payload_offload_ll(): link-layer offsets it translates (vlan_ethhdr
# offsets for the tag fields), field length.
K_LL = {0: ("ether daddr", 6), 6: ("ether saddr", 6), 12: ("ether type", 2),
        14: ("vlan tci", 2), 16: ("vlan type", 2), 18: ("inner vlan tci", 2),
        20: ("inner vlan type", 2)}
# nft_payload_offload_ip() / _ip6(): network header offsets per l3num.
K_NH = {0x0800: {12: ("ip saddr", 4), 16: ("ip daddr", 4), 9: ("ip protocol", 1)},
        0x86dd: {8: ("ip6 saddr", 16), 24: ("ip6 daddr", 16), 6: ("ip6 nexthdr", 1)}}
# nft_payload_offload_tcp() / _udp(): ports only, per protonum.
K_TH = {6: {0: ("tcp sport", 2), 2: ("tcp dport", 2)},
        17: {0: ("udp sport", 2), 2: ("udp dport", 2)}}
# nft_meta_get_offload()
K_META = {"protocol", "l4proto", "iif", "iiftype"}
# Statements with an .offload callback (counter: no action; fwd/dup: an action).
K_STMT_OK = {"counter"}
K_STMT_ACTION = {"fwd", "dup"}


def field_name(f):
    if f.get("kind") == "meta":
        return "meta " + f.get("key", "?")
    return "%s @%s+%d/%d" % (f.get("kind"), f.get("base"), f.get("offset", 0), f.get("len", 0))


def kernel_rule(rule):
    """(ok, reason) for one rule: nft_flow_rule_create() on the IR."""
    l3num = None
    protonum = None
    actions = 0
    for it in rule.get("items", []):
        if "match" in it:
            m = it["match"]
            if m != "cmp":
                return False, "%s: no offload callback (nft_%s)" % (m, m)
            arg = it.get("arg", {})
            f = arg.get("field", {})
            if it.get("op") != "==":
                return False, "cmp %s on %s: only == is offloaded (nft_cmp.c)" % (
                    it.get("op"), field_name(f))
            if "field" not in arg or set(arg) - {"field", "order", "mask"}:
                return False, "cmp on a computed value: no offload callback"
            val = bytes.fromhex(it.get("value", ""))
            num = int.from_bytes(val, "little" if arg.get("order") == "host" else "big") if val else 0
            kind = f.get("kind")
            if kind == "meta":
                key = f.get("key")
                if key not in K_META:
                    return False, "meta %s: not offloaded (nft_meta.c)" % key
                if key == "protocol":
                    l3num = num
                elif key == "l4proto":
                    protonum = num
                elif key == "iiftype" and num != 1:
                    return False, "meta iiftype other than ether (nft_cmp.c)"
                continue
            if kind != "payload":
                return False, "%s: not offloaded" % kind
            base, off, ln = f.get("base"), f.get("offset", -1), f.get("len", 0)
            if base == "ll":
                tab = K_LL
            elif base == "nh":
                if l3num not in K_NH:
                    return False, "network header match without meta protocol ip/ip6 first (nft_payload.c)"
                tab = K_NH[l3num]
            elif base == "th":
                if protonum not in K_TH:
                    return False, ("transport header match with l4proto %s: only tcp and udp ports "
                                   "(nft_payload.c)" % (protonum if protonum is not None else "unknown"))
                tab = K_TH[protonum]
            else:
                return False, "payload base %s: not offloaded" % base
            if off not in tab or ln > tab[off][1]:
                return False, "%s: not a field the kernel translates (nft_payload.c)" % field_name(f)
            name = tab[off][0]
            if name in ("ether type", "vlan type", "inner vlan type"):
                l3num = num if ln == 2 else None
            if name in ("ip protocol", "ip6 nexthdr"):
                protonum = num
            continue
        st = it.get("stmt")
        if st in K_STMT_OK:
            continue
        if st in K_STMT_ACTION:
            actions += 1
            continue
        return False, "%s: no offload callback (nft_%s)" % (st, st)
    v = (rule.get("verdict") or {}).get("verdict")
    if v in ("accept", "drop"):
        actions += 1
    elif v is not None:
        return False, "verdict %s: only accept and drop (nft_immediate.c)" % v
    if actions == 0:
        return False, "no action (no verdict, fwd or dup): nft_flow_rule_create() refuses it"
    return True, ""


def kernel_chain(chain):
    """Reasons the kernel refuses `flags offload` on this base chain."""
    why = []
    if chain.get("hook") != "ingress":
        why.append("hook %s: only netdev ingress" % chain.get("hook"))
    prio = chain.get("priority", 0)
    if not 0 < prio <= 65535:
        why.append("priority %d: must be 1..65535 (nft_chain_offload_priority)" % prio)
    if chain.get("policy") != "accept":
        why.append("policy %s: only accept (nft_flow_offload_chain)" % chain.get("policy"))
    return why


def kernel_model(ir):
    """{verdict, rules, translatable, reasons[]} for a ruleset's IR."""
    reasons = []
    n = ok = 0
    for t in ir["tables"]:
        for c in t["chains"]:
            where = "%s/%s" % (t["name"], c["name"])
            if "hook" in c:
                for w in kernel_chain(c):
                    reasons.append("%s: %s" % (where, w))
            for r in c["rules"]:
                n += 1
                good, why = kernel_rule(r)
                if "hook" not in c:
                    good, why = False, "in a regular chain (only base chains are offloaded; the jump to it is refused)"
                ok += good
                if not good:
                    reasons.append("%s #%d: %s" % (where, r["handle"], why))
    return {"verdict": "all" if not reasons else "none", "rules": n,
            "translatable": ok, "reasons": reasons}


def kernel_attempt(path, tmp):
    """Load the ruleset with `flags offload;` on veth devices; nft's answer."""
    text = open(path).read()
    flagged = re.sub(r"(type filter hook ingress[^;]*;[^\n}]*?policy \w+;)(?! flags offload;)",
                     r"\1 flags offload;", text)
    plain = re.sub(r" flags offload;", "", text)
    fpath = os.path.join(tmp, os.path.basename(path) + ".offload.nft")
    with open(fpath, "w") as f:
        f.write(flagged)
    ns = "figs_k%d" % os.getpid()
    out = {}
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        for p in PORTS:
            subprocess.run(["ip", "-n", ns, "link", "add", p, "type", "veth", "peer",
                            "name", p + "p"], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", p, "up"], check=True)
        ppath = os.path.join(tmp, os.path.basename(path) + ".plain.nft")
        with open(ppath, "w") as f:
            f.write(plain)
        for tag, fp in (("plain", ppath), ("flags offload", fpath)):
            p = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", fp],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            msg = [l for l in p.stdout.splitlines() if "Error" in l]
            out[tag] = {"rc": p.returncode, "error": msg[0].split("Error: ", 1)[-1] if msg else ""}
            subprocess.run(["ip", "netns", "exec", ns, "nft", "flush", "ruleset"])
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    out["flags_added"] = flagged.count("flags offload;")
    return out


# ---- the forwarder on emulated NICs ------------------------------------------

def forwarder_plan(build, path, profile, tmp, tag):
    empty = os.path.join(tmp, "empty.pcap")
    T.write_pcap(empty, [])
    env = dict(os.environ)
    env["LD_PRELOAD"] = os.path.join(build, "tests", "flowemu", "libflowemu.so")
    env["NFTFWD_FLOWEMU"] = "*=" + profile
    cmd = [os.path.join(build, "dpdk-nft-fwd")] + T.eal_args("figs_" + tag) + \
        T.pcap_vdev("net_pcap0", empty, os.path.join(tmp, "o0.pcap")) + \
        T.pcap_vdev("net_pcap1", empty, os.path.join(tmp, "o1.pcap")) + \
        ["--", "--port", "wan=net_pcap0", "--port", "lan=net_pcap1", "-f", path,
         "--offload", "auto", "--offload-plan", "--idle-exit", "200"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("%s on %s: exit %d\n%s" % (path, profile, p.returncode, p.stdout[-2000:]))
    return parse_plan(p.stdout)


def check_plan(build, path):
    cmd = [os.path.join(build, "dpdk-nft-fwd"), "--", "--check", "--offload-plan", "-f", path,
           "--port", "wan=x", "--port", "lan=y"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(p.stdout)
    return parse_plan(p.stdout)


def parse_plan(text):
    rules = []
    for line in text.splitlines():
        m = PLAN_RULE.match(line)
        if m:
            rest = re.sub(r"^\s*\d+ hw rule\(s\)", "", m.group(6))
            why = re.search(r"\((.*)\)$", rest)
            rules.append({"chain": m.group(1) + "/" + m.group(2), "handle": int(m.group(3)),
                          "where": m.group(4), "form": m.group(5),
                          "why": why.group(1) if why else ""})
    return rules


def counts(rules):
    c = {"hardware": 0, "partial": 0, "software": 0, "none": 0}
    for r in rules:
        c[r["where"]] += 1
    return c


def dump_ir(build, path, tmp):
    out = os.path.join(tmp, os.path.basename(path) + ".ir.json")
    cmd = [os.path.join(build, "dpdk-nft-fwd"), "--", "--check", "-f", path,
           "--port", "wan=x", "--port", "lan=y", "--dump-ir", out]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, timeout=60)
    with open(out) as f:
        return json.load(f)


# ---- traffic -----------------------------------------------------------------

def traffic(path, n=1024):
    """A fixed mix for the examples' network (203.0.113.0/24 behind wan):
    16 kinds of frame in equal shares, sources varied."""
    from scapy.all import ARP, ICMP, IP, IPv6, TCP, UDP, Ether, ICMPv6EchoRequest, Raw, wrpcap

    def eth():
        return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

    kinds = [
        lambda i: eth() / IP(src="192.0.2.66", dst="203.0.113.10") / TCP(sport=1024 + i, dport=443, flags="S"),
        lambda i: eth() / IP(src="198.51.100.%d" % (i % 250 + 1), dst="203.0.113.10") / TCP(sport=1024 + i, dport=80, flags="S"),
        lambda i: eth() / IPv6(src="2001:db8:bad::%x" % (i + 1), dst="2001:db8:1::10") / TCP(sport=1024 + i, dport=443),
        lambda i: eth() / IP(src="10.%d.0.1" % (i % 250), dst="203.0.113.10") / UDP(sport=1024 + i, dport=53),
        lambda i: eth() / IP(src="100.%d.%d.1" % (i % 200 + 1, i % 250), dst="203.0.113.10") / TCP(sport=1024 + i, dport=443, flags="S"),
        lambda i: eth() / IP(src="100.%d.%d.2" % (i % 200 + 1, i % 250), dst="203.0.113.10") / TCP(sport=1024 + i, dport=80, flags="A"),
        lambda i: eth() / IP(src="100.%d.%d.3" % (i % 200 + 1, i % 250), dst="203.0.113.53") / UDP(sport=1024 + i, dport=53),
        lambda i: eth() / IP(src="100.%d.%d.4" % (i % 200 + 1, i % 250), dst="203.0.113.11") / TCP(sport=1024 + i, dport=25, flags="S"),
        lambda i: eth() / IP(src="100.%d.%d.5" % (i % 200 + 1, i % 250), dst="203.0.113.20") / TCP(sport=1024 + i, dport=22, flags="S"),
        lambda i: eth() / IP(src="100.%d.%d.6" % (i % 200 + 1, i % 250), dst="203.0.113.20") / TCP(sport=443, dport=1024 + i, flags="A"),
        lambda i: eth() / IP(src="100.%d.%d.7" % (i % 200 + 1, i % 250), dst="203.0.113.20") / UDP(sport=1900, dport=1024 + i),
        lambda i: eth() / IP(src="100.%d.%d.8" % (i % 200 + 1, i % 250), dst="203.0.113.20") / ICMP(type=8),
        lambda i: eth() / IP(src="100.%d.%d.9" % (i % 200 + 1, i % 250), dst="203.0.113.20") / ICMP(type=0),
        lambda i: eth() / IPv6(src="2001:db8:77::%x" % (i + 1), dst="2001:db8:1::10") / ICMPv6EchoRequest(),
        lambda i: eth() / ARP(psrc="203.0.113.1", pdst="203.0.113.%d" % (i % 250 + 1)),
        lambda i: eth() / IP(src="100.%d.%d.10" % (i % 200 + 1, i % 250), dst="203.0.113.77") / UDP(sport=1024 + i, dport=5000 + i % 1000),
    ]
    frames = [kinds[i % len(kinds)](i) / Raw(b"\0" * 16) for i in range(n)]
    wrpcap(path, frames)
    return len(kinds)


def bench(build, path, pcap, profile, rounds, ms):
    cmd = [os.path.join(build, "tests", "bench", "bench_offload"), path, pcap,
           "--profile", profile, "--rounds", str(rounds), "--ms", str(ms)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    line = [l for l in p.stdout.splitlines() if l.startswith("JSON ")]
    if p.returncode != 0 or not line:
        raise RuntimeError("bench_offload failed:\n" + p.stdout[-2000:])
    return json.loads(line[-1][5:]), p.stdout


# ---- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build-figs"))
    ap.add_argument("--conf", default=os.path.join(TOP, "conf"))
    ap.add_argument("--profiles", default="rich,nopriority,smalltable,none")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--ms", type=int, default=100)
    ap.add_argument("--no-bench", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    profiles = a.profiles.split(",")
    files = sorted(glob.glob(os.path.join(a.conf, "*.nft")))
    result = {}
    with tempfile.TemporaryDirectory(prefix="figs_") as tmp:
        pcap = os.path.join(tmp, "mix.pcap")
        n_kinds = traffic(pcap)
        for path in files:
            name = os.path.basename(path)
            r = result[name] = {}
            ir = dump_ir(build, path, tmp)
            r["kernel"] = kernel_model(ir)
            r["kernel_attempt"] = kernel_attempt(path, tmp)
            r["check"] = counts(check_plan(build, path))
            r["profiles"] = {}
            for i, prof in enumerate(profiles):
                rules = forwarder_plan(build, path, prof, tmp, "%d_%d" % (files.index(path), i))
                r["profiles"][prof] = {"counts": counts(rules), "rules": rules}
            if not a.no_bench:
                r["bench"] = {}
                for prof in profiles:
                    r["bench"][prof], text = bench(build, path, pcap, prof, a.rounds, a.ms)
                    sys.stderr.write(text)

    # Tables.
    print("### Where the rules run (hardware exact / partial / software)\n")
    print("| ruleset | rules | kernel `flags offload` (model) | this kernel, veth | %s |" %
          " | ".join(profiles))
    print("| --- | --- | --- | --- |%s" % (" --- |" * len(profiles)))
    for name, r in result.items():
        k = r["kernel"]
        att = r["kernel_attempt"]["flags offload"]
        kv = "**%s**: %d of %d rules translatable" % (k["verdict"], k["translatable"], k["rules"])
        cells = []
        for prof in profiles:
            c = r["profiles"][prof]["counts"]
            cell = "%d / %d / %d" % (c["hardware"], c["partial"], c["software"])
            if c["none"]:
                cell += " (+%d none)" % c["none"]
            cells.append(cell)
        print("| %s | %d | %s | %s | %s |" % (name, k["rules"], kv,
              "refused (%s)" % att["error"] if att["rc"] else "loaded", " | ".join(cells)))
    print("\n### Why the kernel refuses each ruleset (first five reasons)\n")
    for name, r in result.items():
        k = r["kernel"]
        print("- **%s** (%s):" % (name, k["verdict"]))
        for w in k["reasons"][:5]:
            print("  - %s" % w)
        if len(k["reasons"]) > 5:
            print("  - ... %d more" % (len(k["reasons"]) - 5))
        att = r["kernel_attempt"]
        print("  - this kernel, veth devices: without the flag nft -f exits %d%s; with `flags offload;` "
              "on %d base chain(s) it exits %d: %s" % (
                  att["plain"]["rc"], (" (" + att["plain"]["error"] + ")") if att["plain"]["rc"] else "",
                  att["flags_added"], att["flags offload"]["rc"], att["flags offload"]["error"] or "-"))
    if not a.no_bench:
        print("\n### Cycles per frame on the worker, software vs hardware decided "
              "(traffic mix of %d kinds, medians)\n" % n_kinds)
        print("| ruleset | profile | plan | frames: hw-drop / hw-accept / partial / punt / unmarked "
              "| base | software | NIC decided | saved | emulator |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, r in result.items():
            for prof in profiles:
                b = r["bench"][prof]
                cl = b["classes"]
                al = cl["all"]
                mix = " / ".join(str(cl.get(k, {}).get("frames", 0))
                                 for k in ("hw-drop", "hw-accept", "partial", "punt", "unmarked"))
                print("| %s | %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f |" % (
                    name, prof, b["plan"].split(";")[0], mix, al["base"][0], al["sw"][0],
                    al["hw"][0], al["sw"][0] - al["hw"][0], al["emu"][0]))
        print("\n### Per class of frame (profile rich): cycles per frame, software -> NIC decided\n")
        print("| ruleset | hw-drop | hw-accept | partial | punt | unmarked |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, r in result.items():
            if "rich" not in r["bench"]:
                continue
            cl = r["bench"]["rich"]["classes"]
            cells = []
            for k in ("hw-drop", "hw-accept", "partial", "punt", "unmarked"):
                c = cl.get(k)
                cells.append("%.0f -> %.0f (%d)" % (c["sw"][0], c["hw"][0], c["frames"]) if c else "-")
            print("| %s | %s |" % (name, " | ".join(cells)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
