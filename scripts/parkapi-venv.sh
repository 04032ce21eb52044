#!/usr/bin/env bash
# A virtual environment with ParkAPI's own validators (PyPI parkapi-sources, pinned), which the test suite runs
# on the daemon's car park documents (Tests/CityFeedsdTests/ParkAPIValidationTests.swift). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-parkapi"
version="0.24.0"
if ! "$venv/bin/python" -c "import importlib.metadata as m; assert m.version('parkapi-sources') == '$version'" \
    2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "parkapi-sources==$version"
fi
