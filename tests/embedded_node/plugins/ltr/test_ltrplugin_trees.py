"""Vectorized tree evaluation equals a node-by-node walk, bit for bit, under each version's NaN rule."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from ltrplugin_reference import random_rows, random_tree, walk_xgboost

from embedded_node.plugins.ltr.trees import sigmoid
from embedded_node.plugins.ltr.versions import PluginSemantics
from embedded_node.plugins.ltr.xgboost import parse_xgboost_json
from support.paths import ORACLE as ORACLE_DIR

ORACLE = ORACLE_DIR
NAMES = ["a", "b", "c", "d"]
SEMANTICS = {"dense": PluginSemantics("opensearch", (2, 19, 0)),
             "nan_no": PluginSemantics("opensearch", (3, 2, 0)),
             "nan_missing": PluginSemantics("opensearch", (3, 8, 0))}


@pytest.mark.parametrize("mode", sorted(SEMANTICS))
def test_random_trees_match_a_node_by_node_walk(mode: str) -> None:
    rng = random.Random(7)
    trees = [random_tree(rng, NAMES) for _ in range(40)]
    rows = random_rows(rng, 500, len(NAMES))
    model = parse_xgboost_json({"objective": "rank:pairwise", "splits": trees}, NAMES, SEMANTICS[mode])
    X = np.asarray(rows, dtype=np.float32)
    if mode == "dense":
        X = np.nan_to_num(X, nan=0.0)  # the dense vector: unmatched features are 0.0
    got = model.ensemble.score(X)
    expected = np.asarray([walk_xgboost(trees, NAMES, row, mode) for row in rows], dtype=np.float32)
    assert got.dtype == np.float32
    assert np.array_equal(got.view(np.int32), expected.view(np.int32))


def test_threshold_comparison_is_strict_and_float32() -> None:
    tree = {"nodeid": 0, "depth": 0, "split": "a", "split_condition": 0.5, "yes": 1, "no": 2, "missing": 1,
            "children": [{"nodeid": 1, "leaf": 1.0}, {"nodeid": 2, "leaf": 2.0}]}
    model = parse_xgboost_json([tree], ["a"], SEMANTICS["nan_missing"])
    below = float(np.nextafter(np.float32(0.5), np.float32(0)))
    X = np.asarray([[below], [0.5], [np.nan]], dtype=np.float32)
    assert model.ensemble.score(X).tolist() == [1.0, 2.0, 1.0]


def test_sum_is_float32_in_tree_order_not_pairwise() -> None:
    # 1e8 + 1 + 1 + ... in float32 stays 1e8 when summed in order; a pairwise/double sum would not.
    leaves = [1e8] + [1.0] * 64
    trees = [{"nodeid": 0, "leaf": v} for v in leaves]
    model = parse_xgboost_json(trees, ["a"], SEMANTICS["dense"])
    assert model.ensemble.score(np.zeros((1, 1), np.float32))[0] == np.float32(1e8)


def test_sigmoid_objective_is_computed_in_double_on_the_float_sum() -> None:
    x = np.asarray([0.3, -2.0, 40.0], dtype=np.float32)
    expected = [np.float32(1.0 / (1.0 + np.exp(-float(v)))) for v in x]
    assert sigmoid(x).tolist() == expected


@pytest.mark.parametrize("version,key", [("2.19.0", "ltr_dense_missing_as_0_float32"),
                                         ("3.8.0", "ltr_missing_honored_float32")])
def test_oracle_model_scores_exactly(version: str, key: str) -> None:
    definition = json.loads((ORACLE / "lgbm_lambdarank_xgboost.json").read_text())
    vectors = json.loads((ORACLE / "lgbm_lambdarank_vectors.json").read_text())
    names = vectors["feature_names_in_order"]
    sem = PluginSemantics("opensearch", tuple(int(p) for p in version.split(".")))  # type: ignore[arg-type]
    model = parse_xgboost_json(definition, names, sem)
    rows = [[np.nan if v is None else float(v) for v in row["features"]] for row in vectors["vectors"]]
    X = np.asarray(rows, dtype=np.float32)
    if sem.tree_missing == "dense":
        X = np.nan_to_num(X, nan=0.0)
    expected = np.asarray([float(row[key]) for row in vectors["vectors"]], dtype=np.float32)
    assert np.array_equal(model.ensemble.score(X).view(np.int32), expected.view(np.int32))
