#!/usr/bin/env bash
# Event-to-alert latency benchmark (issue #6, DESIGN §9): an outfall's state change published on MQTT, timed
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

work="$(mktemp -d /tmp/cityfeeds-alert-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
broker_port="$(free_port)"
http_port="$(free_port)"

mkdir -p "$work/broker"
sed "s/^listener 1883 127.0.0.1/listener $broker_port 127.0.0.1/" deploy/mosquitto.conf > "$work/broker/mosquitto.conf"
printf '\npersistence_location %s/\nuser %s\n' "$work/broker" "${USER:-root}" >> "$work/broker/mosquitto.conf"
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/broker/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)

"$bin/cityfeedsd" run --config config/biarritz.toml --broker "mqtt://127.0.0.1:$broker_port" \
  --http "127.0.0.1:$http_port" --data-dir "$work/data" --log-level warning >"$work/cityfeedsd.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
  sleep 0.05
done
curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null || { cat "$work/cityfeedsd.log"; exit 1; }

"$bin/cityfeeds-bench-alerts" --broker "mqtt://127.0.0.1:$broker_port" --http "127.0.0.1:$http_port" \
  --log "$work/data/alerts.jsonl" "$@"
