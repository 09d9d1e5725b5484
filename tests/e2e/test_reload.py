# SPDX-License-Identifier: BSD-3-Clause
"""RCU swap under traffic, checked packet by packet.

Traffic flows the whole time through a net_pcap port whose rx_pcap is a
named pipe (fwdtest.PcapStream): the test writes frames while it reloads
the ruleset 100 times, alternating between ruleset A and ruleset B, with
SIGHUP (-f FILE) and then with --mirror (nft changes to the live table).
Every frame carries its sequence number; its class (seq -> addresses and
ports) decides its verdict under A and under B: half of the classes get
different verdicts, a quarter are dropped by both, a quarter accepted by
both.

The pipe makes the ordering exact.  A frame written after the forwarder
logged generation k active is classified by generation k or a later one
(the log line follows the swap).  A frame followed by more than the pipe,
libpcap's stdio buffer and a burst of further frames, all written before
the next reload was asked for, was classified before that reload.  So
each frame is either certain (one ruleset) or ambiguous (written around a
reload: old or new), and the test asserts, for every frame, that whether
it came out of the peer port is a verdict its allowed rulesets give.
Broken reloads (a syntax error, an expression the forwarder cannot run, a
refused mirror update) keep the old ruleset: their frames must have the
old ruleset's verdicts exactly.  Then: no frame lost, duplicated or
changed; port and rule counters add up to what was sent; 100 generations
were installed.  Also: SIGHUP after the file was removed, and with no
ruleset, is logged and changes nothing.
"""

import os
import re
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fwdtest as T  # noqa: E402

RELOADS = int(os.environ.get("NFTFWD_RELOADS", "100"))
CLASSES = 1024
FRAME_LEN = 60
REC_LEN = FRAME_LEN + T.PcapStream.HDR
PIPE_SIZE = 4096
# Bytes that may sit read from the pipe but not yet classified: glibc's
# stdio buffer under libpcap (at most BUFSIZ, 8 KiB) with room to spare.
STDIO_MARGIN = 16384
BURST = 32
CERTAIN = 400       # frames per generation that only it can classify
CHUNK = 32          # frames per write while a reload runs
CHUNK_GAP_S = 0.001

A_TEXT = """table netdev t {
	chain in0 {
		type filter hook ingress device "eth0" priority 0; policy accept;
		udp dport 10000-10511 meta mark set 1
		meta mark 1 counter drop
		counter accept
	}
}
"""
# A and B differ in rule 2 only (it marks what to drop); rules 3 and 4 are
# the same rules in both (same handles, same definitions), so their
# counters carry over every swap. A rule redefined under its handle would
# start afresh (unit-interp checks that).
B_TEXT = """table netdev t {
	chain in0 {
		type filter hook ingress device "eth0" priority 0; policy accept;
		ip saddr 10.0.1.0-10.0.2.255 meta mark set 1
		meta mark 1 counter drop
		counter accept
	}
}
"""
DROP_ALL = """table netdev t {
	chain in0 {
		type filter hook ingress device "eth0" priority 0; policy accept;
		counter drop
	}
}
"""
BAD_FILES = {
    "syntax": ("table netdev t {\n\tchain in0 {\n\t\ttype filter hook ingress device \"eth0\" priority 0;\n"
               "\t\tudp dport frob drop\n\t}\n}\n", "Error:"),
    "unsupported": ("table netdev t {\n\tchain in0 {\n\t\ttype filter hook ingress device \"eth0\" priority 0;\n"
                    "\t\tmeta mark 7 numgen random mod 2 0 drop\n\t}\n}\n", "numgen"),
}

# The mirror's versions: replace the chain's rules in one transaction;
# named counters carry the totals across (rule handles change each time).
M_SETUP = """table netdev t {
	counter cdrop { }
	counter cacc { }
	chain in0 {
		type filter hook ingress device "eth0" priority 0; policy accept;
		udp dport 10000-10511 counter name "cdrop" drop
		counter name "cacc" accept
	}
}
"""
M_CHANGE = {
    "A": "flush chain netdev t in0\n"
         "add rule netdev t in0 udp dport 10000-10511 counter name \"cdrop\" drop\n"
         "add rule netdev t in0 counter name \"cacc\" accept\n",
    "B": "flush chain netdev t in0\n"
         "add rule netdev t in0 ip saddr { 10.0.1.0/24, 10.0.2.0/24 } counter name \"cdrop\" drop\n"
         "add rule netdev t in0 counter name \"cacc\" accept\n",
}
M_BAD = "add rule netdev t in0 meta mark 7 numgen random mod 2 0 drop\n"


