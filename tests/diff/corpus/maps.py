from pk import *


def packets():
    U, T = udp4, tcp4
    return on("eth0", [
        U(src="10.0.0.0", dport=1), U(src="10.0.0.255", dport=1), U(src="10.0.1.0", dport=1),
        U(src="10.0.1.9", dport=1), U(src="10.0.1.10", dport=1), U(src="10.0.2.2", dport=1),
        U(src="10.0.2.3", dport=1),
        T(dport=22), T(dport=80), T(dport=81), T(dport=81, sport=1), T(dport=82),
        T(dport=83), T(dport=84), T(dport=83, dst="10.0.0.99"), T(dport=82, dst="10.0.0.99"),
        U(src="10.9.0.0", dport=1000), U(src="10.9.255.255", dport=1999), U(src="10.9.1.1", dport=2000),
        U(src="10.9.9.9", dport=53), U(src="10.9.9.8", dport=53),
        U(dport=7), U(dport=8), U(dport=9), U(dport=9, sport=1), U(dport=10),
    ])


# sub ends -> back to c; 82 (goto sub) ends -> back to c's caller = end of base chain: policy
# return in a base chain applies the policy at once (#14); a failed map lookup leaves the mark
# unchanged (#4, #6).
EXPECT = ("- - eth1 eth1 eth1 - eth1"
          "  - eth1 - - -  - -  - -"
          "  - - -  eth1 -"
          "  - eth1 - - -")
