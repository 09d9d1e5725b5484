# SPDX-License-Identifier: BSD-3-Clause
"""`--offload require` end to end, on emulated rte_flow NICs (tests/flowemu,
libflowemu.so preloaded, every port attached with a profile).

Like the kernel's `flags offload`: a chain with the flag whose rules all run
in hardware starts, and its rules really are in the NIC (the emulator drops
the frames, the hardware COUNT shows up in the rule's counter); one rule
that cannot run fully in hardware stops the start with exit status 2 and an
error naming the rule as nft prints it and why.  The same rulesets start
with `--offload off` and `auto`.  `--check --offload-plan` prints the plan of
every port; a rule the PMD refuses is logged in testpmd `flow create` syntax.

usage: test_offload_require.py LIBFLOWEMU_SO   (forwarder from $NFTFWD_BIN)
"""

import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402

# Fits every profile with priorities: an exact counted drop, an exact accept.
FITS = """table netdev t {
	chain in {
		type filter hook ingress device "eth0" priority 0; flags offload;
		ip saddr 10.0.0.1 counter drop
		ip daddr 10.9.9.9 accept
	}
}
"""

# A limit runs in software (partial) on every NIC.
LIMIT = """table netdev t {
	chain in {
		type filter hook ingress device "eth0" priority 0; flags offload;
		ip saddr 10.0.0.1 counter drop
		ip saddr 10.0.0.3 limit rate 10/second accept
	}
}
"""

# A /16 prefix: a partial field mask, which the smalltable profile (i40e
# FDIR-like: whole fields only) refuses and rich takes.
PREFIX = """table netdev t {
	chain in {
		type filter hook ingress device "eth0" priority 0; flags offload;
		ip saddr 10.1.0.0/16 drop
	}
}
"""

# The same limit rule in a chain without the flag: require leaves it alone.
NOFLAG = LIMIT.replace(" flags offload;", "")


def ipv4(src, dst, i):
    eth = bytes.fromhex("027063617000020000000001") + b"\x08\x00"
    l4 = struct.pack(">HHIIBBHHH", 1000 + i, 80, 0, 0, 0x50, 0x10, 1024, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i, 0, 64, 6, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return eth + ip + l4


FRAMES = ([ipv4("10.0.0.1", "10.0.0.2", i) for i in range(7)] +      # dropped in hardware
          [ipv4("10.0.0.5", "10.9.9.9", i) for i in range(5)] +      # accepted in hardware
          [ipv4("10.0.0.5", "10.0.0.6", i) for i in range(4)])       # no rule: policy


def start(w, tag, ruleset, profile, mode, lib, extra=(), log_debug=False):
    """One forwarder run on two flowemu ports; (rc, log, frames out of eth1, stats)."""
    T.write_pcap(w.file("in0.pcap"), FRAMES)
    T.write_pcap(w.file("in1.pcap"), [])
    with open(w.file("r.nft"), "w") as f:
        f.write(ruleset)
    for name in ("out0.pcap", "out1.pcap", "stats.json"):
        if os.path.exists(w.file(name)):
            os.unlink(w.file(name))
    saved = dict(os.environ)
    os.environ["LD_PRELOAD"] = lib
    os.environ["NFTFWD_FLOWEMU"] = f"*={profile}"
    try:
        eal = T.eal_args("oflreq_" + tag) + \
            T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("in1.pcap"), w.file("out1.pcap"))
        if log_debug:
            eal += ["--log-level", "nftfwd.offload:debug"]
        rc, out, err = T.run(eal, ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1",
                                   "--offload", mode, "-f", w.file("r.nft"),
                                   "--idle-exit", "500", "--stats-file", w.file("stats.json")]
                             + list(extra))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    outs = T.read_pcap(w.file("out1.pcap")) if os.path.exists(w.file("out1.pcap")) else None
    stats = T.read_stats(w.file("stats.json")) if os.path.exists(w.file("stats.json")) else None
    return rc, out + err, outs, stats


def rule_counter(stats, handle):
    for r in (stats or {}).get("ruleset", {}).get("rules", []):
        if r.get("handle") == handle:
            return r["packets"], r["bytes"]
    return None


def hw_dropped(log, port):
    m = re.search(rf"flowemu: port {port} detached: rx (\d+), dropped (\d+), marked (\d+)", log)
    return tuple(map(int, m.groups())) if m else None


def check_fits(w, lib, profile):
    rc, log, outs, stats = start(w, "fits_" + profile, FITS, profile, "require", lib,
                                 ["--offload-plan"])
    T.check_eq(rc, 0, f"{profile}: a flags-offload chain whose rules all fit starts under require")
    T.check(re.search(r"t/in #2: hardware drop .*count", log) is not None and
            re.search(r"t/in #3: hardware accept", log) is not None,
            f"{profile}: the printed plan puts both rules in hardware")
    T.check("offload: 2 rule(s) in hardware, 0 partial, 0 in software" in log,
            f"{profile}: the summary line says 2 rules in hardware")
    d = hw_dropped(log, 0)
    T.check(d is not None and d[0] == len(FRAMES) and d[1] == 7 and d[2] >= 5,
            f"{profile}: the emulated NIC dropped the 7 frames from 10.0.0.1 and marked "
            f"the others (rx, dropped, marked: {d})")
    T.check_eq(outs, FRAMES[7:], f"{profile}: the other 9 frames leave eth1 in order")
    T.check_eq(rule_counter(stats, 2), (7, 7 * 40),
               f"{profile}: the hardware COUNT is the rule's counter (packets, bytes from L3)")


