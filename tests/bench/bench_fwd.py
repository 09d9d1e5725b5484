#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Single-core forwarding benchmark: net_pcap (infinite_rx) -> one worker ->
net_null (no-rx), dpdk-nft-fwd against testpmd on identical ports in the
same run, runs interleaved, medians over the runs.

  bench_fwd.py [--runs 5] [--seconds 5] [--frames 4096] [--pcap FILE]
               [-f RULESET ...] [--rules 10,100,1000,10000,100000] [--no-5tswap]
               [--interp N,...] [--nocache N,...]

--pcap replays that file's frames instead of generated ones (e.g. the
traffic tests/bench/gen_rules.py writes next to a ruleset).

--rules N,... is the rule-scaling table in one command: gen_rules.py writes
a ruleset of each size and the traffic (the same frames for every size)
into a temporary folder, and each size is one more configuration of the
interleaved runs.  Every forwarder run with a ruleset must log that the
compiled classifier was built with nothing left to the interpreter
(0 entries handed over, 0 checked at run time) and must drop the share of
frames gen_rules.py says the ruleset drops; a run that does not is an
error, not a number.  --interp N,... adds runs of those sizes with
NFTFWD_CLS=off (the reference interpreter on every packet) for comparison;
--nocache N,... runs of those sizes with NFTFWD_CLS=nocache (the classifier
without its per-lcore result cache: every packet walks the rte_acl trie, as
with traffic of more flows than the cache holds).

Each run is timed from the moment forwarding starts (a line in the
program's output) to SIGINT; its rate is packets received / seconds.
Prints one table row per configuration: median Mpps, spread (min-max),
cycles per packet (TSC Hz / pps: one busy worker core), the ratio to
testpmd io and, with --rules, to the smallest ruleset; then per ruleset
the classifier's build time, the whole compile+swap time and the
process's peak RSS.  Not a test: numbers, for docs/BENCHMARKS.md.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import fwdtest as T  # noqa: E402

BIN = os.environ.get("NFTFWD_BIN", os.path.join(HERE, "..", "..", "build", "dpdk-nft-fwd"))
GEN_RULES = os.path.join(HERE, "gen_rules.py")


def gen_frames(n, seed=1):
    """64-byte frames (60 + FCS) of n distinct UDP/TCP flows."""
    import random
    import struct
    rnd = random.Random(seed)
    frames = []
    for i in range(n):
        src = bytes([10, rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)])
        dst = bytes([172, 16, rnd.randrange(256), rnd.randrange(1, 255)])
        proto = 6 if i % 2 else 17
        l4 = struct.pack("!HH", rnd.randrange(1024, 65535), rnd.choice([53, 80, 443, 8080, rnd.randrange(1, 65535)]))
        l4 += bytes(16 if proto == 6 else 4)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, proto, 0, src, dst) + l4
        frame = bytes.fromhex("020000000002" "020000000001" "0800") + ip
        frames.append(frame + bytes(max(0, 60 - len(frame))))
    return frames


