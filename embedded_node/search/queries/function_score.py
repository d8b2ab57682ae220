"""``function_score``, as OpenSearch's ``FunctionScoreQueryBuilder`` builds and ``FunctionScoreQuery`` scores it.

Reading of the Java rules (``org.opensearch.common.lucene.search.function``):

* **Parsing** (``FunctionScoreQueryBuilder.fromXContent``): ``query`` (default ``match_all``), either a
  ``functions`` array (entries: optional ``filter``, one function, optional ``weight``) or one function at the
  top level (a top-level ``weight`` alone is a weight function); mixing the two, or two top-level functions,
  is a ``parsing_exception``. ``boost``, ``max_boost`` (default ``Float.MAX_VALUE``) and ``min_score`` are
  floats.
* **Building** (``doToQuery``): a function whose filter is ``match_all`` (or absent) has no filter. With exactly
  one function and no filter the query uses score mode ``first`` whatever ``score_mode`` says (so ``avg`` does
  not divide by its weight). With no function the score is the sub-query's score.
* **Boost**: ``BoostQuery(FunctionScoreQuery)`` passes its boost to ``subQuery.createWeight``, so ``boost``
  multiplies the *sub-query* score only, before the functions combine (and is lost with ``boost_mode: replace``,
  where the sub-query is not scored).
* **score_mode** (``FunctionFactorScorer.computeScore``, double): ``multiply`` product of matching functions
  (1 if none), ``first`` the first matching, ``max``/``min`` over matching (1 if none), ``sum``/``avg`` the sum
  (``avg`` divided by the sum of the matching functions' weights), 1 when that weight sum is 0.
* **boost_mode** (``CombineFunction``, double then ``(float)``): with ``f = min(factor, maxBoost)``:
  ``multiply`` ``q*f``, ``replace`` ``f``, ``sum`` ``q+f``, ``avg`` ``(f+q)/2``, ``max``/``min`` of ``q`` and ``f``;
  ``q`` is the float sub-query score widened to double.
* A final score below 0 or NaN is an error ("function score query returned an invalid score"); ``min_score``
  keeps docs whose final float score is ``>= min_score``. In a filter context without ``min_score`` the query is
  just its sub-query (``createWeight`` with ``COMPLETE_NO_SCORES``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ..parse_utils import as_float
from ..query import Explanation, Query, Weight
from .basic import MatchAllQuery
from .score_functions import BoundFunction, FunctionSpec, check_weight, parse_function

if TYPE_CHECKING:
    from ..dsl import DslParser

F32 = np.float32
SCORE_MODES = ("multiply", "sum", "avg", "first", "max", "min")
BOOST_MODES = ("multiply", "replace", "sum", "avg", "max", "min")
FLOAT_MAX = float(np.finfo(np.float32).max)
_MISPLACED = "you can either define [functions] array or a single function, not both. "


@dataclass
class FilterFunction:
    filter: Query | None
    function: FunctionSpec


@dataclass
class FunctionScoreQuery(Query):
    query: Query
    functions: list[FilterFunction] = field(default_factory=list)
    score_mode: str = "multiply"
    boost_mode: str = "multiply"
    max_boost: float = FLOAT_MAX
    min_score: float | None = None
    boost: float = 1.0
    name: str | None = None

    def children(self) -> list[Query]:
        return [self.query] + [f.filter for f in self.functions if f.filter is not None]

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        sub_boost = float(F32(boost) * F32(self.boost))
        if not needs_scores and self.min_score is None:
            return self.query.rewrite(ctx).create_weight(ctx, sub_boost, False)
        sub_needs_scores = self.boost_mode != "replace"
        sub = self.query.rewrite(ctx).create_weight(ctx, sub_boost, sub_needs_scores)
        bound: list[tuple[Weight | None, BoundFunction]] = []
        for entry in self.functions:
            fw = None
            if entry.filter is not None:
                fw = entry.filter.rewrite(ctx).create_weight(ctx, 1.0, False)
            bound.append((fw, entry.function.bind(ctx)))
        single = len(bound) == 1 and bound[0][0] is None
        return FunctionScoreWeight(self, ctx, sub, sub_needs_scores, bound, "first" if single else self.score_mode)


class FunctionScoreWeight(Weight):
    def __init__(self, query: FunctionScoreQuery, ctx: Any, sub: Weight, sub_scored: bool,
                 functions: list[tuple[Weight | None, BoundFunction]], score_mode: str) -> None:
        super().__init__(query)
        self.q, self.ctx, self.sub, self.sub_scored = query, ctx, sub, sub_scored
        self.functions, self.score_mode = functions, score_mode
        self.max_boost = float(F32(query.max_boost))
        self.min_score = None if query.min_score is None else F32(query.min_score)

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        matched, sub_scores = self.sub.score(segment, docs)
        scores = np.zeros(docs.shape[0], dtype=F32)
        hit = np.flatnonzero(matched)
        if hit.size:
            q = sub_scores[hit].astype(F32) if self.sub_scored else np.zeros(hit.size, dtype=F32)
            scores[hit] = self._final(segment, docs[hit], q)
        if self.min_score is not None:
            matched = matched & (scores >= self.min_score)
            scores = np.where(matched, scores, F32(0)).astype(F32)
        return matched, scores

    def _final(self, segment: Any, docs: np.ndarray, q: np.ndarray) -> np.ndarray:
        if not self.functions:
            return q
        factor = self.factor(segment, docs, q)
        final = combine(self.q.boost_mode, q.astype(np.float64), factor, self.max_boost)
        bad = (final < 0) | np.isnan(final)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise errors.EngineError("exception", f"function score query returned an invalid score: "
                                                  f"{float(final[i])} for doc: {int(docs[i])}", 500)
        return final

    def factor(self, segment: Any, docs: np.ndarray, q: np.ndarray) -> np.ndarray:
        """``FunctionFactorScorer.computeScore`` for every doc at once (double)."""
        n = docs.shape[0]
        mode = self.score_mode
        if mode == "first":
            factor, assigned = np.ones(n), np.zeros(n, dtype=bool)
            for fw, fn in self.functions:
                take = self._filter(fw, segment, docs) & ~assigned
                if take.any():
                    factor[take] = fn.values(segment, docs[take], q[take], self.ctx)
                    assigned |= take
            return factor
        if mode == "multiply":
            factor = np.ones(n)
        elif mode == "max":
            factor = np.full(n, -np.inf)
        elif mode == "min":
            factor = np.full(n, np.inf)
        else:
            factor, weights = np.zeros(n), np.zeros(n)
        for fw, fn in self.functions:
            mask = self._filter(fw, segment, docs)
            if not mask.any():
                continue
            values = fn.values(segment, docs[mask], q[mask], self.ctx)
            if mode == "multiply":
                factor[mask] = factor[mask] * values
            elif mode == "max":
                factor[mask] = np.maximum(values, factor[mask])
            elif mode == "min":
                factor[mask] = np.minimum(values, factor[mask])
            else:
                factor[mask] = factor[mask] + values
                weights[mask] = weights[mask] + float(fn.weight)
        if mode in ("max", "min"):
            return np.where(np.isinf(factor) & (np.sign(factor) == (-1 if mode == "max" else 1)), 1.0, factor)
        if mode in ("sum", "avg"):
            if mode == "avg":
                with np.errstate(divide="ignore", invalid="ignore"):
                    factor = np.where(weights != 0, factor / np.where(weights != 0, weights, 1.0), factor)
            return np.where(weights != 0, factor, 1.0)
        return factor

    @staticmethod
    def _filter(fw: Weight | None, segment: Any, docs: np.ndarray) -> np.ndarray:
        return np.ones(docs.shape[0], dtype=bool) if fw is None else fw.matches(segment, docs)

    def explain(self, segment: Any, doc: int) -> Explanation:
        docs = np.asarray([doc], dtype=np.int32)
        sub = self.sub.explain(segment, doc)
        if not sub.match:
            return sub
        q = np.asarray([sub.value if self.sub_scored else 0.0], dtype=F32)
        expl = sub
        if self.functions:
            parts = []
            for fw, fn in self.functions:
                if fw is not None and not fw.matches(segment, docs)[0]:
                    continue
                fe = fn.explain(segment, doc, float(q[0]), self.ctx)
                if fw is not None:
                    fe = Explanation(fe.value, "function score, product of:",
                                     [Explanation(1.0, "match filter: " + _describe(fw)), fe])
                parts.append(fe)
            factor = float(self.factor(segment, docs, q)[0])
            if not parts:
                fexpl = Explanation(1.0, "No function matched")
            elif self.score_mode == "first" and len(self.functions) == 1 and self.functions[0][0] is None:
                fexpl = parts[0]
            else:
                fexpl = Explanation(float(F32(factor)), f"function score, score mode [{self.q.score_mode}]", parts)
            expl = _explain_combine(self.q.boost_mode, sub if self.sub_scored else Explanation(0.0, "no score"),
                                    fexpl, factor, float(q[0]), self.max_boost)
        if self.min_score is not None and self.min_score > F32(expl.value):
            return Explanation.no_match(f"Score value is too low, expected at least {float(self.min_score)} but got "
                                        f"{expl.value}", [expl])
        return expl


def _describe(weight: Weight) -> str:
    """Lucene's ``Query.toString`` of a filter where the query offers one, else its weight's description."""
    text = getattr(weight.query, "to_string", None)
    if callable(text):
        return text(None)
    return getattr(weight, "description", None) or type(weight.query).__name__


def combine(mode: str, q: np.ndarray, factor: np.ndarray, max_boost: float) -> np.ndarray:
    """``CombineFunction.combine(queryScore, funcScore, maxBoost)``: double arithmetic, then ``(float)``."""
    f = np.minimum(factor, max_boost)
    if mode == "multiply":
        out = q * f
    elif mode == "replace":
        out = f
    elif mode == "sum":
        out = q + f
    elif mode == "avg":
        out = (f + q) / 2.0
    elif mode == "max":
        out = np.maximum(q, f)
    else:
        out = np.minimum(q, f)
    with np.errstate(over="ignore"):
        return out.astype(F32)


def _explain_combine(mode: str, sub: Explanation, fexpl: Explanation, factor: float, q: float,
                     max_boost: float) -> Explanation:
    value = float(combine(mode, np.asarray([q]), np.asarray([factor]), max_boost)[0])
    capped = Explanation(float(F32(min(fexpl.value, max_boost))), "min of:",
                         [fexpl, Explanation(float(F32(max_boost)), "maxBoost")])
    if mode == "replace":
        return Explanation(value, "min of:", capped.details)
    label = {"multiply": "function score, product of:", "sum": "sum of", "avg": "avg of", "max": "max of:",
             "min": "min of:"}[mode]
    return Explanation(value, label, [sub, capped])


# --- parsing ---------------------------------------------------------------------------------------------------
def parse_function_score(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[function_score] query malformed, no start_object after query name")
    query: Query | None = None
    functions: list[FilterFunction] = []
    single: str | None = None
    array_found = False
    options: dict[str, Any] = {}
    for key, value in body.items():
        if key == "query":
            if not isinstance(value, dict):
                raise errors.parsing("[function_score] failed to parse field [query]")
            query = parser.parse(value)
        elif key == "functions":
            if not isinstance(value, list):
                raise errors.parsing("[function_score] query does not support [functions] as a value")
            if single is not None:
                raise errors.parsing(f"failed to parse [function_score] query. [{_MISPLACED}already found "
                                     f"[{single}], now encountering [functions].]")
            array_found = True
            functions.extend(_parse_entry(item, parser) for item in value)
        elif key in ("score_mode", "boost_mode", "max_boost", "boost", "_name", "min_score"):
            options[key] = value
        else:
            if single is not None:
                raise errors.parsing(f"failed to parse [function_score] query. already found function [{single}], "
                                     f"now encountering [{key}]. use [functions] array if you want to define "
                                     "several functions.")
            if array_found:
                raise errors.parsing(f"failed to parse [function_score] query. [{_MISPLACED}already found "
                                     f"[functions] array, now encountering [{key}].]")
            if key == "weight":
                if isinstance(value, (dict, list)):
                    raise errors.parsing("[function_score] failed to parse field [weight]")
                spec = FunctionSpec("weight", None, check_weight(float(F32(as_float(value, "function_score",
                                                                                      "weight")))))
            elif isinstance(value, dict) or key in ("field_value_factor", "gauss", "exp", "linear",
                                                    "script_score", "random_score"):
                spec = parse_function(key, value)
            else:
                raise errors.parsing(f"failed to parse [function_score] query. field [{key}] is not supported")
            single = key
            functions.append(FilterFunction(None, spec))
    score_mode = str(options.get("score_mode", "multiply")).lower()
    if score_mode not in SCORE_MODES:
        raise errors.illegal_argument(f"Illegal score_mode [{options['score_mode']}]")
    boost_mode = str(options.get("boost_mode", "multiply")).lower()
    if boost_mode not in BOOST_MODES:
        raise errors.illegal_argument(f"Illegal boost_mode [{options['boost_mode']}]")
    max_boost = float(F32(as_float(options.get("max_boost", FLOAT_MAX), "function_score", "max_boost")))
    min_score = options.get("min_score")
    min_score = None if min_score is None else float(F32(as_float(min_score, "function_score", "min_score")))
    boost = as_float(options.get("boost", 1.0), "function_score", "boost")
    name = options.get("_name")
    return FunctionScoreQuery(query if query is not None else MatchAllQuery(), functions, score_mode, boost_mode,
                              max_boost, min_score, boost, name)


def _parse_entry(item: Any, parser: DslParser) -> FilterFunction:
    if not isinstance(item, dict):
        raise errors.parsing("failed to parse [function_score]. malformed query, expected a [START_OBJECT] while "
                             "parsing functions but got a [VALUE] instead")
    flt: Query | None = None
    spec: FunctionSpec | None = None
    weight: float | None = None
    for key, value in item.items():
        if key == "filter":
            flt = parser.parse(value)
        elif key == "weight":
            if isinstance(value, (dict, list)):
                raise errors.parsing("[function_score] failed to parse field [weight]")
            weight = check_weight(float(F32(as_float(value, "function_score", "weight"))))
        elif isinstance(value, dict) or key in ("field_value_factor", "script_score", "random_score"):
            if spec is not None:
                raise errors.parsing(f"failed to parse function_score functions. already found [{spec.kind}], now "
                                     f"encountering [{key}].")
            spec = parse_function(key, value)
        else:
            raise errors.parsing(f"failed to parse [function_score] query. field [{key}] is not supported")
    if spec is None:
        if weight is None:
            raise errors.parsing("failed to parse [function_score] query. an entry in functions list is missing a "
                                 "function.")
        spec = FunctionSpec("weight", None, weight)
    elif weight is not None:
        spec.weight = weight
    if isinstance(flt, MatchAllQuery):
        flt = None  # doToQuery: a match_all filter means "no filter" (and keeps the single-function shortcut)
    return FilterFunction(flt, spec)


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "function_score": parse_function_score,
}
