"""``--dry-run`` on the commands that change the cluster (issue 14): they say what would change and change
nothing. ``index load`` and ``index swap`` are tested with the indexer (``tests/indexer``); here the featureset
push, whose ``--replace`` overwrites a stored set."""
from __future__ import annotations

import json
from pathlib import Path

from pi_engine_samples import engine_featureset
from pi_cli_loop import run_cli

from plugin_integration import featuresets
from plugin_integration.client import make_client


def test_featureset_push_dry_run_says_create_refuse_or_replace_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    path = tmp_path / "fs.json"
    local = engine_featureset("dry")
    path.write_text(json.dumps(local.to_dict()), encoding="utf-8")
    assert run_cli(data_dir, "store", "init").exit_code == 0
    planned = run_cli(data_dir, "featureset", "push", str(path), "--dry-run")
    assert planned.exit_code == 0 and "would create featureset 'dry' with" in planned.output, planned.output
    client = make_client(None, data_dir)
    try:
        assert featuresets.list_featuresets(client) == []  # nothing was stored
        assert run_cli(data_dir, "featureset", "push", str(path)).exit_code == 0
        refused = run_cli(data_dir, "featureset", "push", str(path), "--dry-run")
        assert refused.exit_code == 1 and "already exists" in refused.output and "--replace" in refused.output
        changed = local.to_dict()
        changed["features"] = changed["features"][:-1]
        path.write_text(json.dumps(changed), encoding="utf-8")
        replaced = run_cli(data_dir, "featureset", "push", str(path), "--dry-run", "--replace")
        dropped = local.feature_names[-1]
        assert replaced.exit_code == 0 and f"  - {dropped}" in replaced.output, replaced.output
        assert featuresets.fetch(client, "dry").feature_names == local.feature_names  # unchanged
    finally:
        client.close()
