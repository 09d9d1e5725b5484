from pk import *


def packets():
    return on("eth0", [
        udp4(dport=1, pay=b"hello"), udp6(dport=1, pay=b"hello"),
        tcp4(dport=2, flags="S"), tcp4(dport=2, flags="A", pay=b"data"), tcp4(dport=2, flags="R"),
        tcp6(dport=2, flags="S"), tcp4(dport=2, flags="SA"), tcp4(dport=2, flags="F"),
        udp4(dport=3), udp6(dport=3),
        udp4(dport=4), udp6(dport=4),
        udp4(dport=5), udp6(dport=5),
        udp4(dport=6), tcp4(dport=7), tcp6(dport=7),
        eth() / Dot1Q(vlan=5) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(dport=1),
        eth() / Dot1Q(vlan=5) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=2, flags="S"),
        udp4(dport=1, pay=b"x" * 1400),                 # the ICMP error quotes a bounded part
        eth() / IP(src="10.0.0.1", dst="10.0.0.77") / ICMP(),   # icmp error to an icmp echo
        eth() / IP(src="10.0.0.1", dst="10.0.0.77", frag=5) / Raw(b"x" * 16),  # non-first fragment
        eth(dst="ff:ff:ff:ff:ff:ff") / IP(src="10.0.0.1", dst="10.0.0.77") / UDP(),  # broadcast
    ])


# No reset for a reset (#4); `icmp`/`icmpv6` types only for their family (#9, #12); no ICMP
# error for a non-first fragment (#21) or a broadcast (#22): the packet is dropped anyway.
EXPECT = ("eth0* eth0*  eth0* eth0* - eth0* eth0* eth0*  eth0* eth1  eth0* eth0*  eth1 eth0*"
          "  eth0* eth0* eth0*  eth0* eth0*  eth0* eth0* - -")
