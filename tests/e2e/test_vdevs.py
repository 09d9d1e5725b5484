# SPDX-License-Identifier: BSD-3-Clause
"""The forwarder on kernel-backed vdevs, in a private network namespace:
net_af_xdp and net_af_packet on veths, net_tap, and net_memif between two
forwarder processes.  Frames injected on one side come out on the other."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import fwdtest as T  # noqa: E402

NSIO = os.path.join(HERE, "..", "lib", "nsio.py")
PY = "/usr/bin/python3"


def frames(tag, n=20):
    """Frames with a recognisable payload; unicast, so no kernel reacts."""
    out = []
    for i in range(n):
        eth = bytes.fromhex("020000000a02" "020000000a01" "88b5")  # local exp. ethertype
        out.append(eth + tag.encode() + i.to_bytes(2, "big") + bytes(40))
    return out


def ours(got, tag):
    return [f for f in got if f[14:14 + len(tag)] == tag.encode()]


class Netns:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.run("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        self.run("ip", "link", "set", "lo", "up")
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name])

    def run(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.name] + list(cmd),
                              check=True, capture_output=True, text=True)

    def popen(self, *cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name] + list(cmd),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, **kw)

    def veth(self, a, b):
        self.run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        self.run("ip", "link", "set", a, "up")
        self.run("ip", "link", "set", b, "up")


def capture_start(ns, iface, path, secs):
    p = ns.popen(PY, NSIO, "capture", iface, path, str(secs))
    p.stdout.readline()  # "capturing": the socket is bound
    return p


def forwarder(ns, prefix, lcores, vdevs, app):
    cmd = [T.BIN] + T.eal_args(prefix, lcores) + vdevs + ["--"] + app
    return ns.popen(*cmd)


def wait_forwarding(p, timeout=20):
    """Read stderr until the workers run; returns the lines read."""
    lines = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = p.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "main: forwarding:" in line:
            return lines
    return lines


def stop(p):
    p.send_signal(2)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err


def test_xdp_packet(w):
    with Netns(f"nftfwd_vd_{os.getpid()}") as ns:
        ns.veth("xA", "xB")   # forwarder's af_xdp port on xA, tests on xB
        ns.veth("pA", "pB")   # forwarder's af_packet port on pA, tests on pB
        p = forwarder(ns, "e2e_vd", "0,1",
                      ["--vdev", "net_af_xdp0,iface=xA", "--vdev", "net_af_packet0,iface=pA"],
                      ["--port", "x=net_af_xdp0", "--port", "p=net_af_packet0"])
        lines = wait_forwarding(p)
        T.check(any("net_af_xdp" in l for l in lines) and any("net_af_packet" in l for l in lines),
                "af_xdp and af_packet ports configured")
        cap_p = capture_start(ns, "pB", w.file("pB.pcap"), 3)
        cap_x = capture_start(ns, "xB", w.file("xB.pcap"), 3)
        T.write_pcap(w.file("to_x.pcap"), frames("X->P"))
        T.write_pcap(w.file("to_p.pcap"), frames("P->X"))
        ns.run(PY, NSIO, "send", "xB", w.file("to_x.pcap"))
        ns.run(PY, NSIO, "send", "pB", w.file("to_p.pcap"))
        cap_p.wait(timeout=30)
        cap_x.wait(timeout=30)
        rc, out, err = stop(p)
        T.check_eq(rc, 0, "af_xdp/af_packet forwarder stops with exit 0")
        T.check(ours(T.read_pcap(w.file("pB.pcap")), "X->P") == frames("X->P"),
                "af_xdp in -> af_packet out: all 20 frames, in order")
        T.check(ours(T.read_pcap(w.file("xB.pcap")), "P->X") == frames("P->X"),
                "af_packet in -> af_xdp out: all 20 frames, in order")


def test_tap(w):
    with Netns(f"nftfwd_tap_{os.getpid()}") as ns:
        T.write_pcap(w.file("empty.pcap"), [])
        p = forwarder(ns, "e2e_tap", "0,1",
                      ["--vdev", "net_tap0,iface=nftap0",
                       "--vdev", f"net_pcap0,rx_pcap={w.file('empty.pcap')},tx_pcap={w.file('tap-out.pcap')}"],
                      ["--port", "t=net_tap0", "--port", "c=net_pcap0"])
        wait_forwarding(p)
        ns.run("ip", "link", "set", "nftap0", "up")
        T.write_pcap(w.file("to_t.pcap"), frames("TAP"))
        time.sleep(0.5)
        ns.run(PY, NSIO, "send", "nftap0", w.file("to_t.pcap"))
        time.sleep(0.5)
        rc, out, err = stop(p)
        T.check_eq(rc, 0, "tap forwarder stops with exit 0")
        T.check(ours(T.read_pcap(w.file("tap-out.pcap")), "TAP") == frames("TAP"),
                "net_tap in -> pcap out: all 20 frames, in order")


def test_memif(w):
    """Two forwarders joined by memif: veth aB -> [A: af_packet -> memif
    server] -> [B: memif client -> af_packet] -> veth bB."""
    with Netns(f"nftfwd_mif_{os.getpid()}") as ns:
        ns.veth("aA", "aB")
        ns.veth("bA", "bB")
        sock = w.file("memif.sock")
        a = forwarder(ns, "e2e_mifa", "0@0,1@1",
                      ["--vdev", "net_af_packet0,iface=aA",
                       "--vdev", f"net_memif0,role=server,socket={sock}"],
                      ["--port", "in=net_af_packet0", "--port", "m=net_memif0"])
        wait_forwarding(a)
        b = forwarder(ns, "e2e_mifb", "0@1,1@0",
                      ["--vdev", f"net_memif0,role=client,socket={sock}",
                       "--vdev", "net_af_packet0,iface=bA"],
                      ["--port", "m=net_memif0", "--port", "out=net_af_packet0"])
        wait_forwarding(b)
        time.sleep(2)  # the memif connection comes up on the control threads
        cap = capture_start(ns, "bB", w.file("bB.pcap"), 3)
        T.write_pcap(w.file("to_a.pcap"), frames("MEMIF"))
        ns.run(PY, NSIO, "send", "aB", w.file("to_a.pcap"))
        cap.wait(timeout=30)
        # Both ends are told to stop at the same moment: DPDK 22.11's memif
        # PMD unmaps the shared regions on its interrupt thread when the
        # peer goes away, while a worker of its own may still be inside
        # rx_burst on them (a crash seen here, in librte_net_memif, even
        # with the client stopped first). Each forwarder stops its workers
        # within microseconds of the signal and closes ports only after
        # that, so neither polls a region its peer takes away. See README
        # "Known issues".
        b.send_signal(2)
        a.send_signal(2)
        rcb, _, errb = stop(b)
        rca, _, erra = stop(a)
        T.check(rca == 0 and rcb == 0, f"both memif forwarders stop with exit 0 ({rca}, {rcb})")
        got = ours(T.read_pcap(w.file("bB.pcap")), "MEMIF")
        T.check(got == frames("MEMIF"),
                f"af_packet -> memif -> memif -> af_packet: all 20 frames, in order (got {len(got)})")


def main():
    with T.Workdir("vdevs") as w:
        test_xdp_packet(w)
        test_tap(w)
        test_memif(w)
    T.finish()


if __name__ == "__main__":
    main()