def klass(seq):
    # 389 is odd: a bijection mod 1024 that mixes verdicts inside a burst.
    return (seq * 389) % CLASSES


def verdict(rs, c):
    if rs == "A":
        return "drop" if c < 512 else "accept"
    return "drop" if 256 <= c < 768 else "accept"


def ip_csum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _headers():
    out = []
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    for c in range(CLASSES):
        udp_len = FRAME_LEN - 14 - 20
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, c, 0, 64, 17, 0,
                                   bytes([10, 0, c >> 8, c & 255]), bytes([10, 1, 0, 1])))
        ip[10:12] = struct.pack("!H", ip_csum(bytes(ip)))
        udp = struct.pack("!HHHH", 5000, 10000 + c, udp_len, 0)
        out.append(eth + bytes(ip) + udp)
    return out


HEADERS = _headers()
PAD = bytes(FRAME_LEN - 42 - 4)


def frame(seq):
    return HEADERS[klass(seq)] + struct.pack("!I", seq) + PAD


class Feed:
    """Writes numbered frames and remembers, per frame, the rulesets that
    may classify it."""

    def __init__(self, stream):
        self.stream = stream
        self.allowed = []

    @property
    def sent(self):
        return len(self.allowed)

    def send(self, n, allowed):
        seq = self.sent
        self.allowed.extend([allowed] * n)
        self.stream.write_raw(b"".join(T.PcapStream.record(frame(s), s)
                                       for s in range(seq, seq + n)))


