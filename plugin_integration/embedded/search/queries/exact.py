"""Exact-value queries on numeric, date and boolean fields (what ``term``/``match`` build on such fields).

OpenSearch turns them into Lucene point queries (``LongPoint.newExactQuery`` and friends): constant-score
queries whose score is the boost and whose description is ``field:[v TO v]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np

from ..query import Explanation, Weight, empty
from .lucene_queries import LuceneQuery

F32 = np.float32


@dataclass(eq=False)
class ExactValueQuery(LuceneQuery):
    field: str
    value: float
    text: str

    def key(self) -> Hashable:
        return ("exact", self.field, self.value)

    def to_string(self, field: str | None = None) -> str:
        prefix = "" if field == self.field else f"{self.field}:"
        return f"{prefix}[{self.text} TO {self.text}]"

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        return ExactValueWeight(self, F32(boost))


class ExactValueWeight(Weight):
    def __init__(self, query: ExactValueQuery, boost: np.float32) -> None:
        super().__init__(query)
        self.boost = boost

    def _matches(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        num = segment.numerics.get(self.query.field)
        if num is None:
            return np.zeros(docs.shape[0], dtype=bool)
        hit = num.values == self.query.value
        if not hit.any():
            return np.zeros(docs.shape[0], dtype=bool)
        per_doc = np.zeros(num.min.shape[0], dtype=bool)
        per_doc[num.value_docs()[hit]] = True
        return per_doc[docs]

    def has_scorer(self, segment: Any) -> bool:
        return self.query.field in segment.numerics

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if docs.shape[0] == 0:
            return empty(docs)
        mask = self._matches(segment, docs)
        return mask, np.where(mask, self.boost, F32(0)).astype(F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        text = self.query.to_string()
        if self._matches(segment, np.asarray([doc], dtype=np.int32))[0]:
            return Explanation(float(self.boost), text if self.boost == F32(1) else f"{text}^{float(self.boost)}")
        return Explanation.no_match(f"{text} doesn't match id {doc}")
