"""The k-NN plugin's ``knn`` query.

``knn`` (``KNNQueryBuilder`` -> ``KNNQuery``/``KNNWeight``): approximate by definition, it matches only the
nearest ``k`` documents and scores them with the engine's score translation (:mod:`.scoring`), times the boost.
For faiss and nmslib the top ``k`` is taken **per segment** (each segment's native index is searched
separately); for the lucene engine it is per shard (``KnnFloatVectorQuery`` merges the per-segment results into
one top ``k``). A ``filter`` restricts the candidates before the search (efficient filtering), so a filtered
query still returns ``k`` hits when ``k`` docs pass the filter. ``max_distance``/``min_score`` (radial search)
match every document within the radius, searched exactly. Field-level problems are thrown at ``doToQuery`` and
reported as ``query_shard_exception`` "failed to create query: ..." with the plugin's message as the cause.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ...search.parse_utils import as_float
from ...search.query import F32, Explanation, MatchNoneWeight, Query, Weight, membership
from . import ann
from ...search.scripts import create_error

if TYPE_CHECKING:
    from ...search.dsl import DslParser

K_MAX = 10_000
_KNN_KEYS = {"vector", "k", "filter", "boost", "_name", "max_distance", "min_score", "method_parameters",
             "ignore_unmapped", "rescore", "expand_nested_docs"}


@dataclass
class KnnQuery(Query):
    field: str
    vector: tuple[float, ...]
    k: int | None = None
    filter: Query | None = None
    max_distance: float | None = None
    min_score: float | None = None
    ef_search: int | None = None
    ignore_unmapped: bool = False
    oversample: float | None = None
    boost: float = 1.0
    name: str | None = None

    def children(self) -> list[Query]:
        return [self.filter] if self.filter is not None else []

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        mapper = ctx.field(self.field)
        if mapper is None and self.ignore_unmapped:
            return MatchNoneWeight(self)
        if mapper is None or not mapper.is_vector:
            raise _create_error(ctx, f"Field '{self.field}' is not knn_vector type.")
        vector = np.asarray(self.vector, dtype=np.float64).astype(F32)
        if vector.shape[0] != mapper.dimension:
            raise _create_error(ctx, f"Query vector has invalid dimension: {vector.shape[0]}. Dimension should "
                                     f"be: {mapper.dimension}")
        space = mapper.space_type
        if space == "cosinesimil" and not np.any(vector):
            raise _create_error(ctx, "zero vector is not supported when space type is [cosinesimil]")
        if space in ("hamming", "hammingbit"):
            raise _create_error(ctx, f"space type [{space}] needs a binary knn_vector field, which the embedded "
                                     "node does not support")
        filter_weight = self.filter.rewrite(ctx).create_weight(ctx, 1.0, False) if self.filter else None
        return KnnWeight(self, ctx, space, mapper.engine, vector, F32(boost) * F32(self.boost), filter_weight,
                         _ann_config(ctx, mapper, self.ef_search))


class KnnWeight(Weight):
    """Scores the top-k hits of each segment (or of the shard, for the lucene engine), computed once."""

    def __init__(self, query: KnnQuery, ctx: Any, space: str, engine: str, vector: np.ndarray, boost: F32,
                 filter_weight: Weight | None, config: ann.AnnConfig) -> None:
        super().__init__(query)
        self.q = query
        self.space, self.engine, self.vector, self.boost = space, engine, vector, boost
        self.filter_weight = filter_weight
        self.config = config
        self.segments = list(ctx.segments)
        self.hits: dict[int, ann.Hits] = {}
        self.paths: dict[int, str] = {}  # segment name -> "exact" | "hnsw" (for tests and benchmarks)

    def _allowed(self, segment: Any, live: np.ndarray) -> np.ndarray:
        vectors = segment.vectors.get(self.q.field)
        if vectors is None:
            return np.zeros(segment.max_doc, dtype=bool)
        allowed = live & vectors.has
        if self.filter_weight is not None and allowed.any():
            docs = np.flatnonzero(allowed).astype(np.int32)
            keep = self.filter_weight.matches(segment, docs)
            allowed = np.zeros(segment.max_doc, dtype=bool)
            allowed[docs[keep]] = True
        return allowed

    def _search(self, segment: Any, live: np.ndarray) -> ann.Hits:
        allowed = self._allowed(segment, live)
        vectors = segment.vectors.get(self.q.field)
        if vectors is None:
            return ann.Hits.empty()
        if self.q.k is None:
            self.paths[segment.name] = "exact"
            max_raw = self.q.max_distance
            return ann.exact_within(vectors.matrix, allowed, self.space, self.engine, self.vector, max_raw,
                                    self.q.min_score)
        k = self.q.k
        first_pass = k if self.q.oversample is None else min(K_MAX, math.ceil(k * self.q.oversample))
        hits, path = ann.search_segment(segment, self.q.field, self.space, self.engine, self.vector, first_pass,
                                        allowed, self.config, self.filter_weight is not None)
        self.paths[segment.name] = path
        return ann.best(hits, k)

    def _segment_hits(self, segment: Any) -> ann.Hits:
        key = id(segment)
        if key not in self.hits:
            if self.engine == "lucene" and self.q.k is not None:
                self._shard_top_k()
            else:
                live = next((lv for seg, lv in self.segments if seg is segment), segment.live)
                self.hits[key] = self._search(segment, live)
        return self.hits.get(key, ann.Hits.empty())

    def _shard_top_k(self) -> None:
        """Lucene's ``KnnFloatVectorQuery``: per-segment top k, merged into one shard-level top k."""
        per = [(i, seg, self._search(seg, live)) for i, (seg, live) in enumerate(self.segments)]
        seg_idx = np.concatenate([np.full(h.docs.shape[0], i) for i, _, h in per]) if per else np.zeros(0)
        docs = np.concatenate([h.docs for _, _, h in per]) if per else np.zeros(0, np.int32)
        scores = np.concatenate([h.scores for _, _, h in per]) if per else np.zeros(0, F32)
        order = np.lexsort((docs, seg_idx, -scores.astype(np.float64)))[: self.q.k]
        for i, seg, _ in per:
            mine = order[seg_idx[order] == i]
            mine = mine[np.argsort(docs[mine], kind="stable")]
            self.hits[id(seg)] = ann.Hits(docs[mine].astype(np.int32), scores[mine].astype(F32))

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hits = self._segment_hits(segment)
        mask, pos = membership(docs, hits.docs)
        scores = np.zeros(docs.shape[0], dtype=F32)
        scores[mask] = (hits.scores[pos[mask]] * self.boost).astype(F32)
        return mask, scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        matched, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        what = f"top {self.q.k}" if self.q.k is not None else "radius"
        if not matched[0]:
            return Explanation.no_match(f"doc is not within the knn {what} of [{self.q.field}]")
        return Explanation(float(scores[0]), f"knn score within the {what} of [{self.q.field}] "
                                             f"(space_type {self.space}, engine {self.engine}), times boost "
                                             f"{float(self.boost)}")


