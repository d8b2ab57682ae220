"""Exact conversion of a LightGBM model to the LTR plugin's ``model/xgboost+json`` (DESIGN §6).

Rules (``reference/fidelity.md`` §3.2, §5, §7), applied split by split:

* LightGBM goes left when ``value <= threshold`` in double; the plugin goes ``yes`` when
  ``float32(value) < split_condition`` in float32. ``split_condition = nextup_f32(floor_f32(threshold))``
  makes the two agree for every float32 value; ``yes`` is LightGBM's left child, ``no`` its right child.
* LightGBM reads every ``|x| <= 1e-35f`` as 0.0 at predict time (``kZeroThreshold``). Outside
  ``missing_type=Zero`` this zero band only matters for thresholds inside it (``-1e-35f <= thr < 1e-35f``,
  which real models emit): there the band goes where 0.0 goes, so the split becomes ``x < nextup(1e-35f)``
  when ``0 <= thr`` and ``x < -1e-35f`` when ``thr < 0`` -- one split, nothing duplicated (the three-node
  expansion of fidelity.md §3.2 rule 4 collapses to this when the band side is the side of 0.0).
* ``missing`` points where LightGBM sends NaN: the default side for ``NaN`` splits, the side of 0.0 for
  ``None`` splits. It is always written (o19s unboxes it; OpenSearch >= 3.8 honours it).
* thresholds that overflow float32 (``1e300`` for "always") become ``1e39``, which reads as +Infinity.
* leaves are written as the exact decimal of their float32 value; objective ``rank:pairwise`` (no transform);
  nothing is added for a base score (LightGBM has folded it, and the learning rate, into the leaves).

Missing features depend on the plugin version (``reference/ltr-plugin.md`` §1.7). The JSON is the same for
every version; what differs is whether it is *exact* for the feature vectors that version produces:

* ``nan_missing`` (OpenSearch >= 3.8, o19s ES LTR >= 1.5.9 / ES 8.11.4): an unmatched feature is NaN and goes to
  ``missing``: exact for every vector, NaN included.
* ``dense`` (OpenSearch LTR <= 3.1, every 2.x; o19s before ES 8.11.4): an unmatched feature reads 0.0 and the
  model never sees NaN. A model with ``NaN`` splits learned a NaN that this plugin never produces (documents
  missing a feature would be scored as if it were 0.0): refused unless ``assume_no_missing``.
* ``nan_no`` (OpenSearch LTR 3.2-3.7): NaN always goes ``no`` whatever ``missing`` says (bug #378): refused
  if any split sends NaN to ``yes`` (LightGBM-left), unless ``assume_no_missing``.

Feature values are finite float32 or NaN (missing); +-Infinity is outside the contract: a threshold of ``inf``
in the model text (a split that separates NaN from every value) sends ``+inf`` left in ``Booster.predict``,
which a strict ``<`` cannot express (``dump_model()`` writes the same threshold as ``1e300``, which sends it
right). Every finite value and NaN route exactly.

``assume_no_missing=True`` is the caller's promise that no feature is ever missing at serving time (every feature
matches every document, DESIGN §5), so those checks do not apply.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .lgbm_dump import MISSING_NAN, MISSING_ZERO, ConversionError, LgbmModel, LgbmTree, load_model

__all__ = ["ConversionError", "Conversion", "convert", "convert_model", "createmodel_body", "definition_json",
           "missing_semantics", "split_conditions", "DENSE", "NAN_NO", "NAN_MISSING"]

F32 = np.float32
DENSE, NAN_NO, NAN_MISSING = "dense", "nan_no", "nan_missing"
ZERO_BAND = float(F32(1e-35))  # LightGBM kZeroThreshold (1e-35f) as a double: 1.0000000180025095e-35
_ABOVE_BAND = float(np.nextafter(F32(ZERO_BAND), F32(np.inf)))
INFINITY_JSON = 1e39  # JSON has no Infinity; 1e39 parses to float32 +Infinity
_OBJECTIVES = {"lambdarank": "rank:pairwise", "rank_xendcg": "rank:pairwise", "regression": "rank:pairwise",
               "regression_l1": "rank:pairwise", "huber": "rank:pairwise", "fair": "rank:pairwise",
               "quantile": "rank:pairwise", "mape": "rank:pairwise"}


@dataclass
class Conversion:
    """The ``definition`` plus what the conversion found (for records and messages)."""

    definition: dict[str, Any]
    feature_names: list[str]
    semantics: str
    trees: int = 0
    splits: int = 0
    zero_band_splits: int = 0
    infinite_conditions: int = 0
    missing_types: dict[str, int] = field(default_factory=dict)


def _version(text: str) -> tuple[int, int, int]:
    parts = []
    for piece in str(text).split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple((parts + [0, 0, 0])[:3])  # type: ignore[return-value]


def missing_semantics(plugin_version: str | None = None, distribution: str = "opensearch") -> str:
    """How ``model/xgboost+json`` sees an unmatched feature on a cluster (``reference/ltr-plugin.md`` §1.7).

    ``plugin_version`` is the OpenSearch version (or the LTR plugin's, e.g. ``"2.19.6.0"``; the first three
    parts count); for ``distribution="elasticsearch"`` it is the Elasticsearch version. ``None`` means the
    current behaviour (``nan_missing``).
    """
    if plugin_version is None:
        return NAN_MISSING
    version = _version(plugin_version)
    if distribution.lower() in ("elasticsearch", "es", "o19s"):
        return NAN_MISSING if version >= (8, 11, 4) else DENSE
    if distribution.lower() != "opensearch":
        raise ConversionError(f"unknown distribution {distribution!r}: use 'opensearch' or 'elasticsearch'")
    if version >= (3, 8, 0):
        return NAN_MISSING
    if version >= (3, 2, 0):
        return NAN_NO
    return DENSE


def split_conditions(threshold: np.ndarray) -> np.ndarray:
    """float64 array of float32 values: ``split_condition`` for each LightGBM threshold (non-Zero splits).

    For every float32 ``x`` read as LightGBM reads it (``|x| <= 1e-35f`` as 0.0), ``x <= thr`` iff
    ``x < result``. ``+inf`` where ``floor_f32(thr)`` is FLT_MAX or above.
    """
    thr = np.asarray(threshold, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        f = thr.astype(F32)
        above = f.astype(np.float64) > thr
        f[above] = np.nextafter(f[above], F32(-np.inf))  # floor_f32
        cond = np.nextafter(f, F32(np.inf)).astype(np.float64)
    band = (thr >= -ZERO_BAND) & (thr < ZERO_BAND)
    cond[band & (thr >= 0.0)] = _ABOVE_BAND  # the band reads 0.0 <= thr: left up to +1e-35f included
    cond[band & (thr < 0.0)] = -ZERO_BAND  # the band reads 0.0 > thr: left only below -1e-35f
    return cond


def _check_names(model: LgbmModel, feature_names: Sequence[str] | None) -> list[str]:
    names = list(model.feature_names)
    if feature_names is None:
        return names
    wanted = [str(n) for n in feature_names]
    if len(set(wanted)) != len(wanted):
        dupes = sorted({n for n in wanted if wanted.count(n) > 1})
        raise ConversionError(f"the featureset names {dupes} more than once; feature names must be unique")
    if names == wanted:
        return wanted
    auto = names == [f"Column_{i}" for i in range(len(names))]
    if auto and len(names) == len(wanted):
        return wanted  # trained on an unnamed matrix: the columns are the featureset's, in order
    if len(names) != len(wanted):
        raise ConversionError(f"the model has {len(names)} features {names} but the featureset has "
                              f"{len(wanted)} {wanted}; train on the featureset's features, in its order")
    i = next(i for i, (a, b) in enumerate(zip(names, wanted)) if a != b)
    hint = "the same names in another order: reorder the columns to the featureset's order and retrain" \
        if sorted(names) == sorted(wanted) else "train on the featureset's features, in its order"
    raise ConversionError(f"feature {i} is {names[i]!r} in the model but {wanted[i]!r} in the featureset "
                          f"(model: {names}; featureset: {wanted}); {hint}")


def _objective(model: LgbmModel) -> str:
    words = model.objective.split()
    name = words[0] if words else "lambdarank"
    if name in _OBJECTIVES and "sqrt" not in words:
        return _OBJECTIVES[name]
    if name == "binary" and ("sigmoid:1" in words or not any(w.startswith("sigmoid:") for w in words)):
        return "binary:logistic"
    raise ConversionError(f"objective {model.objective!r} has an output transform the plugin cannot apply "
                          "(it knows only the identity and sigmoid with slope 1); train with "
                          "objective=lambdarank")


def _check_splits(model: LgbmModel, semantics: str, assume_no_missing: bool) -> None:
    nan_splits = nan_yes = 0
    for k, tree in enumerate(model.trees):
        if tree.categorical.any():
            i = int(np.flatnonzero(tree.categorical)[0])
            raise ConversionError(f"tree {k} splits categorically on feature {model.feature_names[tree.split_feature[i]]!r}"
                                  " (decision_type '=='); model/xgboost+json has numeric splits only: retrain "
                                  "without categorical_feature (encode categories as numeric features)")
        if (tree.missing_type == MISSING_ZERO).any():
            raise ConversionError(f"tree {k} has missing_type=Zero splits: the model was trained with "
                                  "zero_as_missing=true, which sends 0 and NaN to a default side the plugin "
                                  "can only express by duplicating subtrees (JSON grows exponentially); "
                                  "retrain with zero_as_missing=false (the default)")
        if tree.num_splits and not assume_no_missing:
            nan_left = np.where(tree.missing_type == MISSING_NAN, tree.default_left, tree.threshold >= 0.0)
            nan_splits += int((tree.missing_type == MISSING_NAN).sum())
            nan_yes += int(nan_left.sum())
    if semantics == DENSE and nan_splits:
        raise ConversionError(
            f"{nan_splits} splits route NaN (the model was trained with missing feature values as NaN), but this "
            "plugin version reads a feature that does not match a document as 0.0 and never passes NaN, so "
            "such documents would be scored as if the feature were 0.0. Retrain on a table where missing "
            "features are 0.0 (as plugin 2.x logs them), target OpenSearch >= 3.8, or, if every feature "
            "matches every document (DESIGN §5), pass assume_no_missing=True")
    if semantics == NAN_NO and nan_yes:
        raise ConversionError(
            f"{nan_yes} splits send a missing feature left, but OpenSearch LTR 3.2-3.7 sends NaN to 'no' "
            "whatever the model says (bug #378, fixed in 3.8.0). Upgrade the plugin to >= 3.8, or make every "
            "feature match every document (DESIGN §5) and pass assume_no_missing=True")


def _emit_tree(tree: LgbmTree, names: list[str], cond: list[float], leaves: list[float],
               nan_left: list[bool]) -> dict[str, Any]:
    if not tree.num_splits:
        return {"nodeid": 0, "depth": 0, "leaf": leaves[0]}
    feature = tree.split_feature.tolist()
    left, right = tree.left_child.tolist(), tree.right_child.tolist()
    counter = 0

    def node(ref: int, depth: int) -> dict[str, Any]:
        nonlocal counter
        nodeid = counter
        counter += 1
        if ref < 0:
            return {"nodeid": nodeid, "depth": depth, "leaf": leaves[~ref]}
        yes = node(left[ref], depth + 1)
        no = node(right[ref], depth + 1)
        return {"nodeid": nodeid, "depth": depth, "split": names[feature[ref]], "split_condition": cond[ref],
                "yes": yes["nodeid"], "no": no["nodeid"],
                "missing": yes["nodeid"] if nan_left[ref] else no["nodeid"], "children": [yes, no]}

    return node(0, 0)


def convert(model: Any, feature_names: Sequence[str] | None = None, *, plugin_version: str | None = None,
            distribution: str = "opensearch", assume_no_missing: bool = False,
            num_iteration: int | None = None) -> Conversion:
    """Convert ``model`` (Booster, model text, path, or ``dump_model()`` dict) to ``model/xgboost+json``.

    ``feature_names``: the featureset's names in order; the model's must equal them (a model trained on an
    unnamed matrix, ``Column_0..``, takes them if the count matches). ``plugin_version``/``distribution``:
    the target cluster (:func:`missing_semantics`). Raises :class:`ConversionError` for anything it cannot
    convert exactly.
    """
    lgbm = load_model(model, num_iteration)
    if not lgbm.trees:
        raise ConversionError("the model has no trees; train at least one iteration")
    names = _check_names(lgbm, feature_names)
    objective = _objective(lgbm)
    semantics = missing_semantics(plugin_version, distribution)
    _check_splits(lgbm, semantics, assume_no_missing)
    out = Conversion({"objective": objective, "splits": []}, names, semantics, trees=len(lgbm.trees))
    counts = {"None": 0, "NaN": 0}
    splits = out.definition["splits"]
    for k, tree in enumerate(lgbm.trees):
        with np.errstate(over="ignore"):
            leaf32 = tree.leaf_value.astype(F32).astype(np.float64)
        if not np.isfinite(leaf32).all():
            raise ConversionError(f"tree {k} has a leaf value outside float32's range "
                                  f"({tree.leaf_value[~np.isfinite(leaf32)][0]!r}); the plugin reads leaves "
                                  "as float32: retrain with a smaller learning rate or more regularization")
        cond = split_conditions(tree.threshold)
        infinite = np.isinf(cond)
        if (infinite & (cond < 0)).any():  # cannot happen: nextup of anything is > -inf
            raise ConversionError(f"tree {k}: a threshold maps below -FLT_MAX")
        out.infinite_conditions += int(infinite.sum())
        out.zero_band_splits += int(((tree.threshold >= -ZERO_BAND) & (tree.threshold < ZERO_BAND)).sum())
        out.splits += tree.num_splits
        nan_type = tree.missing_type == MISSING_NAN
        counts["NaN"] += int(nan_type.sum())
        counts["None"] += int((~nan_type).sum())
        cond_list = np.where(infinite, INFINITY_JSON, cond).tolist()
        nan_left = np.where(nan_type, tree.default_left, tree.threshold >= 0.0).tolist()
        if tree.num_splits and int(tree.split_feature.max()) >= len(names):
            raise ConversionError(f"tree {k} splits on feature {int(tree.split_feature.max())}, but only "
                                  f"{len(names)} feature names are known; pass the featureset's names")
        splits.append(_emit_tree(tree, names, cond_list, leaf32.tolist(), nan_left))
    out.missing_types = counts
    return out


def convert_model(model: Any, feature_names: Sequence[str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Just the ``definition`` object of :func:`convert`."""
    return convert(model, feature_names, **kwargs).definition


