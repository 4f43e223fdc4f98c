#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment and install occam with its test tools.
# Also installs the system package berkeley-abc (logic synthesis) when it is missing.
# Usage: scripts/setup.sh [VENV_DIR] [PYTHON]
set -euo pipefail
venv="${1:-.venv}"
python="${2:-python3}"
cd "$(dirname "$0")/.."

if ! command -v berkeley-abc >/dev/null 2>&1; then
  echo "[setup] installing the Debian package berkeley-abc (ABC logic synthesis)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends berkeley-abc \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends berkeley-abc; }
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "[setup] creating virtual environment $venv"
  "$python" -m venv "$venv"
fi
echo "[setup] installing occam into $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -c constraints.txt -e ".[dev]"
echo "[setup] done"
