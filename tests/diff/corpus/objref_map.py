from pk import *


def packets():
    return on("eth0", [tcp4(dport=1), tcp4(dport=2), tcp4(dport=3), tcp4(dport=4),
                       tcp4(src="10.0.0.1", dport=2, pay=b"p" * 30), tcp4(src="10.0.0.1", dport=9),
                       tcp4(src="10.0.0.2", dport=9)])


# q1 (over 100 bytes) sees every packet from 10.0.0.1: 40, 80, then over: drop
EXPECT = "eth1 eth1 - - - - eth1"
EXPECT_COUNTERS = {"counter t/c1": (2, 80), "counter t/c2": (2, 110)}

# Object references through maps are not in the IR yet: refused.
FORWARDER_REFUSES = "object reference through a map is not supported"
