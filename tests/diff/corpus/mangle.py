from pk import *


def packets():
    out = []
    for d in (1, 2, 4, 5, 7, 11, 12, 15):
        out.append(udp4(dport=d, pay=b"payload!"))
    for d in (3, 6, 14):
        out.append(tcp4(dport=d, flags="PA", pay=b"hello world"))
    for d in (8, 9, 13):
        out.append(udp6(dport=d, pay=b"v6 payload"))
    out.append(tcp6(dport=10, pay=b"v6 tcp"))
    # UDP with checksum 0 (no checksum): address changes must leave it 0
    z = b(udp4(dport=11, pay=b"zero csum"))
    out.append(z[:40] + b"\0\0" + z[42:])
    z = b(udp4(dport=5, pay=b"zero csum"))
    out.append(z[:40] + b"\0\0" + z[42:])
    # tagged: the tag stays, offsets shift
    out.append(eth() / Dot1Q(vlan=12) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(dport=5) / Raw(b"t"))
    out.append(eth() / Dot1Q(vlan=12) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=3) / Raw(b"t"))
    out.append(udp4(dport=16, pay=b"multi"))
    # a fragment: L4 checksum must not be touched for a non-first fragment (ports are bytes of
    # the payload there); a first fragment's is updated
    out.append(eth() / IP(src="10.0.0.1", dst="10.0.0.2", frag=4, proto=17) / Raw(b(UDP(dport=5)) + b"x" * 8))
    out.append(eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", proto=17) / Raw(b(UDP(dport=5, len=100)) + b"x" * 8))
    return on("eth0", out)


# ttl set 1 is seen by the later chain (#1, #19 dropped); every other frame leaves modified.
EXPECT = ("eth1* - eth1* eth1* eth1* eth1* eth1* eth1*  eth1* eth1* eth1*  eth1* eth1* eth1* eth1*"
          "  eth1* eth1*  eth1* eth1*  -  eth1* eth1*")