def run_timed(cmd, seconds, marker, env=None, start_timeout=600):
    """Run cmd; SIGINT it `seconds` after `marker` shows up in its output
    (so start-up is not timed).  Returns (output, seconds timed, peak RSS
    in KiB)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True, env=env)
    lines = []
    started = threading.Event()

    def reader():
        for line in p.stdout:
            lines.append(line)
            if marker in line:
                started.set()
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    while not started.wait(0.2):
        if p.poll() is not None or start_timeout <= 0:
            p.kill()
            th.join()
            raise RuntimeError("no start marker in: " + "".join(lines[-20:]))
        start_timeout -= 0.2
    t0 = time.monotonic()
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    elapsed = time.monotonic() - t0
    # wait4 instead of p.wait(): the child's peak RSS comes with it
    deadline = time.monotonic() + 60
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            p.kill()
        time.sleep(0.05)
    th.join()
    if p.returncode != 0:
        raise RuntimeError(f"exit code {p.returncode}: " + "".join(lines[-20:]))
    return "".join(lines), elapsed, ru.ru_maxrss


def eal(prefix, pcap):
    return ["-l", "0,1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", prefix,
            "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
            "--vdev", "net_null0,no-rx=1", "--log-level", "lib.*:error"]


CLS_RE = re.compile(r"ruleset: classifier: (\d+) program\(s\), (\d+) entries, (\d+) ACL rules in "
                    r"(\d+) context\(s\), (\d+) handed to the interpreter, (\d+) checked at run "
                    r"time, (\S+), built in ([\d.]+) ms")
GEN_RE = re.compile(r"ruleset: generation \d+ active .* compiled and swapped in ([\d.]+) ms")


class FwdRun:
    """One forwarder run: rate, and what its log says about the ruleset."""

    def __init__(self, pps, drop_share, cls=None, swap_ms=None, maxrss_kb=0):
        self.pps = pps
        self.drop_share = drop_share
        self.cls = cls            # CLS_RE groups, or None (no ruleset / interpreter)
        self.swap_ms = swap_ms
        self.maxrss_kb = maxrss_kb


def run_fwd(pcap, seconds, ruleset, interp=False, want_drop=None, nocache=False):
    env = dict(os.environ)
    if interp:
        env["NFTFWD_CLS"] = "off"
    elif nocache:
        env["NFTFWD_CLS"] = "nocache"
    with tempfile.TemporaryDirectory() as d:
        cmd = [BIN] + eal(f"bench_fwd_{os.getpid()}", pcap) + [
            "--", "--port", "src=net_pcap0", "--port", "sink=net_null0",
            "--stats-file", f"{d}/s.json"]
        if ruleset:
            cmd += ["-f", ruleset]
        out, secs, rss = run_timed(cmd, seconds, "main: forwarding:", env=env)
        st = T.read_stats(f"{d}/s.json")["ports"]
    rx = st["src"]["rx_pkts"]
    run = FwdRun(rx / secs, st["src"]["dropped"] / rx if rx else 0.0, maxrss_kb=rss)
    if ruleset:
        m = GEN_RE.search(out)
        if not m:
            raise RuntimeError(f"{ruleset}: no generation line in: " + out[-2000:])
        run.swap_ms = float(m.group(1))
        c = CLS_RE.search(out)
        if interp:
            if c or "classifier: off" not in out:
                raise RuntimeError(f"{ruleset}: NFTFWD_CLS=off did not turn the classifier off")
        else:
            if not c:
                raise RuntimeError(f"{ruleset}: the compiled classifier was not built: "
                                   + out[-2000:])
            if int(c.group(5)) or int(c.group(6)):
                raise RuntimeError(f"{ruleset}: classifier leaves work to the interpreter: "
                                   + c.group(0))
            run.cls = c
    if want_drop is not None and abs(run.drop_share - want_drop) > 0.01:
        raise RuntimeError(f"{ruleset}: {100 * run.drop_share:.1f}% dropped, "
                           f"gen_rules.py says {100 * want_drop:.1f}%")
    return run


def run_testpmd(pcap, seconds, mode):
    cmd = ["dpdk-testpmd"] + eal(f"bench_tp_{os.getpid()}", pcap) + [
        "--", "--forward-mode=" + mode, "--total-num-mbufs=16384", "--no-flush-rx",
        "--auto-start", "--stats-period", "1", "--burst=32", "--nb-cores=1"]
    out, secs, _ = run_timed(cmd, seconds, "packet forwarding - ports=")
    m = re.search(r"Accumulated forward statistics for all ports\+*\s*RX-packets:\s*(\d+)", out)
    if not m:
        raise RuntimeError("no testpmd totals in: " + out[-2000:])
    return int(m.group(1)) / secs


def tsc_hz():
    with tempfile.TemporaryDirectory() as d:
        T.write_pcap(os.path.join(d, "e.pcap"), [])
        subprocess.run([BIN, "-l", "0,1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix",
                        f"bench_hz_{os.getpid()}", "--log-level", "*:error", "--", "--port",
                        f"a=net_pcap9,rx_pcap={d}/e.pcap", "--pair", "a:a", "--idle-exit", "1",
                        "--stats-file", f"{d}/s.json"], capture_output=True, timeout=60)
        return T.read_stats(f"{d}/s.json")["tsc_hz"]


def gen_ruleset(d, n, frames, pcap):
    """gen_rules.py --rules n into d: (ruleset path, share of frames dropped)."""
    prefix = os.path.join(d, f"rules-{n}")
    args = [sys.executable, GEN_RULES, "--rules", str(n), "-o", prefix, "--frames", str(frames)]
    if not pcap:
        args.append("--no-pcap")
    t0 = time.monotonic()
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    m = re.search(r"drop (\d+)%", out)
    print(f"generated {n} rules in {time.monotonic() - t0:.1f} s: {out.strip()}", file=sys.stderr)
    return prefix + ".nft", (int(m.group(1)) / 100 if m else None)


def sizes(text):
    return [int(x) for x in text.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--frames", type=int, default=4096)
    ap.add_argument("--pcap", default=None, help="replay these frames instead of generated ones")
    ap.add_argument("-f", "--ruleset", action="append", default=[],
                    help="also run dpdk-nft-fwd with this ruleset (repeatable)")
    ap.add_argument("--rules", type=sizes, default=[],
                    help="rule-scaling table: gen_rules.py rulesets of these sizes and their traffic")
    ap.add_argument("--interp", type=sizes, default=[],
                    help="with --rules: also these sizes with NFTFWD_CLS=off (interpreter)")
    ap.add_argument("--nocache", type=sizes, default=[],
                    help="with --rules: also these sizes with NFTFWD_CLS=nocache (no result cache)")
    ap.add_argument("--no-5tswap", action="store_true", help="leave out testpmd 5tswap")
    a = ap.parse_args()
    if a.frames > 4096:
        # net_pcap infinite_rx keeps every frame in an mbuf of the port's pool
        # (the forwarder's has 8192 mbufs, and rx and tx need their share)
        ap.error("--frames: at most 4096 (net_pcap infinite_rx holds them all in mbufs)")
    if a.rules and a.pcap:
        ap.error("--rules brings its own traffic: no --pcap")
    if set(a.interp + a.nocache) - set(a.rules):
        ap.error("--interp and --nocache sizes must be among --rules")
    hz = tsc_hz()
    results = {}    # name -> [FwdRun or pps]
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "flows.pcap")
        generated = {}
        if a.pcap:
            pcap = os.path.abspath(a.pcap)
        elif a.rules:
            # the frames are the same for every size: one pcap, from the first
            for i, n in enumerate(a.rules):
                generated[n] = gen_ruleset(d, n, a.frames, i == 0)
            os.rename(os.path.join(d, f"rules-{a.rules[0]}.pcap"), pcap)
        else:
            T.write_pcap(pcap, gen_frames(a.frames))
        configs = [("testpmd io", lambda: run_testpmd(pcap, a.seconds, "io"))]
        if not a.no_5tswap:
            configs.append(("testpmd 5tswap", lambda: run_testpmd(pcap, a.seconds, "5tswap")))
        configs.append(("dpdk-nft-fwd, no ruleset", lambda: run_fwd(pcap, a.seconds, None)))
        for rs in a.ruleset:
            configs.append((f"dpdk-nft-fwd -f {os.path.basename(rs)}",
                            lambda rs=rs: run_fwd(pcap, a.seconds, rs)))
        for n in a.rules:
            rs, drop = generated[n]
            configs.append((f"dpdk-nft-fwd, {n} rules",
                            lambda rs=rs, drop=drop: run_fwd(pcap, a.seconds, rs, want_drop=drop)))
        for n in a.nocache:
            rs, drop = generated[n]
            configs.append((f"dpdk-nft-fwd, {n} rules, no cache",
                            lambda rs=rs, drop=drop: run_fwd(pcap, a.seconds, rs, want_drop=drop,
                                                             nocache=True)))
        for n in a.interp:
            rs, drop = generated[n]
            configs.append((f"dpdk-nft-fwd, {n} rules, interpreter",
                            lambda rs=rs, drop=drop: run_fwd(pcap, a.seconds, rs, True, drop)))
        results = {name: [] for name, _ in configs}
        for r in range(a.runs):
            for name, fn in configs:  # interleaved
                v = fn()
                results[name].append(v)
                pps = v if isinstance(v, float) else v.pps
                print(f"run {r + 1}/{a.runs} {name}: {pps / 1e6:.2f} Mpps", file=sys.stderr)

    def rates(name):
        return [v if isinstance(v, float) else v.pps for v in results[name]]

    base = statistics.median(rates("testpmd io"))
    first = f"dpdk-nft-fwd, {a.rules[0]} rules" if a.rules else None
    base_rules = statistics.median(rates(first)) if first else None
    frames = f"frames of {a.pcap}" if a.pcap else f"{a.frames} flows of 64-byte frames"
    if a.rules:
        frames = f"{a.frames} frames from gen_rules.py (64 bytes)"
    print(f"TSC {hz / 1e9:.2f} GHz, {frames}, {a.runs} runs x {a.seconds} s, medians")
    hdr = f"{'configuration':40} {'Mpps':>7} {'min-max':>13} {'cycles/pkt':>10} {'vs io':>6}"
    if a.rules:
        hdr += f" {'vs ' + str(a.rules[0]):>7}"
    print(hdr)
    for name, _ in configs:
        v = rates(name)
        m = statistics.median(v)
        line = (f"{name:40} {m / 1e6:7.2f} {min(v) / 1e6:6.2f}-{max(v) / 1e6:<6.2f} {hz / m:10.1f} "
                f"{m / base:6.2f}")
        if a.rules and re.match(r"dpdk-nft-fwd, \d+ rules", name):
            line += f" {m / base_rules:7.2f}"
        print(line)
    rows = [name for name, _ in configs
            if name.startswith("dpdk-nft-fwd") and isinstance(results[name][0], FwdRun)
            and results[name][0].swap_ms is not None]
    if rows:
        print()
        print(f"{'ruleset':40} {'ACL rules':>9} {'ctx':>3} {'alg':>9} {'cls build ms':>12} "
              f"{'swap ms':>8} {'peak RSS MiB':>12} {'dropped':>7}")
        for name in rows:
            runs = results[name]
            c = runs[0].cls
            build = statistics.median(float(r.cls.group(8)) for r in runs) if c else None
            swap = statistics.median(r.swap_ms for r in runs)
            rss = max(r.maxrss_kb for r in runs) / 1024
            drop = statistics.median(r.drop_share for r in runs)
            print(f"{name:40} {c.group(3) if c else '-':>9} {c.group(4) if c else '-':>3} "
                  f"{c.group(7) if c else 'interp':>9} "
                  f"{(f'{build:.1f}' if build is not None else '-'):>12} {swap:8.1f} {rss:12.0f} "
                  f"{100 * drop:6.1f}%")


if __name__ == "__main__":
    main()
