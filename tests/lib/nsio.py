# SPDX-License-Identifier: BSD-3-Clause
"""Inject and capture raw frames on an interface; run inside a network
namespace with `ip netns exec NS /usr/bin/python3 nsio.py ...`.

  nsio.py send IFACE FILE.pcap            send every frame of the pcap
  nsio.py capture IFACE FILE.pcap SECONDS capture incoming frames
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwdtest as T  # noqa: E402

ETH_P_ALL = 3
PACKET_OUTGOING = 4


def send(iface, path):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in T.read_pcap(path):
        s.send(f)
        time.sleep(0.001)


def capture(iface, path, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.1)
    frames = []
    end = time.monotonic() + seconds
    print("capturing", flush=True)
    while time.monotonic() < end:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != PACKET_OUTGOING:
            frames.append(data)
    T.write_pcap(path, frames)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    else:
        capture(sys.argv[2], sys.argv[3], float(sys.argv[4]))
