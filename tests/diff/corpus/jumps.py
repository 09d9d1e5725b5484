from pk import *


def p(src, dport, sport=1234):
    return tcp4(src=src, dport=dport, sport=sport)


def packets():
    return on("eth0", [
        p("10.0.0.1", 1),   # j1 accept -> eth1
        p("10.0.0.1", 2),   # j1 drop
        p("10.0.0.1", 3),   # j1 return -> c continues: last rule counter accept
        p("10.0.0.1", 4, 7),  # j1 -> j2 return -> j1 "dport 4 drop"
        p("10.0.0.1", 4, 8),  # j2 drop
        p("10.0.0.1", 5, 7),  # goto j2, return -> back to c (goto does not push) -> accept
        p("10.0.0.1", 5, 9),  # goto j2, end of j2 -> returns to c -> accept
        p("10.0.0.1", 6),   # continue -> end of j1 -> c -> accept
        p("10.0.0.2", 1),   # goto g1 accept
        p("10.0.0.2", 2, 7),  # g1 -> j2 return -> g1 counter -> end -> base chain policy drop
        p("10.0.0.2", 3),   # g1 ends -> implicit return from goto'd chain -> policy drop
        p("10.0.0.3", 1),   # return in the base chain -> policy drop
        p("10.0.0.4", 3),   # j1 return -> c next rule: accept
        p("10.0.0.4", 2),   # j1 drop
        p("10.0.0.5", 1),   # continue -> next rule accept
        p("10.0.0.6", 9),   # j3 -> j4 accept
        p("10.0.0.6", 10),  # j4 return -> j3 counter drop
        p("10.0.0.6", 11),  # j4 ends -> j3 drop
        p("10.0.0.7", 1),   # last rule accept
    ])


EXPECT = "eth1 - eth1 - - eth1 eth1 eth1 eth1 - - - eth1 - eth1 eth1 - - eth1"
