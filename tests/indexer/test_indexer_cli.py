"""``mmltr index`` commands that must not reach a cluster (dry runs, argument errors, synth) and the group's
mounting in the root CLI. Commands that talk to the node are in tests/indexer/engine/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from indexer.cli import index
from plugin_integration.cli import CliContext, main


def _context(data_dir: Path) -> CliContext:
    """The root CLI's real context; these tests assert its client is never created."""
    return CliContext(cluster=None, data_dir=data_dir)


def _run(ctx: CliContext, *args: str) -> Any:
    return CliRunner().invoke(index, list(args), obj=ctx, catch_exceptions=False)


def test_dry_run_validates_only(tmp_path: Path, synthetic_dir: Any) -> None:
    ctx = _context(tmp_path / "data")
    result = _run(ctx, "load", str(synthetic_dir.path), "--dry-run")
    assert result.exit_code == 3 and "127 rows, 121 valid, 6 rejected" in result.output
    assert "id: duplicate_id" in result.output and ctx._client is None  # no cluster touched
    assert len(list((tmp_path / "data" / "rejects").glob("items-*.jsonl"))) == 1


def test_errors_are_one_message_without_traceback(tmp_path: Path) -> None:
    catalog = tmp_path / "c.jsonl"
    catalog.write_text(json.dumps({"id": "1", "title": "t"}) + "\n")
    ctx = _context(tmp_path)
    result = CliRunner().invoke(
        index,
        ["load", str(catalog), "--image-encoder", "resnet", "--text-encoder", "hashing", "--no-progress"],
        obj=ctx,
    )
    assert result.exit_code == 1 and "unknown image encoder 'resnet'" in result.output
    assert "Traceback" not in result.output
    assert ctx._client is None  # the encoder is checked before any cluster is contacted


def test_synth_writes_a_catalogue_with_images(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    result = _run(ctx, "synth", str(tmp_path / "demo"), "-n", "5", "--format", "csv")
    assert result.exit_code == 0 and (tmp_path / "demo" / "catalog.csv").is_file()
    assert len(list((tmp_path / "demo" / "images").iterdir())) == 5
    assert ctx._client is None


def test_root_cli_mounts_the_index_group() -> None:
    result = CliRunner().invoke(main, ["index", "--help"])
    assert result.exit_code == 0 and "load" in result.output and "update-vectors" in result.output
