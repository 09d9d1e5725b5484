# SPDX-License-Identifier: BSD-3-Clause
"""Frame builders for the corpus cases (scapy, plus raw byte surgery for malformed frames).

Defaults: from 02:00:00:00:00:01 to eth0's MAC (02:70:63:61:70:00, net_pcap's and the oracle's
default for the first port), so `meta pkttype` is host."""

import logging
import struct

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest,  # noqa: E402,F401
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrFragment,
                       IPv6ExtHdrDestOpt, ARP, Raw, SCTP)

SRC = "02:00:00:00:00:01"
ETH0 = "02:70:63:61:70:00"
ETH1 = "02:70:63:61:70:01"


def mac_of(i):
    return "02:70:63:61:70:%02x" % i


def eth(dst=ETH0, src=SRC, **kw):
    return Ether(dst=dst, src=src, **kw)


def b(pkt):
    return bytes(pkt)


def on(port, frames):
    """[(port, bytes)] for a list of scapy packets / bytes."""
    return [(port, bytes(f)) for f in frames]


def tcp4(src="10.0.0.1", dst="10.0.0.2", sport=1234, dport=80, flags="S", ttl=64, pay=b"",
         **ipkw):
    return eth() / IP(src=src, dst=dst, ttl=ttl, **ipkw) / TCP(sport=sport, dport=dport,
                                                               flags=flags) / Raw(pay)


def udp4(src="10.0.0.1", dst="10.0.0.2", sport=1234, dport=53, ttl=64, pay=b"", **ipkw):
    return eth() / IP(src=src, dst=dst, ttl=ttl, **ipkw) / UDP(sport=sport, dport=dport) / Raw(pay)


def tcp6(src="2001:db8::1", dst="2001:db8::2", sport=1234, dport=80, flags="S", pay=b""):
    return eth() / IPv6(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags) / Raw(pay)


def udp6(src="2001:db8::1", dst="2001:db8::2", sport=1234, dport=53, pay=b""):
    return eth() / IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(pay)


def patch(frame, off, data):
    """Overwrite bytes at `off` (no checksum fix-up: malformed on purpose)."""
    frame = bytes(frame)
    return frame[:off] + bytes(data) + frame[off + len(data):]


def ip4_raw(ver_ihl=0x45, total=None, proto=6, src="10.0.0.1", dst="10.0.0.2", payload=b"",
            frag=0, ttl=64, opts=b""):
    """An IPv4 packet built byte by byte (any ihl / total length), with a valid checksum."""
    import socket
    hlen = 20 + len(opts)
    tot = hlen + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", ver_ihl, 0, tot, 1, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + opts
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    h = h[:10] + struct.pack("!H", ~s & 0xFFFF) + h[12:]
    return h + payload


def eth_raw(payload, ethertype=0x0800, dst=ETH0, src=SRC):
    return (bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
            + struct.pack("!H", ethertype) + payload)


def tcp_hdr(sport=1234, dport=80, flags=0x02):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 8192, 0, 0)
