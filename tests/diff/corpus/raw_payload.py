from pk import *


def packets():
    return on("eth0", [
        eth(src="02:00:00:00:00:0a") / IP() / UDP(), eth(src="02:00:00:00:00:0b") / IP() / UDP(),
        eth_raw(b"\0" * 20, 0x88b6), eth_raw(b"\0" * 20, 0x88b7),
        udp4(src="10.0.0.1", dport=1), udp4(src="10.0.1.1", dport=1), udp4(src="11.0.0.1", dport=1),
        tcp4(dport=2, flags="S"), tcp4(dport=2, flags="SA"), tcp4(dport=2, flags="A"),
        udp4(dport=3), tcp4(dport=3),
        udp4(src="10.0.0.9", dport=4), udp4(src="10.0.0.25", dport=4), udp4(src="10.0.0.16", dport=4),
        udp4(ttl=64, dport=5), udp4(ttl=65, dport=5),
    ])


# @th,107,1 is the ACK bit; @nh,120,4 the high nibble of saddr's last byte; @nh,64,12 = ttl
# and the high nibble of the protocol (64 = 0x40, 17 = 0x11: 0x401).
EXPECT = ("- eth1  - eth1  - eth1 eth1  eth1 - -  - eth1  eth1 - -  - eth1")
