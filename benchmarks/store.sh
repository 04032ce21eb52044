#!/usr/bin/env bash
# TimeSeries benchmark (issue #4): append cost, memory per sample, range-query latency and the time to
# restore a store of 10 million readings, each beside a reference measured in the same run.
#   benchmarks/store.sh [--restore N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeeds-bench-store >/dev/null
exec "$(swift build -c release --show-bin-path)/cityfeeds-bench-store" "$@"
