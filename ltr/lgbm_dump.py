"""Read a LightGBM model (``Booster``, model text, or ``dump_model()`` dict) into flat per-tree arrays.

The text format (``Booster.model_to_string``) is parsed directly: it carries every number the conversion needs
(thresholds as 17 significant digits, which round-trip the double exactly) and is much faster to read than
``dump_model()``'s nested JSON. Both inputs produce the same :class:`LgbmModel`:

* one :class:`LgbmTree` per tree, in ``tree_info`` order, with LightGBM's own layout: internal nodes ``0..n-2``
  (``split_feature``, ``threshold``, ``left_child``/``right_child`` where a negative ``c`` means leaf ``~c``)
  and ``leaf_value[0..n-1]``; a one-leaf tree has no internal node;
* ``decision_type`` decoded (``src/io/tree.cpp``): bit 0 categorical, bit 1 ``default_left``, bits 2-3 the
  missing type (0 ``None``, 1 ``Zero``, 2 ``NaN``).

Structural refusals that no conversion can get around (linear trees, several trees per iteration, averaged
output) are raised here as :class:`ConversionError`; per-split refusals are the converter's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MISSING_NONE, MISSING_ZERO, MISSING_NAN = 0, 1, 2
_MISSING_NAMES = {"None": MISSING_NONE, "Zero": MISSING_ZERO, "NaN": MISSING_NAN}


class ConversionError(ValueError):
    """A model that cannot be converted exactly; the message says why and what to do."""


@dataclass
class LgbmTree:
    split_feature: np.ndarray  # int64 [n_internal]
    threshold: np.ndarray  # float64 [n_internal]
    categorical: np.ndarray  # bool [n_internal]
    default_left: np.ndarray  # bool [n_internal]
    missing_type: np.ndarray  # int8 [n_internal]
    left_child: np.ndarray  # int64 [n_internal]
    right_child: np.ndarray  # int64 [n_internal]
    leaf_value: np.ndarray  # float64 [n_leaves]

    @property
    def num_splits(self) -> int:
        return int(self.split_feature.shape[0])


@dataclass
class LgbmModel:
    feature_names: list[str]
    objective: str  # the full objective line, e.g. "lambdarank" or "binary sigmoid:1"
    trees: list[LgbmTree]


def load_model(model: Any, num_iteration: int | None = None) -> LgbmModel:
    """A ``lightgbm.Booster``, a model text (``str``), a path to one, or a ``dump_model()`` dict.

    A Booster is read with ``model_to_string(num_iteration)``; ``None`` means LightGBM's default, the best
    iteration when early stopping recorded one: the same trees ``Booster.predict`` uses by default.
    """
    if isinstance(model, dict):
        return from_dump(model)
    if hasattr(model, "model_to_string"):
        return from_text(model.model_to_string(num_iteration=num_iteration))
    if isinstance(model, (bytes, bytearray)):
        model = model.decode("utf-8")
    if isinstance(model, Path):
        model = str(model)
    if isinstance(model, str) and not model.lstrip().startswith("tree"):
        path = Path(model)
        if not path.is_file():
            raise ConversionError(f"{model!r} is neither a LightGBM model text nor a file; pass a Booster, the "
                                  "text of Booster.model_to_string(), a path to model.txt, or dump_model()")
        model = path.read_text(encoding="utf-8")
    if not isinstance(model, str):
        raise ConversionError(f"cannot read a LightGBM model from a {type(model).__name__}; pass a Booster, "
                              "model text, a path, or a dump_model() dict")
    return from_text(model)


def _header_checks(num_tree_per_iteration: int, average_output: bool, where: str) -> None:
    if num_tree_per_iteration != 1:
        raise ConversionError(f"{where}: num_tree_per_iteration={num_tree_per_iteration} (a multiclass model); "
                              "the LTR plugin sums one score: train a single-output objective (lambdarank)")
    if average_output:
        raise ConversionError(f"{where}: the model averages its trees (boosting=rf); the plugin only sums "
                              "leaves and rescaling each leaf would add rounding: train with boosting=gbdt")


def from_text(text: str) -> LgbmModel:
    head, sep, rest = text.partition("\nTree=")
    if not head.startswith("tree"):
        raise ConversionError("not a LightGBM model text (it must start with 'tree'); pass model.txt as "
                              "written by Booster.save_model()")
    header = _key_values(head)
    _header_checks(int(header.get("num_tree_per_iteration", "1")), "average_output" in header, "model text")
    names = header.get("feature_names", "").split()
    body = (sep + rest).split("end of trees")[0]
    trees = [_tree_from_block(_key_values(block), k) for k, block in enumerate(body.split("\nTree=")[1:])]
    return LgbmModel(names, header.get("objective", ""), trees)


def _key_values(block: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.splitlines():
        key, eq, value = line.partition("=")
        if eq:
            out[key.strip()] = value.strip()
        elif line.strip():
            out[line.strip()] = ""
    return out


def _array(kv: dict[str, str], key: str, dtype: Any) -> np.ndarray:
    value = kv.get(key, "")
    return np.array(value.split(), dtype=dtype) if value else np.zeros(0, dtype=dtype)


def _tree_from_block(kv: dict[str, str], index: int) -> LgbmTree:
    if kv.get("is_linear", "0") not in ("0", ""):
        raise ConversionError(f"tree {index} is a linear tree (linear_tree=true): its leaves are linear "
                              "functions, which model/xgboost+json cannot express; retrain with linear_tree=false")
    decision = _array(kv, "decision_type", np.int64)
    tree = LgbmTree(
        split_feature=_array(kv, "split_feature", np.int64),
        threshold=_array(kv, "threshold", np.float64),
        categorical=(decision & 1).astype(bool),
        default_left=(decision & 2).astype(bool),
        missing_type=((decision >> 2) & 3).astype(np.int8),
        left_child=_array(kv, "left_child", np.int64),
        right_child=_array(kv, "right_child", np.int64),
        leaf_value=_array(kv, "leaf_value", np.float64))
    if tree.leaf_value.shape[0] != int(kv.get("num_leaves", "1")) or \
            tree.threshold.shape[0] != tree.leaf_value.shape[0] - 1:
        raise ConversionError(f"tree {index} of the model text is malformed (num_leaves, threshold and "
                              "leaf_value disagree); re-save the model with Booster.save_model()")
    return tree


def from_dump(dump: dict[str, Any]) -> LgbmModel:
    """``Booster.dump_model()`` (``Tree::ToJSON``)."""
    if "tree_info" not in dump:
        raise ConversionError("not a LightGBM dump_model() dict (no 'tree_info')")
    _header_checks(int(dump.get("num_tree_per_iteration", 1)), bool(dump.get("average_output")), "dump_model()")
    trees = [_tree_from_dump(info["tree_structure"], k) for k, info in enumerate(dump["tree_info"])]
    return LgbmModel(list(dump.get("feature_names", [])), str(dump.get("objective", "")), trees)


def _tree_from_dump(root: dict[str, Any], index: int) -> LgbmTree:
    splits: dict[int, dict[str, Any]] = {}
    leaves: dict[int, dict[str, Any]] = {}

    def ref(node: dict[str, Any]) -> int:
        if "leaf_value" in node:
            return ~int(node.get("leaf_index", 0))
        return int(node["split_index"])

    stack = [root]
    while stack:
        node = stack.pop()
        if "leaf_value" in node:
            if "leaf_coeff" in node:
                raise ConversionError(f"tree {index} is a linear tree (linear_tree=true): its leaves are linear "
                                      "functions, which model/xgboost+json cannot express; retrain with "
                                      "linear_tree=false")
            leaves[int(node.get("leaf_index", 0))] = node
        else:
            splits[int(node["split_index"])] = node
            stack += [node["left_child"], node["right_child"]]
    n = len(splits)
    order = [splits[i] for i in range(n)]
    return LgbmTree(
        split_feature=np.array([s["split_feature"] for s in order], dtype=np.int64),
        threshold=np.array([0.0 if s["decision_type"] == "==" else float(s["threshold"]) for s in order],
                           dtype=np.float64),
        categorical=np.array([s["decision_type"] == "==" for s in order], dtype=bool),
        default_left=np.array([bool(s.get("default_left")) for s in order], dtype=bool),
        missing_type=np.array([_MISSING_NAMES.get(s.get("missing_type", "None"), 0) for s in order],
                              dtype=np.int8),
        left_child=np.array([ref(s["left_child"]) for s in order], dtype=np.int64),
        right_child=np.array([ref(s["right_child"]) for s in order], dtype=np.int64),
        leaf_value=np.array([leaves[j]["leaf_value"] for j in range(len(leaves))], dtype=np.float64))
