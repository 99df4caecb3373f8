#!/usr/bin/env bash
# Install what the kiosk needs on Debian 12: the system packages of all three roles in
# system-packages/ (kiosk.txt, fleet.txt, dev.txt), then a virtualenv in .venv/ with the
# project and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
STAMP=.venv/.setup-stamp

missing_packages() {
  local pkgs
  pkgs=$(cat system-packages/kiosk.txt system-packages/fleet.txt system-packages/dev.txt \
    | grep -Ev '^\s*(#|$)')
  # dpkg-query prints one status line per package; keep those not fully installed.
  for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      echo "$p"
    fi
  done
}

install_system_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup: this is not a Debian system; install the packages in system-packages/*.txt yourself." >&2
    return 0
  fi
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "${missing// }" ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "setup: these Debian packages are missing: $missing" >&2
      echo "setup: run this as root, or install sudo, or install them with: apt-get install $missing" >&2
      exit 1
    fi
  fi
  echo "setup: installing Debian packages: $missing"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

install_python_env() {
  if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
  fi
  # Reinstall only when the project's declared dependencies changed.
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    return 0
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$STAMP"
}

install_system_packages
install_python_env
