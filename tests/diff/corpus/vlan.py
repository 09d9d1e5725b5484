from pk import *


def t(vid, dport, prio=0, tpid=None, inner=None, src="10.0.0.1"):
    l2 = eth() / (Dot1AD(vlan=vid, prio=prio) if tpid == 0x88a8 else Dot1Q(vlan=vid, prio=prio))
    if inner is not None:
        l2 = l2 / Dot1Q(vlan=inner)
    return l2 / IP(src=src, dst="10.0.0.2") / UDP(dport=dport)


def packets():
    return on("eth0", [
        t(10, 1), t(11, 1), t(10, 1, tpid=0x88a8),     # drop, pass, pass (`vlan id` implies ether type 8021q)
        t(0, 2), udp4(dport=2),                         # priority tag: vid 0 drop; untagged: vlan id needs a tag
        t(1, 3, prio=5), t(1, 3, prio=4),
        # QinQ: `udp dport` could never match (meta protocol is the inner tag), link-layer loads can
        t(20, 4, tpid=0x88a8, inner=21), t(20, 4, inner=21), t(21, 4, tpid=0x88a8, inner=20),
        t(30, 5), t(30, 5, src="10.0.0.9"),
        t(1, 6), t(1, 6, tpid=0x88a8), t(1, 6, inner=2), udp4(dport=6),  # QinQ: no ip match
        t(40, 9), t(41, 9), t(42, 9),
        t(100, 7), t(200, 7), t(99, 7), t(201, 7),
        b(eth() / Dot1Q(vlan=50, id=1) / IP() / UDP()),
        b(eth() / Dot1Q(vlan=50) / IPv6() / UDP()),
    ])


EXPECT = ("- eth1 eth1  - eth1  - eth1  - eth1 eth1  - eth1  - - eth1 -"
          "  - - eth1  - - eth1 eth1  - -")
