#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_pkt_view from the kernel differential
test's hand-written frames:  make_seeds.py OUTDIR

Each seed is the fuzz input format: byte 0 = k, k segment lengths, the frame.
Seeds are named after the case so a failure names the edge case it came from.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "unit"))
import kernel_view_diff  # noqa: E402

SPLITS = [[], [14], [1, 1, 1], [20, 0, 7], [17, 3, 5, 40], [6, 6, 6, 6, 6, 6, 6]]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, (name, frame) in enumerate(kernel_view_diff.corpus()):
        if len(frame) > 2048:
            continue
        split = SPLITS[i % len(SPLITS)]
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        with open(os.path.join(out, "seed_%03d_%s" % (i, slug)), "wb") as fh:
            fh.write(bytes([len(split)] + split) + frame)


if __name__ == "__main__":
    main()
