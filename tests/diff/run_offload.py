#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The differential corpus with offload on, against one emulated NIC
profile (tests/flowemu): every frame and counter must still equal the
kernel's.  Also checks that the profile really took rules (or, for the
`none` profile, refused them all), so the run cannot pass by offloading
nothing.

  run_offload.py PROFILE LIBFLOWEMU.so
"""

import glob
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_corpus  # noqa: E402


def main():
    profile, lib = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("run_offload: needs root; skipped")
        return 77
    os.environ["NFTDIFF_FWD_PRELOAD"] = lib
    os.environ["NFTFWD_FLOWEMU"] = f"*={profile}"
    os.environ["NFTDIFF_FWD_ARGS"] = "--offload auto"
    with tempfile.TemporaryDirectory(prefix=f"nftdiff-offload-{profile}-") as keep:
        rc = run_corpus.main(["--keep", keep])
        hw = partial = sw = entries = 0
        runs = 0
        for path in glob.glob(os.path.join(keep, "**", "fwd-stderr.txt"), recursive=True):
            text = open(path).read()
            for m in re.finditer(r"offload: (\d+) rule\(s\) in hardware, (\d+) partial, "
                                 r"(\d+) in software; (\d+) hardware rule", text):
                runs += 1
                hw += int(m.group(1))
                partial += int(m.group(2))
                sw += int(m.group(3))
                entries += int(m.group(4))
    print(f"profile {profile}: {runs} forwarder runs planned; rules: {hw} hardware, "
          f"{partial} partial, {sw} software; {entries} hardware rules installed")
    if runs == 0:
        print("FAIL: no offload plan was made: the forwarder did not plan")
        return 1
    if profile == "none" and entries:
        print("FAIL: profile none accepts no rule, yet hardware rules were installed")
        return 1
    if profile != "none" and entries == 0:
        print(f"FAIL: profile {profile} took no rule: the run proves nothing")
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
