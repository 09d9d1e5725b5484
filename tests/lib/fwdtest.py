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
import struct
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


class LogWatch:
    """Collect a running process's output lines (a thread per stream) so
    that a test can wait for a log line while it keeps doing other work."""

    def __init__(self, proc):
        import threading
        self.lines = []
        self.out = []
        self._cv = threading.Condition()
        self._threads = [
            threading.Thread(target=self._pump, args=(proc.stderr, self.lines), daemon=True),
            threading.Thread(target=self._pump, args=(proc.stdout, self.out), daemon=True)]
        for t in self._threads:
            t.start()

    def _pump(self, stream, into):
        for line in stream:
            with self._cv:
                into.append(line.rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            into.append(None)   # end of stream
            self._cv.notify_all()

    def find(self, pattern, start=0):
        """Index of the first stderr line from `start` matching the regex
        `pattern`, or -1."""
        import re
        rx = re.compile(pattern)
        with self._cv:
            for i in range(start, len(self.lines)):
                if self.lines[i] is not None and rx.search(self.lines[i]):
                    return i
        return -1

    def wait(self, pattern, start=0, timeout=30.0):
        """Block until a stderr line matches; its index, or -1 on timeout
        or end of stream."""
        deadline = time.monotonic() + timeout
        while True:
            i = self.find(pattern, start)
            if i >= 0:
                return i
            with self._cv:
                if self.lines and self.lines[-1] is None:
                    return -1
                left = deadline - time.monotonic()
                if left <= 0:
                    return -1
                self._cv.wait(min(left, 0.05))

    def join(self, timeout=10.0):
        for t in self._threads:
            t.join(timeout)

    def text(self, which="err"):
        src = self.lines if which == "err" else self.out
        return "\n".join(l for l in src if l is not None)


class PcapStream:
    """A named pipe that a net_pcap port reads as its rx_pcap: the test
    writes frames while the forwarder runs, at the test's pace, without
    loss (a full pipe blocks the writer).  The PMD reads it with blocking
    reads, so the worker waits in rx_burst when the pipe is empty."""

    HDR = 16

    def __init__(self, path, pipe_size=None):
        self.path = path
        self.fd = -1
        self.pipe_size = 0
        os.mkfifo(path)
        self._want_size = pipe_size

    def open(self, proc, timeout=30.0):
        """Open for writing once the forwarder opened it for reading (its
        port probe); False if the process died or the timeout passed."""
        import errno
        import fcntl
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
            if proc.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        fl = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
        if self._want_size:
            fcntl.fcntl(self.fd, 1031, self._want_size)     # F_SETPIPE_SZ
        self.pipe_size = fcntl.fcntl(self.fd, 1032)         # F_GETPIPE_SZ
        self.write_raw(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        return True

    def write_raw(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    @staticmethod
    def record(frame, ts=0):
        return struct.pack("<IIII", 1700000000 + ts // 1000000, ts % 1000000,
                           len(frame), len(frame)) + frame

    def write_frames(self, frames):
        self.write_raw(b"".join(self.record(f) for f in frames))

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