def parse_knn(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.parsing("[knn] query malformed, expected exactly one field" if isinstance(body, dict)
                             else "[knn] query malformed, no start_object after query name")
    (field_name, spec), = body.items()
    if not isinstance(spec, dict):
        raise errors.parsing(f"[knn] query malformed, expected an object for field [{field_name}]")
    unknown = [key for key in spec if key not in _KNN_KEYS]
    if unknown:
        raise errors.parsing(f"[knn] query does not support [{unknown[0]}]")
    vector = spec.get("vector")
    if vector is None:
        raise errors.illegal_argument("[knn] requires query vector")
    if not isinstance(vector, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in vector):
        raise errors.parsing("[knn] failed to parse field [vector]: expected an array of numbers")
    if not vector:
        raise errors.illegal_argument("[knn] query vector is empty")
    modes = [key for key in ("k", "max_distance", "min_score") if spec.get(key) is not None]
    if len(modes) != 1:
        raise errors.illegal_argument("[knn] requires exactly one of k, distance or score to be set")
    k = None
    if "k" in modes:
        k_value = spec["k"]
        if isinstance(k_value, bool) or not isinstance(k_value, int):
            raise errors.parsing("[knn] failed to parse field [k]")
        if k_value <= 0 or k_value > K_MAX:
            raise errors.illegal_argument(f"[knn] requires k to be in the range (0, {K_MAX}]")
        k = k_value
    max_distance = as_float(spec["max_distance"], "knn", "max_distance") if "max_distance" in modes else None
    min_score = as_float(spec["min_score"], "knn", "min_score") if "min_score" in modes else None
    if min_score is not None and min_score <= 0:
        raise errors.illegal_argument("[knn] requires minimum score to be greater than 0")
    if spec.get("expand_nested_docs"):
        raise errors.illegal_argument("[knn] [expand_nested_docs] needs nested fields, which the embedded node "
                                      "does not support")
    filter_query = parser.parse(spec["filter"]) if spec.get("filter") is not None else None
    oversample = _oversample(spec.get("rescore"))
    boost = as_float(spec.get("boost", 1.0), "knn", "boost")
    name = spec.get("_name")
    return KnnQuery(field_name, tuple(float(v) for v in vector), k, filter_query, max_distance, min_score,
                    _ef_search(spec.get("method_parameters")), bool(spec.get("ignore_unmapped", False)),
                    oversample, boost, name)


def _oversample(rescore: Any) -> float | None:
    """``RescoreParser``: ``true`` (factor 2.0 here), ``false``, or ``{"oversample_factor": 1.0..100.0}``.

    Scores are exact already; oversampling only widens the first pass (``ceil(k * factor)`` candidates per
    segment, the best ``k`` kept), which raises HNSW recall, as the plugin's rescoring does for quantized indices.
    """
    if rescore is None or rescore is False:
        return None
    if rescore is True:
        return 2.0
    if not isinstance(rescore, dict) or set(rescore) - {"oversample_factor"}:
        raise errors.parsing("[knn] failed to parse field [rescore]")
    factor = as_float(rescore.get("oversample_factor", 2.0), "knn", "oversample_factor")
    if factor < 1.0:
        raise errors.illegal_argument(f"Oversample factor [{factor}] cannot be less than 1.0")
    if factor > 100.0:
        raise errors.illegal_argument(f"Oversample factor [{factor}] cannot be more than 100.0")
    return factor


def _ef_search(params: Any) -> int | None:
    if params is None:
        return None
    if not isinstance(params, dict):
        raise errors.parsing("[knn] method_parameters must be an object")
    for key, value in params.items():
        if key not in ("ef_search", "nprobes"):
            raise errors.illegal_argument(f"[knn] unknown method parameter found [{key}]")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise errors.illegal_argument(f"[knn] method parameter [{key}] must be a positive integer")
    return params.get("ef_search")


def _ann_config(ctx: Any, mapper: Any, ef_search: int | None) -> ann.AnnConfig:
    try:
        return ann.config_for(ctx.shard.settings, mapper, ef_search)
    except (TypeError, ValueError) as exc:
        raise errors.illegal_argument(f"invalid k-NN setting or method parameter: {exc}") from None


def _create_error(ctx: Any, reason: str) -> errors.EngineError:
    return create_error(ctx, errors.illegal_argument(reason))


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "knn": parse_knn,
}
