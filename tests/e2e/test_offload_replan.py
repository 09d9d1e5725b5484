# SPDX-License-Identifier: BSD-3-Clause
"""`--offload-replan`: hot rules into hardware when the budget is short, on an
emulated rte_flow NIC (tests/flowemu, libflowemu.so preloaded, profile rich).

Four set rules (a destination and 8 sources each: 16 hardware rules in full,
2 as a punt on the destination alone)
and an accept share `--offload-budget 30`: at start (no hits yet) the first
set rule is in hardware and the others are punts.  The traffic, streamed
through a pipe for about 3 s, hits only the fourth set rule (cold at start).
With `--offload-replan 1` a re-plan moves it into hardware (log line, plan
printed again, the emulator drops its frames: the NIC decides), and the
first one out.  Verdicts (frames out of eth1) and every rule counter equal
those of the same traffic with `--offload off`.  With `--offload-replan 0`
nothing is re-planned and the NIC drops nothing.  A re-plan whose install
fails (flowemu fault injection) keeps the old plan and says so; the next one
succeeds, and the counters still equal software alone's.

usage: test_offload_replan.py LIBFLOWEMU_SO   (forwarder from $NFTFWD_BIN)
"""

import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402


def set_rule(k):
    els = ", ".join(f"10.{k}.0.{i}" for i in range(1, 9))
    return f"\t\tip daddr 10.0.{k}.99 ip saddr {{ {els} }} counter drop\n"


RULESET = ("table netdev t {\n\tchain in {\n"
           "\t\ttype filter hook ingress device \"eth0\" priority 0;\n" +
           "".join(set_rule(k) for k in range(1, 5)) +
           "\t\tip daddr 10.9.9.9 counter accept\n\t}\n}\n")
HANDLES = (3, 5, 7, 9, 10)      # the four set rules (a set each: odd handles), the accept
HOT = 9                         # ip daddr 10.0.4.99 ip saddr { 10.4.0.1, ... } counter drop
BUDGET = "30"
BATCHES, PER_BATCH, GAP = 30, 40, 0.1


