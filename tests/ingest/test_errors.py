#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Error tests: each broken ruleset must fail with its own error, and the
host's network namespace must be left as it was.
usage: test_errors.py INGEST_TOOL ERRORS_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

PORTS = 'eth0,eth1'
failures = []


def load(exe, path):
    r = subprocess.run([exe, 'load', path, PORTS], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def nft_stderr(path):
    """nft's own message for the file, in a namespace with the same ports."""
    script = 'ip link add eth0 type ifb; ip link add eth1 type ifb; nft -f "%s"' % path
    r = subprocess.run(['unshare', '-n', 'sh', '-c', script], capture_output=True, text=True)
    return r.returncode, r.stderr


def check(name, cond, detail=''):
    if cond:
        print(f'ok   {name}')
    else:
        print(f'FAIL {name}: {detail}')
        failures.append(name)


def host_state():
    links = subprocess.run(['ip', '-o', 'link'], capture_output=True, text=True).stdout
    links = re.sub(r'\s+(link/\S+ \S+ brd \S+|qlen \d+)', '', links)
    rules = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True).stdout
    ns = sorted(os.listdir('/run/netns')) if os.path.isdir('/run/netns') else []
    return [l.split('@')[0].split(':')[1].strip() for l in links.splitlines()], rules, ns


def main():
    exe, errs = sys.argv[1], sys.argv[2]
    before = host_state()

    # syntax error: nft's message reaches the caller verbatim
    path = os.path.join(errs, 'syntax.nft')
    rc, _, err = load(exe, path)
    nrc, nerr = nft_stderr(path)
    check('syntax: exit 2', rc == 2, f'rc={rc} {err}')
    check('syntax: nft stderr verbatim', nrc != 0 and nerr and nerr in err,
          f'nft said:\n{nerr}\nwe said:\n{err}')

    # an interface nft cannot resolve: also nft's error
    path = os.path.join(errs, 'noiface.nft')
    rc, _, err = load(exe, path)
    nrc, nerr = nft_stderr(path)
    check('iif on a missing port: nft error', rc == 2 and nerr in err and
          'Interface does not exist' in err, f'rc={rc} {err}')

    # unsupported expression: table, chain, handle, rule text, expression
    path = os.path.join(errs, 'unsupported.nft')
    rc, out, err = load(exe, path)
    m = re.search(r'table netdev t chain c rule handle (\d+): expression \'exthdr\'', err)
    check('unsupported: exit 3', rc == 3, f'rc={rc}')
    check('unsupported: names table, chain, handle, expression', m is not None, err)
    check('unsupported: names the rule as nft prints it',
          'rule: tcp option maxseg size 1400 accept' in err, err)
    check('unsupported: no IR printed', out == '', out)

    # more expressions the IR cannot hold, one rule each
    for rule, expr in [
        ('notrack', 'notrack'),
        ('meta mark set numgen inc mod 2', 'numgen'),
        ('meta mark set jhash ip saddr mod 4', 'hash'),
        ('meta cpu 1 drop', 'meta'),
        ('meta random > 100 drop', 'meta'),
        ('meta priority set 1', 'meta'),
        ('iifgroup 1 drop', 'meta'),
        ('fib daddr type local accept', 'fib'),
        ('add @dyn { ip saddr }', 'dynset'),
        ('counter name ip saddr map { 1.2.3.4 : "cnt1" }', 'objref'),
    ]:
        with tempfile.NamedTemporaryFile('w', suffix='.nft', delete=False) as f:
            f.write('table netdev t {\n\tcounter cnt1 {\n\t}\n\n'
                    '\tset dyn {\n\t\ttype ipv4_addr\n\t\tflags dynamic\n\t}\n\n'
                    '\tchain c {\n\t\ttype filter hook ingress device eth0 priority 0; policy accept;\n'
                    f'\t\t{rule}\n\t}}\n}}\n')
            tmp = f.name
        rc, out, err = load(exe, tmp)
        os.unlink(tmp)
        ok = (rc == 3 and f"expression '{expr}'" in err and 'rule handle' in err
              and 'rule: ' in err and out == '')
        check(f'unsupported: {rule}', ok, f'rc={rc} {err}')

    # ct: the kernel refuses it in netdev here, or we do; an error either way
    path = os.path.join(errs, 'ct.nft')
    rc, out, err = load(exe, path)
    check('ct state: an error, no IR', rc in (2, 3) and out == '' and
          ('ct' in err), f'rc={rc} {err}')

    # base chain on a device that is not a port
    path = os.path.join(errs, 'nodev.nft')
    rc, out, err = load(exe, path)
    check('missing device: exit 3 naming the device',
          rc == 3 and 'device eth9 is not a port' in err and 'chain c' in err,
          f'rc={rc} {err}')

    # non-netdev table
    path = os.path.join(errs, 'inet.nft')
    rc, out, err = load(exe, path)
    check('non-netdev table: exit 3 naming table and family',
          rc == 3 and 'table inet x' in err and 'netdev' in err, f'rc={rc} {err}')

    # missing file, bad port names
    rc, out, err = load(exe, os.path.join(errs, 'does-not-exist.nft'))
    check('missing file: error', rc == 3 and 'cannot read' in err, err)
    r = subprocess.run([exe, 'load', os.path.join(errs, 'inet.nft'), 'eth0,eth0'],
                       capture_output=True, text=True)
    check('duplicate port: error', r.returncode == 3 and 'twice' in r.stderr, r.stderr)

    after = host_state()
    check('host namespace untouched (links, ruleset, named netns)', before == after,
          f'before={before}\nafter={after}')
    print(f'{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
