from pk import *


def packets():
    return on("eth0", [
        eth(dst="ff:ff:ff:ff:ff:ff") / IP() / UDP(dport=1),
        eth(dst="ff:ff:ff:ff:ff:ff") / IP() / UDP(dport=2),   # broadcast, not multicast
        eth(dst="01:00:5e:00:00:01") / IP() / UDP(dport=2),   # multicast
        eth(dst="02:00:00:00:00:99") / IP() / UDP(dport=3),   # otherhost
        eth(dst="02:00:00:00:00:99") / IP() / UDP(dport=4),   # not host
        udp4(dport=4),                                        # host
        udp6(dport=5),
        udp4(dport=5),
        eth(dst="ff:ff:ff:ff:ff:ff") / ARP(),
        eth() / IP() / ICMP(),
        eth() / IPv6() / ICMPv6EchoRequest(),                 # not "icmp"
        eth() / IP(proto=47) / Raw(b"\0" * 8),
        udp4(dport=6, pay=b"x" * 71),                         # 99
        udp4(dport=6, pay=b"x" * 72),                         # 100
        udp4(dport=6, pay=b"x" * 172),                        # 200
        udp4(dport=6, pay=b"x" * 173),                        # 201
        udp4(dport=7, pay=b"x" * 1),                          # 29
        udp4(dport=7, pay=b"x" * 2),                          # 30
        udp4(dport=9, pay=b"x" * 973),                        # 1001
        udp4(dport=9, pay=b"x" * 972),                        # 1000
        udp4(dport=8),
        eth() / Dot1Q(vlan=3) / Dot1Q(vlan=4) / IP() / UDP(dport=9),  # QinQ: protocol vlan
        eth() / Dot1Q(vlan=3) / IP() / UDP(dport=9),          # one tag: protocol ip
        eth_raw(b"\0" * 30, 0x88b6),
    ])


EXPECT = ("- eth1 - - eth1 - - eth1 - - eth1 -"
          " eth1 - - eth1 - eth1 - eth1 - - eth1 -")
