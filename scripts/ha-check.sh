#!/usr/bin/env bash
# A pair of cityfeedsd instances behind HAProxy (deploy/haproxy-cityfeeds.cfg) on loopback: one is killed and
# restarted mid-stream; no read through the proxy fails, nothing is lost, both give the same answers
# (scripts/ha-check.py says what each check does).
#   scripts/ha-check.sh [BINARY]   (default: the debug build, brought up to date first)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product cityfeedsd >/dev/null
exec python3 scripts/ha-check.py "$@"
