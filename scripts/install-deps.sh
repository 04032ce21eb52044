#!/usr/bin/env bash
# Installs the Debian packages cityfeedsd needs to build, run and test, if any is missing.
# Needs root (or sudo). The Swift toolchain itself is expected to be installed already.
set -euo pipefail

# prometheus: its promtool checks the /metrics exposition in the tests; systemd: systemd-analyze verifies the unit;
# chromium and its driver: the public page's browser suite (scripts/page-check.sh); haproxy and nginx: the pair's
# and the read cache's test (scripts/ha-check.sh).
packages=(mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev sqlite3 zlib1g-dev pkg-config curl python3
  python3-venv prometheus systemd chromium chromium-driver haproxy nginx-light)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
