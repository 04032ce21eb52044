#!/usr/bin/env bash
# Ingest throughput benchmark (issue #3): builds the release binaries, then measures how fast
# cityfeedsd and mosquitto_sub drain the same broker and traffic, and prints both and their ratio.
#   benchmarks/ingest-throughput.sh [--count N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeedsd >/dev/null
swift build -c release --product cityfeeds-loadgen >/dev/null
exec python3 benchmarks/ingest_throughput.py --bin "$(swift build -c release --show-bin-path)" "$@"
