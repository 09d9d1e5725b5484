from pk import *


def packets():
    return on("eth0", [udp4(dport=1)] * 7
              + [udp4(src=f"10.0.{i}.{i * 7 % 256}", dport=2) for i in range(16)]
              + [udp4(dport=3)] * 4)


# numgen inc mod 3: 0 1 2 0 1 2 0 (drop the 2s); jhash: the kernel's values, pinned;
# numgen inc mod 2 offset 5: 5 6 5 6.
EXPECT = ("eth1 eth1 - eth1 eth1 - eth1"
          "  eth1 eth1 - - - - eth1 eth1 eth1 - - eth1 - eth1 eth1 eth1"
          "  eth1 - eth1 -")

# numgen/hash are not in the IR yet: refused.
FORWARDER_REFUSES = "expression 'numgen'"
