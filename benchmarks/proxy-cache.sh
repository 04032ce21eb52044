#!/usr/bin/env bash
# Read capacity (issue #18): wrk through nginx configured as deploy/nginx-cityfeeds-cache.conf (a second of
# micro-caching, revalidation with ETags) against the same requests straight to cityfeedsd, in one run, while
# simulated Biarritz traffic keeps changing the documents. Prints requests/s and p99 for each, the ratio, and
# the daemon's CPU (from /proc) during each run. Release build, loopback only; nginx runs two workers, one per
# core, as a city would run it on the daemon's machine.
#   benchmarks/proxy-cache.sh [--path /v1/status] [--connections 256] [--duration 10] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/wrk.sh
swift build -c release --product cityfeedsd >/dev/null
bin="$(swift build -c release --show-bin-path)"

source scripts/lib/local-stack.sh
broker_port="$(free_port)"; http_port="$(free_port)"; cache_port="$(free_port)"
start_broker "$broker_port"
start_sample_daemon "$bin" "$broker_port" "$http_port" 5
daemon_pid="${pids[-1]}"
# Traffic all along: the documents change every second, so the cache refreshes them as it would in August.
"$bin/cityfeedsd" simulate --config config/biarritz.toml --broker "mqtt://127.0.0.1:$broker_port" \
  --interval 0.1 --duration 100000 >"$work/simulator-live.log" 2>&1 &
pids+=($!)

# The deploy file as it is, pointed at the daemon, with its cache and temporary files under $work.
mkdir -p "$work/nginx"
sed -e "s|/var/cache/nginx/cityfeeds|$work/nginx/cache|" -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$http_port;|" \
  -e "s|listen 80;|listen 127.0.0.1:$cache_port;|" deploy/nginx-cityfeeds-cache.conf > "$work/nginx/site.conf"
start_nginx "include $work/nginx/site.conf;"
wait_ready "http://127.0.0.1:$cache_port$path"
echo "document: $path, $(curl -fs "http://127.0.0.1:$http_port$path" | wc -c) bytes; wrk -t$threads -c$connections -d${duration}s"

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$daemon_pid/stat"; }
run() {  # run NAME URL: prints NAME req/s p99 daemon-CPU to stderr, "req/s p99-in-ms cpu-%" to stdout
  local name="$1" url="$2"
  local before after cpu
  before="$(cpu_ticks)"
  run_wrk "$url"
  after="$(cpu_ticks)"
  cpu="$(awk -v a="$before" -v b="$after" -v t="$ticks" -v d="$duration" 'BEGIN { printf "%.0f", (b - a) / t / d * 100 }')"
  printf '%-36s %12s req/s   p99 %9s   cityfeedsd CPU %4s %%   %s\n' "$name" "$rps" "$p99" "$cpu" \
    "${non2xx:+non-2xx/3xx: $non2xx}" >&2
  echo "$rps $p99_ms $cpu"
}

read -r direct direct_p99 direct_cpu <<<"$(run "straight to cityfeedsd" "http://127.0.0.1:$http_port$path")"
read -r cached cached_p99 cached_cpu <<<"$(run "through the nginx cache" "http://127.0.0.1:$cache_port$path")"
awk -v a="$cached" -v b="$direct" -v p="$cached_p99" -v q="$direct_p99" -v c="$cached_cpu" -v d="$direct_cpu" 'BEGIN {
  printf "through the cache / straight: %.2f× the requests/s; p99 %.2f ms vs %.2f ms; cityfeedsd CPU %d%% vs %d%%\n",
    a / b, p, q, c, d }'
