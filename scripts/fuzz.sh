#!/usr/bin/env bash
# Fuzzes the state machine and the log's codecs with libFuzzer (clang's, in the Swift toolchain).
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags]
# Builds caravan-fuzz with -sanitize=fuzzer into .build-fuzz, copies the committed corpus
# (testdata/fuzz) into .build-fuzz/corpus, and runs for SECONDS (default 60) on every core.
# New inputs that reach new code are kept in .build-fuzz/corpus; a crashing input is written to
# .build-fuzz/crash-* and reproduces with: caravan-fuzz <file> (any build).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

# SwiftPM points main at the @main type and libFuzzer brings its own main: the linker keeps one
# (both run libFuzzer's driver, see Sources/CaravanFuzz).
flags=(-c release --product caravan-fuzz --scratch-path .build-fuzz
  -Xswiftc -sanitize=fuzzer -Xswiftc -DCARAVAN_LIBFUZZER -Xlinker --allow-multiple-definition)
swift build "${flags[@]}"
binary="$(swift build "${flags[@]}" --show-bin-path)/caravan-fuzz"

mkdir -p .build-fuzz/corpus
cp -n testdata/fuzz/* .build-fuzz/corpus/ 2>/dev/null || true
jobs="$(nproc)"
cd .build-fuzz
"$binary" -max_total_time="$seconds" -max_len=4096 -fork="$jobs" -print_final_stats=1 "$@" corpus
