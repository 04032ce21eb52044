#!/usr/bin/env bash
# Alert-stream soak (not a timed test: a run on demand): 2,000 SSE clients, 1,800 of which never read, against
# live alerts from MQTT. Prints resident memory over time, the readers' delivery latency (goal: p99 under
# 100 ms), how many stalled clients were cut, and how long SIGTERM takes with them connected.
#   benchmarks/stream-soak.sh [--clients N] [--readers N] [--seconds S] [--rate CHANGES_PER_SECOND]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeedsd >/dev/null
bin="$(swift build -c release --show-bin-path)"

source scripts/lib/local-stack.sh
broker_port="$(free_port)"
http_port="$(free_port)"
start_broker "$broker_port"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

"$bin/cityfeedsd" run --config config/biarritz.toml --broker "mqtt://127.0.0.1:$broker_port" \
  --http "127.0.0.1:$http_port" --data-dir "$work/data" --log-level warning >"$work/cityfeedsd.log" 2>&1 &
daemon=$!
pids+=($daemon)
wait_ready "http://127.0.0.1:$http_port/readyz" || { cat "$work/cityfeedsd.log"; exit 1; }

python3 benchmarks/stream_soak.py --http "127.0.0.1:$http_port" --broker-port "$broker_port" --pid "$daemon" "$@"
