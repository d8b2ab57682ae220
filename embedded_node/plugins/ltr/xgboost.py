"""``model/xgboost+json`` and ``model/xgboost+json+raw``: the plugin's parsers, into :class:`FlatEnsemble`.

``XGBoostJsonParser`` (``reference/ltr-plugin.md`` §1.6): the definition is a bare array of trees
(``get_dump(dump_format="json")``) or ``{"objective", "splits", "missing_as_zero"}``; split nodes need
``nodeid``, ``depth``, ``split`` (a feature *name*), ``split_condition``, ``yes``, ``no``, ``children``
(``[yes-child, no-child]``); leaves ``nodeid`` and ``leaf``; unknown fields (``gain``, ``cover``) are rejected
by the strict ObjectParser. ``XGBoostRawJsonParser`` reads ``Booster.save_model`` JSON leniently, remaps
``feature_names`` to set ordinals, requires float feature types and reads leaves from ``base_weights``.

Where NaN goes is resolved here, per emulated version (:mod:`.versions`), into each node's ``missing`` target.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .ltr_errors import model_parsing
from .trees import FlatEnsemble, TreeBuilder
from .versions import NAN_MISSING, PluginSemantics

NOOP_OBJECTIVES = {"binary:logitraw", "rank:pairwise", "reg:linear"}
RANKING_OBJECTIVES = {"rank:ndcg", "rank:map"}
SIGMOID_OBJECTIVES = {"binary:logistic", "reg:logistic"}
_NODE_FIELDS = {"nodeid": int, "depth": int, "split": str, "split_condition": float, "yes": int, "no": int,
                "missing": int, "leaf": float, "children": list}


@dataclass
class XGBoostModel:
    ensemble: FlatEnsemble
    sigmoid: bool
    missing_as_zero: bool


def objective_is_sigmoid(objective: str | None, sem: PluginSemantics) -> bool:
    """``XGBoostJsonParser.XGBoostDefinition.setNormalizer``."""
    if objective is None or objective in NOOP_OBJECTIVES:
        return False
    if objective in RANKING_OBJECTIVES and sem.ranking_objectives:
        return False
    if objective in SIGMOID_OBJECTIVES:
        return True
    raise model_parsing(f"Objective [{objective}] is not a valid XGBoost objective")


def _as_json(definition: Any) -> Any:
    if isinstance(definition, str):
        try:
            return json.loads(definition)
        except ValueError as exc:
            raise model_parsing(f"Failed to parse the model definition as JSON: {exc}") from None
    return definition


def parse_xgboost_json(definition: Any, features: list[str], sem: PluginSemantics) -> XGBoostModel:
    data = _as_json(definition)
    objective: str | None = None
    missing_as_zero = False
    if isinstance(data, list):
        trees = data
    elif isinstance(data, dict):
        allowed = {"objective", "splits"} | ({"missing_as_zero"} if sem.model_missing_as_zero else set())
        for key in data:
            if key not in allowed:
                raise model_parsing(f"[xgboost_definition] unknown field [{key}]")
        if "objective" in data:
            if not isinstance(data["objective"], str):
                raise model_parsing("[xgboost_definition] failed to parse field [objective]")
            objective = data["objective"]
        if "missing_as_zero" in data:
            if not isinstance(data["missing_as_zero"], bool):
                raise model_parsing("[xgboost_definition] failed to parse field [missing_as_zero]")
            missing_as_zero = data["missing_as_zero"]
        trees = data.get("splits")
        if not isinstance(trees, list):
            raise model_parsing("[xgboost_definition] failed to parse field [splits]")
    else:
        raise model_parsing("An xgboost model definition must be an array of trees or an object with "
                            "[splits]")
    sigmoid = objective_is_sigmoid(objective, sem)
    if not trees:
        raise model_parsing("XGBoost model must contain at least one tree")
    ordinals = {name: i for i, name in enumerate(features)}
    honour_missing = sem.tree_missing == NAN_MISSING and not missing_as_zero
    builder = TreeBuilder()
    for tree in trees:
        root = builder.new_node()
        builder.roots.append(root)
        _build_node(builder, root, tree, ordinals, sem, honour_missing)
    return XGBoostModel(builder.build(), sigmoid, missing_as_zero)


def _check_node(node: Any) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise model_parsing("[xgboost_tree] a tree node must be an object")
    for key, value in node.items():
        kind = _NODE_FIELDS.get(key)
        if kind is None:
            raise model_parsing(f"[xgboost_tree] unknown field [{key}]")
        if kind in (int, float):
            ok = isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise model_parsing(f"[xgboost_tree] failed to parse field [{key}]")
    return node


def _build_node(builder: TreeBuilder, slot: int, raw: Any, ordinals: dict[str, int], sem: PluginSemantics,
                honour_missing: bool) -> None:
    # Iterative (explicit stack) so a deep tree cannot hit Python's recursion limit.
    stack = [(slot, raw)]
    while stack:
        slot, raw = stack.pop()
        node = _check_node(raw)
        children = node.get("children")
        is_split = all(k in node for k in ("nodeid", "depth", "split", "split_condition", "yes", "no")) \
            and isinstance(children, list) and len(children) == 2
        is_leaf = "nodeid" in node and "leaf" in node and not children
        if not is_split:
            if not is_leaf:
                raise model_parsing("This split does not have all the required fields")
            builder.set_leaf(slot, float(node["leaf"]))
            continue
        yes_child, no_child = (_check_node(c) for c in children)  # type: ignore[union-attr]
        yes, no = node["yes"], node["no"]
        missing = node.get("missing")
        if yes_child.get("nodeid") != yes or no_child.get("nodeid") != no or \
                (missing is not None and sem.xgboost_missing_validated and missing not in (yes, no)):
            raise model_parsing("Split structure is invalid, yes, no and/or missing branches does not point "
                                "to the proper children.")
        if missing is None and sem.xgboost_missing_required:
            raise model_parsing(f"Cannot invoke \"java.lang.Integer.intValue()\" because the [missing] of "
                                f"split node [{node['nodeid']}] is null")
        if node["split"] not in ordinals:
            raise model_parsing(f"Unknown feature [{node['split']}]")
        left, right = builder.new_node(), builder.new_node()
        target = left if honour_missing and missing == yes else right
        builder.set_split(slot, ordinals[node["split"]], float(node["split_condition"]), left, right, target)
        stack.append((right, no_child))
        stack.append((left, yes_child))


def parse_xgboost_raw(definition: Any, features: list[str], sem: PluginSemantics) -> XGBoostModel:
    """``XGBoostRawJsonParser``: ``Booster.save_model`` JSON (lenient about unknown fields)."""
    data = _as_json(definition)
    learner = _path(data, "learner")
    names = _path(learner, "feature_names", "learner")
    types = learner.get("feature_types") or ["float"] * len(names)
    if not isinstance(names, list) or not isinstance(types, list):
        raise model_parsing("[learner.feature_names] and [learner.feature_types] must be arrays")
    for ftype in types:
        if ftype != "float":
            raise model_parsing(f"The LTR plugin only supports float feature types because scores are always "
                                f"float32, found feature type [{ftype}]")
    objective = _path(_path(learner, "objective", "learner"), "name", "learner.objective")
    sigmoid = objective_is_sigmoid(objective, sem)
    booster = _path(learner, "gradient_booster", "learner")
    if booster.get("name", "gbtree") != "gbtree":
        raise model_parsing(f"Unsupported gradient booster [{booster.get('name')}], only [gbtree] is "
                            "supported")
    model = _path(booster, "model", "learner.gradient_booster")
    trees = _path(model, "trees", "learner.gradient_booster.model")
    if not isinstance(trees, list) or not trees:
        raise model_parsing("XGBoost model must contain at least one tree")
    ordinals = {}
    for name in names:
        if name not in features:
            raise model_parsing(f"Unknown feature [{name}]")
        ordinals[len(ordinals)] = features.index(name)
    honour_missing = sem.raw_tree_missing == NAN_MISSING
    builder = TreeBuilder()
    for tree in trees:
        _build_raw_tree(builder, tree, ordinals, honour_missing)
    return XGBoostModel(builder.build(), sigmoid, False)


def _path(obj: Any, key: str, where: str = "") -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise model_parsing(f"Missing field [{where + '.' if where else ''}{key}] in the raw xgboost model")
    return obj[key]


MAX_TREE_DEPTH = 1000  # deeper than any boosted tree; bounds the walk the plugin does recursively


def _int_array(tree: dict[str, Any], key: str) -> list[int]:
    values = tree.get(key)
    if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise model_parsing(f"[tree] failed to parse field [{key}]: expected an array of integers")
    return values


def _number_array(tree: dict[str, Any], key: str) -> list[float]:
    values = tree.get(key)
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in values):
        raise model_parsing(f"[tree] failed to parse field [{key}]: expected an array of numbers")
    return values


def _raw_arrays(tree: Any) -> tuple[list[int], list[int], list[int], list[float], list[float], list[Any]]:
    if not isinstance(tree, dict):
        raise model_parsing("A raw xgboost tree must be an object")
    missing = [k for k in ("left_children", "right_children", "split_indices", "split_conditions",
                           "base_weights") if k not in tree]
    if missing:
        raise model_parsing(f"A raw xgboost tree needs left_children, right_children, split_indices, "
                            f"split_conditions and base_weights; missing {missing}")
    left, right = _int_array(tree, "left_children"), _int_array(tree, "right_children")
    split_index = _int_array(tree, "split_indices")
    cond, weights = _number_array(tree, "split_conditions"), _number_array(tree, "base_weights")
    default_left = tree.get("default_left", [0] * len(left))
    if not isinstance(default_left, list) or not all(isinstance(v, (int, bool)) for v in default_left):
        raise model_parsing("[tree] failed to parse field [default_left]: expected an array of 0/1")
    return left, right, split_index, cond, weights, default_left


def _check_raw_shape(left: list[int], right: list[int]) -> None:
    """Every node reachable from the root exactly once (no cycle, no shared subtree), depth bounded: a cyclic
    tree would otherwise make every ``sltr`` evaluation walk forever."""
    size = len(left)
    seen = [False] * size
    stack = [(0, 0)]
    while stack:
        node, depth = stack.pop()
        if seen[node]:
            raise model_parsing(f"A raw xgboost tree is not a tree: node [{node}] is reached twice (a cycle or "
                                "a shared child); every node must have exactly one parent")
        if depth > MAX_TREE_DEPTH:
            raise model_parsing(f"A raw xgboost tree is deeper than {MAX_TREE_DEPTH} levels")
        seen[node] = True
        if left[node] == -1:
            continue
        for child in (left[node], right[node]):
            if not 0 <= child < size:
                raise model_parsing(f"A raw xgboost tree node [{node}] points outside the tree (child [{child}], "
                                    f"{size} nodes)")
            stack.append((child, depth + 1))


def _build_raw_tree(builder: TreeBuilder, tree: Any, ordinals: dict[int, int], honour_missing: bool) -> None:
    left, right, split_index, cond, weights, default_left = _raw_arrays(tree)
    size = len(left)
    if not size or any(len(a) != size for a in (right, split_index, cond, weights, default_left)):
        raise model_parsing("A raw xgboost tree has arrays of different lengths")
    _check_raw_shape(left, right)
    slots = [builder.new_node() for _ in range(size)]
    builder.roots.append(slots[0])
    for i in range(size):
        if left[i] == -1:
            builder.set_leaf(slots[i], float(weights[i]))
            continue
        feature = ordinals.get(int(split_index[i]))
        if feature is None:
            raise model_parsing(f"Split index [{split_index[i]}] is not a known feature")
        threshold = float(cond[i])
        yes, no = slots[left[i]], slots[right[i]]
        target = yes if honour_missing and bool(default_left[i]) else no
        builder.set_split(slots[i], feature, threshold, yes, no, target)
