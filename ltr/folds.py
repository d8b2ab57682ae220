"""Query-grouped splits: every row of a query lands on the same side, whatever the file order.

* **Grouped folds** (no ``timestamp``): distinct qids are sorted by the sha256 hex digest of their UTF-8 bytes;
  the i-th gets fold ``i mod K``. Personalized groups (qid, user) follow their qid.
* **By time** (``timestamp`` present): queries are ordered by their earliest timestamp and cut into K
  contiguous blocks; fold i (i >= 1) trains on blocks ``< i`` and is evaluated on block i (forward chaining,
  so no fold is trained on its future).
* **Inner validation** for early stopping, chosen from the training queries only: by time, the latest
  ``fraction``; otherwise the qids whose sha256 of ``"inner:" + qid`` sorts in the first ``fraction``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd


def qid_digest(qid: str, salt: str = "") -> str:
    return hashlib.sha256((salt + str(qid)).encode("utf-8")).hexdigest()


def grouped_folds(qids: Sequence[str], k: int) -> np.ndarray:
    """Fold of each group (groups share a fold when they share a qid)."""
    distinct = sorted(set(map(str, qids)), key=qid_digest)
    fold_of = {q: i % k for i, q in enumerate(distinct)}
    return np.array([fold_of[str(q)] for q in qids], dtype=np.int64)


def time_blocks(qids: Sequence[str], times: np.ndarray, k: int) -> np.ndarray:
    """Block ``0..k-1`` of each group by the earliest time of its qid (ties by qid digest)."""
    first: dict[str, float] = {}
    for q, t in zip(map(str, qids), times):
        first[q] = min(first.get(q, np.inf), float(t))
    distinct = sorted(first, key=lambda q: (first[q], qid_digest(q)))
    block = {q: min(i * k // len(distinct), k - 1) for i, q in enumerate(distinct)}
    return np.array([block[str(q)] for q in qids], dtype=np.int64)


def inner_validation(qids: Sequence[str], fraction: float, times: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask over groups: the inner validation set (at least one qid, never all of them)."""
    distinct = sorted(set(map(str, qids)), key=lambda q: qid_digest(q, "inner:"))
    if times is not None:
        first: dict[str, float] = {}
        for q, t in zip(map(str, qids), times):
            first[q] = min(first.get(q, np.inf), float(t))
        distinct = sorted(first, key=lambda q: (-first[q], qid_digest(q)))  # latest first
    n = min(max(1, int(round(len(distinct) * fraction))), len(distinct) - 1)
    chosen = set(distinct[:n])
    return np.array([str(q) in chosen for q in qids], dtype=bool)


def timestamps_as_float(values: np.ndarray) -> np.ndarray:
    """Datetimes (or numbers) as float seconds, for ordering."""
    if np.issubdtype(np.asarray(values).dtype, np.number):
        return np.asarray(values, dtype=np.float64)
    return pd.to_datetime(pd.Series(values), utc=True).astype("int64").to_numpy(np.float64) / 1e9
