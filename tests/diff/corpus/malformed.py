from pk import *


def packets():
    tcp80 = tcp_hdr(dport=80)
    frames = [
        eth_raw(ip4_raw(payload=tcp80)),                              # good: drop (tcp dport 80)
        eth_raw(ip4_raw(ver_ihl=0x44, payload=tcp80)),                # ihl 4: no transport -> pass
        eth_raw(ip4_raw(ver_ihl=0x40, payload=tcp80)),                # ihl 0
        eth_raw(ip4_raw(total=200, payload=tcp80)),                   # total length > frame
        eth_raw(ip4_raw(total=19, payload=tcp80)),                    # total length < ihl*4
        eth_raw(ip4_raw(total=20, payload=tcp80)),                    # total = header: no transport data
        eth_raw(ip4_raw(total=21, payload=tcp80)),                    # 1 byte of transport
        eth_raw(ip4_raw(total=40, payload=tcp80) + b"\0" * 20),        # padding after total length
        eth_raw(ip4_raw(ver_ihl=0x65, payload=tcp80)),                # version 6 in an IPv4 frame
        eth_raw(ip4_raw(src="10.0.0.66", ver_ihl=0x55, payload=tcp80)),  # ip version 5
        eth_raw(ip4_raw(src="10.0.0.2", payload=tcp80[:10])),         # truncated tcp header
        eth_raw(ip4_raw(src="10.0.0.2", payload=tcp80[:1])),
        eth_raw(ip4_raw(src="10.0.0.3")[:19]),                        # ip header cut at 19 bytes
        eth_raw(ip4_raw(src="10.0.0.3")[:16]),                        # saddr present, header cut
        eth_raw(ip4_raw(src="10.0.0.3")[:15]),                        # saddr cut
        eth_raw(b""),                                                 # 14 bytes, ethertype IPv4
        eth_raw(b"\x45"),                                             # 15 bytes
        eth_raw(b"", 0x86dd),                                         # 14 bytes, IPv6
        b(eth() / IPv6(src="2001:db8::3") / UDP())[:14 + 39],          # IPv6 header cut by one byte
        b(eth() / IPv6(src="2001:db8::4", plen=100) / UDP()),          # payload length > frame
        b(eth() / IPv6(src="2001:db8::4", plen=4) / UDP()),            # payload length < udp header
        b(eth() / IPv6(src="2001:db8::4", nh=0) / IPv6ExtHdrHopByHop(nh=17))[:14 + 40 + 8] + b"\0\0",
        eth_raw(ip4_raw(ver_ihl=0x4f, src="10.0.0.9", opts=b"\x01" * 40, payload=tcp80)),  # ihl 15
        eth_raw(ip4_raw(ver_ihl=0x4f, src="10.0.0.9", opts=b"\x01" * 40)),   # ihl 15, nothing after
        eth_raw(ip4_raw(src="10.0.0.5", payload=tcp_hdr(sport=1234)[:2])),   # 2 bytes of transport
        eth_raw(ip4_raw(src="10.0.0.5", payload=tcp_hdr(sport=1234)[:1])),   # 1 byte
        eth_raw(b"\x00\x0a\x08\x00" + b"\0" * 2, 0x8100),            # tag + 2 bytes of "IPv4"
        eth_raw(b"\x00\x0a", 0x8100),                                  # 16 bytes: tag cut
    ]
    return on("eth0", frames)


# Kernel facts pinned here (kernel 6.18): transport loads read the frame's bytes past the IP
# total length (#5, #6: total length 20 / 21, tcp dport still matches); meta l4proto is set
# from the IP header alone, so a truncated TCP header still has l4proto tcp (#10, #11); a
# 2-byte transport load with 2 bytes present matches, with 1 byte it does not (#24, #25); a
# frame whose VLAN tag is cut is dropped before the hook (#27).
EXPECT = ("- eth1 eth1 eth1 eth1 - - -  eth1 eth1  - -  - - -  - - eth1"
          "  - eth1 - -  - -  - eth1  eth1 -")