def ipv4(src, dst, i):
    eth = bytes.fromhex("027063617000020000000001") + b"\x08\x00"
    l4 = struct.pack(">HHIIBBHHH", 1000 + i % 50000, 80, 0, 0, 0x50, 0x10, 1024, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, 6, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return eth + ip + l4


def batch(b):
    """Mostly the hot rule's sources; every tenth frame accepted (by #10)
    or by the policy, so that verdicts other than drop are compared too."""
    out = []
    for j in range(PER_BATCH):
        i = b * PER_BATCH + j
        if j % 10 == 3:
            out.append(ipv4("10.5.0.1", "10.9.9.9", i))
        elif j % 10 == 7:
            out.append(ipv4("10.5.0.2", "10.0.0.6", i))
        else:
            out.append(ipv4(f"10.4.0.{1 + i % 8}", "10.0.4.99", i))
    return out


def run(w, tag, lib, mode, replan, flowemu="*=rich"):
    """One run; (rc, log, frames out of eth1, stats)."""
    for name in ("in0.pcap", "out0.pcap", "out1.pcap", "stats.json"):
        if os.path.exists(w.file(name)):
            os.unlink(w.file(name))
    T.write_pcap(w.file("in1.pcap"), [])
    with open(w.file("r.nft"), "w") as f:
        f.write(RULESET)
    stream = T.PcapStream(w.file("in0.pcap"))
    env = dict(os.environ, LD_PRELOAD=lib, NFTFWD_FLOWEMU=flowemu)
    eal = T.eal_args("oflreplan_" + tag) + \
        T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
        T.pcap_vdev("net_pcap1", w.file("in1.pcap"), w.file("out1.pcap"))
    app = ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1", "--offload", mode,
           "--offload-budget", BUDGET, "--offload-replan", str(replan), "--offload-plan",
           "-f", w.file("r.nft"), "--idle-exit", "1500", "--stats-file", w.file("stats.json")]
    p = subprocess.Popen([T.BIN] + eal + ["--"] + app, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    watch = T.LogWatch(p)
    try:
        # the traffic starts once the workers run, so that the periodic
        # re-plans see it arrive (and not all of it buffered in the pipe)
        if stream.open(p) and watch.wait(r"main: forwarding:") >= 0:
            for b in range(BATCHES):
                stream.write_frames(batch(b))
                time.sleep(GAP)
        stream.close()
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    finally:
        stream.close()
    watch.join()
    log = watch.text("err") + "\n" + watch.text("out")
    outs = T.read_pcap(w.file("out1.pcap")) if os.path.exists(w.file("out1.pcap")) else None
    stats = T.read_stats(w.file("stats.json")) if os.path.exists(w.file("stats.json")) else None
    return p.returncode, log, outs, stats


def counters(stats):
    got = {}
    for r in (stats or {}).get("ruleset", {}).get("rules", []):
        got[r["handle"]] = (r["packets"], r["bytes"])
    return got


def hw(log):
    m = re.search(r"flowemu: port 0 detached: rx (\d+), dropped (\d+), marked (\d+)", log)
    return tuple(map(int, m.groups())) if m else None


def main():
    lib = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("test_offload_replan: needs root (ruleset load in a netns); skipped")
        return 77
    total = BATCHES * PER_BATCH
    hot_frames = sum(1 for j in range(PER_BATCH) if j % 10 not in (3, 7)) * BATCHES
    with T.Workdir("oflreplan") as w:
        rc, log_sw, outs_sw, st_sw = run(w, "off", lib, "off", 1)
        T.check_eq(rc, 0, "--offload off: clean exit")
        sw = counters(st_sw)
        T.check_eq(sw.get(HOT, (0, 0))[0], hot_frames,
                   "software alone: the fourth set rule counts every frame sent to it")
        T.check("re-plan" not in log_sw, "--offload off: nothing is planned, nothing re-planned")

        rc, log, outs, st = run(w, "replan", lib, "auto", 1)
        T.check_eq(rc, 0, "--offload-replan 1: clean exit")
        T.check(re.search(r"t/in #3: hardware drop", log) is not None and
                re.search(r"t/in #9: software punt .*rule budget", log) is not None,
                "at start (no hits yet) the first set rule is in hardware, the fourth a punt")
        m = re.search(r"re-plan by hits: (\d+) rule\(s\) moved into hardware, (\d+) out of it", log)
        T.check(m is not None and int(m.group(1)) >= 1 and int(m.group(2)) >= 1,
                "a re-plan moved rules in and out of hardware: " +
                (m.group(0) if m else "no re-plan line"))
        plans = re.findall(r"t/in #9: (\S+ \S+)", log)
        T.check(len(plans) >= 2 and plans[-1] == "hardware drop",
                f"the hot rule's placement over the plans printed: {plans}")
        T.check(re.findall(r"t/in #3: (\S+ \S+)", log)[-1:] == ["software punt"],
                "and the cold first set rule became a punt")
        h = hw(log)
        T.check(h is not None and h[1] > 0,
                f"the emulated NIC dropped the hot rule's frames: rx, dropped, marked = {h}")
        T.check(h is not None and h[1] < hot_frames,
                "only after the re-plan (some went to software first)")
        got = counters(st)
        for hd in HANDLES:
            T.check_eq(got.get(hd), sw.get(hd),
                       f"rule #{hd}: packets and bytes equal software alone's")
        T.check_eq(outs, outs_sw, "the frames forwarded out of eth1 are those of software alone")
        print(f"test_offload_replan: {total} frames, {hot_frames} to the hot rule; "
              f"NIC: rx, dropped, marked = {h}; counters {got}")

        rc, log0, outs0, st0 = run(w, "noreplan", lib, "auto", 0)
        T.check_eq(rc, 0, "--offload-replan 0: clean exit")
        T.check("re-plan by hits" not in log0, "--offload-replan 0 never re-plans")
        h0 = hw(log0)
        T.check(h0 is not None and h0[1] == 0,
                f"and the NIC drops nothing (the hot rule stays a punt): {h0}")
        T.check_eq(re.findall(r"t/in #9: (\S+ \S+)", log0), ["software punt"],
                   "the plan printed once, the hot rule a punt")
        for hd in HANDLES:
            T.check_eq(counters(st0).get(hd), sw.get(hd),
                       f"--offload-replan 0: rule #{hd} equals software alone's")
        T.check_eq(outs0, outs_sw, "--offload-replan 0: the same frames out of eth1")

        # the 40th rte_flow_create on eth0 fails: the first start installs 29
        # rules, so the first re-plan's install fails and rolls back; the old
        # plan stays, and a later re-plan succeeds
        rc, logf, outsf, stf = run(w, "fail", lib, "auto", 1,
                                   "net_pcap0=rich:fail_create=40,net_pcap1=rich")
        T.check_eq(rc, 0, "failed re-plan install: clean exit")
        i_fail = logf.find("re-plan by hits: install failed")
        i_ok = logf.find("re-plan by hits: 1 rule(s) moved into hardware")
        T.check(i_fail >= 0, "a re-plan whose install fails is logged, the previous plan stays")
        T.check(i_ok > i_fail >= 0, "a later re-plan moves the hot rule into hardware")
        for hd in HANDLES:
            T.check_eq(counters(stf).get(hd), sw.get(hd),
                       f"failed install then re-plan: rule #{hd} equals software alone's")
        T.check_eq(outsf, outs_sw, "failed install then re-plan: the same frames out of eth1")
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
