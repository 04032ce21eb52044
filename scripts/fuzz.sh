#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, through Swift's -sanitize=fuzzer) of every payload codec and archive
# format, and of the HTTP query and body parsing.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 60
#
# Each target starts from the committed seeds (Fuzz/corpus/*: the bad-input corpus of the ingest tests and
# the API's hostile queries) and grows a working corpus in .build-fuzz/corpus (not committed). A crash leaves
# its input in Fuzz/crashes/ and fails the run: add the input to Fuzz/regressions/<target>/ (the test suite
# replays those) and fix the cause.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
scratch=.build-fuzz

echo "building the fuzz targets with -sanitize=fuzzer (release, in $scratch)"
for product in cityfeeds-fuzz-payloads cityfeeds-fuzz-requests; do
    swift build -c release --scratch-path "$scratch" --product "$product" \
        -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library >/dev/null
done
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"

mkdir -p Fuzz/crashes
status=0
for target in payloads requests; do
    corpus="$scratch/corpus/$target"
    mkdir -p "$corpus"
    echo "fuzzing $target for ${seconds}s"
    if ! "$bin/cityfeeds-fuzz-$target" "$corpus" "Fuzz/corpus/$target" "Fuzz/regressions/$target" \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="Fuzz/crashes/$target-" -print_final_stats=1 2>"$scratch/$target.log"; then
        echo "fuzzing $target found a failure:"
        tail -40 "$scratch/$target.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$scratch/$target.log" | sed "s/^/  $target /"
        echo "  $target corpus: $(ls "$corpus" | wc -l) inputs"
    fi
done
exit $status
