"""K-fold LambdaMART rankers for evaluation: per fold, a model trained (``ltr.train``) on the other folds'
queries only, with every choice made inside them (the tree count: the median of early stopping over an inner
:data:`INNER_FOLDS`-fold split of the training queries, then a refit on all of them), and scores for the
held-out fold's rows. (A single inner split measured 0.834 NDCG@10 on Icecat rerank, the inner folds 0.843.)

Folds come from the caller (``ltr.evaluation.splits``: qids sorted by sha256, the i-th in fold ``i mod K``);
the table may hold per-user groups (``user_id``): they follow their qid's fold.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
#: Tables from this many rows train their folds in parallel threads (below, a thread pool's start and the
#: GIL-held Python between LightGBM's calls outweigh the gain).
PARALLEL_FROM_ROWS = 2_000


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
                Sequence[str]]], *, params: Mapping[str, Any] | None = None, base: bool = True,
                workers: int | None = None) -> list[FoldModel]:
    """One model per ``(train_qids, test_qids)``, trained on the rows of ``train_qids`` only; with ``base``,
    boosting from a base score chosen on those rows (:mod:`ltr.base_choice`).

    The folds are independent, so they train in ``workers`` threads (default: one per available core, at most
    one per fold, and one for tables under :data:`PARALLEL_FROM_ROWS`). Each fit runs LightGBM on one thread
    (small tables, ``ltr.train``) and LightGBM releases the GIL while it boosts (ctypes calls), so threads are
    how a K-fold evaluation uses the machine without processes to spawn; the models are the same whatever the
    number of workers."""
    qids = table["qid"].astype(str)
    tasks = []
    for train_qids, _ in splits:
        rows = table[qids.isin(set(map(str, train_qids)))].reset_index(drop=True)
        tasks.append((rows, list(feature_names), dict(params or {}), base))
    if workers is None:
        workers = available_cores() if len(table) >= PARALLEL_FROM_ROWS else 1
    n = max(1, min(len(tasks), workers))
    if n == 1:
        trained = [_train_fold(*task) for task in tasks]
    else:
        with ThreadPoolExecutor(n, thread_name_prefix="fold") as pool:
            trained = list(pool.map(lambda task: _train_fold(*task), tasks))
    return [FoldModel(i, tuple(map(str, train_qids)), tuple(map(str, test_qids)), booster, record)
            for i, ((train_qids, test_qids), (booster, record)) in enumerate(zip(splits, trained))]


def available_cores() -> int:
    """The cores this process may run on (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _train_fold(rows: pd.DataFrame, feature_names: list[str], params: dict[str, Any], base: bool,
                ) -> tuple[Any, dict[str, Any]]:
    """One fold's model: (booster, record)."""
    inner = INNER_FOLDS if rows["qid"].nunique() >= MIN_INNER_QUERIES else 0
    if base and inner:
        result = train_with_base(rows, feature_names, params=params, folds=inner)
    else:
        result = train(rows, feature_names, params=params, folds=inner)
    return result.booster, dict(result.record)


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
