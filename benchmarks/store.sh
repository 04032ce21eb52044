#!/usr/bin/env bash
# TimeSeries benchmark (issue #4): append cost, memory per sample, range-query latency and the time to
# restore a store of 10 million readings, each beside a reference measured in the same run; then heap
# allocations per append, counted by valgrind's DHAT as the difference between two runs (20,000 and 40,000
# readings), so that start-up allocations cancel out.
#   benchmarks/store.sh [--restore N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v valgrind >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq valgrind; }
swift build -c release --product cityfeeds-bench-store >/dev/null
bench="$(swift build -c release --show-bin-path)/cityfeeds-bench-store"
"$bench" "$@"

blocks() {  # total heap blocks allocated while appending $1 readings
  valgrind --tool=dhat --dhat-out-file=/dev/null "$bench" --append-only "$1" 2>&1 |
    sed -n 's/.*Total: *[0-9,]* bytes in \([0-9,]*\) blocks.*/\1/p' | tr -d ,
}
small=$(blocks 20000)
large=$(blocks 40000)
echo "allocations: $small heap blocks for 20,000 appends, $large for 40,000 (valgrind DHAT)"
awk -v a="$small" -v b="$large" 'BEGIN { printf "  per appended reading (difference)  %.2f allocations\n", (b - a) / 20000 }'
