from pk import *


def packets():
    out = []
    for tos in (0x00, 0xa0, 0xa4, 0xb8, 0x28, 0xbc, 0x20):
        out.append(udp4(tos=tos, dport=9))
    for tc in (0x04, 0x24, 0x08, 0x05):
        out.append(eth() / IPv6(tc=tc) / UDP(dport=9))
    out += [udp4(tos=0x03, dport=7), udp4(tos=0x04, dport=7)]
    return on("eth0", out)


# nft 1.0.6 compiles `ip6 dscp & 0x07 == 0x01` into a shift of the 2-byte load in host order
# whose result can never equal 1 (`(@nh,0,16 & 0xfc0) >> 6 & 0x7 == 0x100/8`): the kernel
# never matches it, and the forwarder must execute the same bytecode, not the intent.
EXPECT = "eth1 - - - eth1 - eth1  eth1 eth1 eth1 eth1  eth1 -"

# Not in the IR yet (bitwise shifts): the forwarder refuses the ruleset.
FORWARDER_REFUSES = "bitwise shift is not supported"
