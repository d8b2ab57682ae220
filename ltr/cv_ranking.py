"""K-fold LambdaMART rankers for evaluation: per fold, a model trained (``ltr.train``) on the other folds'
queries only, with every choice made inside them (the tree count: the median of early stopping over an inner
:data:`INNER_FOLDS`-fold split of the training queries, then a refit on all of them), and scores for the
held-out fold's rows. (A single inner split measured 0.834 NDCG@10 on Icecat rerank, the inner folds 0.843.)

Folds come from the caller (``ltr.evaluation.splits``: qids sorted by sha256, the i-th in fold ``i mod K``);
the table may hold per-user groups (``user_id``): they follow their qid's fold.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .base_choice import train_with_base
from .base_score import BaseScore
from .base_score import predict as predict_with_base
from .train import train

INNER_FOLDS = 5
MIN_INNER_QUERIES = 10  # fewer training queries: one inner split instead of inner folds


@dataclass(frozen=True)
class FoldModel:
    fold: int
    train_qids: tuple[str, ...]
    test_qids: tuple[str, ...]
    booster: Any
    record: Mapping[str, Any]

    @property
    def base(self) -> BaseScore | None:
        return BaseScore.from_dict(self.record.get("base_score"))


def fold_models(table: pd.DataFrame, feature_names: Sequence[str], splits: Sequence[tuple[Sequence[str],
                Sequence[str]]], *, params: Mapping[str, Any] | None = None, base: bool = True) -> list[FoldModel]:
    """One model per ``(train_qids, test_qids)``, trained on the rows of ``train_qids`` only; with ``base``,
    boosting from a base score chosen on those rows (:mod:`ltr.base_choice`)."""
    qids = table["qid"].astype(str)
    models = []
    for i, (train_qids, test_qids) in enumerate(splits):
        rows = table[qids.isin(set(map(str, train_qids)))].reset_index(drop=True)
        inner = INNER_FOLDS if rows["qid"].nunique() >= MIN_INNER_QUERIES else 0
        if base and inner:
            result = train_with_base(rows, list(feature_names), params=dict(params or {}), folds=inner)
        else:
            result = train(rows, list(feature_names), params=dict(params or {}), folds=inner)
        models.append(FoldModel(i, tuple(map(str, train_qids)), tuple(map(str, test_qids)), result.booster,
                                result.record))
    return models


def predict(model: FoldModel, frame: pd.DataFrame, feature_names: Sequence[str]) -> np.ndarray:
    """The model's scores of ``frame``'s rows (trees plus its base; feature columns by name, in the model's
    order)."""
    if frame.empty:
        return np.zeros(0)
    return predict_with_base(model.booster, frame[list(feature_names)].to_numpy(np.float64), feature_names,
                             model.base)


def held_out_scores(models: Sequence[FoldModel], frame: pd.DataFrame, feature_names: Sequence[str]) -> np.ndarray:
    """Each row scored by the model of the fold its qid is held out in (NaN for a qid in no fold)."""
    scores = np.full(len(frame), np.nan)
    qids = frame["qid"].astype(str).to_numpy()
    for model in models:
        mask = np.isin(qids, np.array(model.test_qids, dtype=object))
        if mask.any():
            scores[mask] = predict(model, frame[mask], feature_names)
    return scores


def total_gain(models: Sequence[FoldModel]) -> dict[str, float]:
    """Feature importance by gain, summed over the fold models."""
    gain: dict[str, float] = {}
    for model in models:
        for name, value in zip(model.booster.feature_name(), model.booster.feature_importance("gain")):
            gain[name] = gain.get(name, 0.0) + float(value)
    return gain
