"""The ``index`` command group invoked directly, with the root CLI's real ``CliContext`` on an embedded node
in a temporary data directory; cluster state is checked through the node's API, not the output alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.cli import index
from plugin_integration.cli import CliContext


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[CliContext]:
    """What ``mmltr --data-dir tmp/data`` passes to its groups; its client is closed after the test."""
    context = CliContext(cluster=None, data_dir=tmp_path / "data")
    try:
        yield context
    finally:
        if context._client is not None:
            context._client.close()


def _run(ctx: CliContext, *args: str) -> Any:
    return CliRunner().invoke(index, list(args), obj=ctx, catch_exceptions=False)


def _aliases(ctx: CliContext) -> dict[str, list[str]]:
    """Every items-v* index with its aliases, as the node reports them."""
    response = ctx.client().indices.get_alias(index="items-v*")
    return {name: sorted(body["aliases"]) for name, body in response.items()}


def _catalog(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"{i}", "title": f"product {i}"}) + "\n" for i in range(n)))
    return path


def test_load_reports_rejects_with_exit_code_3_and_writes_the_rejects_file(
    ctx: CliContext, tmp_path: Path, synthetic_dir: Any
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = _run(
        ctx,
        "load",
        str(synthetic_dir.path),
        "--text-encoder",
        "hashing:16",
        "--image-encoder",
        "classical",
        "--rejects",
        str(rejects),
        "--no-progress",
        "--no-cache",
    )
    assert result.exit_code == 3, result.output
    assert "items-v1" in result.output and "rows read" in result.output and "127" in result.output
    assert len(rejects.read_text().splitlines()) == 7
    assert _aliases(ctx) == {"items-v1": ["items"]}
    assert ctx.client().count(index="items")["count"] == 120
    assert not (tmp_path / "data" / "embedding-cache.sqlite").exists()  # --no-cache


def test_load_without_rejects_exits_0_and_uses_the_cache(ctx: CliContext, tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "c.jsonl", 30)
    first = _run(ctx, "load", str(catalog), "--text-encoder", "hashing:16", "--no-progress")
    second = _run(ctx, "load", str(catalog), "--text-encoder", "hashing:16", "--no-progress")
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "0 / 30" in first.output and "30 / 0" in second.output  # cached / embedded
    assert (tmp_path / "data" / "embedding-cache.sqlite").is_file()
    assert "items -> items-v2 (was items-v1)" in second.output
    assert _aliases(ctx) == {"items-v1": [], "items-v2": ["items"]}
    assert ctx.client().count(index="items")["count"] == 30


def test_status_swap_and_rollback(ctx: CliContext, tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "c.jsonl", 5)
    for _ in range(2):
        assert _run(ctx, "load", str(catalog), "--text-encoder", "hashing:8", "--no-progress").exit_code == 0
    status = _run(ctx, "status")
    assert status.exit_code == 0 and "items-v2" in status.output and "items-v1" in status.output
    assert "hashing:8" in status.output
    dry = _run(ctx, "swap", "--version", "previous", "--dry-run")
    assert "would point 'items' at items-v1" in dry.output
    assert _aliases(ctx) == {"items-v1": [], "items-v2": ["items"]}  # the dry run changed nothing
    rollback = _run(ctx, "swap", "--version", "previous")
    assert rollback.exit_code == 0 and "'items' -> items-v1 (was items-v2)" in rollback.output
    assert _aliases(ctx) == {"items-v1": ["items"], "items-v2": []}
    missing = CliRunner().invoke(index, ["swap", "--version", "9"], obj=ctx)
    assert missing.exit_code == 1 and "not a version" in missing.output
    assert _aliases(ctx) == {"items-v1": ["items"], "items-v2": []}


def test_status_of_an_unknown_alias_says_how_to_load(ctx: CliContext) -> None:
    result = _run(ctx, "status", "--alias", "nothing")
    assert result.exit_code == 0 and "mmltr index load" in result.output


def test_update_vectors_command(ctx: CliContext, tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "c.jsonl", 3)
    vectors = tmp_path / "cf.jsonl"
    vectors.write_text("".join(json.dumps({"id": i, "vector": [1.0, 2.0]}) + "\n" for i in ("0", "1", "9")))
    assert _run(ctx, "load", str(catalog), "--text-encoder", "none", "--no-progress").exit_code == 0
    result = _run(ctx, "update-vectors", str(vectors), "--rejects", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 3 and "updated" in result.output
    assert json.loads((tmp_path / "r.jsonl").read_text())["id"] == "9"
    client = ctx.client()
    assert client.get(index="items-v1", id="1")["_source"]["cf_vector"] == [1.0, 2.0]
    assert "cf_vector" not in client.get(index="items-v1", id="2")["_source"]


def test_reload_keeps_cf_vectors_unless_told_not_to(ctx: CliContext, tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "c.jsonl", 3)
    vectors = tmp_path / "cf.jsonl"
    vectors.write_text("".join(json.dumps({"id": i, "vector": [1.0, 2.0]}) + "\n" for i in ("0", "1")))
    load = ["load", str(catalog), "--text-encoder", "none", "--no-progress"]
    assert _run(ctx, *load).exit_code == 0
    assert _run(ctx, "update-vectors", str(vectors)).exit_code == 0
    kept = _run(ctx, *load)
    assert kept.exit_code == 0 and "carried from items-v1" in kept.output and "2 copied" in kept.output
    client = ctx.client()
    assert client.get(index="items-v2", id="1")["_source"]["cf_vector"] == [1.0, 2.0]
    dropped = _run(ctx, *load, "--no-carry-vectors")
    assert dropped.exit_code == 0 and "carried" not in dropped.output
    assert "cf_vector" not in client.get(index="items-v3", id="1")["_source"]
