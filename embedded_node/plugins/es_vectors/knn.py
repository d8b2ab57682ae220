"""Elasticsearch's ``knn``: the query (``KnnVectorQueryBuilder``) and the top-level search section.

The query matches the ``k`` nearest documents of the shard (``num_candidates`` when ``k`` is omitted) among those
with a vector that pass ``filter``, scored by the field's similarity (:func:`.similarity.knn_scores`) times
``boost``. The node searches exactly, so its hits are the true nearest neighbours (a real cluster's HNSW search
may miss a few; scores of the hits it finds are the same). ``similarity`` keeps only hits whose raw similarity
is at least the value (for ``l2_norm``: whose distance is at most the value).

The top-level section (one object or a list) is rewritten into the query, as Elasticsearch combines them: each
``knn`` section finds its global top ``k`` (``k`` defaults to ``size``) and the hits of ``query`` and of every
section are combined as a disjunction whose scores add up: ``bool.should [query, knn...]``.

OpenSearch's syntax (``{"knn": {"<field>": {"vector": [...], "k": 10}}}``) is refused as Elasticsearch refuses
it: ``[knn] unknown field [<field>]``. Per emulated version: the ``knn`` query exists from 8.12 and takes ``k``
from 8.15 (elastic/elasticsearch#108473); before, they are refused as those versions refuse them. The top-level
section (with ``k``) exists in every 8.x.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ...search.parse_utils import as_float
from ...search.query import F32, Explanation, MatchNoneWeight, Query, Weight, membership
from ...search.scripts import create_error
from .dense_vector import similarity_of
from .similarity import cosines, dots, knn_scores, squared_l2

if TYPE_CHECKING:
    from ...search.dsl import DslParser

MAX_CANDIDATES = 10_000
_QUERY_KEYS = {"field", "query_vector", "k", "num_candidates", "filter", "similarity", "boost", "_name"}
_SECTION_KEYS = _QUERY_KEYS | {"query_vector_builder", "inner_hits", "rescore_vector"}
_FROM_SECTION = "_knn_section"  # marks the query a top-level section was rewritten into (not version-gated)
QUERY_SINCE, QUERY_K_SINCE = (8, 12, 0), (8, 15, 0)


def x_content(reason: str) -> errors.EngineError:
    """``XContentParseException``: how Elasticsearch's object parsers report an unknown or malformed field."""
    return errors.EngineError("x_content_parse_exception", f"[1:1] {reason}", 400)


@dataclass
class EsKnnQuery(Query):
    field: str
    vector: tuple[float, ...]
    k: int
    filter: Query | None = None
    similarity: float | None = None
    boost: float = 1.0
    name: str | None = None
    from_query: bool = True  # written as a knn query (not rewritten from the top-level section)
    explicit_k: bool = False

    def children(self) -> list[Query]:
        return [self.filter] if self.filter is not None else []

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        if self.from_query:
            version = _version(getattr(ctx.node, "version", ""))
            if version < QUERY_SINCE:
                raise errors.parsing("unknown query [knn]")
            if self.explicit_k and version < QUERY_K_SINCE:
                raise x_content("[knn] unknown field [k]")
        mapper = ctx.field(self.field)
        if mapper is None:
            return MatchNoneWeight(self)
        if mapper.type != "dense_vector":
            raise create_error(ctx, errors.illegal_argument(
                f"[knn] queries are only supported on [dense_vector] fields, field [{self.field}] is of type "
                f"[{mapper.type}]"))
        if not mapper.params.get("index", True) in (True, "true"):
            raise create_error(ctx, errors.illegal_argument(
                f"to perform knn search on field [{self.field}], its mapping must have [index] set to [true]"))
        vector = np.asarray(self.vector, dtype=np.float64).astype(F32)
        if vector.shape[0] != mapper.dimension:
            raise create_error(ctx, errors.illegal_argument(
                f"The query vector has a different number of dimensions [{vector.shape[0]}] than the document "
                f"vectors [{mapper.dimension}]."))
        similarity = similarity_of(mapper.params)
        if similarity == "cosine" and not np.any(vector):
            raise create_error(ctx, errors.illegal_argument(
                "The [cosine] similarity does not support vectors with zero magnitude. Preview of invalid vector: "
                f"{list(self.vector[:5])}"))
        filter_weight = self.filter.rewrite(ctx).create_weight(ctx, 1.0, False) if self.filter else None
        return EsKnnWeight(self, ctx, similarity, vector, F32(boost) * F32(self.boost), filter_weight)


