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


def test_update_vectors_dry_run_validates_against_the_index_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    catalogue = tmp_path / "catalog.jsonl"
    catalogue.write_text("".join(json.dumps({"id": f"p{i}", "title": f"t {i}"}) + "\n" for i in range(5)))
    assert run_cli(data_dir, "index", "load", str(catalogue), "--text-encoder", "none",
                   "--no-progress").exit_code == 0
    vectors = tmp_path / "cf.jsonl"
    rows = [{"id": "p0", "vector": [1, 0, 0]}, {"id": "p1", "vector": [0, 1, 0]}, {"id": "p2", "vector": [0, 0, 1]},
            {"id": "zz", "vector": [1, 1, 1]}, {"id": "p3", "vector": "oops"}, {"id": "p4", "vector": [1, 2]}]
    vectors.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rejects = tmp_path / "rejects.jsonl"
    dry = run_cli(data_dir, "index", "update-vectors", str(vectors), "--dry-run", "--rejects", str(rejects))
    assert dry.exit_code == 3, dry.output
    assert "6 rows read; would set 'cf_vector' on 3 documents of items-v1" in dry.output
    assert "the 3-d mapping of 'cf_vector' would be added" in dry.output
    assert "1 ids are not in items-v1 and would fail (e.g. zz)" in dry.output
    assert sorted(json.loads(x)["row"] for x in rejects.read_text().splitlines()) == [5, 6]
    client = make_client(None, data_dir)
    try:
        mapping = client.indices.get_mapping(index="items-v1")["items-v1"]["mappings"]["properties"]
        assert "cf_vector" not in mapping
        assert "cf_vector" not in client.get(index="items", id="p0")["_source"]
    finally:
        client.close()
