from pk import *


def u(src="10.0.0.1", dst="10.0.0.2", dport=9, **kw):
    return eth() / IP(src=src, dst=dst, **kw) / UDP(dport=dport)


def packets():
    return on("eth0", [
        u("192.168.0.0"), u("192.168.255.255"), u("192.167.255.255"), u("192.169.0.0"),
        u("192.168.1.1", "11.0.0.0"), u("192.168.1.1", "9.255.255.255"),
        u("172.16.0.0", dport=1), u("172.31.255.255", dport=1), u("172.32.0.0", dport=1),
        u("172.15.255.255", dport=1),
        u(dst="203.0.113.7"), u(dst="203.0.113.8"), u(dst="203.0.113.6"),
        u(dst="8.8.8.8", dport=2), u(dst="203.0.113.9", dport=2), u(dst="10.1.1.1", dport=2),
        eth() / IP(proto=132) / Raw(b"\0" * 12), eth() / IP(proto=50) / Raw(b"\0" * 8),
        eth() / IP(proto=51) / Raw(b"\0" * 8), eth() / IP(proto=52) / Raw(b"\0" * 8),
        u(ttl=0), u(ttl=1), u(ttl=2), u(ttl=199), u(ttl=200), u(ttl=254), u(ttl=255),
        u(ttl=63, dport=3), u(ttl=64, dport=3),
        u(tos=0x20), u(tos=0x21), u(tos=0x22), u(tos=0xa0), u(tos=0xb8), u(tos=0x28),
        u(tos=0x03), u(tos=0x02),
        eth() / IP() / UDP(dport=9) / Raw(b"z" * 72), eth() / IP() / UDP(dport=9) / Raw(b"z" * 71),
        u(id=0x4242), u(id=0x4243),
        u("1.2.3.77"), u("1.2.4.78"),
        u(dst="10.255.255.255"), u(dst="10.255.255.254"),
    ])


EXPECT = ("- - eth1 eth1  eth1 eth1  - - eth1 eth1  - eth1 eth1  - eth1 eth1"
          "  - - - eth1  - - eth1 eth1 - - eth1  - eth1"
          "  - - - eth1 eth1 eth1  - eth1  - eth1  - eth1  - eth1  - eth1")
