#!/bin/bash
# The whole test suite: installs dependencies, builds, runs every test and
# ends with the line "N passed, N failed, N skipped".  Exit 0 only when
# nothing failed.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
rm -f build/meson-logs/testlog.json
set +e
meson test -C build --print-errorlogs "$@"
set -e
exec /usr/bin/python3 tools/test_summary.py build/meson-logs/testlog.json