class EsKnnWeight(Weight):
    """The shard's top ``k``, computed once over all segments, then read per segment."""

    def __init__(self, query: EsKnnQuery, ctx: Any, similarity: str, vector: np.ndarray, boost: F32,
                 filter_weight: Weight | None) -> None:
        super().__init__(query)
        self.q, self.similarity, self.vector, self.boost = query, similarity, vector, boost
        self.filter_weight = filter_weight
        self.segments = list(ctx.segments)
        self.hits: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    def _candidates(self, segment: Any, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vectors = segment.vectors.get(self.q.field)
        if vectors is None:
            return np.zeros(0, np.int32), np.zeros(0, F32)
        docs = np.flatnonzero(live & vectors.has).astype(np.int32)
        if self.filter_weight is not None and docs.size:
            docs = docs[self.filter_weight.matches(segment, docs)]
        rows = vectors.matrix[docs]
        scores = knn_scores(self.similarity, rows, self.vector)
        if self.q.similarity is not None and docs.size:
            keep = self._within(rows)
            docs, scores = docs[keep], scores[keep]
        return docs, scores

    def _within(self, rows: np.ndarray) -> np.ndarray:
        threshold = float(self.q.similarity or 0.0)
        if self.similarity == "l2_norm":
            return np.sqrt(squared_l2(rows, self.vector)) <= threshold
        raw = cosines(rows, self.vector) if self.similarity == "cosine" else dots(rows, self.vector)
        return raw >= threshold

    def _top_k(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        if self.hits is None:
            per = [(seg, *self._candidates(seg, live)) for seg, live in self.segments]
            order_keys = [(-float(s), i, int(d)) for i, (_, docs, scores) in enumerate(per)
                          for d, s in zip(docs, scores)]
            chosen = sorted(order_keys)[: self.q.k]
            self.hits = {}
            for i, (seg, docs, scores) in enumerate(per):
                mine = sorted(d for _, j, d in chosen if j == i)
                lookup = dict(zip(docs.tolist(), scores.tolist()))
                self.hits[id(seg)] = (np.asarray(mine, np.int32), np.asarray([lookup[d] for d in mine], F32))
        return self.hits

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hit_docs, hit_scores = self._top_k().get(id(segment), (np.zeros(0, np.int32), np.zeros(0, F32)))
        mask, pos = membership(docs, hit_docs)
        scores = np.zeros(docs.shape[0], dtype=F32)
        scores[mask] = (hit_scores[pos[mask]] * self.boost).astype(F32)
        return mask, scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        matched, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        if not matched[0]:
            return Explanation.no_match(f"doc is not within the knn top {self.q.k} of [{self.q.field}]")
        return Explanation(float(scores[0]), f"within top k documents of [{self.q.field}] (similarity "
                                             f"{self.similarity}), times boost {float(self.boost)}")


def _version(text: str) -> tuple[int, int, int]:
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in str(text).split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def _vector(spec: dict[str, Any], where: str) -> tuple[float, ...]:
    if "query_vector_builder" in spec:
        raise errors.illegal_argument(f"[{where}] [query_vector_builder] needs an inference model, which the "
                                      "embedded node does not have; send [query_vector]")
    vector = spec.get("query_vector")
    if vector is None:
        raise errors.illegal_argument(f"[{where}] requires either [query_vector] or [query_vector_builder]")
    if not isinstance(vector, list) or not vector or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in vector):
        raise x_content(f"[{where}] failed to parse field [query_vector]: expected a non-empty array of numbers")
    return tuple(float(v) for v in vector)


def _positive_int(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise x_content(f"[knn] failed to parse field [{key}]")
    if value < 1:
        raise errors.illegal_argument(f"[{key}] must be greater than 0")
    return value


def _k_and_candidates(spec: dict[str, Any], default_k: int) -> tuple[int, int]:
    k = _positive_int(spec, "k")
    candidates = _positive_int(spec, "num_candidates")
    if k is None:
        k = candidates if candidates is not None else default_k
    if candidates is None:
        candidates = min(math.ceil(1.5 * k), MAX_CANDIDATES)
    if candidates > MAX_CANDIDATES:
        raise errors.illegal_argument(f"[num_candidates] cannot exceed [{MAX_CANDIDATES}]")
    if candidates < k:
        raise errors.illegal_argument("[num_candidates] cannot be less than [k]")
    return k, candidates


def parse_knn_query(body: Any, parser: "DslParser") -> Query:
    """The ``knn`` query (Elasticsearch >= 8.12): ``{"field", "query_vector", "k", "num_candidates", ...}``."""
    if not isinstance(body, dict):
        raise errors.parsing("[knn] query malformed, no start_object after query name")
    unknown = [key for key in body if key not in _QUERY_KEYS | {"query_vector_builder", _FROM_SECTION}]
    if unknown:
        raise x_content(f"[knn] unknown field [{unknown[0]}]")
    field = body.get("field")
    if not isinstance(field, str) or not field:
        raise errors.illegal_argument("[knn] requires field [field] to be a non-empty string")
    vector = _vector(body, "knn")
    k, _ = _k_and_candidates(body, 10)
    filter_query = _filter(body.get("filter"), parser)
    similarity = as_float(body["similarity"], "knn", "similarity") if body.get("similarity") is not None else None
    boost = as_float(body.get("boost", 1.0), "knn", "boost")
    from_query = not body.get(_FROM_SECTION)
    return EsKnnQuery(field, vector, k, filter_query, similarity, boost, body.get("_name"), from_query,
                      explicit_k="k" in body)


def _filter(value: Any, parser: "DslParser") -> Query | None:
    """``filter``: one query or a list of them (all must match)."""
    if value is None:
        return None
    if isinstance(value, list):
        return parser.parse({"bool": {"filter": value}}) if value else None
    return parser.parse(value)


def knn_section(value: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The top-level ``knn`` section rewritten into the request's query (see the module docstring)."""
    sections = value if isinstance(value, list) else [value]
    if not sections or not all(isinstance(s, dict) for s in sections):
        raise x_content("[knn] must be an object or an array of objects")
    size = body.get("size", 10)
    clauses = []
    for spec in sections:
        unknown = [key for key in spec if key not in _SECTION_KEYS]
        if unknown:
            raise x_content(f"[knn] unknown field [{unknown[0]}]")
        for unsupported in ("inner_hits", "rescore_vector"):
            if unsupported in spec:
                raise errors.illegal_argument(f"[knn] [{unsupported}] is not supported by the embedded node")
        _vector(spec, "knn")
        k, candidates = _k_and_candidates(spec, size if isinstance(size, int) and size > 0 else 10)
        clauses.append({"knn": {**spec, "k": k, "num_candidates": candidates, _FROM_SECTION: True}})
    if "query" in body:
        return {"bool": {"should": [body["query"], *clauses]}}
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}
