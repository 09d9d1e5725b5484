from pk import *


def packets():
    def T(dport, opts):
        return eth() / IP() / TCP(dport=dport, options=opts)
    return on("eth0", [
        T(1, [("MSS", 1400)]), T(1, [("MSS", 1460)]), T(1, [("NOP", None), ("MSS", 1400)]),
        T(2, [("SAckOK", b"")]), T(2, [("MSS", 1000)]),
        eth() / IP(options=b"\x07\x07\x04\0\0\0\0\0") / UDP(), eth() / IP(options=b"\x01\x01\x01\x01") / UDP(),
        eth() / IPv6() / IPv6ExtHdrFragment() / UDP(), udp6(),
        eth() / IPv6() / IPv6ExtHdrHopByHop() / UDP(dport=3), udp6(dport=3),
        T(4, [("MSS", 1460)]), T(4, [("NOP", None)]),
    ])


EXPECT = "- eth1 -  - eth1  - eth1  - eth1  - eth1  eth1* eth1"

# Extension header matches are not in the IR yet: refused.
FORWARDER_REFUSES = "expression 'exthdr'"
