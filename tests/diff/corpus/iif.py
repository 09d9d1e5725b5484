from pk import *

PORTS = ["eth0", "eth1", "eth2", "eth3"]


def packets():
    # two input ports: nftdiff runs one sub-case per input port (eth0's, then eth2's)
    return (on("eth0", [udp4(dport=d) for d in range(1, 10)])
            + on("eth2", [udp4(dport=d) for d in range(1, 10)]))


EXPECT = ("eth1 - - eth1 eth1 eth1 eth1 - eth1"
          "  - eth3 - - - eth3 - eth3 eth1")
