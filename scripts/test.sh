#!/usr/bin/env bash
# Runs the whole test suite: the formatting and doc-comment checks, unit tests, and integration tests against
# real mosquitto brokers that the tests start on free loopback ports themselves; the public page in a real
# browser (scripts/page-check.sh); a pair behind HAProxy (scripts/ha-check.sh); then a bounded coverage-guided
# fuzzing run of the payload codecs and the HTTP query and body parsing (CITYFEEDS_FUZZ_SECONDS per target,
# 45 by default; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ParkAPI's own validators, pinned in .venv-parkapi (PyPI), for the ParkAPI v3 test.
scripts/parkapi-venv.sh
# The tree is formatted as the root's .swift-format says (swift-format ships with the toolchain).
swift format lint --strict --recursive Sources Tests Package.swift
# Every public or package symbol says what it is.
python3 scripts/lint-docs.py
# Suites run one at a time: the integration suites start brokers and daemons, and 2 cores are plenty busy.
swift test --no-parallel --disable-xctest "$@"
# The public page in headless Chromium: axe-core (WCAG 2.1 A/AA), keyboard, no JavaScript, a live alert.
scripts/page-check.sh
# A pair of instances behind HAProxy: one killed and restarted mid-stream, no read lost, nothing missed.
scripts/ha-check.sh
fuzz_seconds="${CITYFEEDS_FUZZ_SECONDS:-45}"
if [ "$fuzz_seconds" != 0 ]; then
    scripts/fuzz.sh "$fuzz_seconds"
fi
