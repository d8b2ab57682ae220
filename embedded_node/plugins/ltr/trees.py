"""Additive decision-tree ensembles, flattened into arrays and evaluated for many documents at once.

Semantics are the plugin's ``NaiveAdditiveDecisionTree`` (``fidelity.md`` §2.2), bit for bit:

* thresholds and leaf values are float32; feature values are float32 scores;
* at a split, ``yes`` iff ``value < threshold`` (strict, in float32), otherwise ``no``;
* a NaN value goes to the node's ``missing`` target, which the parser sets per plugin version (the ``missing``
  child on OpenSearch >= 3.8 / o19s, always ``no`` on OpenSearch 3.2-3.7; 2.x never sees NaN);
* the score is ``sum = 0f; for tree in order: sum += leaf`` in float32, then the objective's normaliser.

Evaluation walks every (tree, document) pair level by level with numpy (:mod:`.tree_eval`: depth-sorted trees,
adjacent children, NaN resolved up front), so the cost is a few vector operations per tree level rather than a
Python step per node; ensembles that plan cannot take exactly (a NaN or -inf split threshold) use the generic
walk here, which drops pairs as they reach a leaf. The float32 sum is accumulated tree by tree in order
(:func:`ordered_sum`), never pairwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .tree_eval import LevelwisePlan, leaf_values, plan

F32 = np.float32


@dataclass
class TreeBuilder:
    """Collects nodes of many trees; node ids are global indices into the flat arrays."""

    feature: list[int] = field(default_factory=list)
    threshold: list[float] = field(default_factory=list)
    yes: list[int] = field(default_factory=list)
    no: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    leaf: list[float] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)

    def new_node(self) -> int:
        self.feature.append(-1)
        self.threshold.append(0.0)
        self.yes.append(-1)
        self.no.append(-1)
        self.missing.append(-1)
        self.leaf.append(0.0)
        return len(self.feature) - 1

    def set_leaf(self, node: int, value: float) -> None:
        self.feature[node] = -1
        self.leaf[node] = value
        self.yes[node] = self.no[node] = self.missing[node] = node

    def set_split(self, node: int, feature: int, threshold: float, yes: int, no: int, missing: int) -> None:
        self.feature[node] = feature
        self.threshold[node] = threshold
        self.yes[node], self.no[node], self.missing[node] = yes, no, missing

    def build(self) -> "FlatEnsemble":
        with np.errstate(over="ignore"):
            threshold = np.asarray(self.threshold, dtype=np.float64).astype(F32)
            leaf = np.asarray(self.leaf, dtype=np.float64).astype(F32)
        ints = [np.asarray(v, dtype=np.int32)
                for v in (self.feature, self.yes, self.no, self.missing, self.roots)]
        return FlatEnsemble(ints[0], threshold, ints[1], ints[2], ints[3], leaf, ints[4])


@dataclass
class FlatEnsemble:
    """Trees as parallel arrays; leaves loop to themselves so a finished walk stays put."""

    feature: np.ndarray  # int32, -1 at leaves
    threshold: np.ndarray  # float32
    yes: np.ndarray  # int32
    no: np.ndarray  # int32
    missing: np.ndarray  # int32: where NaN goes (already resolved to yes/no per plugin version)
    leaf: np.ndarray  # float32, 0 at splits
    roots: np.ndarray  # int32, tree order

    @property
    def is_leaf(self) -> np.ndarray:
        return self.feature < 0

    @property
    def num_trees(self) -> int:
        return int(self.roots.shape[0])

    @cached_property
    def _levelwise(self) -> LevelwisePlan | None:
        return plan(self.feature, self.threshold, self.yes, self.no, self.missing, self.leaf, self.roots)

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """float32 ``[n_docs, n_trees]``: the leaf value each tree gives each document."""
        if X.shape[0] == 0 or self.num_trees == 0:
            return np.zeros((X.shape[0], self.num_trees), dtype=F32)
        levelwise = self._levelwise
        if levelwise is not None:
            return leaf_values(levelwise, X).T
        return self._leaves_generic(X)

    def _leaves_generic(self, X: np.ndarray) -> np.ndarray:
        n, n_feat = X.shape
        n_trees = self.num_trees
        if n == 0 or n_trees == 0:
            return np.zeros((n, n_trees), dtype=F32)
        flat_x = np.ascontiguousarray(X, dtype=F32).ravel()
        node = np.tile(self.roots, n)  # pair p = doc * n_trees + tree
        row_base = np.repeat(np.arange(n, dtype=np.int64) * n_feat, n_trees)
        is_leaf = self.is_leaf
        active = np.flatnonzero(~is_leaf[node])
        feature, threshold, yes, no, missing = self.feature, self.threshold, self.yes, self.no, self.missing
        while active.size:
            nd = node[active]
            value = flat_x[row_base[active] + feature[nd]]
            nxt = np.where(value < threshold[nd], yes[nd], no[nd])
            nan = np.isnan(value)
            if nan.any():
                nxt[nan] = missing[nd[nan]]
            node[active] = nxt
            active = active[~is_leaf[nxt]]
        return self.leaf[node].reshape(n, n_trees)

    def score(self, X: np.ndarray) -> np.ndarray:
        """float32 sum of leaves in tree order (``NaiveAdditiveDecisionTree.score``)."""
        if X.shape[0] == 0 or self.num_trees == 0:
            return np.zeros(X.shape[0], dtype=F32)
        levelwise = self._levelwise
        by_tree = leaf_values(levelwise, X) if levelwise is not None else self._leaves_generic(X).T
        return ordered_sum(by_tree)


def ordered_sum(by_tree: np.ndarray) -> np.ndarray:
    """``sum = 0f; for tree in order: sum += leaf`` per document, in float32, for ``[n_trees, n_docs]``.

    Reducing a C-contiguous matrix over its outer axis adds whole rows in order (numpy uses pairwise summation
    only along the contiguous axis, ``numpy.sum`` notes); with one document that axis would be the contiguous
    one, so a single document is summed by an explicit loop. Starting from the first leaf instead of 0f differs
    only for a -0.0 first leaf (``0f + -0f = +0f``), which the final ``+ 0`` restores."""
    by_tree = np.ascontiguousarray(by_tree, dtype=F32)
    if by_tree.shape[1] >= 2:
        return np.add.reduce(by_tree, axis=0, dtype=F32) + F32(0)
    total = np.zeros(by_tree.shape[1], dtype=F32)
    for row in by_tree:
        total += row
    return total


def sigmoid(values: np.ndarray) -> np.ndarray:
    """``(float) (1 / (1 + Math.exp(-x)))`` on the float sum, computed in double (``Normalizers.SIGMOID``)."""
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-values.astype(np.float64)))).astype(F32)
