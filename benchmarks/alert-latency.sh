#!/usr/bin/env bash
# Event-to-alert latency benchmark (issue #6): an outfall's state change published on MQTT, timed
# until the alert transition arrives on GET /v1/alerts/stream (and checked in the JSON Lines log), beside the
# broker's own publish-to-subscriber round trip measured in the same run. Release build, Biarritz config,
# durability as configured (full: every reading and every transition fsync'd before the event goes out).
#   benchmarks/alert-latency.sh [--count N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeedsd >/dev/null
swift build -c release --product cityfeeds-bench-alerts >/dev/null
bin="$(swift build -c release --show-bin-path)"

source scripts/lib/local-stack.sh
broker_port="$(free_port)"
http_port="$(free_port)"
start_broker "$broker_port"

"$bin/cityfeedsd" run --config config/biarritz.toml --broker "mqtt://127.0.0.1:$broker_port" \
  --http "127.0.0.1:$http_port" --data-dir "$work/data" --log-level warning >"$work/cityfeedsd.log" 2>&1 &
pids+=($!)

wait_ready "http://127.0.0.1:$http_port/readyz" || { cat "$work/cityfeedsd.log"; exit 1; }

"$bin/cityfeeds-bench-alerts" --broker "mqtt://127.0.0.1:$broker_port" --http "127.0.0.1:$http_port" \
  --log "$work/data/alerts.jsonl" "$@"
