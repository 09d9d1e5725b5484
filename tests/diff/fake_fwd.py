#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for dpdk-nft-fwd, for the harness's own tests: same command line (the subset
nftdiff uses), but the "forwarding" is done by the kernel oracle, and the stats file carries the
"ruleset" counters section in the forwarder's schema.  nftdiff against it must find no
difference; with NFTDIFF_FAKE set it makes deliberate mistakes that nftdiff must find:

  NFTDIFF_FAKE=drop:N       packet N (0-based input index) produces nothing
  NFTDIFF_FAKE=pass:N       packet N is forwarded unchanged to the input port's peer, whatever
                            the kernel did
  NFTDIFF_FAKE=flip:N       packet N's first output gets its last byte flipped
  NFTDIFF_FAKE=extra:N      packet N's outputs are sent twice
  NFTDIFF_FAKE=counter      every rule counter counts one packet more
  NFTDIFF_FAKE=nocounters   no "ruleset" section in the stats
  NFTDIFF_FAKE=quota        every named quota's used + 1
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
sys.dont_write_bytecode = True
import kernel_oracle as ko                                          # noqa: E402


def main(argv):
    sep = argv.index("--")
    eal, app = argv[:sep], argv[sep + 1:]
    vdev = {}
    i = 0
    while i < len(eal):
        if eal[i] == "--vdev":
            name, *kv = eal[i + 1].split(",")
            vdev[name] = dict(x.split("=", 1) for x in kv)
            i += 2
        else:
            i += 1
    ports, pairs, ruleset, stats_file = [], [], None, None
    i = 0
    while i < len(app):
        o = app[i]
        v = app[i + 1] if i + 1 < len(app) else None
        if o == "--port":
            n, d = v.split("=", 1)
            ports.append((n, d))
        elif o == "--pair":
            pairs.append(v)
        elif o in ("-f", "--ruleset"):
            ruleset = v
        elif o == "--stats-file":
            stats_file = v
        i += 2
    names = [n for n, _ in ports]
    inputs = []
    for n, d in ports:
        inputs += [(n, fr) for _, fr in ko.read_pcap(vdev[d]["rx_pcap"])]
    with open(ruleset) as f:
        text = f.read()
    sys.path.insert(0, HERE)
    import nftdiff
    with ko.Oracle(names, pairs or None) as o:
        nftdiff.complete_checksums(o)
        res = o.run(text, inputs, settle=0)
    mode, _, arg = os.environ.get("NFTDIFF_FAKE", "").partition(":")
    peers = {p["name"]: p["peer"] for p in res["ports"]}
    out = {n: [] for n in names}
    for pk in res["packets"]:
        outs = [(o["port"], bytes.fromhex(o["frame"])) for o in pk["outputs"]]
        if arg and pk["index"] == int(arg):
            if mode == "drop":
                outs = []
            elif mode == "pass":
                outs = [(peers[pk["in_port"]], bytes.fromhex(pk["frame"]))]
            elif mode == "flip" and outs:
                p, f = outs[0]
                outs[0] = (p, f[:-1] + bytes([f[-1] ^ 1]))
            elif mode == "extra":
                outs = outs + outs
        for p, f in outs:
            out[p].append(f)
    for n, d in ports:
        ko.write_pcap(vdev[d]["tx_pcap"], [(1700000000.0, f) for f in out[n]])
    rs = {"rules": [], "counters": [], "quotas": []}
    for r in res["rules"]:
        if r.get("counters"):
            rs["rules"].append({"table": r["table"], "chain": r["chain"], "handle": r["handle"],
                                "packets": r["packets"] + (mode == "counter"),
                                "bytes": r["bytes"]})
    for c in res["named_counters"]:
        rs["counters"].append({k: c[k] for k in ("table", "name", "packets", "bytes")})
    for q in res["quotas"]:
        rs["quotas"].append({"table": q["table"], "name": q["name"],
                             "used": q["used"] + (mode == "quota")})
    stats = {"ports": {n: {"rx_pkts": sum(1 for p, _ in inputs if p == n)} for n in names},
             "mbufs_in_use": 0}
    if mode != "nocounters":
        stats["ruleset"] = rs
    if stats_file:
        with open(stats_file, "w") as f:
            json.dump(stats, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
