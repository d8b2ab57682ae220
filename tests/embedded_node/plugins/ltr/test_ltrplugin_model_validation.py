"""Model definitions are validated at upload, with the plugin's 400 error shape, before they can reach a search.

Pins ``TransportFeatureStoreAction.precheck`` (models are compiled when stored; a bad one is 400
``illegal_argument_exception`` "Error while parsing model [NAME] with type [TYPE]" with the parser's reason as
``caused_by``) for ``XGBoostRawJsonParser`` (opensearch-learning-to-rank-base
``src/main/java/com/o19s/es/ltr/ranker/parser/XGBoostRawJsonParser.java``): its trees are arrays of integers
and numbers, and must be trees. A cycle (``left_children: [0, -1]``) used to be accepted and made every ``sltr``
search spin forever; a string in ``left_children`` used to give a 500.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from opensearchpy import RequestError

FEATURES = [{"name": "f1", "params": [], "template": {"match_all": {}}},
            {"name": "f2", "params": [], "template": {"match_all": {}}}]
RAW_TREE = {"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
            "split_conditions": [0.5, 0.0, 0.0], "default_left": [1, 0, 0], "base_weights": [0.0, 0.25, -0.75]}


def raw_definition(tree: dict[str, Any]) -> dict[str, Any]:
    return {"learner": {"feature_names": ["f1", "f2"], "feature_types": ["float", "float"],
                        "objective": {"name": "rank:pairwise"},
                        "gradient_booster": {"name": "gbtree", "model": {"trees": [tree]}}}}


def upload(client: Any, name: str, tree: dict[str, Any]) -> dict[str, Any]:
    return client.plugins.ltr.create_model(id=name, body={"model": {
        "name": name, "feature_set": {"name": "fs", "features": FEATURES},
        "model": {"type": "model/xgboost+json+raw", "definition": raw_definition(tree)}}})


def bad_tree(**changes: Any) -> dict[str, Any]:
    tree = copy.deepcopy(RAW_TREE)
    tree.update(changes)
    return tree


@pytest.mark.timeout(60)
@pytest.mark.parametrize("changes,cause", [
    ({"left_children": [0, -1, -1]}, r"node \[0\] is reached twice"),
    ({"left_children": [1, 0, -1], "right_children": [2, 2, -1], "split_indices": [0, 0, 0]},
     r"is reached twice"),
    ({"left_children": ["a", -1, -1]}, r"failed to parse field \[left_children\]"),
    ({"right_children": [2.5, -1, -1]}, r"failed to parse field \[right_children\]"),
    ({"split_conditions": ["x", 0, 0]}, r"failed to parse field \[split_conditions\]"),
    ({"base_weights": {"0": 1}}, r"failed to parse field \[base_weights\]"),
    ({"split_indices": [True, 0, 0]}, r"failed to parse field \[split_indices\]"),
    ({"left_children": [7, -1, -1]}, r"points outside the tree"),
    ({"left_children": [1, -1]}, r"arrays of different lengths"),
])
def test_bad_raw_trees_are_a_400_at_upload(client: Any, changes: dict[str, Any], cause: str) -> None:
    """A cyclic, shared, mistyped or out-of-range raw tree: 400 "Error while parsing model" with the reason."""
    client.plugins.ltr.create_default_store()
    with pytest.raises(RequestError) as exc:
        upload(client, "bad", bad_tree(**changes))
    error = exc.value.info["error"]
    assert exc.value.status_code == 400
    assert error["type"] == "illegal_argument_exception"
    assert error["reason"] == "Error while parsing model [bad] with type [model/xgboost+json+raw]"
    assert re.search(cause, error["caused_by"]["reason"]), error
    with pytest.raises(Exception):
        client.plugins.ltr.get_model(id="bad")


@pytest.mark.timeout(60)
def test_a_very_deep_chain_is_refused_and_a_good_tree_scores(client: Any) -> None:
    """Depth is bounded (1000 levels) so no walk is unbounded; the well-formed tree still scores as before."""
    client.plugins.ltr.create_default_store()
    depth = 1200
    left = [i + 1 for i in range(depth)] + [-1] * (depth + 1)
    right = [depth + 1 + i for i in range(depth)] + [-1] * (depth + 1)
    n = len(left)
    chain = {"left_children": left, "right_children": right, "split_indices": [0] * n,
             "split_conditions": [0.5] * n, "default_left": [0] * n, "base_weights": [0.1] * n}
    with pytest.raises(RequestError) as exc:
        upload(client, "deep", chain)
    assert "deeper than 1000 levels" in exc.value.info["error"]["caused_by"]["reason"]
    assert upload(client, "good", RAW_TREE)["result"] == "created"
    client.indices.create(index="docs")
    client.index(index="docs", id="1", body={"x": 1}, refresh=True)
    hits = client.search(index="docs", body={"query": {"sltr": {"model": "good", "params": {}}}})["hits"]["hits"]
    # match_all scores 1.0 for f1: 1.0 >= 0.5 -> the right leaf
    assert hits[0]["_score"] == -0.75
