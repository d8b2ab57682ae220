"""Constant-score weights: ``ConstantScoreWeight`` (constant_score, filters), ``MatchAllDocsQuery``,
``MatchNoDocsQuery``. Every match scores the boost; explanations read ``<query>`` or ``<query>^<boost>``
(Lucene's ``ConstantScoreWeight.explain``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...similarity import java_float_str
from ..query import Explanation, Weight
from .lucene_clauses import to_string
from .lucene_weights import SparseWeight, child_sparse, has_scorer

F32 = np.float32


class ConstantScoreWeight(SparseWeight):
    """``ConstantScoreWeight``: the inner query's matches, each scoring the boost."""

    def __init__(self, query: Any, inner: Weight, boost: np.float32) -> None:
        super().__init__(query)
        self.inner = inner
        self.boost = F32(boost)

    def has_scorer(self, segment: Any) -> bool:
        return has_scorer(self.inner, segment)

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        if not has_scorer(self.inner, segment):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=F32)
        pos, _ = child_sparse(self.inner, segment, docs, dense)
        return pos, np.full(pos.shape[0], self.boost, dtype=F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        return _constant_explain(self, segment, doc)


class MatchAllDocsWeight(SparseWeight):
    def __init__(self, query: Any, boost: np.float32) -> None:
        super().__init__(query)
        self.boost = F32(boost)

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        size = segment.max_doc if dense else docs.shape[0]
        return np.arange(size), np.full(size, self.boost, dtype=F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        return _constant_explain(self, segment, doc)


class MatchNoDocsWeight(SparseWeight):
    def has_scorer(self, segment: Any) -> bool:
        return False

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        return Explanation.no_match(self.query.reason)


def _constant_explain(weight: Any, segment: Any, doc: int) -> Explanation:
    """``ConstantScoreWeight.explain``: ``<query>`` or ``<query>^<boost>``."""
    text = to_string(weight.query)
    matched, _ = weight.score(segment, np.asarray([doc], dtype=np.int32))
    if matched[0]:
        suffix = "" if weight.boost == F32(1) else f"^{java_float_str(weight.boost)}"
        return Explanation(float(weight.boost), text + suffix)
    return Explanation.no_match(f"{text} doesn't match id {doc}")
