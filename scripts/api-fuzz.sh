#!/usr/bin/env bash
# Property-based API testing with schemathesis (PyPI) against the live daemon, driven by /openapi.json:
# every operation with generated inputs, every check (status codes, content types, response schemas,
# server errors, ...). Exits non-zero on any failure. Loopback only; everything started here is stopped.
#   scripts/api-fuzz.sh [--max-examples N]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
examples=50
[ "${1:-}" = "--max-examples" ] && examples="$2"

scripts/install-deps.sh
venv="${CITYFEEDS_VENV:-$root/.venv-api}"
[ -x "$venv/bin/schemathesis" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'schemathesis>=4,<5'; }
swift build --product cityfeedsd >/dev/null
binary="$(swift build --show-bin-path)/cityfeedsd"

source scripts/lib/local-stack.sh
broker_port="$(free_port)"
http_port="$(free_port)"
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
start_broker "$broker_port"

# The sample configuration with an operator token, so the write endpoints are exercised too.
printf '%s\n' "$token" > "$work/token"
sed "s|^\[http\]|[http]\noperator_token_file = \"$work/token\"|" config/biarritz.toml > "$work/city.toml"
grep -q operator_token_file "$work/city.toml" || printf '\n[http]\noperator_token_file = "%s"\n' "$work/token" >> "$work/city.toml"
"$binary" run --config "$work/city.toml" --broker "mqtt://127.0.0.1:$broker_port" --http "127.0.0.1:$http_port" \
  --data-dir "$work/data" --log-level warning >"$work/cityfeedsd.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$http_port/readyz" || { cat "$work/cityfeedsd.log"; exit 1; }

# Some traffic, so documents have content: a short burst of the simulator.
"$binary" simulate --config config/biarritz.toml --broker "mqtt://127.0.0.1:$broker_port" --interval 0.2 \
  --duration 5 >"$work/simulator.log" 2>&1 || true

# The SSE stream never ends by design: it is left out (its contract is tested in AlertsIntegrationTests).
# positive_data_acceptance is left out: some requests are refused (400, with the reason) for combinations
# OpenAPI cannot state: lat without lon, radius without both, a bbox whose minimum exceeds its maximum.
# Everything else runs: negative data rejected, status codes, content types, response schemas, headers,
# undeclared methods (405), no server errors.
"$venv/bin/schemathesis" run "http://127.0.0.1:$http_port/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$examples" \
  --exclude-path /v1/alerts/stream \
  -H "Authorization: Bearer $token" --generation-deterministic