def main():
    lib = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("test_offload_require: needs root (ruleset load in a netns); skipped")
        return 77
    with T.Workdir("oflreq") as w:
        for profile in ("rich", "smalltable"):
            check_fits(w, lib, profile)

        # one rule with a limit: the start fails naming the rule and the reason
        rc, log, outs, _ = start(w, "limit", LIMIT, "rich", "require", lib)
        T.check_eq(rc, 2, "require: a limit in a flags-offload chain stops the start (exit 2)")
        T.check('rule "ip saddr 10.0.0.3 limit rate 10/second accept"' in log,
                "the error names the rule as nft prints it")
        T.check(re.search(r"handle 3.*flags offload.*cannot run fully in hardware.*"
                          r"limit runs in software", log) is not None,
                "and says why (the limit runs in software)")
        T.check(outs is None or outs == [], "nothing was forwarded")
        for mode in ("off", "auto"):
            rc, log, outs, stats = start(w, "limit_" + mode, LIMIT, "rich", mode, lib)
            T.check_eq(rc, 0, f"--offload {mode} starts with the same ruleset")
            T.check_eq(outs, FRAMES[7:], f"--offload {mode}: same frames out")
            T.check_eq(rule_counter(stats, 2), (7, 7 * 40), f"--offload {mode}: counter")
            d = hw_dropped(log, 0)
            T.check(d is not None and (d[1] == 0 if mode == "off" else d[1] == 7),
                    f"--offload {mode}: {'no' if mode == 'off' else 'the'} hardware drops "
                    f"(emulator: {d})")
        rc, log, outs, _ = start(w, "noflag", NOFLAG, "rich", "require", lib)
        T.check_eq(rc, 0, "require leaves chains without flags offload alone")

        # a prefix: rich takes it, smalltable refuses the partial mask
        rc, log, _, _ = start(w, "prefix_rich", PREFIX, "rich", "require", lib)
        T.check_eq(rc, 0, "rich: a /16 prefix runs in hardware")
        rc, log, _, _ = start(w, "prefix_small", PREFIX, "smalltable", "require", lib,
                              log_debug=True)
        T.check_eq(rc, 2, "smalltable: a /16 prefix stops the start under require")
        T.check('rule "ip saddr 10.1.0.0/16 drop"' in log and "partial mask" in log,
                "the error names the rule and the PMD's reason (partial mask)")
        refused = [ln for ln in log.splitlines()
                   if re.search(r"refused: .*: flow create \d+ priority \d+ ingress pattern "
                                r"eth .*ipv4 src spec 10\.1\.0\.0 src mask 255\.255\.0\.0 .*"
                                r"/ end actions .* / end$", ln)]
        T.check(len(refused) >= 1, "the refused rule is logged in testpmd flow create syntax"
                + (f": {refused[0].strip()}" if refused else ""))
        rc, log, _, _ = start(w, "prefix_small_auto", PREFIX, "smalltable", "auto", lib)
        T.check_eq(rc, 0, "smalltable, auto: the same ruleset starts (the rule in software)")

        # rules overlapping with other verdicts need priority levels
        rc, log, _, _ = start(w, "fits_noprio", FITS, "nopriority", "require", lib)
        T.check_eq(rc, 2, "nopriority: overlapping rules with different verdicts do not fit")
        T.check("priority level" in log, "and the error says so (priority levels)")

        # --check --offload-plan: every port's plan, without DPDK
        with open(w.file("r.nft"), "w") as f:
            f.write(FITS)
        p = subprocess.run([T.BIN, "--", "--check", "-f", w.file("r.nft"), "--port", "eth0=x",
                            "--port", "eth1=y", "--offload", "require", "--offload-plan"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        T.check_eq(p.returncode, 0, "--check --offload-plan --offload require: fits")
        T.check("flags offload;" in p.stdout, "--check keeps the chain's flags offload")
        T.check(re.search(r"^port eth0 \(dpdk port 0\): \d+ hardware rule", p.stdout, re.M)
                and re.search(r"^port eth1 \(dpdk port 1\):", p.stdout, re.M),
                "--check --offload-plan prints a plan per port")
        T.check(re.search(r"\[\d+\] #2 flow create 0 priority 0 ingress pattern eth .*"
                          r"ipv4 src is 10\.0\.0\.1 / end actions count / drop / end"
                          r"|\[\d+\] #2 flow create 0 .*ipv4 src is 10\.0\.0\.1 .*drop",
                          p.stdout) is not None,
                "and the hardware rules in testpmd syntax")
        with open(w.file("r.nft"), "w") as f:
            f.write(LIMIT)
        p = subprocess.run([T.BIN, "--", "--check", "-f", w.file("r.nft"), "--port", "eth0=x",
                            "--port", "eth1=y", "--offload", "require", "--offload-plan"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        T.check(p.returncode == 2 and "limit rate 10/second" in p.stderr,
                f"--check --offload require refuses the limit rule (rc {p.returncode})")
    T.finish()


if __name__ == "__main__":
    sys.exit(main())
