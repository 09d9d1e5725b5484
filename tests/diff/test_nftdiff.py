#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Self-test of the differential harness: nftdiff against fake_fwd.py (a stand-in forwarder
that forwards with the kernel oracle), which must compare equal, and against the same stand-in
making deliberate mistakes (NFTDIFF_FAKE), each of which nftdiff must report, attributed to
the right input packet.  Also the corpus runner's kernel expectations, the CLI's exit codes
and the generator's determinism.  Needs root; exit 77 without.  ~15 s."""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "corpus"))
sys.dont_write_bytecode = True
import nftdiff as D                                                 # noqa: E402
from pk import tcp4, udp4, on                                        # noqa: E402

FAKE = os.path.join(HERE, "fake_fwd.py")
PY = sys.executable

RULESET = """table netdev t {
	counter c1 { }
	quota q1 { over 300 bytes }
	chain c {
		type filter hook ingress device "eth0" priority 0; policy accept;
		counter name "c1"
		tcp dport 22 counter drop
		udp dport 53 counter reject
		quota name "q1" udp dport 99 counter drop
		tcp dport 8 dup to "eth2"
		counter
	}
}
"""

_fail = 0
_n = 0


def check(cond, what):
    global _fail, _n
    _n += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        _fail += 1


def frames():
    # distinct frames (different sport), so attribution is unambiguous
    out = []
    for i in range(24):
        d = (22, 53, 99, 8, 80, 81)[i % 6]
        f = tcp4(sport=1000 + i, dport=d) if d in (22, 8, 80) else udp4(sport=1000 + i, dport=d)
        out.append(f)
    return on("eth0", out)


def diff(case, mode):
    os.environ["NFTDIFF_FAKE"] = mode
    try:
        with D.Session(case.ports, case.pairs, binary=FAKE) as s:
            return s.diff(case)
    finally:
        os.environ.pop("NFTDIFF_FAKE", None)


def main():
    if os.geteuid() != 0:
        print("needs root; skipped")
        return 77
    ports = ["eth0", "eth1", "eth2", "eth3"]
    case = D.Case("self", RULESET, ports, frames())

    r = diff(case, "")
    check(r.ok, "the kernel against itself: equal" + ("" if r.ok else "\n" + r.report))
    kr = r.kernel
    check(any(o == [] for o in kr.packets) and any(o for o in kr.packets)
          and any(p == "eth0" for o in kr.packets for p, _ in o)
          and any(p == "eth2" for o in kr.packets for p, _ in o),
          "the test ruleset drops, forwards, rejects and dups")
    check(len(kr.counters) >= 6, f"counters collected from the kernel ({len(kr.counters)})")

    # mutations: (mode, expected first packet or None, expected kinds)
    for mode, first, kinds in [("drop:4", 4, {"frames"}),      # forwarded packet lost
                               ("drop:1", 1, {"frames"}),      # reject reply lost
                               ("drop:3", 3, {"frames"}),      # dup lost (and the forward)
                               ("pass:0", 0, {"frames"}),      # dropped packet forwarded
                               ("pass:13", 13, {"frames"}),    # rejected packet forwarded
                               ("flip:7", 7, {"frames"}),      # one byte of a reply
                               ("extra:10", 10, {"frames"}),   # a forward sent twice
                               ("flip:23", 23, {"frames"}),    # the very last packet
                               ("counter", None, {"counters"}),
                               ("nocounters", None, {"counters"}),
                               ("quota", None, {"counters"})]:
        r = diff(case, mode)
        check(not r.ok and r.kinds == kinds and r.first_packet == first,
              f"NFTDIFF_FAKE={mode}: reported as {sorted(r.kinds)} at packet "
              f"{r.first_packet} (want {sorted(kinds)} at {first})")
        if mode == "drop:4":
            check("first differing input packet #4" in r.report and "kernel:    out of eth1"
                  in r.report and "forwarder: nothing out of eth1 for #4" in r.report,
                  "the report names the packet, the kernel's output and the forwarder's")
            print("     " + r.report.replace("\n", "\n     "))

    # several input ports: split per input port, each compared on its own
    mixed = D.Case("mixed", RULESET, ports,
                   frames()[4:10] + on("eth1", [tcp4(dport=22)]) + frames()[10:16])
    subs = mixed.split()
    check([s.in_ports() for s in subs] == [["eth0"], ["eth1"]] and len(subs[0].inputs) == 12,
          "a case with two input ports is split per input port, order kept")
    r = diff(mixed, "")
    check(r.ok and len(r.subs) == 2, "split case compares equal")
    r = diff(mixed, "extra:0")
    check(not r.ok and "[mixed[eth0]]" in r.report and "[mixed[eth1]]" in r.report,
          "a mistake in each sub-case is reported per sub-case")

    # a forwarder that fails to start / refuses the ruleset
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write("#!/bin/sh\necho 'dpdk-nft-fwd: --ruleset: ruleset loading is not part of "
                "this build yet' >&2\nexit 2\n")
    os.chmod(f.name, 0o755)
    try:
        with D.Session(ports, binary=f.name) as s:
            s.diff(case)
        check(False, "NotSupported raised for a build without ruleset loading")
    except D.NotSupported:
        check(True, "NotSupported raised for a build without ruleset loading")
    finally:
        os.unlink(f.name)

    # CLI: exit 0 equal, 1 different
    with tempfile.TemporaryDirectory() as d:
        rp, ip = os.path.join(d, "r.nft"), os.path.join(d, "in.pcap")
        with open(rp, "w") as fh:
            fh.write(RULESET)
        D.ko.write_pcap(ip, [(1700000000.0 + i, fr) for i, (_, fr) in enumerate(frames())])
        argv = [PY, os.path.join(HERE, "nftdiff.py"), "--ruleset", rp, "--ports",
                ",".join(ports), "--in", f"eth0={ip}", "--bin", FAKE, "--keep",
                os.path.join(d, "keep")]
        p = subprocess.run(argv, capture_output=True, text=True)
        check(p.returncode == 0 and "equal" in p.stdout, f"CLI: equal -> exit {p.returncode}")
        check(os.path.exists(os.path.join(d, "keep", "r.nft", "kernel-result.json")),
              "CLI --keep keeps the kernel's result")
        p = subprocess.run(argv, capture_output=True, text=True,
                           env=dict(os.environ, NFTDIFF_FAKE="pass:0"))
        check(p.returncode == 1 and "first differing input packet #0" in p.stdout,
              f"CLI: different -> exit {p.returncode} with the report")

    # the generator is deterministic per (seed, case)
    import gen_random as G
    a, b = G.make_case(7, 3, 50), G.make_case(7, 3, 50)
    c = G.make_case(7, 4, 50)
    check(a.ruleset == b.ruleset and a.inputs == b.inputs and a.ruleset != c.ruleset,
          "gen_random: same (seed, case) -> same ruleset and packets")

    print(f"{_n - _fail} checks passed, {_fail} failed")
    return 1 if _fail else 0


if __name__ == "__main__":
    sys.exit(main())
