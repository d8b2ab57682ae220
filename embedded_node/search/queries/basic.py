"""``match_all``, ``match_none``, ``ids`` and ``exists``: queries that need no term statistics."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ..parse_utils import check_keys, common
from ..query import ConstantMaskWeight, MatchAllWeight, MatchNoneWeight, Query, Weight

if TYPE_CHECKING:
    from ..dsl import DslParser


@dataclass
class MatchAllQuery(Query):
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        return MatchAllWeight(self, np.float32(boost) * np.float32(self.boost))


@dataclass
class MatchNoneQuery(Query):
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        return MatchNoneWeight(self)


def parse_match_all(body: Any, parser: DslParser) -> Query:
    params = dict(body or {})
    boost, name = common(params, "match_all")
    check_keys(params, "match_all", set())
    return MatchAllQuery(boost, name)


def parse_match_none(body: Any, parser: DslParser) -> Query:
    params = dict(body or {})
    _, name = common(params, "match_none")
    check_keys(params, "match_none", set())
    return MatchNoneQuery(name)


@dataclass
class IdsQuery(Query):
    values: tuple[str, ...]
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        wanted = sorted(set(self.values))

        def mask(segment: Any, docs: np.ndarray) -> np.ndarray:
            locals_ = [i for i in (id_lookup(segment).get(v) for v in wanted) if i is not None]
            if not locals_:
                return np.zeros(docs.shape[0], dtype=bool)
            if docs.shape[0] * 8 >= segment.max_doc:  # many candidates: a bitmap lookup, linear
                hit = np.zeros(segment.max_doc, dtype=bool)
                hit[locals_] = True
                return hit[docs]
            return np.isin(docs, np.asarray(locals_, dtype=np.int64))

        return ConstantMaskWeight(self, np.float32(boost) * np.float32(self.boost), mask,
                                  f"_id:{sorted(wanted)}")


def id_lookup(segment: Any) -> dict[str, int]:
    """``_id -> local doc`` for a segment, built once and cached (the latest copy wins; deleted copies are
    filtered by the caller's live docs)."""
    table = segment.cache.get("id_lookup")
    if table is None:
        table = segment.cache["id_lookup"] = {doc_id: i for i, doc_id in enumerate(segment.ids)}
    return table


def parse_ids(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[ids] query malformed, no start_object after query name")
    params = dict(body)
    boost, name = common(params, "ids")
    params.pop("type", None)
    check_keys(params, "ids", {"values"})
    values = params.get("values", [])
    if not isinstance(values, list):
        raise errors.parsing("[ids] failed to parse field [values]")
    return IdsQuery(tuple(str(v) for v in values), boost, name)


@dataclass
class ExistsQuery(Query):
    field: str
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        fields = [self.field] if ctx.field(self.field) is not None else [
            f for f in ctx.mapping.fields if f.startswith(self.field + ".")]
        fields = [f for f in fields if ctx.field(f) is not None]

        def mask(segment: Any, docs: np.ndarray) -> np.ndarray:
            out = np.zeros(docs.shape[0], dtype=bool)
            for path in fields:
                mapper = ctx.field(path)
                if mapper.is_vector:
                    vec = segment.vectors.get(path)
                    if vec is not None:
                        out |= vec.has[docs]
                elif mapper.is_numeric:
                    num = segment.numerics.get(path)
                    if num is not None:
                        out |= num.has[docs]
                else:
                    inv = segment.inverted.get(path)
                    if inv is not None:
                        out |= inv.has[docs]
            return out

        return ConstantMaskWeight(self, np.float32(boost) * np.float32(self.boost), mask,
                                  f"ConstantScore(FieldExistsQuery [field={self.field}])")


def parse_exists(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[exists] query malformed, no start_object after query name")
    params = dict(body)
    boost, name = common(params, "exists")
    check_keys(params, "exists", {"field"})
    if "field" not in params or not isinstance(params["field"], str):
        raise errors.parsing("[exists] must be provided with a [field]")
    return ExistsQuery(params["field"], boost, name)


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "match_all": parse_match_all,
    "match_none": parse_match_none,
    "ids": parse_ids,
    "exists": parse_exists,
}