def definition_json(definition: dict[str, Any]) -> str:
    """Compact JSON text; every number is already the exact float32 decimal (``repr`` of the widened double)."""
    return json.dumps(definition, separators=(",", ":"), allow_nan=False)


def createmodel_body(name: str, definition: dict[str, Any] | str, *,
                     feature_normalizers: dict[str, Any] | None = None,
                     validation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body of ``POST _ltr/_featureset/<set>/_createmodel`` (``reference/ltr-plugin.md`` §1.5).

    ``definition`` may be the object or its JSON text (the plugin accepts both). Without normalizers the
    ``feature_normalizers`` key is left out, which the plugin reads as "none".
    """
    if not name:
        raise ConversionError("a model needs a name (DESIGN §4: <featureset>__<yyyymmdd-hhmmss>)")
    model: dict[str, Any] = {"type": "model/xgboost+json", "definition": definition}
    if feature_normalizers:
        model["feature_normalizers"] = feature_normalizers
    body: dict[str, Any] = {"model": {"name": name, "model": model}}
    if validation:
        body["validation"] = validation
    return body


def score_floor(definition: dict[str, Any]) -> float:
    """A lower bound of the model's score: the sum of each tree's smallest leaf."""
    def leaves(node: dict[str, Any]) -> list[float]:
        if "leaf" in node:
            return [float(node["leaf"])]
        return [v for child in node.get("children", ()) for v in leaves(child)]

    return float(sum(min(leaves(tree)) for tree in definition["splits"]))


def keep_positive(definition: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """The definition plus a one-leaf tree that lifts every score above 0 (DESIGN §5: served scores stay
    positive, as Lucene requires of scores), and the offset added. Ranking is unchanged: every document gets the
    same constant. The offset is a float32 value; scores compare with ``Booster.predict + offset``."""
    floor = score_floor(definition)
    if floor > 0:
        return definition, 0.0
    offset = float(F32(-floor * (1 + 1e-6) + 1e-3))
    lifted = dict(definition)
    lifted["splits"] = [*definition["splits"], {"nodeid": 0, "leaf": offset}]
    return lifted, offset
