"""``mmltr store|featureset|model`` end to end on the embedded node (``--data-dir``), through click's runner."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pi_engine_samples import engine_featureset, engine_model

from plugin_integration.cli import main


@pytest.fixture
def mmltr(tmp_path: Path) -> Any:
    data_dir = tmp_path / "node"
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    fs = engine_featureset()
    out = {"featureset": tmp_path / "mm_test.json", "model": tmp_path / "model.json",
           "changed": tmp_path / "changed.json", "bad_model": tmp_path / "bad_model.json",
           "bad_objective": tmp_path / "bad_objective.json", "empty": tmp_path / "empty.json",
           "converted": tmp_path / "converted.json"}
    out["featureset"].write_text(json.dumps(fs.to_dict()))
    changed = fs.to_dict()
    changed["features"] = changed["features"][:3]
    out["changed"].write_text(json.dumps(changed))
    out["model"].write_text(json.dumps(engine_model()))
    out["bad_model"].write_text(json.dumps(engine_model(second="knn_image")))
    out["bad_objective"].write_text(json.dumps(dict(engine_model(), objective="reg:squarederror")))
    out["empty"].write_text(json.dumps({"name": "empty", "features": []}))
    out["converted"].write_text(json.dumps({"type": "model/xgboost+json", "definition": engine_model(),
                                            "feature_names": list(fs.feature_names)[:3]}))
    return out


def test_store_featureset_model_lifecycle(mmltr: Any, files: dict[str, Path]) -> None:
    assert "created the default feature store" in mmltr("store", "init").output
    assert "already exists" in mmltr("store", "init").output
    assert ".ltrstore" in mmltr("store", "list").output

    assert "created featureset 'mm_test' with 4 features" in mmltr("featureset", "push", str(files["featureset"])).output
    shown = mmltr("featureset", "show", "mm_test").output
    assert "bm25_title" in shown and "knn_text" in shown
    as_json = json.loads(mmltr("featureset", "show", "mm_test", "--json").output)
    assert as_json == engine_featureset().to_dict()
    assert "no differences" in mmltr("featureset", "diff", str(files["featureset"])).output
    different = mmltr("featureset", "diff", str(files["changed"]), ok=False)
    assert different.exit_code == 1 and "- popularity" in different.output

    uploaded = mmltr("model", "upload", str(files["model"]), "--featureset", "mm_test").output
    name = uploaded.split("'")[1]
    assert name.startswith("mm_test__")
    mmltr("model", "upload", str(files["model"]), "--featureset", "mm_test", "--name", "mm_test__manual")
    listed = mmltr("model", "list", "--prefix", "mm_test__").output
    assert name in listed and "mm_test__manual" in listed
    shown = mmltr("model", "show", "mm_test__manual").output
    assert "model/xgboost+json" in shown and "trees:       2" in shown and "popularity" in shown
    assert json.loads(mmltr("model", "show", "mm_test__manual", "--json").output)["model"]["type"] == \
        "model/xgboost+json"
    assert "would delete" in mmltr("model", "delete", "mm_test__manual", "--dry-run").output
    assert "deleted model 'mm_test__manual'" in mmltr("model", "delete", "mm_test__manual").output
    assert "mm_test__manual" not in mmltr("model", "list").output

    assert "would drop" in mmltr("store", "drop", "--dry-run").output
    assert "dropped" in mmltr("store", "drop", "--yes").output
    assert "does not exist" in mmltr("store", "drop", "--yes").output


def test_local_validation_errors_name_the_file_and_the_fix(mmltr: Any, files: dict[str, Path]) -> None:
    result = mmltr("featureset", "push", str(files["empty"]), ok=False)
    assert result.exit_code != 0
    assert str(files["empty"]) in result.output and "at least one feature" in result.output

    mmltr("store", "init")
    mmltr("featureset", "push", str(files["featureset"]))
    result = mmltr("model", "upload", str(files["bad_model"]), "--featureset", "mm_test", ok=False)
    assert result.exit_code != 0
    assert str(files["bad_model"]) in result.output and "knn_image" in result.output and "fix:" in result.output
    result = mmltr("model", "upload", str(files["converted"]), "--featureset", "mm_test", ok=False)
    assert "trained on 3 features but featureset 'mm_test' has 4" in result.output


def test_plugin_errors_show_reason_and_hint(mmltr: Any, files: dict[str, Path]) -> None:
    result = mmltr("featureset", "push", str(files["featureset"]), ok=False)
    assert result.exit_code != 0
    assert "does not exist" in result.output and "mmltr store init" in result.output

    mmltr("store", "init")
    mmltr("featureset", "push", str(files["featureset"]))
    result = mmltr("model", "upload", str(files["bad_objective"]), "--featureset", "mm_test", ok=False)
    assert result.exit_code != 0
    assert "reg:squarederror" in result.output and "hint:" in result.output and "rank:pairwise" in result.output
    result = mmltr("model", "upload", str(files["model"]), "--featureset", "mm_test", "--name", "dup")
    result = mmltr("model", "upload", str(files["model"]), "--featureset", "mm_test", "--name", "dup", ok=False)
    assert "immutable" in result.output
    result = mmltr("store", "init", "--store", "models", ok=False)
    assert "cannot be based on the words" in result.output
    result = mmltr("model", "show", "nope", ok=False)
    assert result.exit_code != 0 and "model list" in result.output
