"""The ``term_stat`` query: a Lucene expression over per-term statistics, aggregated (``TermStatQueryBuilder``).

``{"term_stat": {"expr": "tf * idf", "aggr": "avg|min|max|sum|stddev|matches", "pos_aggr": "avg|...",
"terms": ["..."], "fields": ["..."], "analyzer": "name", "boost", "_name"}}``; ``terms`` and ``expr`` are
mandatory, ``fields`` defaults to ``["*"]``, ``aggr`` and ``pos_aggr`` to ``avg``. Semantics of
opensearch-learning-to-rank-base ``src/main/java/com/o19s/es/termstat/{TermStatQueryBuilder,TermStatQuery,
TermStatScorer,TermStatSupplier}.java``:

* each term string is analyzed for each field (with ``analyzer`` when given, else the field's search
  analyzer) and every token becomes a (field, term) pair, each once;
* the query **matches every document**. For each term, in a document: ``df``, ``idf`` (classic), ``ttf`` over
  the shard, and ``tf`` / ``tp`` in the document (``tp`` = the ``pos_aggr`` of its 1-based positions; 0 when the
  document lacks the term); a term the segment has no postings for contributes 0 to all five; ``matches`` is
  the number of terms the document has and ``unique`` the number of terms;
* ``expr`` is evaluated per term in double and cast to float; the per-term results are aggregated with
  ``aggr`` (``matches`` as an aggregation gives 0, as the plugin's ``getAggr`` default does); no terms at all
  gives 0;
* ``boost`` is not applied (the scorer never reads it).

An unknown variable in ``expr`` is a 400 naming the allowed ones (the plugin would fail at search time).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import expressions as ex
from . import term_statistics as ts
from .expression_parser import parse as parse_expression
from ...analysis import analyzer_names, get_analyzer
from ...errors import illegal_argument, parsing
from ...search.parse_utils import as_float
from ...search.query import Explanation, Query, Weight

if TYPE_CHECKING:
    from ...search.dsl import DslParser

F32 = np.float32
VARIABLES = ("df", "idf", "tf", "tp", "ttf", "matches", "unique")
AGGRS = {"avg": "mean", "max": "max", "min": "min", "sum": "sum", "stddev": "stddev", "matches": None}


@dataclass(eq=False)
class TermStatQuery(Query):
    expr: str
    ast: ex.Node
    aggr: str
    pos_aggr: str
    terms: list[str]
    fields: list[str]
    analyzer: str | None = None
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        return _TermStatWeight(self, ctx, self._analyzed_terms(ctx))

    def _analyzed_terms(self, ctx: Any) -> list[ts.Term]:
        found: dict[ts.Term, None] = {}
        for field in self.fields:
            if self.analyzer is not None:
                name = self.analyzer
            else:
                mapper = ctx.field(field)
                name = mapper.search_analyzer if mapper is not None and mapper.is_text else "keyword"
            analyzer = get_analyzer(name)
            for text in self.terms:
                for token in analyzer.tokens(text):
                    found.setdefault((field, token.term), None)
        return list(found)


class _TermStatWeight(Weight):
    def __init__(self, query: TermStatQuery, ctx: Any, terms: list[ts.Term]) -> None:
        super().__init__(query)
        self.q = query
        self.ctx = ctx
        self.terms = terms
        self.df, self.idf, self.ttf = ts.collection_stats(ctx, terms)
        self.needs_positions = any(v.path == ("tp",) for v in ex.variables(query.ast))

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = docs.shape[0]
        matched = np.ones(n, dtype=bool)
        if not self.terms:
            return matched, np.zeros(n, dtype=F32)
        in_segment = ts.in_segment(segment, self.terms) & (self.df > 0)
        freqs = ts.term_freqs(segment, docs, self.terms)
        has = (freqs > 0) & in_segment[:, None]
        tp = np.zeros(freqs.shape, dtype=F32)
        if self.needs_positions and has.any():
            rows = np.flatnonzero(has.any(axis=0))
            per_doc = ts.positions(self.ctx, segment, docs[rows], self.terms)
            how = AGGRS[self.q.pos_aggr]
            for j, found in zip(rows, per_doc):
                for i, term in enumerate(self.terms):
                    where = found.get(term)
                    if has[i, j] and where:
                        if how is None:
                            continue  # getAggr(MATCHES) -> 0f
                        values = np.asarray(where, dtype=F32).reshape(-1, 1)
                        tp[i, j] = ts.aggregate(values, np.ones_like(values, dtype=bool), how)[0]
        matches = has.sum(axis=0).astype(np.float64)
        zero = ~in_segment[:, None]
        computed = np.zeros((len(self.terms), n), dtype=F32)
        for i in range(len(self.terms)):
            stats = {
                "df": np.float64(0.0 if zero[i, 0] else self.df[i]),
                "idf": np.float64(0.0 if zero[i, 0] else self.idf[i]),
                "ttf": np.float64(0.0 if zero[i, 0] else self.ttf[i]),
                "tf": np.where(has[i], freqs[i], 0).astype(np.float64),
                "tp": tp[i].astype(np.float64),
                "matches": matches,
                "unique": np.float64(len(self.terms)),
            }
            with np.errstate(all="ignore"):
                value = ex.evaluate(self.q.ast, lambda var: stats[var.path[0]])
            computed[i] = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).astype(F32)
        how = AGGRS[self.q.aggr]
        if how is None:
            return matched, np.zeros(n, dtype=F32)
        return matched, ts.aggregate(computed, np.ones(computed.shape, dtype=bool), how)

    def explain(self, segment: Any, doc: int) -> Explanation:
        _, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        return Explanation(float(scores[0]), f"weight({self.q.expr} in doc {doc})")


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise parsing(f"[term_stat] failed to parse field [{key}]")
    return list(value)


def parse_term_stat(body: Any, parser: "DslParser") -> TermStatQuery:
    """``TermStatQueryBuilder.fromXContent`` + ``doToQuery``'s checks (expression, aggregation names)."""
    terms = fields = None
    expr: str | None = None
    aggr, pos_aggr, analyzer = "avg", "avg", None
    boost, name = 1.0, None
    for key, value in body.items():
        if key == "terms":
            terms = _string_list(value, key)
        elif key == "fields":
            fields = _string_list(value, key)
        elif key in ("expr", "aggr", "pos_aggr", "analyzer"):
            if value is None and key in ("pos_aggr", "analyzer"):
                continue
            if not isinstance(value, str):
                raise parsing(f"[term_stat] failed to parse field [{key}]")
            if key == "expr":
                expr = value
            elif key == "aggr":
                aggr = value
            elif key == "pos_aggr":
                pos_aggr = value
            else:
                analyzer = value
        elif key == "boost":
            boost = as_float(value, "term_stat", "boost")
        elif key == "_name":
            name = str(value)
        else:
            raise parsing(f"[term_stat] unknown field [{key}]")
    if terms is None:
        raise parsing("Field [terms] is mandatory")
    if expr is None:
        raise parsing("Field [expr] is mandatory")
    for key, value in (("aggr", aggr), ("pos_aggr", pos_aggr)):
        if value.lower() not in AGGRS:
            raise illegal_argument(f"No enum constant com.o19s.es.explore.StatisticsHelper.AggrType."
                                   f"{value.upper()} ([{key}] must be one of {sorted(AGGRS)})")
    if analyzer is not None and analyzer not in analyzer_names():
        raise illegal_argument(f"No analyzer found for [{analyzer}]")
    try:
        ast = parse_expression(expr)
    except ex.ExpressionError as exc:
        raise illegal_argument(f"[term_stat] cannot compile expression [{expr}]: {exc}") from None
    unknown = sorted({".".join(v.path) for v in ex.variables(ast) if v.path[0] not in VARIABLES or len(v.path) > 1})
    if unknown:
        raise illegal_argument(f"[term_stat] unknown variable(s) {unknown} in [{expr}]; the expression may use "
                               f"{list(VARIABLES)}")
    return TermStatQuery(expr, ast, aggr.lower(), pos_aggr.lower(), terms, fields or ["*"], analyzer, boost, name)
