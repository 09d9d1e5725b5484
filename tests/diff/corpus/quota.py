from pk import *


def u(d, n):
    return udp4(dport=d, pay=b"q" * (n - 28))     # n = IP length = counted bytes


def packets():
    return on("eth0", [
        u(1, 50), u(1, 50), u(1, 50), u(1, 50),   # over 120: 50,100 pass; 150 -> over: drop
        u(2, 80), u(2, 80), u(2, 80), u(2, 28),   # until 200: 80,160 ok; 240 > 200 -> next rule drop
        u(3, 60), u(3, 60), u(3, 60),             # over 100: 60 no, 120 over: drop, drop
        u(4, 30), u(4, 30), u(4, 30),             # 60 bytes: 30, 60 accept, 90 drop
    ])


EXPECT_COUNTERS = {"quota t/q_until": 200, "quota t/q_over": 100}
# consumed grows by every packet that reaches the quota, even one that is over it; 60 bytes
# of a 60-byte quota are still within it.
EXPECT = "eth1 eth1 - -  eth1 eth1 - -  eth1 - -  eth1 eth1 -"
