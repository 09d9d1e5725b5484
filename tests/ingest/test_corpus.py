#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Corpus test: every tests/ingest/corpus/*.nft is loaded by the nft reader
(ingest-tool load) and
  1. its IR (JSON, generation left out) must equal FILE.json exactly,
  2. its IR text rendering must equal FILE.txt exactly,
  3. its IR text rendering must say what `nft list ruleset` says for the
     same file, loaded by nft in a namespace of our own (nftnorm).
usage: test_corpus.py INGEST_TOOL CORPUS_DIR [--update] [NAME...]
--update rewrites FILE.json and FILE.txt (review the diff before commit!).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nftnorm  # noqa: E402

PORTS = ['eth0', 'eth1']


def nft_list(path):
    script = ''.join(f'ip link add {p} type ifb || exit 99; ' for p in PORTS)
    script += f'nft -f "{path}" && nft list ruleset'
    r = subprocess.run(['unshare', '-n', 'sh', '-c', script],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'nft failed on {path}: {r.stderr}')
    return r.stdout


def tool(exe, path, *args):
    r = subprocess.run([exe, 'load', path, ','.join(PORTS), *args],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'ingest-tool failed on {path} ({r.returncode}): {r.stderr}')
    return r.stdout


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    update = '--update' in sys.argv[3:]
    only = [a for a in sys.argv[3:] if not a.startswith('--')]
    files = sorted(f for f in os.listdir(corpus) if f.endswith('.nft'))
    if only:
        files = [f for f in files if f[:-4] in only]
    if not files:
        print('no corpus files')
        return 1
    failures = 0
    for f in files:
        path = os.path.join(corpus, f)
        base = path[:-4]
        try:
            js = json.loads(tool(exe, path, '--json'))
            js.pop('generation', None)
            text = tool(exe, path, '--text')
            listed = nft_list(path)
        except RuntimeError as e:
            print(f'FAIL {f}: {e}')
            failures += 1
            continue
        js_text = json.dumps(js, indent=2, sort_keys=True) + '\n'
        if update:
            with open(base + '.json', 'w') as o:
                o.write(js_text)
            with open(base + '.txt', 'w') as o:
                o.write(text)
        problems = []
        try:
            with open(base + '.json') as i:
                if i.read() != js_text:
                    problems.append('IR JSON differs from ' + os.path.basename(base) + '.json')
            with open(base + '.txt') as i:
                if i.read() != text:
                    problems.append('IR text differs from ' + os.path.basename(base) + '.txt')
        except FileNotFoundError as e:
            problems.append(f'missing expected file: {e.filename}')
        # dormant tables are not in the IR by design
        d = nftnorm.diff(nftnorm.drop_dormant(nftnorm.normalise(listed)),
                         nftnorm.normalise(text), 'nft', 'ir')
        if d:
            problems.append('IR text differs from `nft list ruleset`:\n' + '\n'.join(d))
        if problems:
            failures += 1
            print(f'FAIL {f}:')
            for p in problems:
                print('  ' + p.replace('\n', '\n  '))
        else:
            print(f'ok   {f}')
    print(f'{len(files) - failures}/{len(files)} corpus files pass')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
