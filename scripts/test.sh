#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and integration tests against real mosquitto brokers that the tests
# start on free loopback ports themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Suites run one at a time: the integration suites start brokers and daemons, and 2 cores are plenty busy.
swift test --no-parallel --disable-xctest "$@"
