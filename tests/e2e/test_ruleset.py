# SPDX-License-Identifier: BSD-3-Clause
"""The forwarder with a ruleset: -f loads and enforces it, --check and
--dump-ir show what it understood, bad rulesets are refused with nft's or
our message and exit 2, and --mirror follows a live table (100 swaps under
traffic, no packet lost or leaked)."""

import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402
from scapy.all import Ether, IP, TCP, UDP, Raw  # noqa: E402

RULES = """
table netdev t {
	chain in0 {
		type filter hook ingress device "eth0" priority 0; policy accept;
		tcp dport 22 counter drop
		ip saddr 10.9.0.0/16 counter drop
		udp dport 53 counter accept
	}
}
"""


def frames():
    out = []
    for i in range(60):
        e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        if i % 3 == 0:
            out.append(bytes(e / IP(src="10.1.0.1", dst="10.2.0.1") / TCP(dport=22)))
        elif i % 3 == 1:
            out.append(bytes(e / IP(src="10.9.%d.1" % i, dst="10.2.0.1") / UDP(dport=53)))
        else:
            out.append(bytes(e / IP(src="10.1.0.2", dst="10.2.0.1") / UDP(dport=53) / Raw(b"q" * i)))
    return out


def run_file(w, rules_text, extra=(), inp=None):
    with open(w.file("r.nft"), "w") as f:
        f.write(rules_text)
    inp = inp if inp is not None else frames()
    T.write_pcap(w.file("in0.pcap"), inp)
    T.write_pcap(w.file("empty.pcap"), [])
    eal = T.eal_args("e2e_rs") + \
        T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
        T.pcap_vdev("net_pcap1", w.file("empty.pcap"), w.file("out1.pcap"))
    return T.run(eal, ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1",
                       "-f", w.file("r.nft"), "--idle-exit", "1000",
                       "--stats-file", w.file("st.json")] + list(extra))


def errline(err):
    return [l for l in err.splitlines() if l.startswith("dpdk-nft-fwd:")]


def test_file():
    with T.Workdir("rs") as w:
        inp = frames()
        rc, out, err = run_file(w, RULES, ["--dump-ir", w.file("ir.json")])
        T.check_eq(rc, 0, "-f run exits 0")
        got = T.read_pcap(w.file("out1.pcap"))
        want = [f for i, f in enumerate(inp) if i % 3 == 2]
        T.check(got == want, f"only the udp/53 frames from 10.1/16 pass ({len(got)} of {len(inp)})")
        st = T.read_stats(w.file("st.json"))
        T.check_eq(st["ports"]["eth0"]["dropped"], 40, "40 frames dropped by the ruleset")
        rules = {r["handle"]: r for r in st["ruleset"]["rules"]}
        pk = sorted(r["packets"] for r in rules.values())
        T.check_eq(pk, [20, 20, 20], "each of the three rule counters saw 20 packets")
        by_b = sum(len(f) - 14 for f in want)
        T.check(any(r["bytes"] == by_b for r in rules.values()),
                "accept counter bytes are counted from the network header")
        ir = json.load(open(w.file("ir.json")))
        T.check("tables" in ir and len(ir["tables"]) == 1, "--dump-ir wrote the IR with one table")
        T.check("rule counters" in out and "tcp dport 22" in out, "rule counters printed at exit")

        rc, out, err = T.run([], ["--check", "-f", w.file("r.nft"), "--port", "eth0=x",
                                  "--port", "eth1=y"])
        T.check(rc == 0 and "tcp dport 22 counter" in out and "ip saddr 10.9.0.0/16" in out,
                "--check prints the rules as understood, without EAL (rc %d)" % rc)

        bad = [
            ("syntax error", "table netdev t {\n chain c {\n  type filter hook ingress device \"eth0\" priority 0;\n  tcp dport frob drop\n }\n}\n",
             "Error:"),
            ("unsupported expression", "table netdev t {\n chain c {\n  type filter hook ingress device \"eth0\" priority 0;\n  meta mark 1 numgen random mod 2 0 drop\n }\n}\n",
             "numgen"),
            ("non-netdev table", "table inet x {\n chain c {\n  type filter hook input priority 0;\n }\n}\n",
             "inet"),
            ("device that is not a port", "table netdev t {\n chain c {\n  type filter hook ingress device \"eth7\" priority 0;\n }\n}\n",
             "eth7"),
        ]
        for what, text, want_txt in bad:
            rc, out, err = run_file(w, text)
            lines = errline(err)
            T.check(rc == 2 and want_txt in err and len(lines) >= 1,
                    f"{what}: exit 2 mentioning '{want_txt}' (rc {rc}, {lines[-1:] if lines else err[-200:]})")
            T.check(not os.path.exists(w.file("out1.pcap")) or len(T.read_pcap(w.file("out1.pcap"))) == 0,
                    f"{what}: nothing forwarded")
            if os.path.exists(w.file("out1.pcap")):
                os.unlink(w.file("out1.pcap"))
        rc, out, err = run_file(w, bad[1][1])
        T.check("table netdev t" in err and "chain c" in err and "rule handle" in err
                and "rule: meta mark" in err,
                "unsupported: the message names table, chain, rule handle and the rule")


