#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Single-core forwarding benchmark: net_pcap (infinite_rx) -> one worker ->
net_null (no-rx), dpdk-nft-fwd against testpmd on identical ports in the
same run, runs interleaved, medians over the runs.

  bench_fwd.py [--runs 5] [--seconds 5] [--frames 4096] [--pcap FILE] [-f RULESET] [--label X]

--pcap replays that file's frames instead of generated ones (e.g. the
traffic tests/bench/gen_rules.py writes next to a ruleset).

Each run is timed from the moment forwarding starts (a line in the
program's output) to SIGINT; its rate is packets received / seconds.
Prints one table row per configuration: median Mpps, spread (min-max),
cycles per packet (TSC Hz / pps: one busy worker core) and the ratio to
testpmd io.  Not a test: numbers, for docs/BENCHMARKS.md.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import fwdtest as T  # noqa: E402

BIN = os.environ.get("NFTFWD_BIN", os.path.join(HERE, "..", "..", "build", "dpdk-nft-fwd"))


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


def run_timed(cmd, seconds, marker):
    """Run cmd; SIGINT it `seconds` after `marker` shows up in its output
    (so start-up is not timed).  Returns (output, seconds timed)."""
    import threading
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    lines = []
    started = threading.Event()

    def reader():
        for line in p.stdout:
            lines.append(line)
            if marker in line:
                started.set()
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    if not started.wait(60):
        p.kill()
        th.join()
        raise RuntimeError("no start marker in: " + "".join(lines[-20:]))
    t0 = time.monotonic()
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    elapsed = time.monotonic() - t0
    p.wait(timeout=60)
    th.join()
    return "".join(lines), elapsed


def eal(prefix, pcap):
    return ["-l", "0,1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", prefix,
            "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
            "--vdev", "net_null0,no-rx=1", "--log-level", "lib.*:error"]


def run_fwd(pcap, seconds, ruleset):
    with tempfile.TemporaryDirectory() as d:
        cmd = [BIN] + eal(f"bench_fwd_{os.getpid()}", pcap) + [
            "--", "--port", "src=net_pcap0", "--port", "sink=net_null0",
            "--stats-file", f"{d}/s.json"]
        if ruleset:
            cmd += ["-f", ruleset]
        out, secs = run_timed(cmd, seconds, "main: forwarding:")
        st = T.read_stats(f"{d}/s.json")["ports"]
        return st["src"]["rx_pkts"] / secs


def run_testpmd(pcap, seconds, mode):
    cmd = ["dpdk-testpmd"] + eal(f"bench_tp_{os.getpid()}", pcap) + [
        "--", "--forward-mode=" + mode, "--total-num-mbufs=16384", "--no-flush-rx",
        "--auto-start", "--stats-period", "1", "--burst=32", "--nb-cores=1"]
    out, secs = run_timed(cmd, seconds, "packet forwarding - ports=")
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--frames", type=int, default=4096)
    ap.add_argument("--pcap", default=None, help="replay these frames instead of generated ones")
    ap.add_argument("-f", "--ruleset", action="append", default=[],
                    help="also run dpdk-nft-fwd with this ruleset (repeatable)")
    a = ap.parse_args()
    hz = tsc_hz()
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "flows.pcap")
        if a.pcap:
            pcap = os.path.abspath(a.pcap)
        else:
            T.write_pcap(pcap, gen_frames(a.frames))
        configs = [("testpmd io", lambda: run_testpmd(pcap, a.seconds, "io")),
                   ("testpmd 5tswap", lambda: run_testpmd(pcap, a.seconds, "5tswap")),
                   ("dpdk-nft-fwd, no ruleset", lambda: run_fwd(pcap, a.seconds, None))]
        for rs in a.ruleset:
            configs.append((f"dpdk-nft-fwd -f {os.path.basename(rs)}",
                            lambda rs=rs: run_fwd(pcap, a.seconds, rs)))
        samples = {name: [] for name, _ in configs}
        for r in range(a.runs):
            for name, fn in configs:  # interleaved
                pps = fn()
                samples[name].append(pps)
                print(f"run {r + 1}/{a.runs} {name}: {pps / 1e6:.2f} Mpps", file=sys.stderr)
    base = statistics.median(samples["testpmd io"]) if samples["testpmd io"] else None
    frames = f"frames of {a.pcap}" if a.pcap else f"{a.frames} flows of 64-byte frames"
    print(f"TSC {hz / 1e9:.2f} GHz, {frames}, {a.runs} runs x {a.seconds} s, medians")
    print(f"{'configuration':40} {'Mpps':>7} {'min-max':>13} {'cycles/pkt':>10} {'vs io':>6}")
    for name, _ in configs:
        v = samples[name]
        if not v:
            print(f"{name:40} no data")
            continue
        m = statistics.median(v)
        print(f"{name:40} {m / 1e6:7.2f} {min(v) / 1e6:6.2f}-{max(v) / 1e6:<6.2f} {hz / m:10.1f} "
              f"{(m / base if base else float('nan')):6.2f}")


if __name__ == "__main__":
    main()
