#!/bin/bash
# Install what dpdk-nft-fwd needs to build, run its demo and its tests on
# Debian 12.  Idempotent: apt runs only when a package is missing.
set -euo pipefail

PKGS=(
	gcc pkg-config meson ninja-build
	dpdk dpdk-dev libdpdk-dev
	libnftnl-dev libmnl-dev libjansson-dev libbpf-dev libpcap-dev
	nftables iproute2 netsniff-ng
	python3 python3-scapy
	# tests/fuzz: clang, and libFuzzer + the sanitizer runtimes
	clang libclang-rt-14-dev
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get, network namespaces)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# nftables' netdev family and veth pairs are used by ingestion and tests.
modprobe -q nf_tables 2>/dev/null || true
modprobe -q veth 2>/dev/null || true
