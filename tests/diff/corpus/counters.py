from pk import *


def packets():
    return on("eth0", [
        tcp4(dport=1),                            # 40
        tcp4(dport=2, pay=b"a" * 60),             # 100
        udp4(dport=7),                            # 28, dropped
        udp4(dport=8, pay=b"b" * 3),              # 31
        eth() / Dot1Q(vlan=5) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=1),  # 40 (tag not counted)
        eth() / IPv6() / TCP(dport=2),            # 60
        eth() / Raw(bytes(14) * 3),               # unknown ethertype, 42 bytes of payload
        eth_raw(b"", 0x0800),                     # header only: meta length 0
    ])


EXPECT = "eth1 eth1 - eth1 eth1 eth1 eth1 eth1"
EXPECT_COUNTERS = {"counter t/cnt_all": (8, 341), "counter t/cnt_tcp": (4, 40 + 100 + 40 + 60),
                   "counter t/cnt_unused": (0, 0), "rule t/c@1": (8, 341)}