def nsexec(ns, *cmd, check=True):
    return subprocess.run(["ip", "netns", "exec", ns] + list(cmd), check=check,
                          capture_output=True, text=True)


def test_mirror():
    ns = f"nftfwd_mirror_{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        nsexec(ns, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
        nsexec(ns, "nft", "add table netdev m")
        nsexec(ns, "nft", "add chain netdev m c { type filter hook ingress device \"eth0\" priority 0; policy accept; }")
        with T.Workdir("mirror") as w:
            cmd = [T.BIN] + T.eal_args("e2e_mirror") + [
                "--vdev", "net_null0", "--vdev", "net_null1,no-rx=1", "--",
                "--port", "eth0=net_null0", "--port", "eth1=net_null1",
                "--mirror", "m", "--stats-file", w.file("st.json")]
            p = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            # 100 swaps under traffic: alternate a drop rule in and out.
            t0 = time.monotonic()
            for i in range(50):
                nsexec(ns, "nft", "add rule netdev m c counter drop")
                nsexec(ns, "nft", "flush chain netdev m c")
            swaps_s = time.monotonic() - t0
            # Latency: nft returns -> the forwarder's new generation.
            time.sleep(0.3)
            nft_done = []
            for i in range(10):
                nft_done.append(time.time())   # before nft starts: an upper bound
                nsexec(ns, "nft", f"add rule netdev m c meta mark {i + 100} counter")
                time.sleep(0.2)
            nsexec(ns, "nft", "add rule netdev m c counter drop")
            time.sleep(0.3)
            # A change the forwarder cannot run: refused, the last one stays.
            nsexec(ns, "nft", "add rule netdev m c meta mark 7 numgen random mod 2 0 drop")
            time.sleep(0.3)
            p.send_signal(2)
            out, err = p.communicate(timeout=30)
            T.check_eq(p.returncode, 0, "mirror run exits 0 after SIGINT")
            gens = [l for l in err.splitlines() if "ruleset: generation" in l]
            import re
            stamps = [float(m.group(1)) for l in gens
                      for m in [re.search(r" at (\d+\.\d+),", l)] if m]
            lat = []
            for t in nft_done:
                after = [s for s in stamps if s >= t]
                if after:
                    lat.append((after[0] - t) * 1000)
            lat.sort()
            T.check(len(lat) == 10 and lat[-1] < 1000,
                    f"each of 10 changes was running within 1 s (ms: {[round(x, 1) for x in lat]})")
            if lat:
                print(f"mirror latency, nft started -> new ruleset active (nft's own run included): "
                      f"median {lat[len(lat) // 2]:.1f} ms, max {lat[-1]:.1f} ms")
            T.check(len(gens) >= 2, f"the forwarder swapped rulesets ({len(gens)} generations, "
                    f"100 nft changes in {swaps_s:.1f} s)")
            st = T.read_stats(w.file("st.json"))
            e0, e1 = st["ports"]["eth0"], st["ports"]["eth1"]
            T.check(e0["dropped"] > 0 and e1["tx_pkts"] > 0,
                    f"packets were both dropped ({e0['dropped']}) and forwarded ({e1['tx_pkts']})")
            T.check_eq(e0["rx_pkts"], e0["dropped"] + e1["tx_pkts"] + e1["tx_failed"],
                       "every received packet was dropped, sent or counted (none lost)")
            T.check_eq(st["mbufs_in_use"], 0, "no mbuf leaked across the swaps")
            T.check("update refused" in err and "numgen" in err,
                    "an unsupported mirror update is refused, naming the expression")
            rules = sorted(st["ruleset"]["rules"], key=lambda r: r["handle"])
            T.check(len(rules) == 11 and rules[-1]["packets"] > 0
                    and all(r["packets"] == 0 for r in rules[:-1]),
                    "the last table state (10 mark rules that never match, then a drop) is active")
            T.check_eq(e0["dropped"] >= rules[-1]["packets"], True,
                       "drops include the last rule's")
        # A table that does not exist: exit 2 naming it.
        r = subprocess.run(["ip", "netns", "exec", ns, T.BIN] + T.eal_args("e2e_mirror2") + [
            "--vdev", "net_null0", "--vdev", "net_null1,no-rx=1", "--",
            "--mirror", "nosuchtable"], capture_output=True, text=True, timeout=60)
        T.check(r.returncode == 2 and "nosuchtable" in r.stderr,
                f"--mirror of a missing table: exit 2 naming it (rc {r.returncode})")
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def main():
    test_file()
    test_mirror()
    T.finish()


if __name__ == "__main__":
    main()
