"""Feature vectors for many documents at once (``RankerQuery.RankerScorer.score``, vectorized).

For each feature in ordinal order: a query feature contributes its score where its weight matched the document
(only matched features are set, as ``RankerQuery`` calls ``setFeatureScore`` only for scorers positioned on
the document); a derived/script feature is evaluated over the vector built so far, where later and unmatched
ordinals still hold the vector's reset value (0.0 for dense rankers, NaN for sparse ones).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .features import BoundFeature

F32 = np.float32


def compute(bound: list[BoundFeature], segment: Any, docs: np.ndarray,
            fill: float) -> tuple[np.ndarray, np.ndarray]:
    """``(vector float32[n, f], matched bool[n, f])`` for ``docs`` (sorted segment-local ids)."""
    n, f = docs.shape[0], len(bound)
    vector = np.full((n, f), F32(fill), dtype=F32)
    matched = np.zeros((n, f), dtype=bool)
    if n == 0:
        return vector, matched
    for i, feature in enumerate(bound):
        if feature.weight is not None:
            hit, scores = feature.weight.score(segment, docs)
            hit = np.asarray(hit, dtype=bool)
            vector[hit, i] = np.asarray(scores, dtype=F32)[hit]
            matched[:, i] = hit
        elif feature.evaluate is not None:
            vector[:, i] = feature.evaluate(vector, n)
            matched[:, i] = True
    return vector, matched


class FeatureCache:
    """Feature values computed while scoring, kept for ``ltr_log`` when the ``sltr`` says ``cache: true``.

    Lives in the per-request :class:`~..search.context.SearchContext` cache, keyed by the query object, so it
    never outlives the request (the plugin's feature score cache is per search as well).
    """

    def __init__(self) -> None:
        self._by_segment: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}

    def put(self, segment: Any, docs: np.ndarray, vector: np.ndarray, matched: np.ndarray) -> None:
        self._by_segment.setdefault(id(segment), []).append((docs.copy(), vector, matched))

    def get(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Cached rows for every doc in ``docs``, or ``None`` when any is missing."""
        chunks = self._by_segment.get(id(segment))
        if not chunks:
            return None
        rows_v, rows_m = [], []
        for doc in docs.tolist():
            for cached_docs, vector, matched in chunks:
                pos = int(np.searchsorted(cached_docs, doc))
                if pos < cached_docs.shape[0] and cached_docs[pos] == doc:
                    rows_v.append(vector[pos])
                    rows_m.append(matched[pos])
                    break
            else:
                return None
        return np.vstack(rows_v), np.vstack(rows_m)
