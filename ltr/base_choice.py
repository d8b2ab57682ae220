"""Training with a base score chosen on the training queries: which feature, and how strongly.

The base (:mod:`ltr.base_score`) is the training queries' strongest single feature (by NDCG@10 of ranking by
it alone), scaled by ``strength / std(feature)`` so one grid of strengths means the same for a cosine in
[0, 1] and a BM25 score in [0, 30]. Each strength of :data:`STRENGTHS` is trained with the usual inner
cross-validation of :func:`ltr.train.train`; the strength whose inner folds score best wins (ties go to the
weaker base), and its refit on all the training queries is the model. Nothing outside the
given table is looked at, so inside an outer fold of ``mmltr evaluate`` every choice stays inside that fold.

Why these strengths (measured on Icecat rerank, 5 outer folds, docs/quality.md): plain trees lose to the text
cosine (0.883 vs 0.923 NDCG@10); with the grid (0, 1, 3, 10) the inner folds sometimes chose no base and the
model lost (0.919; 0.881 with shallower trees); with (1, 3, 10, 30) it ties the cosine (0.923). Strength 1 is
a mild base that trees easily override where they carry real signal; 30 makes the model the feature plus
small corrections. 0 (plain trees) is left out because its inner-fold wins were noise on small judged sets;
pass ``strengths`` to include it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .base_score import BaseScore
from .feature_table import validate
from .train import TrainResult, ndcg_at, train

STRENGTHS = (1.0, 3.0, 10.0, 30.0)


def strongest_feature(table: pd.DataFrame, feature_names: Sequence[str] | None = None) -> tuple[str, float, float]:
    """``(name, ndcg@10, std)`` of the feature that alone ranks the table's queries best (constant features
    and features with ties only never win over an informative one).

    Only features that are never negative nor missing on the table are candidates: serving adds
    ``weight * feature`` to the trees' score, which the upload lifts to stay positive, and a base that can go
    negative (or be missing, which the served ``sltr`` of a featureset reads as 0) would undo that."""
    data = validate(table, feature_names)
    best: tuple[str, float, float] | None = None
    for i, name in enumerate(data.feature_names):
        column = data.X[:, i].astype(np.float64)
        if not np.all(np.isfinite(column)) or (len(column) and column.min() < 0):
            continue
        std = float(np.std(column))
        if std <= 0 or not np.isfinite(std):
            continue
        score = ndcg_at(column, data.grade, data.group_sizes, 10)
        if best is None or score > best[1]:
            best = (name, score, std)
    if best is None:
        raise ValueError("no feature can be a base on this table (each is constant, negative or missing "
                         "somewhere): nothing to boost from")
    return best


def train_with_base(table: pd.DataFrame, feature_names: Sequence[str] | None = None, *,
                    strengths: Sequence[float] | None = None, folds: int = 5, **kwargs: Any) -> TrainResult:
    """:func:`ltr.train.train` once per base strength; the best on the inner folds (see the module doc).
    ``record["base_choice"]`` keeps the feature, its single-feature NDCG@10 and every strength's inner score."""
    if folds < 2:
        raise ValueError("choosing the base needs inner folds: folds >= 2")
    try:
        feature, alone, std = strongest_feature(table, feature_names)
    except ValueError as exc:  # nothing to boost from: plain trees
        result = train(table, feature_names, folds=folds, **kwargs)
        result.record["base_choice"] = {"feature": None, "reason": str(exc), "chosen": None}
        return result
    tried: list[dict[str, Any]] = []
    best: tuple[float, TrainResult] | None = None
    for strength in sorted(set(float(s) for s in (STRENGTHS if strengths is None else strengths))):
        base = BaseScore(feature, strength / std) if strength > 0 else None
        result = train(table, feature_names, folds=folds, base=base, **kwargs)
        score = float(result.record["mean"]["ndcg@10"])
        tried.append({"strength": strength, "weight": None if base is None else base.weight, "ndcg@10": score})
        if best is None or score > best[0] + 1e-12:
            best = (score, result)
    assert best is not None
    result = best[1]
    result.record["base_choice"] = {"feature": feature, "feature_ndcg@10": alone, "feature_std": std,
                                    "tried": tried, "chosen": result.record["base_score"]}
    return result
