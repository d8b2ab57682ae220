"""The level-wise tree evaluator (``tree_eval``) routes and sums exactly as the plugin's ``NaiveAdditiveDecisionTree``.

Pins the plugin's float32 semantics (``fidelity.md`` §2.2; opensearch-learning-to-rank-base
``src/main/java/com/o19s/es/ltr/ranker/dectree/NaiveAdditiveDecisionTree.java``): ``yes`` iff ``value <
threshold`` in float32, NaN to ``missing``, ``sum = 0f; sum += leaf`` in tree order. The fast path must give the
same float32 bits as the generic walk (itself checked against the oracle files in ``test_ltrplugin_oracle``)
on adversarial inputs: NaN, +-inf, thresholds at +inf, -0.0 leaves, single-leaf trees, every document count.
"""
from __future__ import annotations

import numpy as np
import pytest

from embedded_node.plugins.ltr.tree_eval import plan
from embedded_node.plugins.ltr.trees import F32, FlatEnsemble, TreeBuilder, ordered_sum
from embedded_node.plugins.ltr.versions import PluginSemantics
from embedded_node.plugins.ltr.xgboost import parse_xgboost_json
from ltrplugin_helpers import oracle


def random_ensemble(rng: np.random.Generator, n_trees: int, n_features: int,
                    thresholds: list[float] | None = None) -> FlatEnsemble:
    builder = TreeBuilder()

    def grow(slot: int, depth: int) -> None:
        if depth >= 6 or rng.random() < 0.3:
            value = float(rng.choice([-0.0, 0.0, 1e-30, -2.5, 3.25, float(rng.normal())]))
            builder.set_leaf(slot, value)
            return
        left, right = builder.new_node(), builder.new_node()
        pool = thresholds or [float(rng.normal()), 0.0, float("inf"), 1e-35]
        threshold = float(rng.choice(pool))
        missing = left if rng.random() < 0.5 else right
        builder.set_split(slot, int(rng.integers(n_features)), threshold, left, right, missing)
        grow(left, depth + 1)
        grow(right, depth + 1)

    for _ in range(n_trees):
        root = builder.new_node()
        builder.roots.append(root)
        grow(root, 0)
    return builder.build()


def adversarial_rows(rng: np.random.Generator, n: int, n_features: int) -> np.ndarray:
    X = rng.normal(size=(n, n_features)).astype(F32)
    specials = np.asarray([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-35, np.float32(1e-35) * 2], dtype=F32)
    mask = rng.random(X.shape) < 0.3
    X[mask] = rng.choice(specials, size=int(mask.sum()))
    return X


@pytest.mark.parametrize("n_docs", [1, 2, 3, 7, 64, 401])
def test_fast_walk_equals_generic_walk_bit_for_bit(n_docs: int) -> None:
    """Same leaf per (doc, tree) and same float32 score bits as the generic walk, for every document count."""
    rng = np.random.default_rng(n_docs)
    ensemble = random_ensemble(rng, 40, 5)
    assert ensemble._levelwise is not None
    X = adversarial_rows(rng, n_docs, 5)
    generic = ensemble._leaves_generic(X)
    assert np.array_equal(ensemble.leaves(X).view(np.int32), generic.view(np.int32))
    expected = np.zeros(n_docs, dtype=F32)
    for column in generic.T:  # the plugin's loop: 0f, then += each tree's leaf in order
        expected += column
    assert np.array_equal(ensemble.score(X).view(np.int32), expected.view(np.int32))


def test_nan_or_negative_infinite_thresholds_take_the_generic_walk() -> None:
    """A split at NaN or -inf cannot use the +-inf substitution for NaN; the generic walk keeps it exact."""
    rng = np.random.default_rng(5)
    for bad in (float("nan"), float("-inf")):
        ensemble = random_ensemble(rng, 10, 3, thresholds=[bad, 0.5])
        assert plan(ensemble.feature, ensemble.threshold, ensemble.yes, ensemble.no, ensemble.missing,
                    ensemble.leaf, ensemble.roots) is None
        X = adversarial_rows(rng, 20, 3)
        assert ensemble.score(X).shape == (20,)


def test_single_leaf_trees_and_a_negative_zero_first_leaf() -> None:
    """A one-leaf tree (``{"nodeid":0,"leaf":-0.0}``) first: the plugin's 0f + -0f = +0f, never -0.0."""
    builder = TreeBuilder()
    for value in (-0.0, -0.0):
        root = builder.new_node()
        builder.roots.append(root)
        builder.set_leaf(root, value)
    ensemble = builder.build()
    for n in (1, 5):
        score = ensemble.score(np.zeros((n, 1), F32))
        assert not np.signbit(score).any()


@pytest.mark.parametrize("n_docs", [1, 2, 5, 9, 400])
def test_ordered_sum_is_sequential(n_docs: int) -> None:
    """``ordered_sum`` adds rows strictly in order (values chosen so pairwise summation would differ)."""
    rng = np.random.default_rng(1)
    by_tree = np.concatenate([np.full((1, n_docs), 1e8, F32), rng.normal(size=(299, n_docs)).astype(F32) * 3])
    expected = np.zeros(n_docs, F32)
    for row in by_tree:
        expected += row
    assert np.array_equal(ordered_sum(by_tree).view(np.int32), expected.view(np.int32))


@pytest.mark.parametrize("version,key", [((3, 8, 0), "ltr_missing_honored_float32"),
                                         ((2, 19, 0), "ltr_dense_missing_as_0_float32")])
def test_oracle_model_fast_walk_matches_generic_and_the_oracle(version: tuple[int, int, int], key: str) -> None:
    """The LightGBM-converted oracle model (tests/data/oracle) on its 200 vectors: same leaves both ways and
    the oracle's float32 score bits (2.x reads a missing feature as 0.0)."""
    definition, vectors = oracle()
    ensemble = parse_xgboost_json(definition, vectors["feature_names_in_order"],
                                  PluginSemantics("opensearch", version)).ensemble
    fill = np.nan if version >= (3, 8, 0) else 0.0
    rows = vectors["vectors"]
    X = np.asarray([[fill if v is None else float(v) for v in row["features"]] for row in rows], dtype=F32)
    assert np.array_equal(ensemble.leaves(X).view(np.int32), ensemble._leaves_generic(X).view(np.int32))
    expected = np.asarray([float(row[key]) for row in rows], dtype=F32)
    assert np.array_equal(ensemble.score(X).view(np.int32), expected.view(np.int32))
