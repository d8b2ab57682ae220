"""Full-text and term queries: ``term``, ``match``, ``multi_match`` (OpenSearch's builders, Lucene's QueryBuilder).

Translation rules (OpenSearch ``MatchQuery``/``MultiMatchQuery``, Lucene ``QueryBuilder``):

- ``match``: the text is analyzed with the ``analyzer`` parameter or the field's search analyzer (keyword fields:
  the whole string). No token -> ``zero_terms_query`` (none: match nothing; all: match all). One token ->
  ``TermQuery``. Several -> ``BooleanQuery`` of one clause per token, SHOULD (``or``) or MUST (``and``),
  duplicates included (the rewrite merges them into one boosted clause). ``minimum_should_match`` is applied
  to the SHOULD count of that query (:mod:`.msm`). Non-text fields get an exact-value query; with
  ``lenient`` an unparsable value matches nothing. An unmapped field matches nothing.
- ``term``: no analysis: ``TermQuery`` on text/keyword fields, exact-value query on numbers/dates/booleans.
  Both score BM25 on text and keyword fields (keyword fields have no norms: ``dl`` = 1 via ``cache[1]``, and
  ``freq`` = 1); exact values use :mod:`.termlevel`'s ``terms`` query and score the boost, like Lucene's point
  queries.
- ``multi_match``: one ``match`` per resolved field (``field^boost``, ``*`` patterns over text/keyword fields;
  boosts of a field matched twice multiply), each boosted unless the boost is 1, combined with
  ``DisjunctionMaxQuery(tie_breaker)``: best_fields tie 0, most_fields tie 1 (which Lucene rewrites to a
  boolean sum). A query boost wraps the result. ``cross_fields`` and phrase types are rejected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ..limits import DEFAULT_LIMITS, check_text, too_many_clauses
from ...analysis import get_analyzer
from ..parse_utils import as_float, check_keys, common, single_field
from ..query import Query
from . import datemath
from .termlevel import TermsQuery, create_error, field_number, to_boolean, to_term
from .lucene_boolean import BooleanQuery, DisjunctionMaxQuery
from .lucene_clauses import MUST, SHOULD
from .lucene_queries import MatchAllDocsQuery, MatchNoDocsQuery, TermQuery, boosted, rewrite_fully
from .msm import calculate_min_should_match, spec_string

if TYPE_CHECKING:
    from ..dsl import DslParser

_MATCH_KEYS = {"query", "operator", "minimum_should_match", "analyzer", "zero_terms_query", "lenient",
               "auto_generate_synonyms_phrase_query", "fuzziness", "prefix_length", "max_expansions",
               "fuzzy_transpositions", "fuzzy_rewrite", "cutoff_frequency"}
_MULTI_KEYS = _MATCH_KEYS | {"fields", "type", "tie_breaker", "slop"}
_TYPES = {"best_fields": 0.0, "most_fields": 1.0}
F32 = np.float32


def query_text(value: Any) -> str:
    """``Object.toString()`` of a JSON query value as OpenSearch sees it (shared with ``terms``)."""
    return to_term(value)


def _check_value(ctx: Any, mapper: Any, value: Any) -> None:
    """Parse ``value`` as the field type would (raises :class:`EngineError` when it cannot)."""
    if mapper.type == "date":
        datemath.parse(value, mapper.params.get("format"), False, ctx.now_ms, None)
    elif mapper.type == "boolean":
        to_boolean(value)
    else:
        field_number(mapper.type, value, mapper.params)


def term_level_query(ctx: Any, field: str, value: Any, lenient: bool, query: str) -> Query:
    """``MappedFieldType.termQuery`` for one (already analyzed) value.

    Text and keyword fields: a ``TermQuery`` (BM25). Numbers, dates and booleans: the exact-value query of
    :mod:`.termlevel` (a constant-score point query in OpenSearch); with ``lenient`` a value the field cannot
    parse matches nothing instead of failing.
    """
    if field in ("_id", "_index"):  # metadata fields: IdFieldMapper / IndexFieldMapper term queries
        return TermsQuery(field, (value,))
    mapper = ctx.field(field)
    if mapper is None:
        return MatchNoDocsQuery(f"unmapped field [{field}]")
    if mapper.is_text or mapper.is_keyword:
        return TermQuery(field, query_text(value))
    if mapper.is_numeric:
        try:
            _check_value(ctx, mapper, value)
        except errors.EngineError as exc:
            if lenient:
                return MatchNoDocsQuery(f"failed [{field}] query, caused by {exc.type}:[{exc.reason}]")
            raise create_error(ctx, exc) from None
        return TermsQuery(field, (value,))
    raise errors.query_shard(f"[{query}] query on field [{field}] of type [{mapper.type}] is not supported",
                             ctx.index_name)


def build_match(ctx: Any, field: str, value: Any, operator: str, analyzer: str | None, zero_terms: str,
                lenient: bool) -> Query:
    """``MatchQuery.parse(Type.BOOLEAN, field, value)`` (before minimum_should_match and boost)."""
    if field in ("_id", "_index"):  # metadata fields are not analyzed: a term query on the whole value
        return TermsQuery(field, (value,))
    mapper = ctx.field(field)
    if mapper is None:
        return MatchNoDocsQuery(f"unmapped field [{field}]")
    if not (mapper.is_text or mapper.is_keyword) or (mapper.is_keyword and analyzer is None):
        return term_level_query(ctx, field, value, lenient, "match")
    name = analyzer or mapper.search_analyzer
    try:
        terms = get_analyzer(name).terms(query_text(value))
    except KeyError:
        raise errors.query_shard(f"[match] analyzer [{name}] not found", ctx.index_name) from None
    limits = getattr(ctx.node, "search_limits", DEFAULT_LIMITS)
    if len(terms) > limits.max_clause_count:
        raise too_many_clauses(len(terms), limits)
    if not terms:
        if zero_terms == "all":
            return MatchAllDocsQuery()
        return MatchNoDocsQuery("Matching no documents because no terms present")
    if len(terms) == 1:
        return TermQuery(field, terms[0])
    occur = MUST if operator == "and" else SHOULD
    return BooleanQuery(tuple((occur, TermQuery(field, t)) for t in terms))


def apply_msm(query: Query, spec: str | None) -> Query:
    """``Queries.maybeApplyMinimumShouldMatch``: only a BooleanQuery with a positive result changes."""
    if spec is None or not isinstance(query, BooleanQuery):
        return query
    optional = sum(1 for occur, _ in query.clauses if occur == SHOULD)
    msm = calculate_min_should_match(optional, spec)
    return BooleanQuery(query.clauses, msm) if msm > 0 else query


@dataclass(eq=False)
class TermDslQuery(Query):
    field: str
    value: Any
    boost: float = 1.0
    name: str | None = None

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        return boosted(term_level_query(ctx, self.field, self.value, False, "term"), self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


@dataclass(eq=False)
class MatchDslQuery(Query):
    field: str
    text: Any
    operator: str = "or"
    minimum_should_match: str | None = None
    analyzer: str | None = None
    zero_terms_query: str = "none"
    lenient: bool = False
    boost: float = 1.0
    name: str | None = None

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        q = build_match(ctx, self.field, self.text, self.operator, self.analyzer, self.zero_terms_query,
                        self.lenient)
        return boosted(apply_msm(q, self.minimum_should_match), self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


@dataclass(eq=False)
class MultiMatchDslQuery(Query):
    text: Any
    fields: tuple[tuple[str, float], ...]
    type: str = "best_fields"
    tie_breaker: float | None = None
    operator: str = "or"
    minimum_should_match: str | None = None
    analyzer: str | None = None
    zero_terms_query: str = "none"
    lenient: bool = False
    boost: float = 1.0
    name: str | None = None

    def to_lucene(self, ctx: Any, in_filter: bool = False) -> Query:
        resolved = resolve_fields(ctx, self.fields)
        if not resolved:
            return MatchNoDocsQuery("unmapped fields " + str(sorted(p for p, _ in self.fields)))
        lenient = self.lenient or any("*" in p for p, _ in self.fields)
        queries = []
        for field, field_boost in resolved.items():
            q = build_match(ctx, field, self.text, self.operator, self.analyzer, self.zero_terms_query, lenient)
            queries.append(boosted(apply_msm(q, self.minimum_should_match), field_boost))
        tie = _TYPES[self.type] if self.tie_breaker is None else self.tie_breaker
        combined = queries[0] if len(queries) == 1 else DisjunctionMaxQuery(tuple(queries), tie)
        return boosted(combined, self.boost)

    def rewrite(self, ctx: Any) -> Query:
        return rewrite_fully(self.to_lucene(ctx), ctx)


def resolve_fields(ctx: Any, fields: tuple[tuple[str, float], ...]) -> dict[str, float]:
    """``QueryParserHelper.resolveMappingFields``: patterns expand to text/keyword fields; boosts multiply."""
    out: dict[str, float] = {}
    for pattern, boost in fields:
        if "*" in pattern:
            rx = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
            names = [p for p, m in ctx.mapping.fields.items() if rx.match(p) and (m.is_text or m.is_keyword)]
        else:
            names = [pattern] if ctx.field(pattern) is not None else []
        for name in names:
            out[name] = float(F32(out[name]) * F32(boost)) if name in out else boost
    return out


# --- parsing -------------------------------------------------------------------------------------------------

def _choice(params: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, query: str) -> str:
    value = str(params.get(key, default)).lower()
    if value not in allowed:
        raise errors.parsing(f"[{query}] unsupported {key} value [{params.get(key)}], expected one of {list(allowed)}")
    return value


def _no_fuzziness(params: dict[str, Any], query: str) -> None:
    fuzz = params.get("fuzziness")
    if fuzz not in (None, 0, "0"):
        raise errors.parsing(f"[{query}] fuzziness [{fuzz}] is not supported by the embedded node")


def _bool_param(params: dict[str, Any], key: str, query: str) -> bool:
    value = params.get(key, False)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise errors.parsing(f"[{query}] failed to parse field [{key}]: [{value}] is not a boolean")
    return value


def parse_term(body: Any, parser: DslParser) -> Query:
    field, params = single_field(body, "term", "value")
    boost, name = common(params, "term")
    if params.pop("case_insensitive", False):
        raise errors.parsing("[term] case_insensitive is not supported by the embedded node")
    check_keys(params, "term", {"value"})
    if "value" not in params or isinstance(params["value"], (dict, list)) or params["value"] is None:
        raise errors.parsing("[term] query malformed, no value specified")
    return TermDslQuery(field, params["value"], boost, name)


def parse_match(body: Any, parser: DslParser) -> Query:
    field, params = single_field(body, "match", "query")
    boost, name = common(params, "match")
    check_keys(params, "match", _MATCH_KEYS)
    if "query" not in params or params["query"] is None or isinstance(params["query"], (dict, list)):
        raise errors.parsing("[match] requires query value")
    check_text(query_text(params["query"]), "match", parser.limits)
    _no_fuzziness(params, "match")
    return MatchDslQuery(field, params["query"], _choice(params, "operator", ("or", "and"), "or", "match"),
                         spec_string(params.get("minimum_should_match"), "match"), params.get("analyzer"),
                         _choice(params, "zero_terms_query", ("none", "all"), "none", "match"),
                         _bool_param(params, "lenient", "match"), boost, name)


def _parse_fields(value: Any) -> tuple[tuple[str, float], ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise errors.parsing("[multi_match] query malformed, [fields] must be a string or an array of strings")
    parsed: dict[str, float] = {}
    for item in items:
        field, _, boost = item.partition("^")
        parsed[field] = as_float(boost, "multi_match", "fields") if boost else 1.0
    return tuple(parsed.items())


def parse_multi_match(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[multi_match] query malformed, no start_object after query name")
    params = dict(body)
    boost, name = common(params, "multi_match")
    check_keys(params, "multi_match", _MULTI_KEYS)
    if "query" not in params or params["query"] is None:
        raise errors.parsing("No text specified for multi_match query")
    check_text(query_text(params["query"]), "multi_match", parser.limits)
    _no_fuzziness(params, "multi_match")
    mm_type = str(params.get("type", "best_fields")).lower()
    if mm_type not in _TYPES:
        raise errors.parsing(f"[multi_match] query type [{mm_type}] is not supported by the embedded node "
                             f"(supported: {sorted(_TYPES)})")
    fields = _parse_fields(params.get("fields", ["*"]))
    tie = as_float(params["tie_breaker"], "multi_match", "tie_breaker") if "tie_breaker" in params else None
    return MultiMatchDslQuery(params["query"], fields, mm_type, tie,
                              _choice(params, "operator", ("or", "and"), "or", "multi_match"),
                              spec_string(params.get("minimum_should_match"), "multi_match"), params.get("analyzer"),
                              _choice(params, "zero_terms_query", ("none", "all"), "none", "multi_match"),
                              _bool_param(params, "lenient", "multi_match"), boost, name)


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "term": parse_term,
    "match": parse_match,
    "multi_match": parse_multi_match,
}
