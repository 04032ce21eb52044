# Shared by the benchmarks that drive wrk against the daemon (benchmarks/polling.sh, benchmarks/proxy-cache.sh):
# their options, wrk and nginx installed, and reading wrk's report. Source it from the repository root with the
# script's arguments; it sets `connections`, `duration`, `threads` and `path`.

connections=256; duration=10; threads=2; path=/v1/status
while [ $# -gt 0 ]; do
  case "$1" in
    --path) path="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk nginx-light; }
done

# run_wrk URL [wrk args…]: wrk with the options above; sets `rps`, `p99` (as wrk prints it), `p99_ms` and
# `non2xx` (empty when every answer was 2xx or 3xx).
run_wrk() {
  local url="$1"; shift
  local out; out="$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$@" "$url")"
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")"
  p99_ms="$(awk -v v="$p99" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else print v*1000 }')"
}
