from pk import *

A, B = "2001:db8::1", "2001:db8::2"


def packets():
    H = IPv6ExtHdrHopByHop
    R = IPv6ExtHdrRouting
    D = IPv6ExtHdrDestOpt
    return on("eth0", [
        udp6(src="2001:db8:1::5"), udp6(src="2001:db8:1:ffff:ffff:ffff:ffff:ffff"),
        udp6(src="2001:db8:2::"), udp6(src="2001:db8:0:ffff::1"),
        udp6(dst="2001:db8::dead"), udp6(dst="2001:db8::deae"),
        eth() / IPv6(src=A, dst="fe80::1") / UDP(dport=1), eth() / IPv6(src=A, dst="fec0::1") / UDP(dport=1),
        udp6(dport=2), eth() / IPv6(src=A, dst=B) / H() / UDP(dport=2),           # nexthdr is 0
        udp6(dport=3), eth() / IPv6(src=A, dst=B) / H() / D() / UDP(dport=3),
        eth() / IPv6(src=A, dst=B) / H() / R() / D() / UDP(dport=3),
        eth() / IPv6(src=A, dst=B) / H() / TCP(dport=4), tcp6(dport=4),
        eth() / IPv6(src=A, dst=B) / R() / TCP(dport=5),
        eth() / IPv6(src=A, dst=B) / IPv6ExtHdrFragment(offset=0, m=1) / TCP(dport=5),  # first frag: nexthdr 44 drop
        eth() / IPv6(src=A, dst=B, hlim=1) / UDP(dport=9), eth() / IPv6(src=A, dst=B, hlim=2) / UDP(dport=9),
        eth() / IPv6(src=A, dst=B, tc=0xa0) / UDP(dport=9), eth() / IPv6(src=A, dst=B, tc=0xa3) / UDP(dport=9),
        eth() / IPv6(src=A, dst=B, tc=0xa4) / UDP(dport=9),
        eth() / IPv6(src=A, dst=B, fl=0x12345) / UDP(dport=9), eth() / IPv6(src=A, dst=B, fl=0x12344) / UDP(dport=9),
        udp6(src="2001:db9::1"), udp6(src="::ffff:10.0.0.1"),
        eth() / IPv6(src=A, dst=B, nh=59),                                        # no next header
    ])


EXPECT = ("- - eth1 eth1  - eth1  - eth1  - eth1  - - -  - eth1  - -"
          "  - eth1  - - eth1  - eth1  - -  eth1")
