"""Term-level queries that match without scoring: ``terms``, ``range``, ``prefix``, ``wildcard``.

Each is a constant-score query in OpenSearch (``TermInSetQuery``/point set queries, ``PointRangeQuery``,
``TermRangeQuery``, ``PrefixQuery``/``WildcardQuery`` under the default ``constant_score`` rewrite), so a hit
scores exactly its boost. Values are matched the way the field type indexes them:

* keyword and text fields: the indexed terms, **without analysis** (``terms`` on a text field looks the given
  strings up as they are, like ``TermsQueryBuilder``); strings compare in UTF-8 byte order, which equals code
  point order, so Python string comparison is Lucene's ``BytesRef`` order;
* numeric fields: a multi-valued doc matches when any of its values does (points). Bounds are parsed as the
  field type parses them (``NumberFieldMapper.NumberType``): ``float`` rounds to float32, ``half_float`` to
  float16, ``scaled_float`` compares the scaled longs (``ScaledFloatFieldMapper.rangeQuery``); decimal values
  in ``terms`` on integer fields match nothing (``hasDecimalPart``);
* ``boolean``: ``true``/``false`` (strings or JSON booleans) as 1/0;
* ``date``: bounds through :mod:`.datemath` (formats, ``now``, ``||`` anchors, ``+1d``, ``/d`` rounding, and
  ``DateFieldType.rangeQuery``'s round-up rules: ``gt``/``lte`` round up, ``gt``+1 ms, ``lt``-1 ms). ``terms``
  on a date is one range per value (``DateFieldType.termQuery``: ``[v, v]`` with the upper bound rounded up, so
  ``2020-01-01`` matches that whole day).

Unmapped fields match nothing (the builders rewrite to ``match_none``); ``knn_vector`` fields fail as the k-NN
field type does. Errors raised while building a weight are wrapped as ``QueryShardContext.toQuery`` wraps them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ... import errors
from ..parse_utils import common
from ..query import ConstantMaskWeight, MatchNoneWeight, Query, Weight, membership
from . import datemath

if TYPE_CHECKING:
    from ..dsl import DslParser

F32 = np.float32
MAX_TERMS_COUNT = 65536
INTEGER_TYPES = {"long", "integer", "short", "byte", "unsigned_long"}


def create_error(ctx: Any, cause: errors.EngineError) -> errors.EngineError:
    """``QueryShardContext.toQuery``: exceptions other than parsing/query-shard ones become 'failed to create
    query: ...' query-shard exceptions."""
    return errors.query_shard(f"failed to create query: {cause.reason}", ctx.index_name, caused_by=cause)


def to_query_mask(ctx: Any, build: Callable[[], tuple[Any, str]]) -> tuple[Any, str]:
    """Run a query's mask builder; its errors surface as ``toQuery`` reports them (see ``create_error``)."""
    try:
        return build()
    except errors.EngineError as exc:
        if exc.type == "query_shard_exception":
            raise
        raise create_error(ctx, exc) from None


def _number_error(value: Any) -> errors.EngineError:
    return errors.EngineError("number_format_exception", f'For input string: "{value}"', 400)


