#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nftdiff -- the forwarder against the kernel, frame by frame and counter by counter.

For one ruleset and input frames, compute
  * the kernel's result with the oracle (tests/oracle/kernel_oracle.py: veths in private
    namespaces, the ruleset loaded with nft, per-packet outputs, counters), and
  * the forwarder's result (build/dpdk-nft-fwd on net_pcap ports: one port per port name, rx_pcap
    = that port's input frames, tx_pcap per port, `-l 0,1` = one worker, --idle-exit,
    --stats-file),
and compare, per output port, the exact sequence of frames (bytes), and the counters (inline rule
counters by (table, chain, handle), named counters by (table, name), named quotas' `used`).

Several input ports: the kernel gets frames one by one in input order, the forwarder's worker
polls the ports round-robin, so the interleaving across input ports differs and stateful
statements (quota, limit) would see a different order.  nftdiff therefore SPLITS such a case:
one sub-case per input port (in order of first appearance), each with a fresh kernel ruleset and a
fresh forwarder run, the other ports' rx pcaps empty.  Every sub-case is compared exactly
(per output port sequence, per-packet attribution, counters).  The corpus uses one input port per
case anyway.

Per-packet attribution: with one input port the forwarder's output sequences are aligned with the
kernel's per-packet outputs; on a mismatch the first differing input packet is printed (index,
hex, scapy summary) with what the kernel did and what the forwarder did.

CLI:
    nftdiff.py --ruleset R.nft --ports eth0,eth1 [--pair a:b ...] --in eth0=in.pcap \\
        [--in eth1=b.pcap] [--mac eth0=02:..] [--keep DIR] [--bin PATH]
exit 0 equal, 1 different (a readable diff on stdout), 2 usage / set-up error, 77 when the
forwarder build cannot load rulesets yet.  Needs root.

Python:
    import nftdiff
    case = nftdiff.Case("name", ruleset_text, ["eth0", "eth1"], inputs=[("eth0", frame), ...])
    with nftdiff.Session(["eth0", "eth1"]) as s:        # one oracle for many cases
        res = s.diff(case)          # res.ok, res.report (text), res.kernel, res.forwarder
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
sys.dont_write_bytecode = True
import kernel_oracle as ko                                          # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_BIN = os.environ.get("NFTFWD_BIN") or os.path.join(REPO, "build", "dpdk-nft-fwd")
IDLE_EXIT_MS = int(os.environ.get("NFTDIFF_IDLE_EXIT_MS", "1000"))

NOT_IN_BUILD = "not part of this build yet"


class NotSupported(Exception):
    """The forwarder build cannot load rulesets (yet)."""


class Case:
    """A ruleset, its ports and the input frames [(port, frame_bytes)] in input order."""

    def __init__(self, name, ruleset, ports=("eth0", "eth1"), inputs=(), pairs=None, macs=None):
        self.name = name
        self.ruleset = ruleset
        self.ports = list(ports)
        self.pairs = pairs_list(self.ports, pairs)
        self.inputs = [(p, bytes(f)) for p, f in inputs]
        self.macs = dict(macs or {})

    def in_ports(self):
        seen = []
        for p, _ in self.inputs:
            if p not in seen:
                seen.append(p)
        return seen

    def split(self):
        """One sub-case per input port (see the module doc); the case itself when <= 1."""
        ins = self.in_ports()
        if len(ins) <= 1:
            return [self]
        return [Case(f"{self.name}[{p}]", self.ruleset, self.ports,
                     [(q, f) for q, f in self.inputs if q == p], self.pairs, self.macs)
                for p in ins]


def pairs_list(ports, pairs):
    """[(a, b)] for every port; defaults to consecutive ports as the forwarder does."""
    if not pairs:
        peers = ko.default_pairs(ports)
        out = []
        for a in ports:
            b = peers.get(a)
            if b is not None and (b, a) not in out:
                out.append((a, b))
        return out
    out = []
    for pr in pairs:
        a, b = pr.split(":", 1) if isinstance(pr, str) else pr
        out.append((a, b))
    return out


