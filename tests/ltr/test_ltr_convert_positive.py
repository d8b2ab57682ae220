"""Served scores stay positive: ``keep_positive`` adds one constant tree above the model's lowest score."""
from __future__ import annotations

import itertools

from ltr.convert import keep_positive, score_floor

TREE = {"nodeid": 0, "split": "a", "split_condition": 0.5, "yes": 1, "no": 2, "missing": 1, "children": [
    {"nodeid": 1, "leaf": -2.0}, {"nodeid": 2, "leaf": 1.0}]}
MODEL = {"objective": "rank:pairwise", "splits": [TREE, {"nodeid": 0, "leaf": -0.5}]}


def _score(definition: dict, a: float) -> float:
    total = 0.0
    for tree in definition["splits"]:
        node = tree
        while "leaf" not in node:
            node = node["children"][0 if a < node["split_condition"] else 1]
        total += node["leaf"]
    return total


def test_the_floor_is_the_sum_of_the_smallest_leaves() -> None:
    assert score_floor(MODEL) == -2.5


def test_every_score_is_lifted_above_zero_by_one_constant() -> None:
    lifted, offset = keep_positive(MODEL)
    assert len(lifted["splits"]) == 3 and lifted["splits"][-1] == {"nodeid": 0, "leaf": offset}
    assert 2.5 < offset < 2.51
    for a, b in itertools.product((0.0, 1.0), repeat=2):
        assert _score(lifted, a) > 0
        assert _score(lifted, a) - _score(lifted, b) == _score(MODEL, a) - _score(MODEL, b)


def test_a_model_already_positive_is_left_alone() -> None:
    positive = {"objective": "rank:pairwise", "splits": [{"nodeid": 0, "leaf": 0.25}]}
    assert keep_positive(positive) == (positive, 0.0)
