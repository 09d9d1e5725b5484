from pk import *


def packets():
    return on("eth0", [
        udp4(),                                                      # -> eth1
        eth(src="02:00:00:00:0b:01") / IP() / UDP(),                 # set: drop
        eth(src="02:00:00:00:0b:03") / IP() / UDP(),                 # not in set
        eth(src="02:00:00:00:00:05") / IP() / UDP(),                 # drop
        eth(src="02:00:00:00:00:05") / IPv6() / UDP(),               # type ip6: accept
        eth(dst="33:33:00:00:00:01") / IPv6() / UDP(),               # drop
        eth(dst="ff:ff:ff:ff:ff:ff") / ARP(),                        # group bit + arp: drop
        eth() / ARP(),                                               # unicast arp: accept
        eth_raw(b"\1" * 20, 0x1234),                                 # drop
        eth(src="02:00:00:00:00:07") / Dot1Q(vlan=9) / IP() / UDP(),  # ether type vlan: drop
        eth(src="02:00:00:00:00:08") / Dot1Q(vlan=9) / IP() / UDP(),
        eth(src="02:00:00:00:00:09") / IPv6() / UDP(),               # != both: drop
        eth(src="02:00:00:00:00:01") / IPv6() / UDP(),
    ])


EXPECT = "eth1 - eth1 - eth1 - - eth1 - - eth1 - eth1"
