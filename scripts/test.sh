#!/usr/bin/env bash
# The README's test command: sets everything up on a fresh machine, then runs the whole suite
# (unit, engine, oracle and Lucene conformance tests) against the embedded node.
set -euo pipefail
cd "$(dirname "$0")/.."
MMLTR_WITH_APT=1 ./scripts/setup_env.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# Both cores: test files are shared out between MMLTR_TEST_WORKERS processes (pytest-xdist), a file's tests
# staying together so module fixtures are built once (measured: 10m40s instead of 17m33s on the 2-core machine).
# Against a real cluster (MMLTR_TEST_CLUSTER) one worker: the tests there share the cluster's indices.
default_workers=2
if [ -n "${MMLTR_TEST_CLUSTER:-}" ]; then default_workers=1; fi
exec .venv/bin/python -m pytest -n "${MMLTR_TEST_WORKERS:-$default_workers}" --dist loadfile "$@"
