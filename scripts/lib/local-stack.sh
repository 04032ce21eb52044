# Shared by the benchmarks and scripts that run a private stack on loopback: a work folder removed at exit,
# free ports, a mosquitto from deploy/mosquitto.conf, and every process started stopped at exit.
# Source it from the repository root; it sets `work` and keeps the started pids in `pids`.

work="$(mktemp -d /tmp/cityfeeds-stack.XXXXXX)"
pids=()
stack_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stack_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_broker PORT: mosquitto on 127.0.0.1:PORT with the project's queue settings, persistence under $work.
start_broker() {
  mkdir -p "$work/broker"
  sed "s/^listener 1883 127.0.0.1/listener $1 127.0.0.1/" deploy/mosquitto.conf > "$work/broker/mosquitto.conf"
  printf '\npersistence_location %s/\nuser %s\n' "$work/broker" "$(id -un)" >> "$work/broker/mosquitto.conf"
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/broker/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  pids+=($!)
}

# wait_ready URL: until URL answers 2xx (10 s at most).
wait_ready() {
  for _ in $(seq 1 200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "no answer from $1" >&2
  return 1
}

# start_sample_daemon BIN BROKER_PORT HTTP_PORT SECONDS: cityfeedsd from BIN on the sample configuration, on the
# broker at BROKER_PORT and 127.0.0.1:HTTP_PORT (data under $work), ready; then SECONDS of simulated Biarritz
# traffic, after which the city is quiet (its documents change only with their ages and generation times).
start_sample_daemon() {
  "$1/cityfeedsd" run --config config/biarritz.toml --broker "mqtt://127.0.0.1:$2" --http "127.0.0.1:$3" \
    --data-dir "$work/data" --log-level warning >"$work/cityfeedsd.log" 2>&1 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$3/readyz" || { cat "$work/cityfeedsd.log"; return 1; }
  "$1/cityfeedsd" simulate --config config/biarritz.toml --broker "mqtt://127.0.0.1:$2" \
    --interval 0.1 --duration "$4" >"$work/simulator.log" 2>&1 || true
}

# start_nginx HTTP_DIRECTIVES: nginx as a city would run it on the daemon's machine (two workers, one per core;
# no access log), its files under $work/nginx, with HTTP_DIRECTIVES inside its `http` block.
start_nginx() {
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
user $(id -un);
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  $1
}
CONF
  nginx -c "$work/nginx/nginx.conf" &
  pids+=($!)
}
