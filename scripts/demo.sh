#!/usr/bin/env bash
# Brings up the whole thing on this machine: a private mosquitto on loopback, cityfeedsd on the Biarritz
# sample configuration, and the traffic simulator. Ctrl-C stops all three.
#
#   scripts/demo.sh [CONFIG]        (default: config/biarritz.toml)
#
# Everything it writes goes under run/ (broker persistence, the daemon's SQLite store, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
config=${1:-config/biarritz.toml}

scripts/install-deps.sh
echo "building cityfeedsd (the first build takes a few minutes)..."
swift build --product cityfeedsd
binary=$(swift build --show-bin-path)/cityfeedsd

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port_is_free() {
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) else 1)"
}
wait_for() {  # wait_for URL-or-port seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    if [[ $1 == http* ]]; then curl -fs "$1" >/dev/null 2>&1 && return 0
    else ! port_is_free "$1" && return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

mkdir -p run/broker run/logs

# An operator token for the write endpoints and the operator commands: a random one, readable by this user
# only, named by the configuration the demo runs on (a copy of the sample with `operator_token_file` set).
if [ ! -s run/operator-token ]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > run/operator-token)
fi
if [ "$config" = config/biarritz.toml ]; then
  sed -e '/^\[http\]$/a operator_token_file = "operator-token"' config/biarritz.toml > run/biarritz.toml
  config=run/biarritz.toml
fi
broker_port=$(free_port)
http_port=8080
port_is_free $http_port || http_port=$(free_port)

sed -e "s/^listener 1883 127.0.0.1$/listener $broker_port 127.0.0.1/" deploy/mosquitto.conf > run/broker/mosquitto.conf
echo "persistence_location $root/run/broker/" >> run/broker/mosquitto.conf
# Started as root, mosquitto would switch to the 'mosquitto' user, who cannot write under run/.
echo "user $(id -un)" >> run/broker/mosquitto.conf

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mosquitto -c run/broker/mosquitto.conf > run/logs/mosquitto.log 2>&1 &
pids+=($!)
wait_for "$broker_port" 10

"$binary" run --config "$config" --broker "mqtt://127.0.0.1:$broker_port" --http "127.0.0.1:$http_port" \
  > run/logs/cityfeedsd.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$http_port/healthz" 30

"$binary" simulate --config "$config" --broker "mqtt://127.0.0.1:$broker_port" > run/logs/simulator.log 2>&1 &
pids+=($!)

cat <<MSG

  cityfeedsd is running on the Biarritz sample config, with simulated traffic (a day every 10 minutes).

    Status:    http://127.0.0.1:$http_port/v1/status
    Parking:   curl -s http://127.0.0.1:$http_port/v1/parking
    Beaches:   curl -s http://127.0.0.1:$http_port/v1/beaches
    Ingest:    curl -s http://127.0.0.1:$http_port/v1/ingest
    Alerts:    $binary alerts --url http://127.0.0.1:$http_port --follow
               (the simulated storm starts about 5 minutes in: rain at 20:00, overflows 21:00-22:30)
    Alert log: tail -f run/data/alerts.jsonl
    Operator:  $binary alerts ack ID --reason "crew on the way" --config $config
               $binary beach close port-vieux --reason "Sewage discharge" --config $config
               (the token is in run/operator-token; the API takes it as Authorization: Bearer)

  Broker: mqtt://127.0.0.1:$broker_port   Logs: run/logs/   Ctrl-C stops everything.

MSG
wait "${pids[@]}"
