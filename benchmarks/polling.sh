#!/usr/bin/env bash
# Polling benchmark (issue #7): wrk against a polled document of cityfeedsd (release build, Biarritz
# config with simulated traffic; GET /v1/status by default, or --path, e.g. /v1/districts/centre) and against
# nginx serving the same bytes as a static file, in one run: plain GETs, then GETs that revalidate with the
# last ETag seen (If-None-Match, as polling apps do). Prints requests/s and p99 for each and the ratios
# cityfeedsd / nginx. Loopback only.
#   benchmarks/polling.sh [--path /v1/status] [--connections 256] [--duration 10] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/wrk.sh
swift build -c release --product cityfeedsd >/dev/null
bin="$(swift build -c release --show-bin-path)"

source scripts/lib/local-stack.sh
broker_port="$(free_port)"; http_port="$(free_port)"; nginx_port="$(free_port)"
mkdir -p "$work/www"
start_broker "$broker_port"
# Realistic content: a few seconds of simulated Biarritz traffic, then a quiet city.
start_sample_daemon "$bin" "$broker_port" "$http_port" 5
curl -fs "http://127.0.0.1:$http_port$path" -o "$work/www/status.json"

# nginx in front of static files, as a city would run it.
start_nginx "etag on; types { application/json json; }
  server { listen 127.0.0.1:$nginx_port; root $work/www; location / { add_header Cache-Control \"public, max-age=1\"; } }"
wait_ready "http://127.0.0.1:$nginx_port/status.json"
echo "document: $path, $(wc -c < "$work/www/status.json") bytes; wrk -t$threads -c$connections -d${duration}s"

run() {  # run NAME URL [wrk args…]: prints NAME req/s p99 to stderr, "req/s p99-in-ms" to stdout
  local name="$1" url="$2"; shift 2
  run_wrk "$url" "$@"
  printf '%-44s %12s req/s   p99 %9s   %s\n' "$name" "$rps" "$p99" "${non2xx:+non-2xx/3xx: $non2xx}" >&2
  echo "$rps $p99_ms"
}

read -r nginx_plain _ <<<"$(run "nginx, static file" "http://127.0.0.1:$nginx_port/status.json")"
read -r daemon_plain daemon_plain_p99 <<<"$(run "cityfeedsd GET $path" "http://127.0.0.1:$http_port$path")"
read -r nginx_revalidate _ <<<"$(run "nginx, revalidating (If-None-Match)" "http://127.0.0.1:$nginx_port/status.json" -s benchmarks/revalidate.lua)"
read -r daemon_revalidate daemon_revalidate_p99 <<<"$(run "cityfeedsd, revalidating (If-None-Match)" "http://127.0.0.1:$http_port$path" -s benchmarks/revalidate.lua)"
awk -v a="$daemon_plain" -v b="$nginx_plain" -v c="$daemon_revalidate" -v d="$nginx_revalidate" \
    -v p="$daemon_plain_p99" -v q="$daemon_revalidate_p99" -v n="$connections" 'BEGIN {
  printf "ratio cityfeedsd / nginx: plain %.2f, revalidating %.2f (goal: at least 0.5)\n", a / b, c / d
  printf "cityfeedsd p99: plain %.2f ms, revalidating %.2f ms at %d connections (goal: under 10 ms)\n", p, q, n }'
