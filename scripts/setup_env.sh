#!/usr/bin/env bash
# Idempotent set-up shared by the README's two commands: a virtual environment in .venv with the
# CPU build of torch (installed first, so nothing pulls a CUDA build) and mmltr with its extras.
# Set MMLTR_SKIP_APT=1 to skip the Debian packages (JDK + Lucene 8 jars for the conformance tests, Chromium for the report rendering test).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ "${MMLTR_WITH_APT:-0}" = "1" ] && [ "${MMLTR_SKIP_APT:-0}" != "1" ]; then
  if ! { [ -f /usr/share/java/lucene-core-8.7.0.jar ] && command -v javac >/dev/null 2>&1; }; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    echo "[setup] installing openjdk-17-jdk-headless and liblucene8-java (apt)"
    if ! $SUDO apt-get install -y -q openjdk-17-jdk-headless liblucene8-java >/dev/null 2>&1; then
      $SUDO apt-get update -q >/dev/null 2>&1 || true
      $SUDO apt-get install -y -q openjdk-17-jdk-headless liblucene8-java >/dev/null 2>&1 ||
        echo "[setup] WARNING: could not install the JDK/Lucene jars; the Lucene conformance tests will be skipped" >&2
    fi
  fi
  # Headless Chromium for the report rendering test (tests/ltr/test_ltr_eval_chromium.py; driven by Playwright
  # from the dev extra with executable_path, so no browser download).
  if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    echo "[setup] installing chromium (apt)"
    $SUDO apt-get install -y -q chromium >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null 2>&1 || true;
      $SUDO apt-get install -y -q chromium >/dev/null 2>&1 ||
        echo "[setup] WARNING: could not install chromium; the report rendering test will be skipped" >&2; }
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $PY"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
stamp=.venv/.mmltr-installed
want=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing torch (CPU) and mmltr[all,dev] into .venv"
  $VPY -m pip install -q --upgrade pip >/dev/null
  $VPY -c "import torch" >/dev/null 2>&1 || $VPY -m pip install -q torch==2.13.0
  $VPY -m pip install -q -e '.[all,dev]'
  echo "$want" > "$stamp"
fi
