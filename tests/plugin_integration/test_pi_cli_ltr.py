"""The store/featureset/model CLI groups: mounted on ``mmltr``, and local input errors reported before any
cluster call (file name + fix, non-zero exit)."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin_integration.cli import main


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "node"), *args])
    return result.exit_code, result.output


def test_groups_are_mounted() -> None:
    for group, commands in (("store", {"init", "drop", "list"}),
                            ("featureset", {"push", "show", "diff"}),
                            ("model", {"upload", "list", "show", "delete"})):
        assert commands <= set(main.commands[group].commands)  # type: ignore[attr-defined]


def test_invalid_featureset_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "fs.json"
    path.write_text(json.dumps({"name": "fs", "features": [
        {"name": "a", "template": {"match": {"title": "{{keywords}}"}}},
        {"name": "a", "template": {"match_all": {}}, "template_language": "lucene"}]}))
    code, output = _run(tmp_path, "featureset", "push", str(path))
    assert code != 0
    assert str(path) in output
    assert "Feature [a] defined twice in this set" in output
    assert "uses {{keywords}}" in output
    assert "unknown template_language 'lucene'" in output
    assert not (tmp_path / "node").exists()  # nothing was sent, no node was opened


def test_model_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("## LambdaMART\n")
    code, output = _run(tmp_path, "model", "upload", str(path), "--featureset", "fs")
    assert code != 0
    assert str(path) in output and "--type model/ranklib" in output
