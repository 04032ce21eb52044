#!/usr/bin/env bash
# The public page's weight and server time (issue #17): the release daemon on the sample configuration with a
# few seconds of simulated traffic, then, for each page, its size as sent (plain and gzipped), what a first view
# transfers (the page, its style sheet and script, gzipped), and the median time of 50 requests from curl on
# loopback, beside the median time of /healthz (the smallest answer) measured in the same run.
#   benchmarks/page-weight.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cityfeedsd >/dev/null
bin="$(swift build -c release --show-bin-path)"
source scripts/lib/local-stack.sh
broker_port="$(free_port)"; http_port="$(free_port)"
start_broker "$broker_port"
start_sample_daemon "$bin" "$broker_port" "$http_port" 3
base="http://127.0.0.1:$http_port"

median_ms() {  # median_ms URL: the median of 50 requests' total time, in ms
  for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept-Encoding: gzip' "$1"; done |
    sort -n | awk '{ t[NR] = $1 } END { printf "%.2f", t[int((NR + 1) / 2)] * 1000 }'
}
size() { curl -s "$@" | wc -c; }

reference="$(median_ms "$base/healthz")"
assets=$(( $(size -H 'Accept-Encoding: gzip' "$base/assets/page.css") + $(size -H 'Accept-Encoding: gzip' "$base/assets/live.js") ))
printf '%-34s %9s %9s %12s %10s %8s\n' "page" "bytes" "gzipped" "first view" "median" "ratio"
for path in "/" "/?lang=en" "/?near=centre&free=1&height=2.10" "/beaches/grande-plage" "/parking/casino"; do
  plain="$(size "$base$path")"
  zipped="$(size -H 'Accept-Encoding: gzip' "$base$path")"
  ms="$(median_ms "$base$path")"
  printf '%-34s %9d %9d %12d %8s ms %8.1f\n' "$path" "$plain" "$zipped" "$((zipped + assets))" "$ms" \
    "$(awk -v a="$ms" -v b="$reference" 'BEGIN { print a / b }')"
done
echo "(first view: the page gzipped plus page.css and live.js gzipped, $assets bytes; reference: /healthz, median $reference ms)"
