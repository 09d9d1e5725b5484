# SPDX-License-Identifier: BSD-3-Clause
"""End to end with net_pcap: frames into eth0 come out of eth1 unchanged and
in order, frames into eth1 come out of eth0, and the stats say so."""

import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, Dot1Q, Raw  # noqa: E402


def frames(seed, n):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 6
        eth = Ether(src="02:00:00:00:00:%02x" % (i % 256), dst="02:00:00:00:01:01")
        pay = Raw(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300))))
        if kind == 0:
            p = eth / IP(src="10.0.%d.%d" % (i // 256 % 256, i % 256), dst="192.0.2.1") / TCP(sport=1024 + i, dport=80) / pay
        elif kind == 1:
            p = eth / IP(src="10.1.0.1", dst="10.2.0.%d" % (i % 256)) / UDP(sport=53, dport=5000 + i) / pay
        elif kind == 2:
            p = eth / IPv6(src="2001:db8::1", dst="2001:db8::%x" % i) / UDP(dport=443) / pay
        elif kind == 3:
            p = eth / Dot1Q(vlan=100 + i % 10) / IP(dst="10.9.9.9") / ICMP() / pay
        elif kind == 4:
            p = eth / Raw(b"\x88\xb5" + bytes(46))  # unknown ethertype
        else:
            p = eth / IP(dst="10.3.3.3", ihl=5, frag=100) / pay  # a fragment
        out.append(bytes(p))
    out.append(bytes(Ether() / IP() / TCP() / Raw(bytes(1400))))  # large
    return out


def main():
    fwd0 = frames(1, 500)
    fwd1 = frames(2, 300)
    with T.Workdir("fwd") as w:
        T.write_pcap(w.file("in0.pcap"), fwd0)
        T.write_pcap(w.file("in1.pcap"), fwd1)
        eal = T.eal_args("e2e_fwd") + \
            T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("in1.pcap"), w.file("out1.pcap"))
        rc, out, err = T.run(eal, ["--port", "eth0=net_pcap0", "--port",
                                   "eth1=net_pcap1", "--idle-exit", "1000",
                                   "--stats-file", w.file("stats.json")])
        T.check_eq(rc, 0, "forwarder exits 0 after --idle-exit")
        got1 = T.read_pcap(w.file("out1.pcap"))
        got0 = T.read_pcap(w.file("out0.pcap"))
        T.check_eq(len(got1), len(fwd0), "eth0 -> eth1 frame count")
        T.check(got1 == fwd0, "eth0 -> eth1 frames unchanged and in order")
        T.check_eq(len(got0), len(fwd1), "eth1 -> eth0 frame count")
        T.check(got0 == fwd1, "eth1 -> eth0 frames unchanged and in order")
        st = T.read_stats(w.file("stats.json"))
        e0, e1 = st["ports"]["eth0"], st["ports"]["eth1"]
        T.check_eq(e0["rx_pkts"], len(fwd0), "eth0 rx_pkts")
        T.check_eq(e0["rx_bytes"], sum(map(len, fwd0)), "eth0 rx_bytes")
        T.check_eq(e1["tx_pkts"], len(fwd0), "eth1 tx_pkts")
        T.check_eq(e1["tx_bytes"], sum(map(len, fwd0)), "eth1 tx_bytes")
        T.check_eq(e1["rx_pkts"], len(fwd1), "eth1 rx_pkts")
        T.check_eq(e0["tx_pkts"], len(fwd1), "eth0 tx_pkts")
        T.check_eq(e0["dropped"] + e1["dropped"], 0, "nothing dropped")
        T.check_eq(e0["tx_failed"] + e1["tx_failed"], 0, "no tx failure")
        T.check_eq(e0["peer"], "eth1", "eth0's peer")
        T.check_eq(st["mbufs_in_use"], 0, "no mbuf leaked")
        T.check("final stats" in out and "eth0" in out,
                "final stats printed on stdout")

    # Two workers, one per direction; net_pcap has a single tx queue, so
    # the workers share it under its lock.  Each direction stays in order.
    with T.Workdir("fwd2w") as w:
        T.write_pcap(w.file("in0.pcap"), fwd0)
        T.write_pcap(w.file("in1.pcap"), fwd1)
        eal = T.eal_args("e2e_fwd_2w", "0@0,1@1,2@0") + \
            T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("in1.pcap"), w.file("out1.pcap"))
        rc, out, err = T.run(eal, ["--port", "eth0=net_pcap0", "--port",
                                   "eth1=net_pcap1", "--idle-exit", "1000"])
        T.check_eq(rc, 0, "two-worker run exits 0")
        T.check("1 tx queue(s) shared by the workers" in err,
                "the single pcap tx queue is shared by the two workers")
        T.check(T.read_pcap(w.file("out1.pcap")) == fwd0,
                "two workers: eth0 -> eth1 unchanged and in order")
        T.check(T.read_pcap(w.file("out0.pcap")) == fwd1,
                "two workers: eth1 -> eth0 unchanged and in order")

    # --pair A:A sends packets back out of the port they came in on, and
    # burst 1 still forwards everything in order.
    with T.Workdir("fwdself") as w:
        T.write_pcap(w.file("in0.pcap"), fwd0)
        T.write_pcap(w.file("empty.pcap"), [])
        eal = T.eal_args("e2e_fwd_self") + \
            T.pcap_vdev("net_pcap0", w.file("in0.pcap"), w.file("out0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("empty.pcap"), w.file("out1.pcap"))
        rc, out, err = T.run(eal, ["--port", "a=net_pcap0", "--port", "b=net_pcap1",
                                   "--pair", "a:a", "--pair", "b:b", "--burst", "1",
                                   "--idle-exit", "1000"])
        T.check_eq(rc, 0, "reflect run exits 0")
        T.check(T.read_pcap(w.file("out0.pcap")) == fwd0,
                "--pair a:a reflects every frame in order (burst 1)")
        T.check_eq(len(T.read_pcap(w.file("out1.pcap"))), 0, "nothing on b")
    T.finish()


if __name__ == "__main__":
    main()
