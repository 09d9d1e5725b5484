from pk import *


def packets():
    return on("eth0", [
        tcp4(src="10.0.0.9", dport=1),     # 0x10 accept
        tcp4(src="10.0.0.9", dport=5),     # 0x11 drop
        tcp4(src="10.1.2.3", dport=5),     # 0x21: &0xf0 == 0x20 accept
        tcp4(src="10.2.0.1", dport=1),     # no map match: 0 -> drop
        tcp4(src="192.168.0.1", dport=7),  # 0xff30 drop
        tcp4(src="192.168.0.1", dport=6),  # 0x30 & ~0x10 = 0x20 -> accept
        tcp4(src="192.168.0.1", dport=1),  # 0x30 -> not dropped -> accept
        tcp4(src="10.0.1.0", dport=1),     # just outside /24: 0 -> drop
        tcp4(src="10.0.0.255", dport=1),   # inside: accept
        tcp4(src="10.1.255.255", dport=6),  # 0x20 & ~0x10 -> 0x20 accept
        eth() / IPv6() / TCP(dport=1),     # no ip saddr: map not found -> mark 0 -> drop
    ])


EXPECT = "eth1 - eth1 - - eth1 eth1 - eth1 eth1 -"
