"""Additive decision-tree ensembles, flattened into arrays and evaluated for many documents at once.

Semantics are the plugin's ``NaiveAdditiveDecisionTree`` (``fidelity.md`` §2.2), bit for bit:

* thresholds and leaf values are float32; feature values are float32 scores;
* at a split, ``yes`` iff ``value < threshold`` (strict, in float32), otherwise ``no``;
* a NaN value goes to the node's ``missing`` target, which the parser sets per plugin version (the ``missing``
  child on OpenSearch >= 3.8 / o19s, always ``no`` on OpenSearch 3.2-3.7; 2.x never sees NaN);
* the score is ``sum = 0f; for tree in order: sum += leaf`` in float32, then the objective's normaliser.

Evaluation walks every (document, tree) pair level by level with numpy, dropping pairs as they reach a leaf,
so the cost is one vector operation per tree level rather than a Python step per node; the float32 sum is
accumulated tree by tree in order, never pairwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """float32 ``[n_docs, n_trees]``: the leaf value each tree gives each document."""
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
        leaves = self.leaves(X)
        total = np.zeros(leaves.shape[0], dtype=F32)
        for column in np.asfortranarray(leaves).T:
            total += column
        return total


def sigmoid(values: np.ndarray) -> np.ndarray:
    """``(float) (1 / (1 + Math.exp(-x)))`` on the float sum, computed in double (``Normalizers.SIGMOID``)."""
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-values.astype(np.float64)))).astype(F32)
