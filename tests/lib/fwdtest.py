# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for end-to-end tests: run dpdk-nft-fwd on net_pcap/net_null/
net_ring ports without hugepages, read its stats, compare pcaps.

The binary comes from $NFTFWD_BIN (set by meson).  Each run gets its own
EAL --file-prefix and temporary directory, removed afterwards.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("NFTFWD_BIN", "build/dpdk-nft-fwd")

_failures = 0
_checks = 0


def check(cond, what):
    """Record one assertion; a failed one is printed and fails the test."""
    global _failures, _checks
    _checks += 1
    if cond:
        print(f"ok   {what}")
    else:
        _failures += 1
        print(f"FAIL {what}")
    return cond


def check_eq(got, want, what):
    return check(got == want, f"{what}: got {got!r}, want {want!r}"
                 if got != want else what)


def finish():
    print(f"{_checks - _failures} checks passed, {_failures} failed")
    sys.exit(1 if _failures else 0)


class Workdir:
    def __init__(self, tag):
        self.path = tempfile.mkdtemp(prefix=f"nftfwd-{tag}-")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

    def file(self, name):
        return os.path.join(self.path, name)


def eal_args(prefix, lcores="0,1"):
    return ["--no-huge", "-m", "512", "--no-pci", "--file-prefix",
            f"{prefix}_{os.getpid()}", "--log-level", "lib.*:notice"] + (
        ["--lcores", lcores] if "@" in lcores else ["-l", lcores])


def run(eal, app, timeout=60, stop_after=None):
    """Run the forwarder; with stop_after seconds, send SIGINT then.
    Returns (rc, stdout, stderr)."""
    cmd = [BIN] + eal + ["--"] + app
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        if stop_after is not None:
            try:
                out, err = p.communicate(timeout=stop_after)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=timeout)
        else:
            out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        print("command timed out:", " ".join(cmd))
        return -1, out, err
    if p.returncode != 0:
        print("command:", " ".join(cmd))
        print("stdout:", out[-3000:])
        print("stderr:", err[-3000:])
    return p.returncode, out, err


def pcap_vdev(name, rx, tx):
    return ["--vdev", f"{name},rx_pcap={rx},tx_pcap={tx}"]


def write_pcap(path, frames):
    """Write raw frames (bytes) as an Ethernet pcap, without scapy."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000000,
                                i % 1000000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """Frames of a pcap (classic format, either byte order) as bytes."""
    import struct
    frames = []
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return frames
        magic = struct.unpack("<I", hdr[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, caplen, _ = struct.unpack(endian + "IIII", rec)
            frames.append(f.read(caplen))
    return frames


def read_stats(path):
    with open(path) as f:
        return json.load(f)
