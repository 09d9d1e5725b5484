from pk import *


def packets():
    T, U = tcp4, udp4
    return on("eth0", [
        T(dport=22), T(dport=21), T(dport=23), U(dport=22),
        T(dport=999), T(dport=1000), T(dport=1999), T(dport=2000), T(dport=1500, sport=5000),
        U(sport=53, dport=54), U(sport=53, dport=53), U(sport=54, dport=55),
        T(dport=80), T(dport=443), T(dport=8000), T(dport=8100), T(dport=8101), T(dport=7999),
        U(dport=1), U(dport=99), U(dport=100), U(dport=199), U(dport=200), U(dport=65535),
        T(dport=3000, flags="S"), T(dport=3000, flags="SA"), T(dport=3000, flags="SE"),
        T(dport=3001, flags="A"), T(dport=3001, flags="FA"), T(dport=3001, flags="R"),
        T(dport=3002, flags="SA"), T(dport=3002, flags="SAP"), T(dport=3002, flags="S"),
        T(dport=3003, flags="F"), T(dport=3003, flags="R"), T(dport=3003, flags="FR"),
        T(dport=4000), U(dport=4000), eth() / IP() / SCTP(dport=4000), T(dport=4001),
        T(sport=0, dport=5), eth() / IP() / UDP(dport=7, len=9) / Raw(b"x"),
        b(U(dport=5000))[:40] + b"\0\0" + b(U(dport=5000))[42:], U(dport=5000),
    ])


EXPECT = ("- eth1 eth1 eth1  eth1 - - eth1 eth1  - eth1 eth1  - - - - eth1 eth1"
          "  eth1 eth1 - - eth1 eth1  - eth1 -  eth1 - -  - eth1 eth1  - - eth1"
          "  - - - eth1  - -  - eth1")
