# dpdk-nft-fwd on Debian 12 with Debian's DPDK 22.11.
# Build:  docker build -t dpdk-nft-fwd .
# Run:    docker run --rm --privileged -v /dev/hugepages:/dev/hugepages \
#             dpdk-nft-fwd -l 0,1 -a 0000:3b:00.0 -a 0000:3b:00.1 -- \
#             --port wan=0000:3b:00.0 --port lan=0000:3b:00.1 -f /etc/dpdk-nft-fwd/example.nft
# --privileged: DPDK needs the NIC's VFIO device and hugepages; ruleset
# loading creates a private network namespace and runs nft in it.
FROM debian:12

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	gcc pkg-config meson ninja-build \
	dpdk dpdk-dev libdpdk-dev \
	libnftnl-dev libmnl-dev libjansson-dev libbpf-dev libpcap-dev \
	nftables iproute2 \
 && rm -rf /var/lib/apt/lists/*

COPY . /src
# A portable image: not -march=native of whatever machine builds it.
RUN meson setup /src/build /src -Dbuildtype=release -Dmarch=x86-64-v2 \
 && ninja -C /src/build \
 && install -m 0755 /src/build/dpdk-nft-fwd /usr/local/bin/dpdk-nft-fwd \
 && install -d /etc/dpdk-nft-fwd \
 && install -m 0644 /src/conf/example.nft /src/conf/example.json /etc/dpdk-nft-fwd/

ENTRYPOINT ["dpdk-nft-fwd"]
CMD ["--help"]
