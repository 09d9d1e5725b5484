#!/bin/bash
# The demo: install, build, then run dpdk-nft-fwd on two net_pcap ports
# ("wan" and "lan") with conf/example.nft and generated traffic, and show
# what it did.  No hugepages, no NIC: --no-huge and --no-pci.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh >/dev/null

work=$(mktemp -d /tmp/nftfwd-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== traffic"
/usr/bin/python3 tools/gen_traffic.py --side wan --count 2000 --seed 7 --out "$work/wan-in.pcap"
/usr/bin/python3 tools/gen_traffic.py --side lan --count 1000 --seed 8 --out "$work/lan-in.pcap"

echo "== ruleset (conf/example.nft, as the forwarder understands it)"
build/dpdk-nft-fwd -- -c conf/example.json --check

echo "== forwarding"
set -x
build/dpdk-nft-fwd -l 0,1 --no-huge -m 512 --no-pci --file-prefix nftfwd_demo_$$ \
	--vdev "net_pcap0,rx_pcap=$work/wan-in.pcap,tx_pcap=$work/wan-out.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/lan-in.pcap,tx_pcap=$work/lan-out.pcap" \
	-- -c conf/example.json --idle-exit 500 --stats-file "$work/stats.json"
set +x

echo "== result"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
from scapy.all import rdpcap
w = sys.argv[1]
st = json.load(open(f"{w}/stats.json"))
for side, peer in (("wan", "lan"), ("lan", "wan")):
    n_in = len(rdpcap(f"{w}/{side}-in.pcap"))
    n_out = len(rdpcap(f"{w}/{peer}-out.pcap"))
    p = st["ports"][side]
    print(f"{side} -> {peer}: {n_in} frames in, {n_out} forwarded, {p['dropped']} dropped by the ruleset")
PY
