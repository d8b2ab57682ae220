"""Compound queries: ``bool``, ``dis_max``, ``constant_score`` (OpenSearch's builders -> Lucene queries).

- ``bool`` (``BoolQueryBuilder.doToQuery``): no clauses -> match all (with the boost). Otherwise a
  ``BooleanQuery`` with the clauses in the order must, must_not, should, filter; filter and must_not clauses
  are built in filter context, where a nested ``bool`` with should clauses and no ``minimum_should_match``
  requires one of them. ``minimum_should_match`` is applied against the should count; a query made only of
  must_not clauses gets a match-all FILTER (``adjust_pure_negative``, default true), so it matches
  everything else with score 0. Scoring (sums, ReqOpt, filters scoring 0) is in :mod:`.lucene_weights`, the
  Lucene rewrite (duplicate merging, flattening, single-clause removal) in :mod:`.lucene_boolean`.
- ``dis_max``: ``DisjunctionMaxQuery(queries, tie_breaker)``; no queries matches nothing.
- ``constant_score``: ``ConstantScoreQuery(filter)``: every match scores the boost.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ... import errors
from ..limits import too_many_clauses
from ..parse_utils import as_float, check_keys, common
from ..query import Query
from .lucene_boolean import BooleanQuery, DisjunctionMaxQuery
from .lucene_clauses import FILTER, MUST, MUST_NOT, SHOULD
from .lucene_queries import (ConstantScoreQuery, MatchAllDocsQuery, MatchNoDocsQuery, boosted, rewrite_fully,
                             to_lucene)
from .msm import calculate_min_should_match, spec_string

if TYPE_CHECKING:
    from ..dsl import DslParser

_BOOL_KEYS = {"must", "should", "filter", "must_not", "minimum_should_match", "adjust_pure_negative",
              "disable_coord"}


@dataclass(eq=False)
class BoolDslQuery(Query):
    must: tuple[Query, ...] = ()
    should: tuple[Query, ...] = ()
    filter: tuple[Query, ...] = ()
    must_not: tuple[Query, ...] = ()
    minimum_should_match: str | None = None
    adjust_pure_negative: bool = True
    boost: float = 1.0
    name: str | None = None

    def children(self) -> Iterable[Query]:
        return self.must + self.should + self.filter + self.must_not

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        if not (self.must or self.should or self.filter or self.must_not):
            return boosted(MatchAllDocsQuery(), self.boost)
        clauses = [(MUST, to_lucene(q, ctx, in_filter)) for q in self.must]
        clauses += [(MUST_NOT, to_lucene(q, ctx, True)) for q in self.must_not]
        clauses += [(SHOULD, to_lucene(q, ctx, in_filter)) for q in self.should]
        clauses += [(FILTER, to_lucene(q, ctx, True)) for q in self.filter]
        spec = self.minimum_should_match
        if in_filter and spec is None and self.should:
            spec = "1"
        msm = 0
        if spec is not None:
            msm = max(0, calculate_min_should_match(len(self.should), spec))
        query: Query = BooleanQuery(tuple(clauses), msm)
        if self.adjust_pure_negative and all(o == MUST_NOT for o, _ in clauses):
            query = BooleanQuery(tuple(clauses) + ((FILTER, MatchAllDocsQuery()),), msm)
        return boosted(query, self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


@dataclass(eq=False)
class DisMaxDslQuery(Query):
    queries: tuple[Query, ...]
    tie_breaker: float = 0.0
    boost: float = 1.0
    name: str | None = None

    def children(self) -> Iterable[Query]:
        return self.queries

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        if not self.queries:
            return MatchNoDocsQuery("no clauses for dismax query.")
        disjuncts = tuple(to_lucene(q, ctx, in_filter) for q in self.queries)
        return boosted(DisjunctionMaxQuery(disjuncts, self.tie_breaker), self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


@dataclass(eq=False)
class ConstantScoreDslQuery(Query):
    filter: Query
    boost: float = 1.0
    name: str | None = None

    def children(self) -> Iterable[Query]:
        return (self.filter,)

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        return boosted(ConstantScoreQuery(to_lucene(self.filter, ctx, True)), self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


# --- parsing -------------------------------------------------------------------------------------------------

def _object(body: Any, query: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.parsing(f"[{query}] query malformed, no start_object after query name")
    return dict(body)


def parse_bool(body: Any, parser: DslParser) -> Query:
    params = _object(body, "bool")
    boost, name = common(params, "bool")
    check_keys(params, "bool", _BOOL_KEYS)
    count = sum(len(v) if isinstance(v, list) else 1 for k in ("must", "should", "filter", "must_not")
                if (v := params.get(k)) is not None)
    if count > parser.limits.max_clause_count:
        raise too_many_clauses(count, parser.limits)
    clauses = {k: tuple(parser.parse_clauses(params.get(k), "bool", k)) for k in ("must", "should", "filter",
                                                                                   "must_not")}
    adjust = params.get("adjust_pure_negative", True)
    if not isinstance(adjust, bool):
        raise errors.parsing("[bool] failed to parse field [adjust_pure_negative]")
    return BoolDslQuery(clauses["must"], clauses["should"], clauses["filter"], clauses["must_not"],
                        spec_string(params.get("minimum_should_match"), "bool"), adjust, boost, name)


def parse_dis_max(body: Any, parser: DslParser) -> Query:
    params = _object(body, "dis_max")
    boost, name = common(params, "dis_max")
    check_keys(params, "dis_max", {"queries", "tie_breaker"})
    if "queries" not in params:
        raise errors.parsing("[dis_max] requires 'queries' field with at least one clause")
    queries = tuple(parser.parse_clauses(params["queries"], "dis_max", "queries"))
    tie = as_float(params.get("tie_breaker", 0.0), "dis_max", "tie_breaker")
    return DisMaxDslQuery(queries, tie, boost, name)


def parse_constant_score(body: Any, parser: DslParser) -> Query:
    params = _object(body, "constant_score")
    boost, name = common(params, "constant_score")
    check_keys(params, "constant_score", {"filter"})
    if not isinstance(params.get("filter"), dict):
        raise errors.parsing("[constant_score] requires a 'filter' element")
    return ConstantScoreDslQuery(parser.parse(params["filter"]), boost, name)


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "bool": parse_bool,
    "dis_max": parse_dis_max,
    "constant_score": parse_constant_score,
}
