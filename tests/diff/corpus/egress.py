from pk import *


def packets():
    return on("eth0", [udp4(dport=1), udp4(dport=2), udp4(dport=3)])


EXPECT = "- eth1 eth1+eth1"

# The forwarder implements the ingress hook only: egress chains are refused.
FORWARDER_REFUSES = "only ingress"
