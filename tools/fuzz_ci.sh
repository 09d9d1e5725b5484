#!/bin/bash
# Build a libFuzzer target with clang (ASan + UBSan) and fuzz it for a fixed
# time from its committed corpus: the CI's short fuzz run.
#
#   tools/fuzz_ci.sh pkt_view|classify [SECONDS]
#
# The build goes to ./build-fuzz (configured with CC=clang when it is not
# there yet; FUZZ_BUILD_DIR overrides). The fuzzer starts from
# tests/fuzz/corpus/<target> with a fixed -seed, writes what it finds to a
# fresh folder under the build folder (never into the repository) and stops
# after SECONDS (default FUZZ_SECONDS, else 60). Exit status: 0 when no
# crash, leak, timeout or sanitizer report; 1 otherwise, with the crashing
# input named and dumped (add it to tests/fuzz/corpus/<target> once fixed);
# 77 (skipped) when clang is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: fuzz_ci.sh pkt_view|classify [SECONDS]}
secs=${2:-${FUZZ_SECONDS:-60}}
bdir=${FUZZ_BUILD_DIR:-build-fuzz}
case "$target" in
	pkt_view) max_len=2048 ;;
	classify) max_len=4096 ;;
	*) echo "fuzz_ci: unknown target $target" >&2; exit 2 ;;
esac

if ! command -v clang >/dev/null; then
	echo "fuzz_ci: clang not installed (tools/install-deps.sh): skipped"
	exit 77
fi
# A folder configured with another compiler has no libFuzzer targets.
if [ -f "$bdir/build.ninja" ] &&
   ! grep -qE '^ command = clang(-[0-9]+)? ' "$bdir/build.ninja"; then
	echo "fuzz_ci: $bdir is not a clang build" >&2
	exit 1
fi
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" >"/tmp/fuzz_ci_setup.$$.log" 2>&1 || {
		cat "/tmp/fuzz_ci_setup.$$.log"; rm -f "/tmp/fuzz_ci_setup.$$.log"
		exit 1
	}
	rm -f "/tmp/fuzz_ci_setup.$$.log"
fi
if ! ninja -C "$bdir" "tests/fuzz/fuzz_$target" >"/tmp/fuzz_ci_build.$$.log" 2>&1; then
	tail -n 60 "/tmp/fuzz_ci_build.$$.log"; rm -f "/tmp/fuzz_ci_build.$$.log"
	echo "fuzz_ci: building fuzz_$target failed"
	exit 1
fi
rm -f "/tmp/fuzz_ci_build.$$.log"

work="$bdir/fuzz-ci/$target"
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
log="$work/fuzz.log"
set +e
# -error_exitcode: libFuzzer's default, 77, would read as "skipped" in meson.
"$bdir/tests/fuzz/fuzz_$target" -seed=1 -max_total_time="$secs" \
	-max_len="$max_len" -timeout=60 -rss_limit_mb=4096 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" \
	"$work/corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1
rc=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::number_of_executed_units|^Done' "$log" || true
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
	tail -n 60 "$log"
	for f in "$work"/artifacts/*; do
		[ -f "$f" ] || continue
		echo "fuzz_ci: input that failed: $f"
		od -An -tx1 -v "$f" | head -n 40
	done
	echo "fuzz_ci: fuzz_$target FAILED (rc $rc, log $log)"
	exit 1
fi
echo "fuzz_ci: fuzz_$target: ${secs}s from the committed corpus, no crash and no sanitizer report"
