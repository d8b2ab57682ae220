#!/usr/bin/env bash
# The README's test command: sets everything up on a fresh machine, then runs the whole suite
# (unit, engine, oracle and Lucene conformance tests) against the embedded node.
set -euo pipefail
cd "$(dirname "$0")/.."
MMLTR_WITH_APT=1 ./scripts/setup_env.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest "$@"