def barrier_frames(stream):
    return -(-(stream.pipe_size + STDIO_MARGIN) // REC_LEN) + 2 * BURST


def run_reloads(feed, watch, proc, events, apply, first_gen):
    """Drive the events: each is (name, next_ruleset or None for 'stays',
    regex of the log line that says it is done).  Returns (ok, gen, ms per
    event, frames written while each event ran)."""
    barrier = barrier_frames(feed.stream)
    cur, gen, lat, during = "A", first_gen, [], []
    for name, nxt, done_rx in events:
        target = nxt or cur
        feed.send(CERTAIN, frozenset([cur]))
        feed.send(barrier, frozenset([cur, target]))
        mark = len(watch.lines)
        t0 = time.monotonic()
        sent_at_trigger = feed.sent
        apply(name, target)
        rx = done_rx.format(gen=gen + 1)
        while watch.find(rx, mark) < 0:
            if proc.poll() is not None or time.monotonic() - t0 > 30:
                T.check(False, f"{name}: the forwarder logged /{rx}/ within 30 s "
                        f"(rc {proc.poll()})")
                return False, gen, lat, during
            feed.send(CHUNK, frozenset([cur, target]))
            time.sleep(CHUNK_GAP_S)
        lat.append((time.monotonic() - t0) * 1000)
        during.append(feed.sent - sent_at_trigger)
        if nxt is not None:
            gen += 1
            cur = nxt
    feed.send(CERTAIN + barrier, frozenset([cur]))
    return True, gen, lat, during


def check_during(tag, events, during):
    """Traffic was written while the forwarder was reloading: between the
    request and the log line of the new generation."""
    busy = sum(1 for d in during if d > 0)
    T.check(busy >= len(events) * 3 // 4,
            f"{tag}: frames were written while {busy} of {len(events)} reloads ran "
            f"({sum(during)} frames, at most {max(during, default=0)} in one)")


def check_verdicts(tag, feed, out_frames):
    """Each frame against its allowed rulesets; returns the forwarded count."""
    n = feed.sent
    seen = bytearray(n)
    foreign = dup = changed = 0
    for fr in out_frames:
        if len(fr) != FRAME_LEN:
            foreign += 1
            continue
        seq = struct.unpack("!I", fr[42:46])[0]
        if seq >= n:
            foreign += 1
            continue
        if seen[seq]:
            dup += 1
        seen[seq] = 1
        if fr != frame(seq):
            changed += 1
    T.check(foreign == 0 and dup == 0 and changed == 0,
            f"{tag}: every frame out is one that was sent, once, unchanged "
            f"(foreign {foreign}, duplicated {dup}, changed {changed})")
    bad = []
    stats = {}
    for seq in range(n):
        allowed = feed.allowed[seq]
        c = klass(seq)
        got = "accept" if seen[seq] else "drop"
        ok_verdicts = {verdict(r, c) for r in allowed}
        if got not in ok_verdicts:
            bad.append((seq, sorted(allowed), got))
        differ = verdict("A", c) != verdict("B", c)
        key = ("certain " + next(iter(allowed)) if len(allowed) == 1 else "old or new",
               "differ" if differ else "agree", got)
        stats[key] = stats.get(key, 0) + 1
    T.check(not bad, f"{tag}: every one of {n} frames has the verdict of a ruleset active "
            f"when it passed ({len(bad)} wrong; first: {bad[:5]})")
    for k in sorted(stats):
        print(f"  {tag}: {k[0]:10s} {k[1]:6s} {k[2]:6s} {stats[k]}")
    for rs in ("A", "B"):
        T.check(stats.get((f"certain {rs}", "differ", "accept"), 0) > 0 and
                stats.get((f"certain {rs}", "differ", "drop"), 0) > 0,
                f"{tag}: ruleset {rs} was active: frames whose verdict only it decides, "
                f"forwarded and dropped as it says")
    amb = [stats.get(("old or new", "differ", v), 0) for v in ("accept", "drop")]
    T.check(amb[0] + amb[1] > 0,
            f"{tag}: frames flowed while reloads ran ({amb[0]} disputed frames forwarded, "
            f"{amb[1]} dropped)")
    T.check(any(stats.get((f"certain {rs}", "agree", "accept"), 0) > 0 for rs in "AB") and
            any(stats.get((f"certain {rs}", "agree", "drop"), 0) > 0 for rs in "AB"),
            f"{tag}: frames both rulesets accept came out, those both drop did not")
    return sum(seen)


def check_ports(tag, st, n, n_out):
    e0, e1 = st["ports"]["eth0"], st["ports"]["eth1"]
    T.check_eq(e0["rx_pkts"], n, f"{tag}: eth0 received every frame sent")
    T.check_eq(e1["tx_pkts"], n_out, f"{tag}: eth1 sent what the pcap holds")
    T.check_eq(e0["dropped"] + e1["tx_pkts"], n,
               f"{tag}: dropped + forwarded == sent (none lost)")
    T.check_eq(e1["tx_failed"] + e0["tx_failed"], 0, f"{tag}: no tx failure")
    T.check_eq(st["mbufs_in_use"], 0, f"{tag}: no mbuf leaked across the swaps")
    return e0["dropped"], e1["tx_pkts"]


def start(w, prefix, app, netns=None):
    stream = T.PcapStream(w.file("in0.fifo"), PIPE_SIZE)
    T.write_pcap(w.file("empty.pcap"), [])
    cmd = [T.BIN] + T.eal_args(prefix) + \
        T.pcap_vdev("net_pcap0", w.file("in0.fifo"), w.file("out0.pcap")) + \
        T.pcap_vdev("net_pcap1", w.file("empty.pcap"), w.file("out1.pcap")) + [
            "--", "--port", "eth0=net_pcap0", "--port", "eth1=net_pcap1",
            "--idle-exit", "2500", "--stats-file", w.file("st.json")] + app
    if netns is not None:
        cmd = ["ip", "netns", "exec", netns] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = T.LogWatch(proc)
    if not T.check(stream.open(proc), "the forwarder opened its rx pipe"):
        proc.kill()
        proc.wait()
        watch.join()
        print(watch.text()[-3000:])
        return None, None, None
    return proc, watch, stream


def finish_run(tag, proc, watch, stream):
    stream.close()
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    watch.join()
    T.check_eq(rc, 0, f"{tag}: the forwarder exits 0 after the traffic ends")
    if rc != 0:
        print(watch.text()[-4000:])
    return rc


def lat_text(lat):
    s = sorted(lat)
    return f"median {s[len(s) // 2]:.0f} ms, max {s[-1]:.0f} ms" if s else "none"


def test_sighup():
    tag = "SIGHUP"
    with T.Workdir("reload") as w:
        rules = w.file("r.nft")

        def put(text):
            with open(rules + ".tmp", "w") as f:
                f.write(text)
            os.replace(rules + ".tmp", rules)

        put(A_TEXT)
        proc, watch, stream = start(w, "e2e_reload", ["-f", rules])
        if proc is None:
            return
        feed = Feed(stream)
        T.check(watch.wait(r"ruleset: generation 1 active .*loaded at start", 0, 60) >= 0,
                "generation 1 (ruleset A) active at start")
        # 100 good reloads, alternating B, A, ...; two broken files among them.
        events, nxt = [], "B"
        for i in range(RELOADS):
            events.append(("good", nxt, r"ruleset: generation {gen} active .*reloaded on SIGHUP"))
            nxt = "A" if nxt == "B" else "B"
            if i == RELOADS // 3:
                events.append(("syntax", None, r"SIGHUP: reload of \S+ refused"))
            if i == 2 * RELOADS // 3:
                events.append(("unsupported", None, r"SIGHUP: reload of \S+ refused"))

        def apply(name, target):
            put(BAD_FILES[name][0] if name in BAD_FILES else
                (A_TEXT if target == "A" else B_TEXT))
            proc.send_signal(signal.SIGHUP)

        t0 = time.monotonic()
        try:
            ok, gen, lat, during = run_reloads(feed, watch, proc, events, apply, 1)
        except BrokenPipeError:
            ok, gen, lat, during = False, 0, [], []
            T.check(False, f"{tag}: the forwarder kept reading its rx pipe (rc {proc.poll()})")
        secs = time.monotonic() - t0
        rc = finish_run(tag, proc, watch, stream)
        if not ok or rc != 0:
            return
        print(f"{tag}: {len(events)} reloads in {secs:.1f} s, SIGHUP -> logged {lat_text(lat)}; "
              f"{feed.sent} frames")
        check_during(tag, events, during)
        err = watch.text()
        gens = re.findall(r"ruleset: generation (\d+) active", err)
        T.check_eq([int(g) for g in gens], list(range(1, RELOADS + 2)),
                   f"{tag}: generations 1..{RELOADS + 1} installed, in order, one per good reload")
        T.check_eq(err.count("reloaded on SIGHUP"), RELOADS,
                   f"{tag}: {RELOADS} generation lines say SIGHUP caused them")
        for name, (text, want) in BAD_FILES.items():
            T.check(want in err and re.search(r"dpdk-nft-fwd: ruleset \S+r\.nft: ", err) is not None,
                    f"{tag}: the {name} file's error is shown ('{want}') naming the file")
        refused = re.findall(r"SIGHUP: reload of (\S+) refused, generation (\d+) stays active", err)
        T.check(len(refused) == 2 and all(f == rules for f, _ in refused),
                f"{tag}: both broken files were refused naming {rules}: {refused}")

        out = T.read_pcap(w.file("out1.pcap"))
        n_out = check_verdicts(tag, feed, out)
        T.check_eq(len(T.read_pcap(w.file("out0.pcap"))), 0, f"{tag}: nothing came back out of eth0")
        st = T.read_stats(w.file("st.json"))
        dropped, fwd = check_ports(tag, st, feed.sent, n_out)
        T.check_eq(st["ruleset"]["generation"], RELOADS + 1, f"{tag}: stats: generation")
        rc_ = {r["handle"]: r["packets"] for r in st["ruleset"]["rules"]}
        # Rules 3 and 4, the same in A and B: counts carried over 100 swaps.
        T.check_eq(rc_, {3: dropped, 4: fwd},
                   f"{tag}: drop rule == dropped, accept rule == forwarded, carried over every swap")
        T.check_eq(sum(rc_.values()), feed.sent, f"{tag}: rule counters sum to the frames sent")


def nsexec(ns, *cmd, inp=None):
    return subprocess.run(["ip", "netns", "exec", ns] + list(cmd), input=inp,
                          capture_output=True, text=True)


def test_mirror():
    tag = "mirror"
    ns = f"nftfwd_reload_{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        nsexec(ns, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
        r = nsexec(ns, "nft", "-f", "-", inp=M_SETUP)
        if not T.check(r.returncode == 0, f"{tag}: table set up in {ns} ({r.stderr.strip()})"):
            return
        with T.Workdir("reloadm") as w:
            proc, watch, stream = start(w, "e2e_reloadm", ["--mirror", "t"], netns=ns)
            if proc is None:
                return
            feed = Feed(stream)
            T.check(watch.wait(r"ruleset: generation 1 active .*mirrored at start", 0, 60) >= 0,
                    f"{tag}: generation 1 (ruleset A) active at start")
            events, nxt = [], "B"
            for i in range(RELOADS):
                events.append(("good", nxt, r"ruleset: generation {gen} active .*mirrored kernel change"))
                nxt = "A" if nxt == "B" else "B"
                if i == RELOADS // 3:
                    events.append(("bad", None, r"update refused"))
                if i == 2 * RELOADS // 3:
                    events.append(("hup", None, r"SIGHUP: mirror of t re-read: no change"))
            nft_err = []

            def apply(name, target):
                if name == "hup":
                    proc.send_signal(signal.SIGHUP)
                    return
                r = nsexec(ns, "nft", "-f", "-", inp=M_BAD if name == "bad" else M_CHANGE[target])
                if r.returncode != 0:
                    nft_err.append(r.stderr)

            t0 = time.monotonic()
            try:
                ok, gen, lat, during = run_reloads(feed, watch, proc, events, apply, 1)
            except BrokenPipeError:
                ok, gen, lat, during = False, 0, [], []
                T.check(False, f"{tag}: the forwarder kept reading its rx pipe (rc {proc.poll()})")
            secs = time.monotonic() - t0
            rc = finish_run(tag, proc, watch, stream)
            T.check(not nft_err, f"{tag}: every nft change was accepted by the kernel {nft_err[:1]}")
            if not ok or rc != 0:
                return
            print(f"{tag}: {len(events)} changes in {secs:.1f} s, nft -f started -> logged "
                  f"{lat_text(lat)}; {feed.sent} frames")
            check_during(tag, events, during)
            err = watch.text()
            gens = re.findall(r"ruleset: generation (\d+) active", err)
            T.check_eq([int(g) for g in gens], list(range(1, RELOADS + 2)),
                       f"{tag}: generations 1..{RELOADS + 1} installed, in order")
            T.check("update refused" in err and "numgen" in err,
                    f"{tag}: the unsupported change was refused naming the expression")
            out = T.read_pcap(w.file("out1.pcap"))
            n_out = check_verdicts(tag, feed, out)
            st = T.read_stats(w.file("st.json"))
            dropped, fwd = check_ports(tag, st, feed.sent, n_out)
            cnt = {c["name"]: c["packets"] for c in st["ruleset"]["counters"]}
            T.check_eq(cnt, {"cdrop": dropped, "cacc": fwd},
                       f"{tag}: named counters: cdrop == dropped, cacc == forwarded, over every swap")
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def test_sighup_edges():
    """SIGHUP with a file that is gone, and with no ruleset at all: logged,
    nothing changes, the forwarder goes on and stops cleanly."""
    with T.Workdir("reloade") as w:
        rules = w.file("r.nft")
        with open(rules, "w") as f:
            f.write(DROP_ALL)
        for what, app, want in [
                ("file removed", ["-f", rules],
                 r"SIGHUP: reload of \S+r\.nft refused, generation 1 stays active"),
                ("no ruleset", [], r"SIGHUP: no ruleset to reload")]:
            cmd = [T.BIN] + T.eal_args("e2e_reloade") + [
                "--vdev", "net_null0", "--vdev", "net_null1,no-rx=1", "--",
                "--port", "eth0=net_null0", "--port", "eth1=net_null1",
                "--stats-file", w.file("st.json")] + app
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            watch = T.LogWatch(proc)
            watch.wait(r"main: forwarding:", 0, 60)
            if app:
                os.unlink(rules)
            proc.send_signal(signal.SIGHUP)
            seen = watch.wait(want, 0, 30) >= 0
            proc.send_signal(signal.SIGINT)
            try:
                rc = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            watch.join()
            T.check(seen and rc == 0, f"SIGHUP, {what}: logged /{want}/, then a clean stop (rc {rc})")
            if not seen:
                print(watch.text()[-2000:])
            if app:
                st = T.read_stats(w.file("st.json"))
                e0, e1 = st["ports"]["eth0"], st["ports"]["eth1"]
                T.check(st["ruleset"]["generation"] == 1 and e0["dropped"] > 0 and
                        e0["dropped"] == e0["rx_pkts"] and e1["tx_pkts"] == 0,
                        f"SIGHUP, {what}: the drop-all ruleset ran to the end "
                        f"({e0['dropped']} of {e0['rx_pkts']} dropped, {e1['tx_pkts']} forwarded)")
                T.check(re.search(r"dpdk-nft-fwd: ruleset \S+r\.nft: ", watch.text()) is not None,
                        f"SIGHUP, {what}: the error names the file")


def main():
    test_sighup_edges()
    test_sighup()
    test_mirror()
    T.finish()


if __name__ == "__main__":
    main()