# --- value conversion ------------------------------------------------------------------------------------------
def to_number(value: Any) -> float:
    """``NumberFieldMapper`` ``parse``: JSON numbers, numeric strings; anything else is a number format error."""
    if isinstance(value, bool):
        raise _number_error(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise _number_error(value) from None


def field_number(ftype: str, value: Any, params: dict[str, Any]) -> float:
    """A query value as the field type stores it (float32, float16 and scaled_float lose precision)."""
    number = to_number(value)
    if ftype == "float":
        return float(F32(number))
    if ftype == "half_float":
        return float(np.float16(number))
    if ftype == "scaled_float":
        factor = float(params["scaling_factor"])
        return _java_round(number * factor) / factor
    return number


def to_boolean(value: Any) -> float:
    if value is True or value == "true":
        return 1.0
    if value is False or value == "false":
        return 0.0
    raise errors.illegal_argument(f"Can't parse boolean value [{value}], expected [true] or [false]")


def to_term(value: Any) -> str:
    """``BytesRefs.toBytesRef``: a query value as an indexed keyword/text term (Java's ``toString``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e7 else f"{value:.1f}"
    return str(value)


def _java_round(x: float) -> int:
    return math.floor(x + 0.5)


# --- per-segment matching helpers -------------------------------------------------------------------------------
def any_value(num: Any, docs: np.ndarray, value_mask: np.ndarray) -> np.ndarray:
    """For multi-valued doc values: does any value of each doc in ``docs`` satisfy ``value_mask``?"""
    counts = np.zeros(value_mask.shape[0] + 1, dtype=np.int64)
    np.cumsum(value_mask, out=counts[1:])
    starts, ends = num.offsets[docs], num.offsets[docs + 1]
    return (counts[ends] - counts[starts]) > 0


def numeric_mask(field: str, predicate: Callable[[np.ndarray], np.ndarray]) -> Callable[[Any, np.ndarray], np.ndarray]:
    def mask(segment: Any, docs: np.ndarray) -> np.ndarray:
        num = segment.numerics.get(field)
        if num is None or docs.shape[0] == 0:
            return np.zeros(docs.shape[0], dtype=bool)
        return any_value(num, docs, predicate(num.values))

    return mask


def term_docs(inv: Any, ordinals: list[int]) -> np.ndarray:
    """Sorted unique docs holding any of the term ordinals of ``inv`` (read-only: may be a view of the postings).

    One term's postings are already sorted and unique. The union of several is a sort (``np.unique``) when they
    are few, and a scatter into a ``max_doc`` bitmap when they hold many documents (``terms`` over frequent
    values, e.g. an affinity over category levels: tens of thousands of postings per term), which is linear.
    """
    parts = [inv.docs[inv.offsets[o]:inv.offsets[o + 1]] for o in ordinals]
    if not parts:
        return np.zeros(0, dtype=np.int32)
    if len(parts) == 1:
        return parts[0]
    merged = np.concatenate(parts)
    max_doc = inv.has.shape[0]
    if merged.shape[0] * 16 < max_doc:
        return np.unique(merged)
    seen = np.zeros(max_doc, dtype=bool)
    seen[merged] = True
    return np.flatnonzero(seen).astype(inv.docs.dtype, copy=False)


def sorted_terms(segment: Any, field: str) -> tuple[list[str], list[int]] | None:
    """The segment's terms of ``field`` in BytesRef order with their ordinals (cached per segment)."""
    inv = segment.inverted.get(field)
    if inv is None:
        return None
    key = ("sorted-terms", field)
    hit = segment.cache.get(key)
    if hit is None:
        order = sorted(range(len(inv.terms)), key=inv.terms.__getitem__)
        hit = segment.cache[key] = ([inv.terms[i] for i in order], order)
    return hit


_FEW_TERMS = 64


def term_mask(field: str, select: Callable[[Any, Any], list[int]]) -> Callable[[Any, np.ndarray], np.ndarray]:
    """A mask function over term postings; ``select(segment, inv)`` picks term ordinals; cached per segment.

    A few candidates (a rescore window, logged documents) against a few terms are looked up in each term's
    postings; otherwise the union of the postings is built once per segment and the candidates looked up in it.
    """
    cache: dict[int, np.ndarray] = {}
    selected: dict[int, list[int]] = {}

    def mask(segment: Any, docs: np.ndarray) -> np.ndarray:
        inv = segment.inverted.get(field)
        if inv is None:
            return np.zeros(docs.shape[0], dtype=bool)
        hits = cache.get(id(segment))
        if hits is None:
            ordinals = selected.get(id(segment))
            if ordinals is None:
                ordinals = selected[id(segment)] = select(segment, inv)
            if len(ordinals) <= _FEW_TERMS and docs.shape[0] * 64 < segment.max_doc:
                out = np.zeros(docs.shape[0], dtype=bool)
                for o in ordinals:
                    out |= membership(docs, inv.docs[inv.offsets[o]:inv.offsets[o + 1]])[0]
                return out
            hits = cache[id(segment)] = term_docs(inv, ordinals)
        return membership(docs, hits)[0]

    return mask


def is_string_field(mapper: Any) -> bool:
    return mapper.is_keyword or mapper.is_text


def refuse_metadata(ctx: Any, field: str, query: str) -> None:
    """Metadata fields other than in ``terms`` would silently match nothing here: fail instead."""
    if field.startswith("_") and ctx.field(field) is None:
        raise errors.query_shard(f"[{query}] queries on the metadata field [{field}] are not supported by the "
                                 "embedded node", ctx.index_name)


def vector_error(ctx: Any, mapper: Any) -> errors.EngineError:
    return errors.query_shard(f"KNN vector do not support exact searching, use KNN queries instead: "
                              f"[{mapper.path}]", ctx.index_name)


# --- terms --------------------------------------------------------------------------------------------------------
@dataclass
class TermsQuery(Query):
    """``terms`` (and a numeric/boolean/date ``term``): docs holding any of ``values``; score = boost."""

    field: str
    values: tuple[Any, ...]
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        if self.field in ("_id", "_index"):
            return self._metadata_weight(ctx, F32(boost) * F32(self.boost))
        mapper = ctx.field(self.field)
        if mapper is None:
            return MatchNoneWeight(self)
        if len(self.values) > MAX_TERMS_COUNT:
            raise create_error(ctx, errors.illegal_argument(
                f"The number of terms [{len(self.values)}] used in the Terms Query request has exceeded the allowed "
                f"maximum of [{MAX_TERMS_COUNT}]. This maximum can be set by changing the [index.max_terms_count] "
                "index level setting."))
        total = F32(boost) * F32(self.boost)
        mask, text = to_query_mask(ctx, lambda: self._mask(ctx, mapper))
        return ConstantMaskWeight(self, total, mask, f"ConstantScore({self.field}:({text}))")

    def _metadata_weight(self, ctx: Any, boost: F32) -> Weight:
        """``_id`` (``IdFieldMapper.termsQuery``) and ``_index`` (matches all or nothing of this index)."""
        wanted = {to_term(v) for v in self.values}
        if self.field == "_index":
            hit = ctx.index_name in wanted
            return ConstantMaskWeight(self, boost, lambda seg, docs: np.full(docs.shape[0], hit),
                                      f"ConstantScore(_index:({' '.join(sorted(wanted))}))")

        def mask(segment: Any, docs: np.ndarray) -> np.ndarray:
            ids = segment.ids
            return np.fromiter((ids[d] in wanted for d in docs.tolist()), dtype=bool, count=docs.shape[0])

        return ConstantMaskWeight(self, boost, mask, f"ConstantScore(_id:({' '.join(sorted(wanted))}))")

    def _mask(self, ctx: Any, mapper: Any) -> tuple[Callable[[Any, np.ndarray], np.ndarray], str]:
        if mapper.is_vector:
            raise vector_error(ctx, mapper)
        if is_string_field(mapper):
            wanted = sorted({to_term(v) for v in self.values})
            return term_mask(self.field, lambda seg, inv: [inv.term_index[t] for t in wanted
                                                            if t in inv.term_index]), " ".join(wanted)
        if mapper.type == "date":
            fmt = mapper.params.get("format")
            spans = [(datemath.parse(v, fmt, False, ctx.now_ms, None),
                      datemath.parse(v, fmt, True, ctx.now_ms, None)) for v in self.values]
            lows = np.asarray([s[0] for s in spans], dtype=np.float64)
            highs = np.asarray([s[1] for s in spans], dtype=np.float64)

            def in_spans(values: np.ndarray) -> np.ndarray:
                out = np.zeros(values.shape[0], dtype=bool)
                for lo, hi in zip(lows, highs):
                    out |= (values >= lo) & (values <= hi)
                return out

            return numeric_mask(self.field, in_spans), " ".join(str(v) for v in self.values)
        if mapper.type == "boolean":
            wanted_arr = np.asarray(sorted({to_boolean(v) for v in self.values}), dtype=np.float64)
        elif mapper.is_numeric:
            numbers = [field_number(mapper.type, v, mapper.params) for v in self.values]
            if mapper.type in INTEGER_TYPES:
                numbers = [n for n in numbers if float(n).is_integer()]  # hasDecimalPart: dropped
            wanted_arr = np.asarray(sorted(set(numbers)), dtype=np.float64)
        else:
            raise errors.query_shard(f"Field [{self.field}] of type [{mapper.type}] does not support term queries",
                                     ctx.index_name)
        return (numeric_mask(self.field, lambda values: np.isin(values, wanted_arr)),
                " ".join(repr(v) for v in wanted_arr.tolist()))


def parse_terms(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[terms] query malformed, no start_object after query name")
    params = dict(body)
    boost, name = common(params, "terms")
    if not params:
        raise errors.illegal_argument("No value specified for terms query")
    if len(params) > 1:
        fields = list(params)
        raise errors.parsing(f"[terms] query does not support multiple fields [{fields[0]}, {fields[1]}]")
    (field, values), = params.items()
    if isinstance(values, dict):
        raise errors.illegal_argument("[terms] lookup ({index, id, path}) is not supported by the embedded node; "
                                      "pass the values inline")
    if not isinstance(values, list):
        raise errors.parsing(f"[terms] query does not support [{field}]")
    if any(v is None or isinstance(v, (dict, list)) for v in values):
        raise errors.parsing("[terms] query values must be strings, numbers or booleans")
    return TermsQuery(field, tuple(values), boost, name)


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "terms": parse_terms,
}