# --------------------------------------------------------------------------- describing frames

_scapy = None


def summary(frame):
    """scapy's one-line summary (falls back to the ethertype without scapy)."""
    global _scapy
    if _scapy is None:
        try:
            import logging
            logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
            from scapy.layers.l2 import Ether
            _scapy = Ether
        except Exception:                       # pragma: no cover - scapy is installed here
            _scapy = False
    if _scapy:
        try:
            return _scapy(frame).summary()
        except Exception as e:                  # malformed on purpose
            return f"(scapy: {e})"
    return f"ethertype 0x{frame[12:14].hex()}" if len(frame) >= 14 else "runt"


def hexs(frame, limit=96):
    h = frame.hex()
    return h if len(h) <= 2 * limit else h[:2 * limit] + f"... ({len(frame)} bytes)"


def byte_diff(want, got):
    """Where two frames first differ (kernel's `want`, forwarder's `got`)."""
    n = 0
    while n < len(want) and n < len(got) and want[n] == got[n]:
        n += 1
    if n == len(want) == len(got):
        return "(identical)"
    return (f"(first difference at byte {n}: kernel {want[n:n + 8].hex() or '<end>'}, "
            f"forwarder {got[n:n + 8].hex() or '<end>'}; lengths {len(want)}/{len(got)})")


def describe_out(frame, inframe):
    if frame == inframe:
        return "the input frame unchanged"
    return f"{len(frame)} bytes {summary(frame)} [{hexs(frame, 64)}]"


# --------------------------------------------------------------------------- the kernel side

class KernelResult:
    def __init__(self, raw, inputs):
        self.raw = raw
        # per input packet: [(port, frame)] in the kernel's order; None = not injectable
        self.packets = []
        self.refused = []
        for pk in raw["packets"]:
            if "error" in pk:
                self.packets.append(None)
                self.refused.append((pk["index"], pk["error"]))
            else:
                self.packets.append([(o["port"], bytes.fromhex(o["frame"]))
                                     for o in pk["outputs"]])
        self.complete = raw.get("complete", True)
        self.unattributed = raw.get("unattributed", [])
        self.counters = counters_from_oracle(raw)


def counters_from_oracle(raw):
    """{key: (packets, bytes) | used} in one namespace shared with the forwarder's keys."""
    c = {}
    for r in raw.get("rules", []):
        if r.get("counters"):
            c[("rule", r["table"], r["chain"], r["handle"])] = (r["packets"], r["bytes"])
    for n in raw.get("named_counters", []):
        c[("counter", n["table"], n["name"])] = (n["packets"], n["bytes"])
    for q in raw.get("quotas", []):
        c[("quota", q["table"], q["name"])] = q["used"]
    return c


# --------------------------------------------------------------------------- the forwarder side

class ForwarderResult:
    def __init__(self, per_port, stats, rc, stdout, stderr, elapsed):
        self.per_port = per_port        # {port: [frame]}
        self.stats = stats
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.counters = counters_from_stats(stats) if stats else None


def counters_from_stats(stats):
    rs = stats.get("ruleset")
    if rs is None:
        return None
    c = {}
    for r in rs.get("rules", []):
        c[("rule", r["table"], r["chain"], r["handle"])] = (r["packets"], r["bytes"])
    for n in rs.get("counters", []):
        c[("counter", n["table"], n["name"])] = (n["packets"], n["bytes"])
    for q in rs.get("quotas", []):
        c[("quota", q["table"], q["name"])] = q["used"]
    return c


_run_seq = 0


