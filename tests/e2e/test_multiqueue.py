# SPDX-License-Identifier: BSD-3-Clause
"""Multi-queue, multi-lcore smoke test on net_null and net_ring: every
(port, queue) is polled, packets are conserved, nothing leaks, SIGINT stops
the forwarder cleanly."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402


def main():
    # Three workers on two CPUs (lcores may share a CPU), two rx queues per
    # port, three tx queues per port.
    with T.Workdir("mq") as w:
        eal = T.eal_args("e2e_mq", "0@0,1@1,2@0,3@1") + [
            "--vdev", "net_null0", "--vdev", "net_null1"]
        rc, out, err = T.run(eal, ["--port", "a=net_null0", "--port", "b=net_null1",
                                   "--queues", "2", "--stats-file",
                                   w.file("st.json")], stop_after=2)
        T.check_eq(rc, 0, "SIGINT stops the forwarder with exit 0")
        polled = set(re.findall(r"lcore (\d+) polls port (\w+) \(id \d+\) queue (\d+)", err))
        T.check_eq(sorted((p, q) for _, p, q in polled),
                   [("a", "0"), ("a", "1"), ("b", "0"), ("b", "1")],
                   "every (port, queue) is polled")
        T.check_eq(len({lc for lc, _, _ in polled}), 3, "three workers poll")
        T.check("3 tx queue(s)" in err, "one tx queue per worker")
        st = T.read_stats(w.file("st.json"))
        a, b = st["ports"]["a"], st["ports"]["b"]
        T.check(a["rx_pkts"] > 1000 and b["rx_pkts"] > 1000,
                f"both ports received traffic ({a['rx_pkts']}, {b['rx_pkts']})")
        T.check_eq(b["tx_pkts"] + b["tx_failed"], a["rx_pkts"],
                   "a's packets all sent or counted on b")
        T.check_eq(a["tx_pkts"] + a["tx_failed"], b["rx_pkts"],
                   "b's packets all sent or counted on a")
        T.check_eq(st["mbufs_in_use"], 0, "no mbuf leaked")

    # A limit shared by workers: two rx queues of port a on different
    # lcores hit one token bucket. The bucket is far too slow to refill
    # during the run (1/hour), so exactly its burst passes, as with one
    # worker (tests/diff's limit case holds one worker to the kernel).
    limit_rules = ('table netdev t {\n'
                   '\tchain c {\n'
                   '\t\ttype filter hook ingress device "a" priority 0; policy accept;\n'
                   '\t\tlimit rate 1/hour burst 1000 packets counter accept\n'
                   '\t\tcounter drop\n'
                   '\t}\n'
                   '}\n')
    passed = {}
    for name, lcores, queues in (("one", "0,1", "1"), ("two", "0@0,1@1,2@0,3@1", "2")):
        with T.Workdir("mqlim") as w:
            with open(w.file("r.nft"), "w") as f:
                f.write(limit_rules)
            eal = T.eal_args(f"e2e_mqlim_{name}", lcores) + [
                "--vdev", "net_null0", "--vdev", "net_null1"]
            rc, out, err = T.run(eal, ["--port", "a=net_null0", "--port", "b=net_null1",
                                       "--queues", queues, "-f", w.file("r.nft"),
                                       "--stats-file", w.file("st.json")], stop_after=2)
            T.check_eq(rc, 0, f"limit run ({name} worker(s) on a) exits 0")
            st = T.read_stats(w.file("st.json"))
            rules = {r["handle"]: r["packets"] for r in st["ruleset"]["rules"]}
            a_rx = st["ports"]["a"]["rx_pkts"]
            T.check(a_rx > 100000, f"port a received enough to drain the bucket ({a_rx})")
            T.check_eq(sum(rules.values()), a_rx,
                       f"{name}: every packet of a counted by exactly one of the two rules")
            passed[name] = min(rules.values())
            if name == "two":
                qs = set(re.findall(r"lcore (\d+) polls port a \(id \d+\) queue (\d+)", err))
                T.check_eq(len({lc for lc, _ in qs}), 2, "a's two queues are polled by two lcores")
    T.check_eq(passed["one"], 1000, "one worker: the burst of 1000 passes the limit")
    T.check_eq(passed["two"], passed["one"],
               "two workers sharing the limit pass exactly as many as one")

    # --stats-interval prints the table periodically with rates; SIGTERM
    # stops as cleanly as SIGINT.
    with T.Workdir("sti") as w:
        import signal
        import subprocess
        import time
        cmd = [T.BIN] + T.eal_args("e2e_sti") + ["--vdev", "net_null0", "--vdev", "net_null1", "--",
                                                 "--stats-interval", "1", "--stats-file", w.file("st.json")]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.5)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        T.check_eq(p.returncode, 0, "SIGTERM stops the forwarder with exit 0")
        T.check("signal 15" in err, "the stop is logged with its signal")
        periodic = out.count("stats at ")
        T.check(periodic >= 2, f"--stats-interval 1 printed the table {periodic} times in 3.5 s")
        T.check("rx-pps" in out and "final stats" in out, "periodic rows carry rates; final table printed")
        T.check(os.path.exists(w.file("st.json")), "stats file written after SIGTERM")

    # net_ring loops its tx back to its rx: null0 -> ring0 -> null0.
    with T.Workdir("ring") as w:
        eal = T.eal_args("e2e_ring", "0@0,1@1,2@0") + [
            "--vdev", "net_null0", "--vdev", "net_ring0"]
        rc, out, err = T.run(eal, ["--port", "src=net_null0", "--port", "loop=net_ring0",
                                   "--stats-file", w.file("st.json"),
                                   "--burst", "64"], stop_after=2)
        T.check_eq(rc, 0, "ring run exits 0")
        st = T.read_stats(w.file("st.json"))
        s, l = st["ports"]["src"], st["ports"]["loop"]
        T.check(l["rx_pkts"] > 0, "packets came back out of the ring")
        T.check_eq(l["tx_pkts"] + l["tx_failed"], s["rx_pkts"],
                   "src's packets all sent into the ring or counted")
        T.check_eq(s["tx_pkts"] + s["tx_failed"], l["rx_pkts"],
                   "ring's packets all forwarded to src or counted")
        T.check(l["rx_pkts"] <= l["tx_pkts"], "ring gives back no more than it got")
        T.check(st["mbufs_in_use"] == l["tx_pkts"] - l["rx_pkts"],
                f"mbufs in use ({st['mbufs_in_use']}) are those left in the ring "
                f"({l['tx_pkts'] - l['rx_pkts']})")
    T.finish()


if __name__ == "__main__":
    main()
