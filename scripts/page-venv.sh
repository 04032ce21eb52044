#!/usr/bin/env bash
# A virtual environment for the public page's browser suite (scripts/page-check.sh): Selenium, pinned, to drive
# Debian's headless Chromium; and axe-core 4.12 (WCAG 2.1 rules), taken as the axe.min.js that PyPI's
# axe-playwright-python ships (installed without its Playwright dependency: the script runs through Selenium).
# Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-page"
selenium="4.51.0"
axe="0.1.8"
if ! "$venv/bin/python" -c "
import importlib.metadata as m
assert m.version('selenium') == '$selenium' and m.version('axe-playwright-python') == '$axe'" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "selenium==$selenium"
  "$venv/bin/pip" install -q --no-deps "axe-playwright-python==$axe"
fi
