"""Lucene-level query values (``TermQuery``, ``BoostQuery``, ``ConstantScoreQuery``, ...); the compound ones,
``BooleanQuery`` and ``DisjunctionMaxQuery``, live with their rewrite rules in :mod:`.lucene_boolean`.

The DSL queries of :mod:`.text` and :mod:`.boolean` translate to these exactly as OpenSearch's query builders
build Lucene queries; then :func:`rewrite_fully` applies Lucene 8.8's ``rewrite`` rules until nothing changes
(``IndexSearcher.rewrite``). The rules matter for scores, not only for speed: ``BooleanQuery.rewrite`` merges
duplicate SHOULD/MUST clauses into one boosted clause (so "coffee coffee maker" scores coffee with boost 2),
inlines nested pure disjunctions into the parent (one double accumulation instead of a float per field), and
removes single-clause wrappers; ``DisjunctionMaxQuery`` with tie 1 becomes a ``BooleanQuery``; nested
``BoostQuery`` collapse to one float product. Each rewrite method mirrors its Lucene class and performs one
step, like Lucene's, so the fixed point is the same.

``key()`` plays the role of Lucene's ``equals``/``hashCode`` (clause sets are multisets); a query from another
module (k-NN, function_score, ...) is opaque and only equal to itself. ``to_string()`` is Lucene's
``toString``, which explanations quote.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Hashable, Iterable

import numpy as np

from ...similarity import java_float_str
from ..query import Query
from .basic import MatchAllQuery, MatchNoneQuery
from .constant_weights import ConstantScoreWeight, MatchAllDocsWeight, MatchNoDocsWeight
from .lucene_clauses import key, to_string
from .lucene_weights import TermWeight

if TYPE_CHECKING:
    from ..context import SearchContext
    from ..query import Weight

F32 = np.float32


def rewrite_step(query: Query, ctx: "SearchContext") -> Query:
    """One Lucene rewrite step. Queries from other modules were rewritten once by :func:`to_lucene` and are
    left alone here (their ``rewrite`` need not be idempotent by identity)."""
    fn = getattr(query, "rewrite_step", None)
    return fn(ctx) if callable(fn) else query


def rewrite_fully(query: Query, ctx: "SearchContext") -> Query:
    """``IndexSearcher.rewrite``: rewrite until the query no longer changes."""
    for _ in range(10_000):
        rewritten = rewrite_step(query, ctx)
        if rewritten is query:
            return query
        query = rewritten
    raise RuntimeError(f"query rewrite did not converge: {to_string(query)}")


class LuceneQuery(Query):
    """Base of the Lucene-level queries: already rewritten means ``rewrite(ctx)`` runs the fixed point."""

    def rewrite(self, ctx: "SearchContext") -> Query:
        return rewrite_fully(self, ctx)

    def rewrite_step(self, ctx: "SearchContext") -> Query:
        return self

    def key(self) -> Hashable:
        raise NotImplementedError

    def to_string(self, field: str | None = None) -> str:
        raise NotImplementedError


@dataclass(eq=False)
class TermQuery(LuceneQuery):
    field: str
    term: str

    def key(self) -> Hashable:
        return ("term", self.field, self.term)

    def to_string(self, field: str | None = None) -> str:
        return self.term if field == self.field else f"{self.field}:{self.term}"

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        return TermWeight(self, ctx, F32(boost), needs_scores)


@dataclass(eq=False)
class BoostQuery(LuceneQuery):
    query: Query
    boost: float

    def key(self) -> Hashable:
        return ("boost", key(self.query), float(F32(self.boost)))

    def to_string(self, field: str | None = None) -> str:
        return f"({to_string(self.query, field)})^{java_float_str(self.boost)}"

    def children(self) -> Iterable[Query]:
        return (self.query,)

    def rewrite_step(self, ctx: "SearchContext") -> Query:
        # BoostQuery.rewrite (Lucene 8.8)
        rewritten = rewrite_step(self.query, ctx)
        if F32(self.boost) == F32(1):
            return rewritten
        if isinstance(rewritten, BoostQuery):
            return BoostQuery(rewritten.query, float(F32(self.boost) * F32(rewritten.boost)))
        if F32(self.boost) == F32(0) and not isinstance(rewritten, ConstantScoreQuery):
            return BoostQuery(ConstantScoreQuery(rewritten), 0.0)
        if rewritten is not self.query:
            return BoostQuery(rewritten, self.boost)
        return self

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        return self.query.create_weight(ctx, F32(F32(boost) * F32(self.boost)), needs_scores)


@dataclass(eq=False)
class ConstantScoreQuery(LuceneQuery):
    query: Query

    def key(self) -> Hashable:
        return ("constant", key(self.query))

    def to_string(self, field: str | None = None) -> str:
        return f"ConstantScore({to_string(self.query, field)})"

    def children(self) -> Iterable[Query]:
        return (self.query,)

    def rewrite_step(self, ctx: "SearchContext") -> Query:
        rewritten = rewrite_step(self.query, ctx)
        if rewritten is not self.query:
            return ConstantScoreQuery(rewritten)
        if isinstance(rewritten, ConstantScoreQuery):
            return rewritten
        if isinstance(rewritten, BoostQuery):
            return ConstantScoreQuery(rewritten.query)
        return self

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        inner = self.query.create_weight(ctx, 1.0, False)
        return ConstantScoreWeight(self, inner, F32(boost)) if needs_scores else inner


@dataclass(eq=False)
class MatchAllDocsQuery(LuceneQuery):
    def key(self) -> Hashable:
        return ("match_all",)

    def to_string(self, field: str | None = None) -> str:
        return "*:*"

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        return MatchAllDocsWeight(self, F32(boost))


@dataclass(eq=False)
class MatchNoDocsQuery(LuceneQuery):
    reason: str = ""

    def key(self) -> Hashable:
        return ("match_none",)  # Lucene: every MatchNoDocsQuery equals every other

    def to_string(self, field: str | None = None) -> str:
        return f'MatchNoDocsQuery("{self.reason}")'

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        return MatchNoDocsWeight(self)


def to_lucene(query: Query, ctx: "SearchContext", in_filter: bool = False) -> Query:
    """The Lucene form of a parsed query, before the rewrite fixed point (``QueryBuilder.toQuery``).

    ``match_all``/``match_none`` (parsed in :mod:`.basic`) become the Lucene queries here so the boolean
    rewrite rules that look for them apply; any other query is rewritten by its own module.
    """
    fn = getattr(query, "to_lucene", None)
    if callable(fn):
        return fn(ctx, in_filter)
    if isinstance(query, MatchAllQuery):
        return boosted(MatchAllDocsQuery(), query.boost)
    if isinstance(query, MatchNoneQuery):
        return MatchNoDocsQuery()
    return query.rewrite(ctx)


def boosted(query: Query, boost: float) -> Query:
    """``AbstractQueryBuilder.toQuery``: wrap in a ``BoostQuery`` unless the boost is 1 (or nothing matches)."""
    if F32(boost) == F32(1) or isinstance(query, MatchNoDocsQuery):
        return query
    return BoostQuery(query, boost)
