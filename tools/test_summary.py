#!/usr/bin/python3
"""Count meson's test results (testlog.json, one JSON object per line) and
print 'N passed, N failed, N skipped'; exit 1 when anything failed or
nothing ran."""

import json
import sys

OK = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}


def main(path):
    passed = failed = skipped = 0
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                res = r.get("result")
                if res in OK:
                    passed += 1
                elif res in SKIP:
                    skipped += 1
                else:
                    failed += 1
                    print(f"failed: {r.get('name')} ({res})")
    except FileNotFoundError:
        print(f"no test log at {path}: the build or meson test did not run")
        failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
