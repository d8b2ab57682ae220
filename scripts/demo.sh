#!/usr/bin/env bash
# The README's main command: sets up, then runs the demo on the embedded node (no cluster needed).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup_env.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/mmltr demo "$@"
