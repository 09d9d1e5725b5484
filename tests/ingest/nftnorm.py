# SPDX-License-Identifier: BSD-3-Clause
"""Normalise `nft list ruleset` text (and the IR printer's nft-like text) so
that the two can be compared: same tables, chains, rules in the same order,
same sets, maps and objects, same values.

What is normalised away (presentation only, never a value):
  - `# handle N` comments and blank lines,
  - nft's line wrapping of long element lists, runs of white space,
  - the order of elements inside `{ ... }` (sets are unordered),
  - the order of blocks (objects, sets, chains) inside a table.
Rules keep their order and every token.
"""
import re

_HANDLE = re.compile(r'\s*# handle \d+\s*$')
_BRACES = re.compile(r'\{ ([^{}]*) \}')


def _join_lines(text):
    out, buf = [], ''
    for raw in text.split('\n'):
        line = _HANDLE.sub('', raw).strip()
        if not line and not buf:
            continue
        buf = f'{buf} {line}'.strip() if buf else line
        if buf.endswith(','):
            continue
        out.append(re.sub(r'\s+', ' ', buf))
        buf = ''
    if buf:
        out.append(re.sub(r'\s+', ' ', buf))
    return out


def _sort_braces(line):
    def repl(m):
        items = [i.strip() for i in m.group(1).split(',')]
        return '{ ' + ', '.join(sorted(items)) + ' }'
    return _BRACES.sub(repl, line)


def normalise(text):
    """{table header: {block header: [lines]}}"""
    tables, stack = {}, []
    for line in _join_lines(text):
        if line.endswith('{') and not line.startswith('elements'):
            stack.append(line[:-1].strip())
            if len(stack) == 1:
                tables.setdefault(stack[0], {})
            elif len(stack) == 2:
                tables[stack[0]].setdefault(stack[1], [])
            continue
        if line == '}':
            if stack:
                stack.pop()
            continue
        if len(stack) == 2:
            tables[stack[0]][stack[1]].append(_sort_braces(line))
        elif len(stack) == 1:
            # table-level statements (flags ...)
            tables[stack[0]].setdefault('', []).append(line)
    return tables


def diff(a, b, name_a='a', name_b='b'):
    """Human-readable differences between two normalised rulesets; [] if equal."""
    out = []
    for t in sorted(set(a) | set(b)):
        if t not in a or t not in b:
            out.append(f'{t}: only in {name_a if t in a else name_b}')
            continue
        for blk in sorted(set(a[t]) | set(b[t])):
            la, lb = a[t].get(blk), b[t].get(blk)
            if la is None or lb is None:
                out.append(f'{t} / {blk}: only in {name_a if la is not None else name_b}')
                continue
            for i in range(max(len(la), len(lb))):
                x = la[i] if i < len(la) else '<none>'
                y = lb[i] if i < len(lb) else '<none>'
                if x != y:
                    out.append(f'{t} / {blk} line {i + 1}:\n  {name_a}: {x}\n  {name_b}: {y}')
    return out


def drop_dormant(tables):
    """Tables with `flags dormant` removed (they never reach the IR)."""
    return {t: b for t, b in tables.items() if 'flags dormant' not in b.get('', [])}
