"""The ``match_explorer`` query: term statistics of a query's terms as a score (``ExplorerQueryBuilder``).

``{"match_explorer": {"type": "<stat>", "query": {...}, "boost", "_name"}}``; both ``query`` and ``type`` are
mandatory ("Field [query] is mandatory."). Semantics of opensearch-learning-to-rank-base
``src/main/java/com/o19s/es/explore/ExplorerQuery.java`` / ``ExplorerScorer.java`` (docs:
``docs/advanced-functionality.rst``, "Term Statistics"):

* **collection types** (``{sum,mean,max,min,stddev}_{raw_df,classic_idf,raw_ttf}`` and ``unique_terms_count``):
  one constant computed over the query's unique terms, scored on **every** document of the index; a query
  without terms scores 0. An unknown type with one of these suffixes fails "Invalid stat type specified.";
* **document types** ``{sum,mean,max,min,stddev}_raw_tf`` and ``{avg,max,min}_raw_tp``: the query matches the
  documents that contain at least one of the terms, and the statistic is taken over the terms **present in the
  document** (so ``min_raw_tf`` is never 0). For ``_raw_tp`` each present term first gives the average, max or
  min of its 1-based positions, then those per-term values are averaged, maxed or minned;
* any other type: "Unknown ExplorerQuery type [x]";
* the score ignores ``boost`` (the plugin's constant-score weight and postings scorers never read it); in
  filter context the query is its inner query.

Numbers follow :mod:`.term_statistics` (float32, the plugin's ``StatisticsHelper``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import term_statistics as ts
from ...errors import illegal_argument, parsing
from ...search.parse_utils import as_float
from ...search.query import Explanation, Query, Weight

if TYPE_CHECKING:
    from ...search.dsl import DslParser

F32 = np.float32
_AGGS = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "stddev": "stddev"}
_COLLECTION = {"raw_df": 0, "classic_idf": 1, "raw_ttf": 2}
_TP_AGGS = {"avg_raw_tp": "mean", "max_raw_tp": "max", "min_raw_tp": "min"}


def _collection_scoped(kind: str) -> bool:
    return kind.endswith(("_count", "_df", "_idf", "_ttf"))


@dataclass(eq=False)
class ExplorerQuery(Query):
    query: Query
    type: str
    boost: float = 1.0
    name: str | None = None

    def children(self) -> tuple[Query, ...]:
        return (self.query,)

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        if not needs_scores:
            return self.query.create_weight(ctx, boost, needs_scores)
        terms = ts.query_terms(self.query, ctx)
        if _collection_scoped(self.type):
            return _ConstantWeight(self, _collection_value(self.type, terms, ctx))
        if self.type.endswith("_raw_tf"):
            how = self.type[: -len("_raw_tf")]
            if how not in _AGGS:
                raise illegal_argument("Invalid stat type specified.")
            return _PostingsWeight(self, ctx, terms, _AGGS[how], None)
        if self.type.endswith("_raw_tp"):
            if self.type not in _TP_AGGS:
                raise illegal_argument("Invalid stat type specified.")
            return _PostingsWeight(self, ctx, terms, _TP_AGGS[self.type], _TP_AGGS[self.type])
        raise illegal_argument(f"Unknown ExplorerQuery type [{self.type}]")


def _collection_value(kind: str, terms: list[ts.Term], ctx: Any) -> np.float32:
    if not terms:
        return F32(0)
    if kind == "unique_terms_count":
        return F32(len(terms))
    how, _, stat = kind.partition("_")
    if how not in _AGGS or stat not in _COLLECTION:
        raise illegal_argument("Invalid stat type specified.")
    column = ts.collection_stats(ctx, terms)[_COLLECTION[stat]]
    values = column.reshape(-1, 1)
    return F32(ts.aggregate(values, np.ones_like(values, dtype=bool), _AGGS[how])[0])


class _ConstantWeight(Weight):
    def __init__(self, query: ExplorerQuery, value: np.float32) -> None:
        super().__init__(query)
        self.value = F32(value)

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.ones(docs.shape[0], dtype=bool), np.full(docs.shape[0], self.value, dtype=F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        return Explanation(float(self.value), f"Stat Score: {self.query.type}")  # type: ignore[attr-defined]


class _PostingsWeight(Weight):
    """``raw_tf`` / ``raw_tp``: statistics over the terms present in each document."""

    def __init__(self, query: ExplorerQuery, ctx: Any, terms: list[ts.Term], how: str,
                 position_how: str | None) -> None:
        super().__init__(query)
        self.ctx, self.terms, self.how, self.position_how = ctx, terms, how, position_how

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.terms:
            return np.zeros(docs.shape[0], dtype=bool), np.zeros(docs.shape[0], dtype=F32)
        freqs = ts.term_freqs(segment, docs, self.terms)
        present = freqs > 0
        matched = present.any(axis=0)
        if self.position_how is None:
            values = freqs.astype(F32)
        else:
            values = np.zeros(freqs.shape, dtype=F32)
            rows = np.flatnonzero(matched)
            if rows.size:
                per_doc = ts.positions(self.ctx, segment, docs[rows], self.terms)
                for j, found in zip(rows, per_doc):
                    for i, term in enumerate(self.terms):
                        if present[i, j]:
                            where = np.asarray(found.get(term, []), dtype=F32).reshape(-1, 1)
                            if where.size:
                                mask = np.ones_like(where, dtype=bool)
                                values[i, j] = ts.aggregate(where, mask, self.position_how)[0]
        scores = ts.aggregate(values, present, self.how)
        return matched, np.where(matched, scores, F32(0)).astype(F32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        matched, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        if not matched[0]:
            return Explanation.no_match("no matching term")
        return Explanation(float(scores[0]), f"Stat Score: {self.query.type}")  # type: ignore[attr-defined]


def parse_match_explorer(body: Any, parser: "DslParser") -> ExplorerQuery:
    """``ExplorerQueryBuilder.fromXContent``."""
    query: Query | None = None
    kind: str | None = None
    boost, name = 1.0, None
    for key, value in body.items():
        if key == "query":
            query = parser.parse(value)
        elif key == "type":
            if not isinstance(value, str):
                raise parsing("[match_explorer] type must be a string")
            kind = value
        elif key == "boost":
            boost = as_float(value, "match_explorer", "boost")
        elif key == "_name":
            name = str(value)
        else:
            raise parsing(f"[match_explorer] unknown field [{key}]")
    if query is None:
        raise parsing("Field [query] is mandatory.")
    if kind is None:
        raise parsing("Field [type] is mandatory.")
    return ExplorerQuery(query, kind, boost, name)
