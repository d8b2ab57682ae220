"""Fast evaluation of a :class:`~.trees.FlatEnsemble`: every (tree, document) pair walked level by level.

Why it is shaped like this (``bench/bench_tree_eval.py`` measures it beside LightGBM's C++ predict): boosted
trees from LightGBM are grown leaf-wise and are very unbalanced (in the benchmark's 300-tree model a document
reaches its leaf after 2.7 splits on average while trees are 7-18 levels deep), so the walk keeps only the pairs
that are still moving and does as few array passes per level as it can:

* **Children are adjacent.** Nodes are renumbered breadth-first (all trees at once, level by level, in numpy)
  so that a split's ``no`` child follows its ``yes`` child; the next node is ``first_child + (value >=
  threshold)``, one gather and one add.
* **NaN is resolved before the walk.** The plugin sends NaN to the node's ``missing`` child. Each node reads its
  feature from one of two copies of the (transposed) feature matrix: one where NaN is ``+inf``, for nodes whose
  NaN goes ``no`` (``+inf >= t`` for every threshold the fast path accepts), and one where NaN is ``-inf``, for
  nodes whose NaN goes ``yes`` (``-inf >= t`` is false). For every non-NaN value ``value >= t`` is exactly
  ``not (value < t)`` in float32, the plugin's test, so routing is bit for bit the plugin's. A split with a NaN
  or ``-inf`` threshold would break the trick; such an ensemble (none comes out of a converter) is evaluated by
  the generic walk in :mod:`.trees`.
* **Leaves are found by their threshold.** Leaves carry a NaN threshold, which the next level gathers anyway;
  pairs that reached one are written out and compacted away with one ``flatnonzero`` per level.
* **The root level is cached per document count**, since it is the same for every call with ``n`` documents
  and is the widest level.

The float32 sum in tree order is done by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F32 = np.float32


@dataclass
class LevelwisePlan:
    """The renumbered ensemble: per node its feature row (in the doubled matrix), threshold and first child."""

    feature_row: np.ndarray  # int32: feature, or feature + n_features when NaN goes ``yes``; 0 at leaves
    threshold: np.ndarray  # float32: NaN at leaves
    first_child: np.ndarray  # intp: the ``yes`` child (``no`` = +1); the node itself at leaves
    leaf: np.ndarray  # float32 leaf values (0 at splits)
    roots: np.ndarray  # int32, in tree order
    n_features: int
    tree_of_node: np.ndarray  # intp: the tree each node belongs to
    leaf_roots: bool  # whether some tree is a single leaf


def plan(feature: np.ndarray, threshold: np.ndarray, yes: np.ndarray, no: np.ndarray, missing: np.ndarray,
         leaf: np.ndarray, roots: np.ndarray) -> LevelwisePlan | None:
    """Renumber the trees for the level-wise walk, or ``None`` when the fast path would not be exact."""
    is_split = feature >= 0
    split_thr = threshold[is_split]
    if np.isnan(split_thr).any() or np.isneginf(split_thr).any():
        return None
    if not np.all((missing[is_split] == yes[is_split]) | (missing[is_split] == no[is_split])):
        return None
    n_features = int(feature.max()) + 1 if is_split.any() else 1
    # breadth-first over all trees at once: the roots take ids 0..T-1, then each level's splits allocate their
    # two children as an adjacent pair after everything allocated so far
    n_trees = roots.shape[0]
    old_of_new = [roots.astype(np.intp)]
    tree_of_new = [np.arange(n_trees, dtype=np.intp)]
    first_child_parts: list[np.ndarray] = []
    frontier_old, frontier_tree = old_of_new[0], tree_of_new[0]
    allocated = n_trees
    while frontier_old.size:
        splits = feature[frontier_old] >= 0
        k = int(splits.sum())
        first = np.full(frontier_old.shape[0], -1, dtype=np.intp)
        first[splits] = allocated + 2 * np.arange(k, dtype=np.intp)
        first_child_parts.append(first)
        split_old = frontier_old[splits]
        frontier_old = np.empty(2 * k, dtype=np.intp)
        frontier_old[0::2], frontier_old[1::2] = yes[split_old], no[split_old]
        frontier_tree = np.repeat(frontier_tree[splits], 2)
        old_of_new.append(frontier_old)
        tree_of_new.append(frontier_tree)
        allocated += 2 * k
        if allocated > feature.shape[0]:  # a node reached twice: not a forest (parsers reject these)
            return None
    old = np.concatenate(old_of_new)
    first_child = np.concatenate(first_child_parts)
    leaf_mask = feature[old] < 0
    new_ids = np.arange(old.shape[0], dtype=np.intp)
    first_child[leaf_mask] = new_ids[leaf_mask]  # leaves loop to themselves
    nan_yes = (missing[old] == yes[old]) & (yes[old] != no[old])
    feature_row = np.where(leaf_mask, 0, feature[old] + np.where(nan_yes, n_features, 0)).astype(np.int32)
    with np.errstate(invalid="ignore"):
        node_threshold = np.where(leaf_mask, np.float32(np.nan), threshold[old]).astype(F32)
    node_leaf = np.where(leaf_mask, leaf[old], 0).astype(F32)
    return LevelwisePlan(
        feature_row=feature_row,
        threshold=node_threshold,
        first_child=first_child,
        leaf=node_leaf,
        roots=np.arange(n_trees, dtype=np.int32),
        n_features=n_features,
        tree_of_node=np.concatenate(tree_of_new),
        leaf_roots=bool((feature[roots] < 0).any()),
    )


def _first_level(p: LevelwisePlan, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per document count ``n``: every pair's id, and the root level's matrix index, threshold and first child
    (the same for every call with ``n`` documents, so kept for the last few ``n``)."""
    cache = p.__dict__.setdefault("_first_level", {})
    hit = cache.get(n)
    if hit is None:
        n_trees = p.roots.shape[0]
        pair = np.arange(n_trees * n, dtype=np.intp)
        roots = np.repeat(p.roots.astype(np.intp), n)
        # matrix index of (node, doc) = feature_row * n + doc, and doc = pair - tree * n
        index = (p.feature_row[roots].astype(np.intp) - np.repeat(np.arange(n_trees, dtype=np.intp), n)) * n + pair
        hit = (pair, index, p.threshold[roots], p.first_child[roots])
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        cache[n] = hit
    return hit


