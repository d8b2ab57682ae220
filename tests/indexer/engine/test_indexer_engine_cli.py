"""``mmltr index ...`` through the root CLI on the embedded node in a data directory."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from indexer.synthetic import generate_catalog
from plugin_integration.cli import main


def test_index_load_status_swap_and_update_vectors_through_mmltr(tmp_path: Path) -> None:
    made = generate_catalog(tmp_path / "demo", 30, seed=2, bad_rows=True, image_size=48)
    data = ["--data-dir", str(tmp_path / "node")]
    runner = CliRunner()
    load = ["index", "load", str(made.path), "--text-encoder", "hashing:32", "--image-encoder", "classical"]
    first = runner.invoke(main, [*data, *load, "--no-progress"])
    assert first.exit_code == 3, first.output  # rows were rejected
    assert "items-v1" in first.output and "37" in first.output  # rows read
    rejects = list((tmp_path / "node" / "rejects").glob("items-*.jsonl"))
    assert len(rejects) == 1 and len(rejects[0].read_text().splitlines()) == 7
    second = runner.invoke(main, [*data, *load, "--no-progress"])
    assert second.exit_code == 3 and "items -> items-v2 (was items-v1)" in second.output
    status = runner.invoke(main, [*data, "index", "status"])
    assert status.exit_code == 0 and "items-v2" in status.output and "classical:v1" in status.output
    rollback = runner.invoke(main, [*data, "index", "swap", "--version", "previous"])
    assert rollback.exit_code == 0 and "'items' -> items-v1" in rollback.output
    vectors = tmp_path / "cf.jsonl"
    vectors.write_text(json.dumps({"id": "p000001", "vector": [1.0, 0.0, 0.5]}) + "\n", encoding="utf-8")
    update = runner.invoke(main, [*data, "index", "update-vectors", str(vectors)])
    assert update.exit_code == 0, update.output
    assert "Traceback" not in first.output + second.output + status.output + update.output
