from pk import *


def packets():
    return on("eth0", [
        tcp4(dport=80),                    # accept in c, counted in later -> eth1
        tcp4(dport=81),                    # drop
        tcp4(dport=82),                    # policy drop
        udp4(dport=53),                    # accept
        udp4(dport=53, sport=999),         # accept in c, dropped by later chain
        udp4(dport=54),                    # counter only, then policy drop
        eth(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.0.2"),  # accept
        eth() / IPv6(dst="2001:db8::1") / UDP(dport=53),      # udp dport matches v6 too
        tcp4(dport=80, pay=b"x" * 100),
    ])


EXPECT = "eth1 - - eth1 - - eth1 eth1 eth1"
EXPECT_COUNTERS = {"rule t/c@0": (2, 180), "rule t/c@1": (1, 40), "rule t/later@0": (1, 28),
                   "rule t/later@1": (2, 180)}
