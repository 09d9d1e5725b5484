from pk import *

PORTS = ["eth0", "eth1", "eth2", "eth3"]


def packets():
    return on("eth0", [udp4(dport=d, pay=bytes([d]) * d) for d in range(1, 11)])


# fwd is final (the later chain never sees dport 1); a duplicate does not run the ingress
# chains of the port it leaves through (eth2's drop-everything chain never sees it).
EXPECT = ("eth2 eth2+eth1 eth2+eth3+eth1 eth3 eth0 eth0+eth1 eth1 eth2+eth3 eth2 eth1")
EXPECT_COUNTERS = {"rule t/later@1": (0, 0), "rule t/later@0": (1, 37), "rule t/other@0": (0, 0)}
