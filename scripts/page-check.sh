#!/usr/bin/env bash
# The public page in a real browser: axe-core (WCAG 2.1 A/AA) on every page at phone and desktop widths,
# keyboard-only navigation, the page without JavaScript, and a live alert on an open page within a second
# (scripts/page-check.py says what each check does). Screenshots go to test-output/page/.
#   scripts/page-check.sh [--binary PATH]   (default: the debug build, brought up to date first)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/page-venv.sh
swift build --product cityfeedsd >/dev/null
exec .venv-page/bin/python scripts/page-check.py "$@"