def leaf_values(p: LevelwisePlan, X: np.ndarray) -> np.ndarray:
    """float32 ``[n_trees, n_docs]`` in tree order: the leaf each tree gives each document.

    State per active (tree, document) pair is its node and its pair id (``tree * n + doc``); the document's
    feature value sits at ``offset[node] + pair`` with ``offset = (feature_row - tree) * n``, so one gather
    finds it. Each level compacts away the pairs that reached a leaf, writing their leaf value out.
    """
    n = X.shape[0]
    n_trees = p.roots.shape[0]
    X = np.ascontiguousarray(X, dtype=F32)
    if X.shape[1] < p.n_features:  # a split on a feature the vector does not have cannot be evaluated
        raise IndexError(f"the model reads feature {p.n_features - 1} but the vector has {X.shape[1]}")
    cols = X.T[:p.n_features]
    nan = np.isnan(cols)
    doubled = np.empty((2 * p.n_features, n), dtype=F32)
    doubled[:p.n_features] = np.where(nan, F32(np.inf), cols)
    doubled[p.n_features:] = np.where(nan, F32(-np.inf), cols)
    flat_x = doubled.ravel()
    offset = (p.feature_row.astype(np.intp) - p.tree_of_node) * n
    threshold, first_child, leaf = p.threshold, p.first_child, p.leaf
    out = np.empty(n_trees * n, dtype=F32)  # by pair: tree * n + doc
    pair, index, root_threshold, root_child = _first_level(p, n)
    if p.leaf_roots:  # single-leaf trees: their pairs are done before the walk
        roots = np.repeat(p.roots.astype(np.intp), n)
        root_leaf = np.isnan(root_threshold)
        out[root_leaf] = leaf[roots[root_leaf]]
        keep = np.flatnonzero(~root_leaf)
        pair, index, root_threshold, root_child = pair[keep], index[keep], root_threshold[keep], root_child[keep]
    node = root_child + (flat_x[index] >= root_threshold)
    while node.size:
        node_threshold = threshold[node]
        done = np.isnan(node_threshold)  # leaves carry a NaN threshold
        if done.any():
            finished = np.flatnonzero(done)
            out[pair[finished]] = leaf[node[finished]]
            keep = np.flatnonzero(~done)
            node, pair, node_threshold = node[keep], pair[keep], node_threshold[keep]
            if not node.size:
                break
        value = flat_x[offset[node] + pair]
        node = first_child[node] + (value >= node_threshold)
    return out.reshape(n_trees, n)
