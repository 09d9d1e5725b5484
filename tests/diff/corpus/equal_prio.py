from pk import *


def packets():
    return on("eth0", [tcp4(dport=d) for d in (1, 2, 3, 4, 5, 1)])


# Order u/c, t/b, t/a.  dport 1: b sets mark 1, a drops.  dport 2: b (mark 0) no, a sets 2 ->
# forwarded.  dport 3: c counts, b drops.  dport 4: c drops.
EXPECT = "- eth1 - - eth1 -"
EXPECT_COUNTERS = {"rule t/a@0": (2, 80), "rule t/a@1": (1, 40), "rule t/a@2": (0, 0),
                   "rule t/b@0": (2, 80), "rule t/b@1": (0, 0), "rule t/b@2": (1, 40),
                   "rule u/c@1": (1, 40)}
