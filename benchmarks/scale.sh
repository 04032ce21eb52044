#!/usr/bin/env bash
# Scale benchmark (issue #16): builds the release binaries, then generates cities of 1x, 10x, 100x and 1000x
# the sample and prints, per size, memory (bound, estimate, use), start-up, the ingest ratio to mosquitto_sub,
# bytes written and CPU per reading, and the polled documents' size and times, as one table.
#   benchmarks/scale.sh [--sizes 1,10,100,1000] [--count 200000] [--json results.json]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeedsd >/dev/null
swift build -c release --product cityfeeds-loadgen >/dev/null
exec python3 benchmarks/scale.py --bin "$(swift build -c release --show-bin-path)" "$@"
