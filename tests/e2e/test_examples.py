# SPDX-License-Identifier: BSD-3-Clause
"""Every shipped example ruleset (conf/*.nft) loads: `--check` exits 0 and
prints the ruleset back, `--check --offload-plan` exits 0 and prints a plan
that places every rule of every port (hardware, partial, software or none,
with the reason for anything not in hardware).

usage: test_examples.py   (forwarder from $NFTFWD_BIN; needs root and
network namespaces, as every --check -f does: skipped, exit 77, without)
"""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402

CONF = os.path.join(os.path.dirname(__file__), "..", "..", "conf")
PORTS = ["--port", "wan=placeholder0", "--port", "lan=placeholder1"]
PLAN_RULE = re.compile(r"^  (\S+)/(\S+) #(\d+): (hardware|partial|software|none)\s+(\S+)(.*)$")


def has_reason(rest):
    """A plan line ends with '(reason)' after 'N hw rule(s) [mark M] [count]'."""
    return re.search(r"\(.+\)$", re.sub(r"^\s*\d+ hw rule\(s\)", "", rest)) is not None


def check(args):
    p = subprocess.run([T.BIN, "--", "--check"] + args + PORTS,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    if os.geteuid() != 0:
        print("SKIP: --check -f needs root (network namespaces)")
        sys.exit(77)
    files = sorted(glob.glob(os.path.join(CONF, "*.nft")))
    T.check(len(files) >= 3, f"at least three example rulesets ({len(files)})")
    for path in files:
        name = os.path.basename(path)
        rc, out, err = check(["-f", path])
        T.check_eq(rc, 0, f"{name}: --check exits 0 ({err.strip()[-300:]})")
        head = re.search(r"(\d+) table\(s\), (\d+) chain\(s\) \((\d+) base\), (\d+) rule\(s\)", out)
        T.check(head is not None, f"{name}: --check prints its summary line")
        T.check("table netdev" in out, f"{name}: --check prints the ruleset back")
        if head is None:
            continue
        n_chains, n_base, n_rules = int(head.group(2)), int(head.group(3)), int(head.group(4))

        rc, out, err = check(["--offload-plan", "-f", path])
        T.check_eq(rc, 0, f"{name}: --check --offload-plan exits 0 ({err.strip()[-300:]})")
        T.check("offload plan against assumed capabilities" in out,
                f"{name}: the plan says its capabilities are assumed")
        ports = re.findall(r"^port (\S+) \(dpdk port \d+\): .*rules: (\d+) hardware, (\d+) partial, "
                           r"(\d+) software, (\d+) need none", out, re.M)
        T.check_eq(sorted(p[0] for p in ports), ["lan", "wan"], f"{name}: a plan for each port")
        lines = [PLAN_RULE.match(l) for l in out.splitlines()]
        lines = [m for m in lines if m is not None]
        placed = sum(sum(int(x) for x in p[1:]) for p in ports)
        T.check_eq(len(lines), placed, f"{name}: one plan line per placed rule")
        if n_chains == n_base:
            # No regular chains: every rule is a position of its port.
            T.check_eq(placed, n_rules, f"{name}: every rule is placed")
        T.check(all(m.group(4) == "hardware" or has_reason(m.group(6)) for m in lines),
                f"{name}: every rule not in hardware says why")
        T.check(any(m.group(4) == "hardware" for m in lines),
                f"{name}: at least one rule runs in hardware on a capable NIC")
    T.finish()


if __name__ == "__main__":
    main()
