# SPDX-License-Identifier: BSD-3-Clause
"""Bad command lines and configs: each gives one clear error line naming
the option or key, and exit code 2.  Good ones: --help, config file,
command line over config file."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402


def last_error_line(err):
    lines = [l for l in err.splitlines() if l.startswith("dpdk-nft-fwd:")]
    return lines[-1] if lines else ""


def main():
    with T.Workdir("cli") as w:
        T.write_pcap(w.file("in.pcap"), [bytes(64)] * 3)
        vdevs = T.pcap_vdev("net_pcap0", w.file("in.pcap"), w.file("o0.pcap")) + \
            T.pcap_vdev("net_pcap1", w.file("in.pcap"), w.file("o1.pcap"))
        ports = ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1"]

        def cfgfile(name, text):
            path = w.file(name)
            with open(path, "w") as f:
                f.write(text if isinstance(text, str) else json.dumps(text))
            return path

        bad = [
            # (what, EAL args, app args, text the error line must contain)
            ("unknown option", [], ["--frobnicate"], "unknown option '--frobnicate'"),
            ("missing argument", [], ["--queues"], "--queues: missing argument"),
            ("queues 0", [], ["--queues", "0"], "--queues: expected an integer from 1 to 128, got '0'"),
            ("queues not a number", [], ["--queues", "two"], "--queues: expected an integer"),
            ("burst too big", [], ["--burst", "1000"], "--burst: expected an integer from 1 to 512"),
            ("negative interval", [], ["--stats-interval", "-1"], "--stats-interval: expected an integer"),
            ("port without device", [], ["--port", "eth0"], "--port: expected NAME=DEVICE"),
            ("port name too long", [], ["--port", "a234567890123456=net_pcap0"], "longer than 15 characters"),
            ("port name with slash", [], ["--port", "a/b=net_pcap0"], "contains '/'"),
            ("port given twice", [], ports + ["--port", "eth0=net_pcap1"], "port name 'eth0' given twice"),
            ("pair to unknown port", [], ports + ["--pair", "eth0:eth9"], "pair eth0:eth9: no port named 'eth9'"),
            ("pair malformed", [], ports + ["--pair", "eth0"], "--pair: expected A:B"),
            ("port paired twice", [], ports + ["--pair", "eth0:eth1", "--pair", "eth0:eth0"], "already paired"),
            ("odd port without pair", [], ["--port", "eth0=net_pcap0"], "port 'eth0' has no peer"),
            ("port left out of pairs", [], ports + ["--pair", "eth0:eth0"], "port 'eth1' is in no --pair"),
            ("stray argument", [], ["stray"], "unexpected argument 'stray'"),
            ("check without ruleset", [], ["--check"], "--check needs a ruleset"),
            ("ruleset and mirror", [], ["-f", "x.nft", "--mirror", "filter"], "exclude each other"),
            ("config missing", [], ["-c", w.file("nope.json")], "config " + w.file("nope.json")),
            ("config not JSON", [], ["-c", cfgfile("bad.json", "{ \"queues\": ")], "bad.json:"),
            ("config not an object", [], ["-c", cfgfile("arr.json", [1, 2])], "expected a JSON object"),
            ("config unknown key", [], ["-c", cfgfile("unk.json", {"qeueus": 2})], "unknown key 'qeueus'"),
            ("config wrong type", [], ["-c", cfgfile("type.json", {"queues": "2"})], "key 'queues': expected an integer"),
            ("config out of range", [], ["-c", cfgfile("range.json", {"burst": 0})], "key 'burst': expected an integer from 1 to 512, got 0"),
            ("config port without device", [], ["-c", cfgfile("pd.json", {"ports": [{"name": "eth0"}]})], "key 'ports[0]'.device: expected a string"),
            ("config port unknown key", [], ["-c", cfgfile("pk.json", {"ports": [{"name": "eth0", "device": "x", "mtu": 1}]})], "key 'ports[0]': unknown key 'mtu'"),
            ("config duplicate key", [], ["-c", cfgfile("dup.json", '{"queues": 1, "queues": 2}')], "duplicate"),
            ("config bad pair", [], ["-c", cfgfile("bp.json", {"pairs": [3]})], "key 'pairs[0]': expected"),
            # Errors found once DPDK is up.
            ("no such device", vdevs, ["--port", "eth0=net_pcap0", "--port", "eth1=net_pcap7"], "port eth1: no DPDK port 'net_pcap7' (available: net_pcap0, net_pcap1)"),
            ("no such port id", vdevs, ["--port", "eth0=0", "--port", "eth1=9"], "port eth1: no DPDK port '9'"),
            ("same device twice", vdevs, ["--port", "eth0=net_pcap0", "--port", "eth1=0"], "ports eth0 and eth1 are the same DPDK port"),
            ("too many queues for pcap", vdevs, ports + ["--queues", "2"], "port eth0 (net_pcap0, net_pcap): --queues 2 but the device has at most 1 rx queues"),
            ("bad vdev arguments", [], ["--port", "eth0=net_pcap0,rx_pcap=/nonexistent/x.pcap", "--pair", "eth0:eth0"], "port eth0: cannot create device"),
            ("default names, bad pair", vdevs, ["--pair", "port0:eth1"], "pair port0:eth1: no port named 'eth1'"),
        ]
        for what, eal, app, want in bad:
            rc, out, err = T.run(T.eal_args("cli") + eal, app, timeout=30)
            line = last_error_line(err)
            T.check(rc == 2 and want in line,
                    f"{what}: exit 2 with '{want}' (got rc {rc}, '{line}')")
            T.check_eq(len([l for l in err.splitlines() if l.startswith("dpdk-nft-fwd:")]), 1,
                       f"{what}: exactly one error line")

        # One lcore only: the main lcore does no forwarding.
        rc, out, err = T.run(T.eal_args("cli", "0") + vdevs, ports, timeout=30)
        T.check(rc == 2 and "no worker lcore" in last_error_line(err),
                f"one lcore: exit 2 naming the worker lcore (rc {rc})")

        # --help, with and without EAL options.
        for argv in (["--help"], ["-l", "0,1", "--", "-h"]):
            import subprocess
            p = subprocess.run([T.BIN] + argv, capture_output=True, text=True, timeout=30)
            T.check(p.returncode == 0 and "--port NAME=DEVICE" in p.stdout
                    and "--idle-exit MS" in p.stdout,
                    f"{' '.join(argv)}: usage on stdout, exit 0")

        # Everything from the config file; the command line wins key by key.
        conf = cfgfile("good.json", {
            "ports": [{"name": "wan", "device": "net_pcap0"},
                      {"name": "lan", "device": "net_pcap1"}],
            "pairs": [["wan", "lan"]],
            "burst": 8, "queues": 1, "idle_exit": 700,
            "stats_file": "stats-from-config.json"})
        rc, out, err = T.run(T.eal_args("cli") + vdevs, ["-c", conf, "--burst", "16"])
        T.check_eq(rc, 0, "config-file run exits 0")
        T.check("burst 16" in err, "--burst on the command line wins over the file")
        T.check("no packet received for 700 ms" in err, "idle_exit from the file applies")
        T.check(os.path.exists(w.file("stats-from-config.json")),
                "stats_file relative to the config file's directory")
        st = T.read_stats(w.file("stats-from-config.json"))
        T.check_eq(sorted(st["ports"]), ["lan", "wan"], "port names from the file")
        T.check_eq(st["ports"]["wan"]["tx_pkts"], 3, "wan sends lan's 3 packets")
        T.check_eq(st["ports"]["lan"]["tx_pkts"], 3, "lan sends wan's 3 packets")

        # --port on the command line replaces the file's list.
        rc, out, err = T.run(T.eal_args("cli") + vdevs,
                             ["-c", conf, "--port", "x=net_pcap1", "--port", "y=net_pcap0",
                              "--pair", "x:y", "--stats-file", w.file("s2.json")])
        T.check_eq(rc, 0, "override run exits 0")
        T.check_eq(sorted(T.read_stats(w.file("s2.json"))["ports"]), ["x", "y"],
                   "--port replaces the file's ports")

        # Without --port every DPDK port is used, named port<id>, paired 0-1.
        rc, out, err = T.run(T.eal_args("cli") + vdevs,
                             ["--idle-exit", "300", "--stats-file", w.file("s3.json")])
        T.check_eq(rc, 0, "default-ports run exits 0")
        st = T.read_stats(w.file("s3.json"))
        T.check_eq(sorted(st["ports"]), ["port0", "port1"], "default names port0, port1")
        T.check_eq(st["ports"]["port0"]["peer"], "port1", "default pairing 0-1")

        # Our logs go through rte_log under nftfwd.*: --log-level filters them.
        rc, out, err = T.run(T.eal_args("cli") + vdevs + ["--log-level", "nftfwd.*:warning"],
                             ports + ["--idle-exit", "300"])
        T.check(rc == 0 and "main: forwarding" not in err and "port: eth0" not in err,
                "--log-level nftfwd.*:warning hides the info lines")
        rc, out, err = T.run(T.eal_args("cli") + vdevs + ["--log-level", "nftfwd.port:warning"],
                             ports + ["--idle-exit", "300"])
        T.check(rc == 0 and "main: forwarding" in err and "port: eth0" not in err,
                "--log-level nftfwd.port:warning hides only the port lines")

        # vdev arguments in --port are hot-plugged.
        rc, out, err = T.run(T.eal_args("cli"),
                             ["--port", "eth0=net_pcap5,rx_pcap=%s,tx_pcap=%s" % (
                                 w.file("in.pcap"), w.file("o5.pcap")),
                              "--pair", "eth0:eth0", "--idle-exit", "300"])
        T.check_eq(rc, 0, "hot-plugged vdev run exits 0")
        T.check_eq(len(T.read_pcap(w.file("o5.pcap"))), 3,
                   "hot-plugged net_pcap5 reflects its 3 frames")
    T.finish()


if __name__ == "__main__":
    main()
