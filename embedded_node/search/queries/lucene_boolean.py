"""``BooleanQuery`` and ``DisjunctionMaxQuery`` with Lucene 8.8.1's rewrite rules (they build each other, so they
live together). ``BooleanQuery.rewrite``, step by step (each step returns as soon as it changes something).

1. no clauses -> ``MatchNoDocsQuery("empty BooleanQuery")``;
2. one clause (msm 0, or msm 1 on a SHOULD): SHOULD/MUST -> the clause, FILTER -> ``(ConstantScore(q))^0``,
   MUST_NOT -> no match;
3. rewrite every clause one step;
4. drop duplicate FILTER and MUST_NOT clauses (they are sets);
5. a MUST/FILTER clause also in MUST_NOT, or a MUST_NOT match-all -> no match;
6. drop FILTER clauses that are also MUST clauses, and a match-all FILTER when other clauses remain;
7. a query that is both FILTER and SHOULD becomes MUST (msm decreases);
8. duplicate SHOULD clauses (msm <= 1) -> one clause whose boost is the (double) sum of their boosts;
9. duplicate MUST clauses -> likewise;
10. a single MUST match-all with FILTERs -> ``ConstantScore`` of the filters (boost kept), SHOULDs re-added;
11. SHOULD clauses that are pure disjunctions (msm <= 1) are inlined into this query.

Steps 8 and 11 change scores: merged duplicates score with ``boost = count`` (reference/fidelity.md §7), and
inlined disjunctions are summed in one double accumulation.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Hashable, Iterable

import numpy as np

from ...similarity import java_float_str
from ..query import Query
from .lucene_clauses import FILTER, MUST, MUST_NOT, SHOULD, key, to_string
from .lucene_queries import (BoostQuery, ConstantScoreQuery, LuceneQuery, MatchAllDocsQuery, MatchNoDocsQuery,
                             rewrite_step)
from .lucene_weights import BooleanWeight, DisjunctionMaxWeight

if TYPE_CHECKING:
    from ..context import SearchContext
    from ..query import Weight

F32 = np.float32
_OCCUR_PREFIX = {MUST: "+", FILTER: "#", SHOULD: "", MUST_NOT: "-"}
_OCCURS = (MUST, FILTER, SHOULD, MUST_NOT)  # BooleanClause.Occur declaration order (EnumMap iteration order)
_MATCH_ALL_KEY = MatchAllDocsQuery().key()


@dataclass(eq=False)
class DisjunctionMaxQuery(LuceneQuery):
    disjuncts: tuple[Query, ...]
    tie_breaker: float = 0.0

    def key(self) -> Hashable:
        return ("dis_max", float(F32(self.tie_breaker)), frozenset(Counter(key(q) for q in self.disjuncts).items()))

    def to_string(self, field: str | None = None) -> str:
        inner = " | ".join(to_string(q, field) for q in self.disjuncts)
        tie = f"~{java_float_str(self.tie_breaker)}" if F32(self.tie_breaker) != F32(0) else ""
        return f"({inner}){tie}"

    def children(self) -> Iterable[Query]:
        return self.disjuncts

    def rewrite_step(self, ctx: "SearchContext") -> Query:
        # DisjunctionMaxQuery.rewrite (Lucene 8.8)
        if len(self.disjuncts) == 1:
            return self.disjuncts[0]
        if F32(self.tie_breaker) == F32(1):
            return BooleanQuery(tuple((SHOULD, q) for q in self.disjuncts))
        rewritten = tuple(rewrite_step(q, ctx) for q in self.disjuncts)
        if any(r is not q for r, q in zip(rewritten, self.disjuncts)):
            return DisjunctionMaxQuery(rewritten, self.tie_breaker)
        return self

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        weights = [q.create_weight(ctx, boost, needs_scores) for q in self.disjuncts]
        return DisjunctionMaxWeight(self, weights, F32(self.tie_breaker))


@dataclass(eq=False)
class BooleanQuery(LuceneQuery):
    clauses: tuple[tuple[str, Query], ...]
    minimum_should_match: int = 0

    def key(self) -> Hashable:
        return ("bool", self.minimum_should_match, frozenset(Counter((o, key(q)) for o, q in self.clauses).items()))

    def to_string(self, field: str | None = None) -> str:
        parts = []
        for occur, q in self.clauses:
            text = to_string(q, field)
            parts.append(_OCCUR_PREFIX[occur] + (f"({text})" if isinstance(q, BooleanQuery) else text))
        body = " ".join(parts)
        if self.minimum_should_match > 0:
            return f"({body})~{self.minimum_should_match}"
        return body

    def children(self) -> Iterable[Query]:
        return tuple(q for _, q in self.clauses)

    def of(self, occur: str) -> list[Query]:
        return [q for o, q in self.clauses if o == occur]

    @property
    def is_pure_disjunction(self) -> bool:
        return all(o == SHOULD for o, _ in self.clauses) and self.minimum_should_match <= 1

    def rewrite_step(self, ctx: "SearchContext") -> Query:
        return rewrite_boolean(self, ctx)

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        weights = []
        for occur, q in self.clauses:
            scoring = needs_scores and occur in (MUST, SHOULD)
            weights.append((occur, q.create_weight(ctx, boost, scoring)))
        return BooleanWeight(self, weights, self.minimum_should_match, needs_scores)


def _unique(queries: list[Query]) -> list[Query]:
    seen: set = set()
    out = []
    for q in queries:
        k = key(q)
        if k not in seen:
            seen.add(k)
            out.append(q)
    return out


def _strip_boost(query: Query) -> tuple[Query, float]:
    boost = 1.0
    while isinstance(query, BoostQuery):
        boost *= float(F32(query.boost))  # double product of float boosts
        query = query.query
    return query, boost


def _merge_duplicates(bq: BooleanQuery, occur: str, queries: list[Query]) -> BooleanQuery | None:
    merged: "OrderedDict[object, list]" = OrderedDict()
    for q in queries:
        inner, boost = _strip_boost(q)
        entry = merged.setdefault(key(inner), [inner, 0.0])
        entry[1] += boost
    if len(merged) == len(queries):
        return None
    clauses: list[tuple[str, Query]] = []
    for inner, boost in merged.values():
        b = F32(boost)
        clauses.append((occur, BoostQuery(inner, float(b)) if b != F32(1) else inner))
    clauses.extend((o, q) for o, q in bq.clauses if o != occur)
    return BooleanQuery(tuple(clauses), bq.minimum_should_match)


def rewrite_boolean(bq: BooleanQuery, ctx: "SearchContext") -> Query:
    clauses, msm = bq.clauses, bq.minimum_should_match
    if not clauses:
        return MatchNoDocsQuery("empty BooleanQuery")
    if len(clauses) == 1:
        occur, q = clauses[0]
        if msm == 0 or (msm == 1 and occur == SHOULD):
            if occur in (SHOULD, MUST):
                return q
            if occur == FILTER:
                return BoostQuery(ConstantScoreQuery(q), 0.0)
            return MatchNoDocsQuery("pure negative BooleanQuery")
    rewritten = tuple((o, rewrite_step(q, ctx)) for o, q in clauses)
    if any(r is not q for (_, r), (_, q) in zip(rewritten, clauses)):
        return BooleanQuery(rewritten, msm)

    sets = {o: [q for oc, q in clauses if oc == o] for o in _OCCURS}
    sets[FILTER] = _unique(sets[FILTER])
    sets[MUST_NOT] = _unique(sets[MUST_NOT])
    if sum(len(v) for v in sets.values()) != len(clauses):
        return BooleanQuery(tuple((o, q) for o in _OCCURS for q in sets[o]), msm)

    must_keys = {key(q) for q in sets[MUST]}
    filter_keys = {key(q) for q in sets[FILTER]}
    if sets[MUST_NOT]:
        not_keys = {key(q) for q in sets[MUST_NOT]}
        if not_keys & (must_keys | filter_keys):
            return MatchNoDocsQuery("FILTER or MUST clause also in MUST_NOT")
        if _MATCH_ALL_KEY in not_keys:
            return MatchNoDocsQuery("MUST_NOT clause is MatchAllDocsQuery")

    if sets[FILTER]:
        filters = list(sets[FILTER])
        modified = False
        if len(filters) > 1 or sets[MUST]:
            kept = [q for q in filters if key(q) != _MATCH_ALL_KEY]
            modified = len(kept) != len(filters)
            filters = kept
        kept = [q for q in filters if key(q) not in must_keys]
        modified |= len(kept) != len(filters)
        if modified:
            out = [(o, q) for o, q in clauses if o != FILTER] + [(FILTER, q) for q in kept]
            return BooleanQuery(tuple(out), msm)

    if sets[SHOULD] and sets[FILTER]:
        both = {key(q) for q in sets[SHOULD]} & filter_keys
        if both:
            out: list[tuple[str, Query]] = []
            new_msm = msm
            for o, q in clauses:
                if key(q) in both:
                    if o == SHOULD:
                        out.append((MUST, q))
                        new_msm -= 1
                else:
                    out.append((o, q))
            return BooleanQuery(tuple(out), max(0, new_msm))

    if sets[SHOULD] and msm <= 1:
        merged = _merge_duplicates(bq, SHOULD, sets[SHOULD])
        if merged is not None:
            return merged
    if sets[MUST]:
        merged = _merge_duplicates(bq, MUST, sets[MUST])
        if merged is not None:
            return merged

    if len(sets[MUST]) == 1 and sets[FILTER]:
        must, boost = sets[MUST][0], 1.0
        if isinstance(must, BoostQuery):
            must, boost = must.query, must.boost
        if isinstance(must, MatchAllDocsQuery):
            inner: Query = ConstantScoreQuery(BooleanQuery(tuple((o, q) for o, q in clauses
                                                                 if o in (FILTER, MUST_NOT))))
            if F32(boost) != F32(1):
                inner = BoostQuery(inner, boost)
            out = [(MUST, inner)] + [(SHOULD, q) for q in sets[SHOULD]]
            return BooleanQuery(tuple(out), msm)

    if msm <= 1:
        flat: list[tuple[str, Query]] = []
        changed = False
        for o, q in clauses:
            if o == SHOULD and isinstance(q, BooleanQuery) and q.is_pure_disjunction:
                flat.extend(q.clauses)
                changed = True
            else:
                flat.append((o, q))
        if changed:
            return BooleanQuery(tuple(flat), msm)
    return bq
