# SPDX-License-Identifier: BSD-3-Clause
"""flowemu with the unmodified forwarder: LD_PRELOAD=libflowemu.so and
NFTFWD_FLOWEMU attach the named net_pcap ports when the forwarder starts
them (the interposed rte_eth_dev_start), every received frame goes through
the emulator's rx hook, rte_eth_dev_close detaches; with no rules the
emulated ports forward unchanged.  A bad NFTFWD_FLOWEMU stops the start.

usage: test_preload.py LIBFLOWEMU_SO   (forwarder from $NFTFWD_BIN)
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402


def tcp4(i):
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    l4 = struct.pack(">HHIIBBHHH", 1000 + i, 80, 0, 0, 0x50, 0x10, 1024, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4) + 20, i, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, i % 250 + 1]))
    return eth + ip + l4 + b"x" * 20


def forward(w, tag, preload, spec):
    frames = [tcp4(i) for i in range(50)]
    T.write_pcap(w.file("in0.pcap"), frames)
    T.write_pcap(w.file("in1.pcap"), [])
    env = dict(os.environ)
    os.environ.pop("LD_PRELOAD", None)
    os.environ.pop("NFTFWD_FLOWEMU", None)
    if preload:
        os.environ["LD_PRELOAD"] = preload
    if spec is not None:
        os.environ["NFTFWD_FLOWEMU"] = spec
    try:
        eal = T.eal_args("flowemu_" + tag) + \
            T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("in1.pcap"), w.file("out1.pcap"))
        rc, out, err = T.run(eal, ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1",
                                   "--idle-exit", "500"])
    finally:
        os.environ.clear()
        os.environ.update(env)
    return rc, out + err, frames


def main():
    lib = os.path.abspath(sys.argv[1])
    with T.Workdir("flowemu") as w:
        rc, log, frames = forward(w, "ok", lib, "net_pcap0=rich,net_pcap1=none")
        T.check_eq(rc, 0, "forwarder with flowemu preloaded exits 0")
        T.check("flowemu: port 0 attached as rich" in log, "eth0 attached as rich at start")
        T.check("flowemu: port 1 attached as none" in log, "eth1 attached as none at start")
        T.check("flowemu: port 0 detached: rx 50," in log,
                "the 50 frames went through the rx hook; close detached")
        T.check(T.read_pcap(w.file("out1.pcap")) == frames,
                "no rules: frames forwarded unchanged and in order")

    with T.Workdir("flowemu") as w:
        rc, log, _ = forward(w, "bad", lib, "net_pcap0=bogus")
        T.check(rc != 0, f"bad NFTFWD_FLOWEMU stops the start (rc {rc})")
        T.check("expected DEV=PROFILE" in log, "and says what it expected")

    with T.Workdir("flowemu") as w:
        rc, log, frames = forward(w, "off", None, "net_pcap0=rich")
        T.check(rc == 0 and "flowemu" not in log, "without LD_PRELOAD the variable does nothing")
    T.finish()


if __name__ == "__main__":
    main()