def run_forwarder(case, workdir, binary=DEFAULT_BIN, idle_exit_ms=IDLE_EXIT_MS, timeout=120,
                  extra_args=()):
    """Run the forwarder on net_pcap ports with the case's inputs; ForwarderResult."""
    global _run_seq
    _run_seq += 1
    rpath = os.path.join(workdir, "ruleset.nft")
    with open(rpath, "w") as f:
        f.write(case.ruleset)
    eal = ["--no-huge", "-m", "512", "--no-pci", "--file-prefix",
           f"nftdiff_{os.getpid()}_{_run_seq}", "--log-level", "lib.*:notice", "-l", "0,1"]
    app = []
    for i, p in enumerate(case.ports):
        rx = os.path.join(workdir, f"in-{p}.pcap")
        tx = os.path.join(workdir, f"fwd-{p}.pcap")
        ko.write_pcap(rx, [(1700000000.0 + k * 1e-6, fr)
                           for k, (q, fr) in enumerate(case.inputs) if q == p])
        if os.path.exists(tx):
            os.unlink(tx)
        eal += ["--vdev", f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}"]
        app += ["--port", f"{p}=net_pcap{i}"]
    for a, b in case.pairs:
        app += ["--pair", f"{a}:{b}"]
    for p, m in case.macs.items():
        app += ["--mac", f"{p}={m}"]
    spath = os.path.join(workdir, "stats.json")
    if os.path.exists(spath):
        os.unlink(spath)
    app += ["--idle-exit", str(idle_exit_ms), "-f", rpath, "--stats-file", spath]
    app += list(extra_args)
    # Offload runs: extra forwarder options, and a library (the emulated
    # rte_flow NIC) preloaded into the forwarder only.
    app += os.environ.get("NFTDIFF_FWD_ARGS", "").split()
    env = None
    if os.environ.get("NFTDIFF_FWD_PRELOAD"):
        env = dict(os.environ, LD_PRELOAD=os.environ["NFTDIFF_FWD_PRELOAD"])
    cmd = [binary] + eal + ["--"] + app
    with open(os.path.join(workdir, "fwd-cmd.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, env=env)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -1, (e.stdout or b"").decode(errors="replace"), \
            (e.stderr or b"").decode(errors="replace") + f"\n(timed out after {timeout} s)"
    elapsed = time.monotonic() - t0
    with open(os.path.join(workdir, "fwd-stdout.txt"), "w") as f:
        f.write(out)
    with open(os.path.join(workdir, "fwd-stderr.txt"), "w") as f:
        f.write(err)
    if rc != 0 and NOT_IN_BUILD in err:
        raise NotSupported(err.strip().splitlines()[-1])
    per_port = {}
    for port in case.ports:
        tx = os.path.join(workdir, f"fwd-{port}.pcap")
        per_port[port] = [fr for _, fr in ko.read_pcap(tx)] if os.path.exists(tx) else []
    stats = None
    if os.path.exists(spath):
        with open(spath) as f:
            try:
                stats = json.load(f)
            except ValueError:
                stats = None
    return ForwarderResult(per_port, stats, rc, out, err, elapsed)


# --------------------------------------------------------------------------- comparison

class DiffResult:
    def __init__(self, case):
        self.case = case
        self.ok = True
        self.lines = []
        self.kernel = None
        self.forwarder = None
        self.first_packet = None        # index of the first differing input packet
        self.kinds = set()              # "frames", "counters", "run", "kernel"

    def fail(self, kind, text):
        self.ok = False
        self.kinds.add(kind)
        self.lines.append(text)

    @property
    def report(self):
        return "\n".join(self.lines)


def compare(case, kr, fr, res=None):
    """Compare a KernelResult with a ForwarderResult; fills and returns a DiffResult."""
    res = res or DiffResult(case)
    res.kernel, res.forwarder = kr, fr
    if not kr.complete:
        res.fail("kernel", "kernel: a packet's barrier timed out (oracle result incomplete)")
    if kr.unattributed:
        res.fail("kernel", f"kernel: {len(kr.unattributed)} unattributed frames")
    if fr.rc != 0:
        err = [ln for ln in fr.stderr.strip().splitlines() if not ln.startswith(("EAL:", "TELEMETRY:"))]
        kind = "unsupported" if fr.rc == 2 and "not supported" in fr.stderr else "run"
        res.fail(kind, f"forwarder exited {fr.rc}:\n    " + "\n    ".join(err[-6:]))
        if fr.rc == 2:          # options / ruleset refused: it forwarded nothing, no point diffing
            return res
    inputs = [f for _, f in case.inputs]

    # Expected sequence per output port: [(owner packet index, frame)]
    expected = {p: [] for p in case.ports}
    for i, outs in enumerate(kr.packets):
        for port, frame in outs or []:
            expected.setdefault(port, []).append((i, frame))
    got = {p: list(fr.per_port.get(p, [])) for p in case.ports}

    # First divergence per port, mapped to an input packet.
    diverge = {}
    for port in case.ports:
        exp, g = expected.get(port, []), got.get(port, [])
        pos = 0
        while pos < len(exp) and pos < len(g) and exp[pos][1] == g[pos]:
            pos += 1
        if pos == len(exp) and pos == len(g):
            continue
        prev_owner = exp[pos - 1][0] if pos > 0 else -1
        owner = exp[pos][0] if pos < len(exp) else len(inputs)
        cand = owner
        if pos < len(g):
            # the forwarder's frame: an input frame (of a packet the kernel sent nothing out
            # of this port for) forwarded unchanged?  the previous output once more?
            for j in range(prev_owner + 1, owner):
                if inputs[j] == g[pos] and kr.packets[j] is not None:
                    cand = j
                    break
            else:
                if pos > 0 and g[pos] == exp[pos - 1][1]:
                    cand = prev_owner
                elif pos >= len(exp):
                    cand = min(prev_owner + 1, len(inputs) - 1) if inputs else 0
        diverge[port] = (cand, pos)
    if diverge:
        first = min(c for c, _ in diverge.values())
        res.first_packet = first
        lines = [f"frames differ on {', '.join(sorted(diverge))} "
                 f"(kernel / forwarder frames per port: "
                 + ", ".join(f"{p} {len(expected.get(p, []))}/{len(got.get(p, []))}"
                             for p in case.ports) + ")"]
        if 0 <= first < len(inputs):
            inp = inputs[first]
            lines.append(f"  first differing input packet #{first} on {case.inputs[first][0]}:"
                         f" {len(inp)} bytes")
            lines.append(f"    hex:   {hexs(inp)}")
            lines.append(f"    scapy: {summary(inp)}")
            kouts = kr.packets[first]
            if not kouts:
                lines.append("    kernel:    nothing (dropped)")
            else:
                for port, frame in kouts:
                    lines.append(f"    kernel:    out of {port}: {describe_out(frame, inp)}")
            fdesc = []
            for port in case.ports:
                if port not in diverge:
                    continue
                c, pos = diverge[port]
                exp, g = expected.get(port, []), got.get(port, [])
                if pos < len(g):
                    gf = g[pos]
                    later = [q for q in range(pos + 1, len(exp)) if exp[q][1] == gf]
                    if later and exp[later[0]][0] > c and c in [o for o, _ in exp[pos:later[0]]]:
                        fdesc.append(f"    forwarder: nothing out of {port} for #{c}: its next "
                                     f"frame there is packet #{exp[later[0]][0]}'s")
                        continue
                    if pos > 0 and gf == exp[pos - 1][1] and c == exp[pos - 1][0]:
                        fdesc.append(f"    forwarder: out of {port}, frame {pos}: the same frame "
                                     "once more")
                        continue
                    src = [j for j in range(len(inputs)) if inputs[j] == gf]
                    what = describe_out(gf, inp)
                    if src and gf != inp:
                        what += f" (= input #{src[0]} unchanged)"
                    fdesc.append(f"    forwarder: out of {port}, frame {pos}: {what}")
                else:
                    fdesc.append(f"    forwarder: out of {port}: nothing more after {pos} frames")
                if pos < len(exp):
                    fdesc.append(f"               (the kernel's frame {pos} out of {port} is "
                                 f"packet #{exp[pos][0]}'s: {describe_out(exp[pos][1], inputs[exp[pos][0]])})")
                if pos < len(exp) and pos < len(g):
                    fdesc.append("               " + byte_diff(exp[pos][1], g[pos]))
            lines += fdesc
        for port, (c, pos) in sorted(diverge.items()):
            lines.append(f"  {port}: sequences agree for {pos} frames, then differ "
                         f"(attributed to input #{c})")
        res.fail("frames", "\n".join(lines))

    # Counters
    if fr.rc == 0 or fr.stats is not None:
        kc = kr.counters
        fc = fr.counters
        if fc is None:
            if kc:
                res.fail("counters", f"counters: the forwarder's stats have no \"ruleset\" "
                         f"section; the kernel has {len(kc)} counters/quotas")
        else:
            bad = []
            for key in sorted(set(kc) | set(fc), key=str):
                k, f = kc.get(key), fc.get(key)
                if k != f:
                    bad.append(f"    {fmt_key(key)}: kernel {fmt_val(k)}, forwarder {fmt_val(f)}")
            if bad:
                res.fail("counters", "counters differ:\n" + "\n".join(bad))
    return res


def fmt_key(key):
    if key[0] == "rule":
        return f"rule {key[1]}/{key[2]} handle {key[3]}"
    return f"{key[0]} {key[1]}/{key[2]}"


def fmt_val(v):
    if v is None:
        return "absent"
    if isinstance(v, tuple):
        return f"{v[0]} packets {v[1]} bytes"
    return f"used {v}"


# --------------------------------------------------------------------------- sessions

def complete_checksums(oracle):
    """Turn tx checksum offload off on the oracle's port veths.

    The kernel builds some frames with CHECKSUM_PARTIAL (the IPv4 TCP reset of `reject with tcp
    reset`: only the pseudo-header sum is in the checksum field) and leaves the rest to the
    device; veth advertises checksum offload and never completes it, so the captured frame has
    a checksum no wire would carry.  With offload off, the kernel completes the checksum in
    software (validate_xmit_skb) as it would for a NIC without offload, and the frame is the
    one a NIC puts on the wire.  (This belongs in the oracle itself; done here until it is.)"""
    if getattr(oracle, "_nftdiff_csum_done", False):
        return
    for port in oracle.ports:
        p = oracle.dut.cmd(["ethtool", "-K", port, "tx", "off"], check=False)
        if p.returncode != 0:
            print(f"nftdiff: warning: ethtool -K {port} tx off failed ({p.stderr.strip()}): "
                  "kernel TCP resets will carry partial checksums", file=sys.stderr)
            break
    oracle._nftdiff_csum_done = True


class Session:
    """One oracle (namespaces built once) for many cases on the same ports/pairs/MACs."""

    def __init__(self, ports, pairs=None, macs=None, binary=DEFAULT_BIN, keep=None,
                 forwarder=True):
        self.ports = list(ports)
        self.pairs = pairs_list(self.ports, pairs)
        self.macs = dict(macs or {})
        self.binary = binary
        self.keep = keep
        self.forwarder = forwarder
        self.oracle = ko.Oracle(self.ports, self.pairs, self.macs)
        complete_checksums(self.oracle)
        self.kernel_s = 0.0
        self.forwarder_s = 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.oracle:
            self.oracle.close()
            self.oracle = None

    def kernel(self, case):
        t0 = time.monotonic()
        raw = self.oracle.run(case.ruleset, case.inputs, settle=0)
        self.kernel_s += time.monotonic() - t0
        return KernelResult(raw, case.inputs)

    def diff(self, case):
        """Compare one case (split per input port).  Raises NotSupported when the forwarder
        cannot load rulesets; ko.OracleError when nft refuses the ruleset."""
        if case.ports != self.ports or case.pairs != self.pairs or case.macs != self.macs:
            raise ValueError(f"{case.name}: ports/pairs/MACs differ from the session's")
        subs = case.split()
        total = DiffResult(case)
        total.subs = []
        for sub in subs:
            res = DiffResult(sub)
            res.subs = [res]
            total.subs.append(res)
            kr = self.kernel(sub)
            res.kernel = kr
            if not self.forwarder:
                if len(subs) == 1:
                    return res
                continue
            wd = tempfile.mkdtemp(prefix="nftdiff-")
            try:
                # Frames the kernel refused (AF_PACKET: < 14 bytes, > MTU) are not comparable:
                # the forwarder does not get them either.
                fsub = Case(sub.name, sub.ruleset, sub.ports,
                            [x for x, k in zip(sub.inputs, kr.packets) if k is not None],
                            sub.pairs, sub.macs)
                if len(fsub.inputs) != len(sub.inputs):
                    kr = _drop_refused(kr)
                t0 = time.monotonic()
                fr = run_forwarder(fsub, wd, self.binary)
                self.forwarder_s += time.monotonic() - t0
                compare(fsub, kr, fr, res)
                if self.keep:
                    _keep(wd, self.keep, sub, kr)
            finally:
                shutil.rmtree(wd, ignore_errors=True)
            if len(subs) == 1:
                return res
            if not res.ok:
                total.ok = False
                total.kinds |= res.kinds
                total.lines.append(f"[{sub.name}]")
                total.lines += res.lines
            total.kernel, total.forwarder = res.kernel, res.forwarder
        return total


def _drop_refused(kr):
    kr2 = KernelResult.__new__(KernelResult)
    kr2.__dict__.update(kr.__dict__)
    kr2.packets = [p for p in kr.packets if p is not None]
    return kr2


def _keep(wd, keep, case, kr):
    d = os.path.join(keep, case.name.replace("/", "_").replace("[", "_").replace("]", ""))
    os.makedirs(d, exist_ok=True)
    for n in os.listdir(wd):
        shutil.copy(os.path.join(wd, n), d)
    raw = {k: v for k, v in kr.raw.items() if not k.startswith("_")}
    with open(os.path.join(d, "kernel-result.json"), "w") as f:
        json.dump(raw, f, indent=1)
    ko.write_outputs(kr.raw, os.path.join(d, "kernel"))


# --------------------------------------------------------------------------- CLI

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ruleset", required=True)
    ap.add_argument("--ports", required=True, help="eth0,eth1,...")
    ap.add_argument("--pair", action="append", default=[], help="A:B (repeatable)")
    ap.add_argument("--in", dest="inputs", action="append", default=[], metavar="PORT=PCAP")
    ap.add_argument("--mac", action="append", default=[], metavar="PORT=MAC")
    ap.add_argument("--keep", help="keep pcaps, stats and the kernel's result here")
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("nftdiff: needs root", file=sys.stderr)
        return 2
    ports = [p for p in a.ports.split(",") if p]
    spec = []
    for s in a.inputs:
        port, _, path = s.partition("=")
        if port not in ports or not path:
            print(f"nftdiff: --in {s}: PORT=PCAP with PORT in --ports", file=sys.stderr)
            return 2
        spec.append((port, path))
    macs = dict(s.split("=", 1) for s in a.mac)
    try:
        inputs = [(p, f) for p, f, *_ in ko.inputs_from_pcaps(spec)]
        with open(a.ruleset) as f:
            text = f.read()
        case = Case(os.path.basename(a.ruleset), text, ports, inputs, a.pair or None, macs)
        with Session(ports, a.pair or None, macs, a.bin, a.keep) as s:
            res = s.diff(case)
    except NotSupported as e:
        print(f"nftdiff: the forwarder cannot load rulesets: {e}", file=sys.stderr)
        return 77
    except (ko.OracleError, OSError, ValueError) as e:
        print(f"nftdiff: {e}", file=sys.stderr)
        return 2
    if res.ok:
        print(f"nftdiff: equal ({len(inputs)} packets, "
              f"{sum(len(v) for v in res.forwarder.per_port.values())} frames out, "
              f"{len(res.kernel.counters)} counters)")
        return 0
    print(f"nftdiff: {case.name}: DIFFERENT")
    print(res.report)
    return 1


if __name__ == "__main__":
    sys.exit(main())
