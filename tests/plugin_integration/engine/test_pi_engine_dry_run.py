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


def test_index_swap_dry_run_with_keep_names_the_versions_it_would_delete(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    catalogue = tmp_path / "catalog.jsonl"
    catalogue.write_text("".join(json.dumps({"id": f"p{i}", "title": f"t {i}"}) + "\n" for i in range(5)))
    for _ in range(3):
        load = run_cli(data_dir, "index", "load", str(catalogue), "--text-encoder", "none", "--no-progress",
                       "--keep", "5")
        assert load.exit_code == 0, load.output
    dry = run_cli(data_dir, "index", "swap", "--version", "1", "--keep", "0", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would point 'items' at items-v1 (now: items-v3)" in dry.output
    assert "would delete items-v2, items-v3" in dry.output
    kept = run_cli(data_dir, "index", "swap", "--version", "1", "--keep", "1", "--dry-run")
    assert "would delete items-v2" in kept.output and "items-v3" not in kept.output.split("would delete")[1]
    client = make_client(None, data_dir)
    try:
        assert sorted(client.indices.get(index="items-v*")) == ["items-v1", "items-v2", "items-v3"]
        assert list(client.indices.get_alias(name="items")) == ["items-v3"]
    finally:
        client.close()
