"""``match_all``, ``match_none``, ``ids`` and ``exists``: queries that need no term statistics."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ..parse_utils import check_keys, common
from ..query import ConstantMaskWeight, Explanation, MatchAllWeight, MatchNoneWeight, Query, Weight
from .lucene_weights import SparseWeight, in_candidates

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
        return IdsWeight(self, np.float32(boost) * np.float32(self.boost), sorted(set(self.values)))


class IdsWeight(SparseWeight):
    """``_id`` membership, a constant score. As a required clause of a conjunction in doc-id space it answers
    with its few documents directly (``sparse``), so the conjunction narrows to them without a pass over the
    segment's candidates."""

    def __init__(self, query: Query, boost: np.float32, wanted: list[str]) -> None:
        super().__init__(query)
        self.boost = np.float32(boost)
        self.wanted = wanted
        self.description = f"_id:{sorted(wanted)}"
        self._by_segment: dict[int, np.ndarray] = {}

    def _locals(self, segment: Any) -> np.ndarray:
        """The segment-local docs of the wanted ids, sorted (deleted copies included: callers filter by live)."""
        found = self._by_segment.get(id(segment))
        if found is None:
            table = id_lookup(segment)
            found = np.unique(np.asarray([i for i in (table.get(v) for v in self.wanted) if i is not None],
                                         dtype=np.int64))
            self._by_segment[id(segment)] = found
        return found

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        locals_ = self._locals(segment)
        if not locals_.size:
            mask = np.zeros(docs.shape[0], dtype=bool)
        elif docs.shape[0] * 8 >= segment.max_doc:  # many candidates: a bitmap lookup, linear
            hit = np.zeros(segment.max_doc, dtype=bool)
            hit[locals_] = True
            mask = hit[docs]
        else:
            mask = np.isin(docs, locals_)
        return mask, np.where(mask, self.boost, np.float32(0)).astype(np.float32)

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        locals_ = self._locals(segment)
        if dense:
            pos = locals_[in_candidates(segment, docs, locals_)]
        else:
            pos = np.flatnonzero(np.isin(docs, locals_))
        return pos, np.full(pos.shape[0], self.boost, dtype=np.float32)

    def explain(self, segment: Any, doc: int) -> Explanation:
        if self.score(segment, np.asarray([doc], dtype=np.int32))[0][0]:
            return Explanation(float(self.boost), self.description)
        return Explanation.no_match(f"{self.description} doesn't match id {doc}")


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
