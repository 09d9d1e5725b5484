#!/usr/bin/python3
"""Generate the demo/benchmark traffic: a pcap of Ethernet frames with a
known mix of flows (web, DNS, NTP, ssh, ICMP, IPv6, ARP, VLAN tagged,
blocked and spoofed sources).

  gen_traffic.py --side wan --count 1000 --seed 1 --out wan.pcap
"""

import argparse
import random
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,
                       IPv6, Raw, wrpcap)

WAN_MAC = "02:00:00:00:00:01"
LAN_MAC = "02:00:00:00:00:02"


def wan_frame(rnd):
    eth = Ether(src=WAN_MAC, dst=LAN_MAC)
    src = "100.64.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
    dst = "10.0.0.%d" % rnd.randrange(1, 255)
    sport = rnd.randrange(1024, 65535)
    pay = Raw(b"x" * rnd.randrange(0, 64))
    k = rnd.random()
    if k < 0.35:
        return "web", eth / IP(src=src, dst=dst) / TCP(sport=sport, dport=rnd.choice([80, 443]), flags="S") / pay
    if k < 0.50:
        return "dns/ntp", eth / IP(src=src, dst=dst) / UDP(sport=sport, dport=rnd.choice([53, 123])) / pay
    if k < 0.58:
        blocked = rnd.choice(["192.0.2.%d" % rnd.randrange(256), "198.51.100.7",
                              "203.0.113.%d" % rnd.randrange(128, 256)])
        return "blocked", eth / IP(src=blocked, dst=dst) / TCP(sport=sport, dport=443) / pay
    if k < 0.64:
        return "ssh", eth / IP(src=src, dst=dst) / TCP(sport=sport, dport=22, flags="S")
    if k < 0.72:
        return "icmp", eth / IP(src=src, dst=dst) / ICMP(type=8) / pay
    if k < 0.78:
        return "ipv6-icmp", eth / IPv6(src="2001:db8::%x" % rnd.randrange(1, 65535), dst="2001:db8:1::1") / ICMPv6EchoRequest()
    if k < 0.82:
        return "arp", Ether(src=WAN_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=src, pdst=dst)
    if k < 0.88:
        return "vlan-web", eth / Dot1Q(vlan=rnd.randrange(1, 4095)) / IP(src=src, dst=dst) / TCP(sport=sport, dport=80) / pay
    return "other", eth / IP(src=src, dst=dst) / UDP(sport=sport, dport=rnd.randrange(1024, 65535)) / pay


def lan_frame(rnd):
    eth = Ether(src=LAN_MAC, dst=WAN_MAC)
    dst = "100.64.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
    sport = rnd.randrange(1024, 65535)
    k = rnd.random()
    if k < 0.1:
        return "spoofed", eth / IP(src="172.16.0.%d" % rnd.randrange(1, 255), dst=dst) / UDP(sport=sport, dport=53)
    if k < 0.2:
        return "blocked-port", eth / IP(src="10.0.0.%d" % rnd.randrange(1, 255), dst=dst) / UDP(sport=sport, dport=rnd.randrange(5000, 6000))
    return "web", eth / IP(src="10.0.0.%d" % rnd.randrange(1, 255), dst=dst) / TCP(sport=sport, dport=443, flags="A")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--side", choices=["wan", "lan"], default="wan")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    gen = wan_frame if a.side == "wan" else lan_frame
    mix = {}
    frames = []
    for _ in range(a.count):
        kind, f = gen(rnd)
        mix[kind] = mix.get(kind, 0) + 1
        frames.append(f)
    wrpcap(a.out, frames)
    print(f"{a.out}: {a.count} frames: " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))


if __name__ == "__main__":
    sys.exit(main())
