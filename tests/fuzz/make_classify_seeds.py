#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_classify:  make_classify_seeds.py OUTDIR

The input format is described at the top of fuzz_classify.c. Each seed
picks one ruleset template with parameters that make its rules and the
frame templates meet, then sends every frame template whole, cut short,
split into segments, patched, plus a few raw frames (ARP, runt, 802.3),
with control records between bursts (other port, lcore, clock steps).
"""

import os
import sys

N_TEMPLATES = 11
NAMES = ["vlan", "prefix", "ports", "sets", "concat", "jumps", "state",
         "mangle", "reject", "mixed", "bulk"]


def frame(kind, length=0, split=0, segs=0, patch_off=0, patch=b"", long=False):
    k = kind | (segs << 3) | (0x80 if long else 0)
    return bytes([k, length & 0xff, split, patch_off, len(patch)]) + patch


def raw(data, split=0, segs=0):
    k = 0 | (segs << 3) | (0x80 if len(data) > 255 else 0)
    return bytes([k, len(data) & 0xff, split]) + data


def ctl(port, lcore=0, clock=0):
    return bytes([7, port | (lcore << 2) | (clock << 3)])


ARP = bytes.fromhex("ffffffffffff0200000000aa0806000108000604000102000000"
                    "00aa0a0001020000000000000a000002") + bytes(18)
RUNT = bytes.fromhex("020000000010")
LLC = bytes.fromhex("0200000000100200000000aa0040ffff") + bytes(48)


def records(seed):
    out = b""
    # every frame template, whole, on one segment, then cut and split
    for kind in range(1, 7):
        out += frame(kind)
    out += ctl(1, 1, 3)
    for kind in range(1, 7):
        out += frame(kind, length=14 + 4 * kind + seed % 7, segs=1,
                     split=15 + kind)
        out += frame(kind, segs=2, split=0x3a)
        out += frame(kind, segs=3, split=seed)
    out += ctl(0, 0, 31)
    # header fields broken: version, ihl, total length, fragment offset,
    # IPv6 next header, VLAN behind VLAN
    out += frame(1, patch_off=14, patch=b"\x46")
    out += frame(2, patch_off=14, patch=b"\x44")
    out += frame(2, patch_off=16, patch=b"\xff\xff")
    out += frame(1, patch_off=20, patch=b"\x20\x01")
    out += frame(4, patch_off=20, patch=b"\x2c")
    out += frame(5, patch_off=54, patch=b"\x3b")
    out += frame(3, patch_off=16, patch=b"\x81\x00\x00\x05")
    out += frame(1, length=200, long=True, segs=1, split=100)
    out += raw(ARP) + raw(RUNT) + raw(LLC, segs=1, split=13)
    out += ctl(2) + frame(1) + frame(4) + ctl(3) + frame(2)
    return out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for t in range(N_TEMPLATES):
        for variant in range(2):
            seed = t * 2 + variant
            # p[0..15]: vid, addresses, ports, prefix lengths, misc
            p = bytes([0x00, 0x05 + variant, 1, 2, 3, 9, 1, 0x30, 0x39,
                       0x00, 0x50 + variant, 8 + 8 * variant, 16, variant * 3,
                       24, 64 if variant == 0 else 3])
            # cls options: default, tiny budgets; some without the cache
            run = (variant << 3) if t % 3 else 0
            run |= 0x20 if (t + variant) % 4 == 3 else 0
            data = bytes([t]) + p + bytes([run]) + records(seed)
            name = "seed_%02d_%s_%d" % (t, NAMES[t], variant)
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(data)


if __name__ == "__main__":
    main()
