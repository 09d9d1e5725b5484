from pk import *


def packets():
    return on("eth0", [udp4(dport=1)] * 5 + [udp4(dport=2)] * 4
              + [udp4(dport=3, pay=b"x" * 300)] * 6 + [udp4(dport=4)] * 10)


# packets: the burst passes; bytes: rate + burst bytes pass (1024 + 100: three 328-byte packets);
# no burst given: nft's default burst of 5 packets.
EXPECT = ("eth1 eth1 eth1 - -  eth1 eth1 - -  eth1 eth1 eth1 - - -"
          "  eth1 eth1 eth1 eth1 eth1 - - - - -")
