#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run the hand-written differential corpus: every tests/diff/corpus/NAME.nft with its
NAME.py (frames), kernel (oracle) against forwarder (nftdiff).

    run_corpus.py [-v] [--bin PATH] [--keep DIR] [--kernel-only] [--fates] [NAME ...]

A case module defines:
    packets()         -> [(port, frame_bytes)] in input order (one input port preferred; with
                         several, nftdiff splits the case per input port)
    PORTS, PAIRS, MACS  optional (default eth0,eth1 paired)
    EXPECT            optional: what the kernel must do with each packet, one token per packet
                      (whitespace separated): "-" nothing out, "eth1" the frame unchanged out of
                      eth1, "eth0*" a different frame (reject reply, mangled) out of eth0,
                      "eth2+eth1" several outputs in the kernel's order, "!" not injectable.
                      It pins the case's intent (and the oracle): a case whose packets all get
                      the same fate tests little.
    EXPECT_COUNTERS   optional {"counter T/NAME": (packets, bytes), "quota T/NAME": used,
                      "rule T/CHAIN@POS": (packets, bytes)} (POS = 0-based rule position)

Per case: PASS / FAIL (with nftdiff's report) / KERNEL-OK (the forwarder cannot load rulesets
yet: only the kernel-side expectations were checked).  Ends with "N passed, N failed, N
skipped".  Exit 0 all passed, 1 any failure, 77 when nothing could be compared with the forwarder
(not root, or no ruleset support in the build) and no kernel expectation failed.
"""

import argparse
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "corpus"))
sys.dont_write_bytecode = True
import nftdiff as D                                                 # noqa: E402

CORPUS = os.path.join(HERE, "corpus")


def fate(outs, inframe):
    if outs is None:
        return "!"
    if not outs:
        return "-"
    return "+".join(p + ("" if f == inframe else "*") for p, f in outs)


def load_cases(names=None):
    cases = []
    for fn in sorted(os.listdir(CORPUS)):
        if not fn.endswith(".nft"):
            continue
        name = fn[:-4]
        if names and name not in names:
            continue
        spec = importlib.util.spec_from_file_location(f"case_{name}",
                                                      os.path.join(CORPUS, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        with open(os.path.join(CORPUS, fn)) as f:
            text = f.read()
        case = D.Case(name, text, getattr(mod, "PORTS", ["eth0", "eth1"]), mod.packets(),
                      getattr(mod, "PAIRS", None), getattr(mod, "MACS", None))
        case.expect = getattr(mod, "EXPECT", None)
        case.expect_counters = getattr(mod, "EXPECT_COUNTERS", None)
        # A feature the forwarder does not have yet: it must refuse the
        # ruleset loudly (exit 2, "not supported", naming this text).  Once
        # it loads the ruleset the case fails until the marker is removed,
        # so the comparison with the kernel cannot stay switched off.
        case.refused_because = getattr(mod, "FORWARDER_REFUSES", None)
        cases.append(case)
    if names:
        missing = set(names) - {c.name for c in cases}
        if missing:
            raise SystemExit(f"no such case: {', '.join(sorted(missing))}")
    return cases


def kernel_fates(res):
    toks = []
    for sub in res.subs:
        kr = sub.kernel
        for (p, f), outs in zip(sub.case.inputs, kr.packets):
            toks.append(fate(outs, f))
    return toks


def check_expect(case, res):
    """Kernel-side expectations; [problem lines]."""
    bad = []
    toks = kernel_fates(res)
    if case.expect is not None:
        want = case.expect.split() if isinstance(case.expect, str) else list(case.expect)
        if len(want) != len(toks):
            bad.append(f"EXPECT has {len(want)} tokens for {len(toks)} packets")
        for i, (w, g) in enumerate(zip(want, toks)):
            if w != g:
                bad.append(f"kernel packet #{i}: expected {w}, kernel did {g}")
    if case.expect_counters:
        have = {}
        for sub in res.subs:
            raw = sub.kernel.raw
            for r in raw["rules"]:
                if r.get("counters"):
                    k = f"rule {r['table']}/{r['chain']}@{r['position']}"
                    p0, b0 = have.get(k, (0, 0))
                    have[k] = (p0 + r["packets"], b0 + r["bytes"])
            for c in raw["named_counters"]:
                k = f"counter {c['table']}/{c['name']}"
                p0, b0 = have.get(k, (0, 0))
                have[k] = (p0 + c["packets"], b0 + c["bytes"])
            for q in raw["quotas"]:
                k = f"quota {q['table']}/{q['name']}"
                have[k] = have.get(k, 0) + q["used"]
        for k, v in case.expect_counters.items():
            if have.get(k) != (tuple(v) if isinstance(v, (list, tuple)) else v):
                bad.append(f"kernel {k}: expected {v}, kernel has {have.get(k)}")
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--bin", default=D.DEFAULT_BIN)
    ap.add_argument("--keep")
    ap.add_argument("--kernel-only", action="store_true")
    ap.add_argument("--fates", action="store_true", help="print the kernel's fate per packet")
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("run_corpus: needs root (network namespaces); skipped")
        return 77
    cases = load_cases(a.names)
    groups = {}
    for c in cases:
        groups.setdefault((tuple(c.ports), tuple(c.pairs), tuple(sorted(c.macs.items()))),
                          []).append(c)
    passed = failed = skipped = 0
    failures = []
    refused = set()
    fwd_ok = not a.kernel_only
    unsupported = None
    t0 = time.monotonic()
    for (ports, pairs, macs), group in groups.items():
        with D.Session(list(ports), list(pairs), dict(macs), a.bin, a.keep,
                       forwarder=fwd_ok) as s:
            for case in group:
                t1 = time.monotonic()
                try:
                    try:
                        res = s.diff(case)
                    except D.NotSupported as e:
                        unsupported = str(e)
                        fwd_ok = s.forwarder = False
                        res = s.diff(case)
                except D.ko.OracleError as e:
                    failed += 1
                    failures.append(case.name)
                    print(f"FAIL {case.name}: the kernel refused the ruleset: {e}")
                    continue
                bad = check_expect(case, res)
                dt = time.monotonic() - t1
                npk = len(case.inputs)
                if a.fates or a.verbose:
                    print(f"     {case.name} kernel fates: {' '.join(kernel_fates(res))}")
                if bad:
                    failed += 1
                    failures.append(case.name)
                    print(f"FAIL {case.name}: kernel expectations ({npk} packets):")
                    for line in bad:
                        print("     " + line)
                    if s.forwarder and not res.ok:
                        print("     " + res.report.replace("\n", "\n     "))
                elif not s.forwarder:
                    skipped += 1
                    print(f"KERNEL-OK {case.name} ({npk} packets; forwarder not compared)")
                elif case.refused_because is not None:
                    stderr = " ".join(sub.forwarder.stderr or "" for sub in res.subs
                                      if getattr(sub, "forwarder", None) is not None)
                    if res.kinds == {"unsupported"} and case.refused_because in (stderr + res.report):
                        passed += 1
                        print(f"PASS {case.name} (refused as documented: "
                              f"'{case.refused_because}' is not supported yet)")
                    else:
                        failed += 1
                        failures.append(case.name)
                        print(f"FAIL {case.name}: expected the forwarder to refuse it naming "
                              f"'{case.refused_because}'"
                              + (" but it compared equal: remove FORWARDER_REFUSES" if res.ok
                                 else f"; got {', '.join(sorted(res.kinds))}"))
                        if not res.ok:
                            print("     " + res.report.replace("\n", "\n     "))
                elif res.ok:
                    passed += 1
                    nout = sum(len(v) for sub in res.subs
                               for v in sub.forwarder.per_port.values())
                    ncnt = sum(len(sub.kernel.counters) for sub in res.subs)
                    print(f"PASS {case.name} ({npk} packets, {nout} frames out, "
                          f"{ncnt} counters, {dt:.1f} s)")
                else:
                    failed += 1
                    failures.append(case.name)
                    if res.kinds == {"unsupported"}:
                        refused.add(case.name)
                    why = ("refused by the forwarder" if res.kinds == {"unsupported"}
                           else f"{', '.join(sorted(res.kinds))} differ")
                    print(f"FAIL {case.name} ({npk} packets; {why})")
                    print("     " + res.report.replace("\n", "\n     "))
                sys.stdout.flush()
    if unsupported:
        print(f"note: forwarder not compared: {unsupported}")
    if failures:
        unsup = [n for n in failures if n in refused]
        print("failed: " + " ".join(n for n in failures if n not in refused))
        if unsup:
            print("failed, refused by the forwarder (not supported): " + " ".join(unsup))
    print(f"corpus: {len(cases)} cases in {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if skipped and not passed:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
