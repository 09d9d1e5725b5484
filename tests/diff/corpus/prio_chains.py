from pk import *


def packets():
    return on("eth0", [tcp4(dport=d) for d in (1, 2, 3, 4, 5, 3, 2, 1)])


# dport 1: mark 1 in early, dropped in mid.  dport 2: mark 2, mid sets 3, late drops (mark 3).
# dport 3: u/first sets 7, early sets 2 (no verdict), mid sets 3, late dport 2 no -> accept.
EXPECT = "- - eth1 - eth1 eth1 - -"
EXPECT_COUNTERS = {"rule t/mid@0": (2, 80), "rule t/mid@1": (4, 160), "rule t/late@0": (2, 80),
                   "rule t/late@1": (0, 0), "rule t/late@2": (3, 120), "rule u/first@1": (2, 80)}
