from pk import *


def packets():
    seg = b(TCP(dport=80, sport=1234))
    useg = b(UDP(dport=53, sport=1234, len=8))
    out = []
    for dst in ("10.1.1.1", "10.2.2.2"):
        out += [eth() / IP(dst=dst, flags="MF", frag=0, proto=6) / Raw(seg),   # first fragment
                eth() / IP(dst=dst, flags="MF", frag=3, proto=6) / Raw(seg),   # middle
                eth() / IP(dst=dst, flags=0, frag=100, proto=6) / Raw(seg),    # last
                eth() / IP(dst=dst, flags="DF", frag=0, proto=6) / Raw(seg)]   # not a fragment
    out += [eth() / IP(dst="10.3.3.3", frag=1, proto=17) / Raw(useg),
            eth() / IP(dst="10.3.3.3", flags="MF", proto=17) / Raw(useg),
            eth() / IP(dst="10.4.4.4", frag=8191, proto=17) / Raw(useg),
            eth() / IP(dst="10.4.4.4", frag=5, proto=17) / Raw(b(UDP(dport=53, sport=1235))),
            eth() / IP(dst="10.5.5.5", frag=1, proto=17) / Raw(useg),
            eth() / IP(dst="10.5.5.5", flags="MF", proto=17) / Raw(useg)]
    return on("eth0", out)


EXPECT = "- eth1 eth1 -  - - - -  - -  - eth1  - eth1"
EXPECT_COUNTERS = {"rule t/probe@0": (8, 320), "rule t/probe@1": (8, 320),
                   "rule t/probe@2": (4, 160), "rule t/probe@3": (8, 272),
                   "rule t/probe@4": (6, 216)}
