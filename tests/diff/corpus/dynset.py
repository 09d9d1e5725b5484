from pk import *


def packets():
    return on("eth0", [udp4(src="10.0.0.1", dport=1), udp4(src="10.0.0.2", dport=1),
                       udp4(src="10.0.0.1", dport=1), udp4(src="10.0.0.3", dport=1),
                       udp4(src="10.0.0.2", dport=1)]
              + [udp4(src=f"10.1.0.{i}", dport=2) for i in range(20)])


EXPECT = "eth1 eth1 - eth1 -" + " eth1" * 20
EXPECT_COUNTERS = {"rule t/c@0": (2, 56), "rule t/c@3": (16, 448)}   # set size 16: 4 updates fail

# Dynamic sets are not in the IR: the forwarder refuses the ruleset.
FORWARDER_REFUSES = "expression 'dynset'"
