"""Per-segment nearest-neighbour search: exact (numpy BLAS) below a size threshold, faiss HNSW above it.

This mirrors how the k-NN plugin searches a segment (``KNNWeight``):

* A segment holding fewer vectors than ``index.embedded.ann_threshold`` (default 50,000; the plugin's analogue is
  ``index.knn.advanced.approximate_threshold``) has no graph and is searched exactly.
* With a ``filter``, exact search is used when the filtered docs are at most ``k``, or when
  ``filtered * dimension <= MAX_DISTANCE_COMPUTATIONS`` (2,048,000, ``KNNConstants``); otherwise the graph is
  searched with the filter as an id selector, and if that yields fewer than ``k`` hits the exact search runs
  (``isFilteredExactSearchRequireAfterANNSearch``).
* Deleted documents are excluded through the same selector, so a segment always yields ``k`` live hits.

The graph is faiss' ``IndexHNSWFlat`` (the plugin's default engine is faiss), built from the segment's vectors
with the mapping's ``m``/``ef_construction`` when the segment is written (refresh or merge,
:func:`prepare_graphs`, as the plugin builds native graphs at flush/merge time), persisted beside the segment
and cached in ``segment.cache`` (segments are immutable; a merge makes a new segment and a new graph). A
search loads the persisted graph after a reopen, and builds one only for a segment that has none yet (the
threshold was lowered after the refresh). ``ef_search`` comes from ``method_parameters`` or
``index.knn.algo_param.ef_search`` (default 100). Cosine graphs hold L2-normalised vectors under inner product,
as the plugin's faiss cosine does.

Whatever found a hit, its score is recomputed exactly (:mod:`.scoring`), so the exact and HNSW paths give the
same score to the same document; they can only differ in *which* documents they return.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import scoring

log = logging.getLogger(__name__)

F32 = np.float32
DEFAULT_ANN_THRESHOLD = 50_000
DEFAULT_EF_SEARCH = 100
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 100
MAX_DISTANCE_COMPUTATIONS = 2_048_000
_DIRECT_EXACT = 2048  # below this many candidates, skip the BLAS pre-selection and score every doc exactly
_CHUNK = 8192
# The faiss metric of each space type a graph can be built for (cosine: normalised vectors, inner product).
GRAPH_SPACES = {"l2": "METRIC_L2", "innerproduct": "METRIC_INNER_PRODUCT", "cosinesimil": "METRIC_INNER_PRODUCT",
                "l1": "METRIC_L1", "linf": "METRIC_Linf"}

try:  # faiss is the optional ``ann`` extra: without it every segment is searched exactly
    import faiss  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only where faiss is absent
    faiss = None


@dataclass(frozen=True)
class AnnConfig:
    threshold: int = DEFAULT_ANN_THRESHOLD
    m: int = DEFAULT_M
    ef_construction: int = DEFAULT_EF_CONSTRUCTION
    ef_search: int = DEFAULT_EF_SEARCH


@dataclass(frozen=True)
class Hits:
    """Per-segment result: doc ids ascending, with their float32 scores."""

    docs: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> "Hits":
        return cls(np.zeros(0, np.int32), np.zeros(0, F32))


def config_for(settings: dict[str, Any], mapper: Any, ef_search: int | None = None) -> AnnConfig:
    """The graph parameters of a ``knn_vector`` field in an index (raises ValueError on a bad setting).

    ``index.embedded.ann_threshold``, else the plugin's own ``index.knn.advanced.approximate_threshold``
    (-1: never build a graph), else 50,000 vectors per segment; ``m``/``ef_construction`` from the mapping's
    ``method.parameters``; ``ef_search`` from the query, else ``index.knn.algo_param.ef_search``.
    """
    method_params = (mapper.params.get("method") or {}).get("parameters") or {}
    threshold = int(settings.get("index.embedded.ann_threshold",
                                 settings.get("index.knn.advanced.approximate_threshold", DEFAULT_ANN_THRESHOLD)))
    if threshold < 0:
        threshold = 2 ** 62
    default_ef = int(settings.get("index.knn.algo_param.ef_search", DEFAULT_EF_SEARCH))
    m = int(method_params.get("m", DEFAULT_M))
    ef_construction = int(method_params.get("ef_construction", DEFAULT_EF_CONSTRUCTION))
    return AnnConfig(threshold, m, ef_construction, ef_search or default_ef)


def prepare_graphs(segment: Any, mapping: Any, settings: dict[str, Any]) -> int:
    """Build (or load) the graph of every vector field of a new segment that will be searched through one.

    The k-NN plugin builds a segment's native graphs when it writes the segment (refresh, flush, merge), not
    when it is first searched; doing the same here moves the build (tens of seconds for 100k vectors) out of
    the first ``knn`` query after a load into the refresh that makes the load visible. Returns how many graphs
    are ready. Fields whose settings do not parse are left to the query, which reports the error.
    """
    if faiss is None:
        return 0
    ready = 0
    for mapper in mapping.vector_fields():
        vectors = segment.vectors.get(mapper.path)
        if vectors is None or mapper.space_type not in GRAPH_SPACES:
            continue
        try:
            config = config_for(settings, mapper)
        except (TypeError, ValueError):
            continue
        if _vector_count(segment, mapper.path, vectors) >= config.threshold:
            _graph(segment, mapper.path, mapper.space_type, config, vectors)
            ready += 1
    return ready


def search_segment(segment: Any, field: str, space: str, engine: str, query: np.ndarray, k: int,
                   allowed: np.ndarray, config: AnnConfig, filtered: bool) -> tuple[Hits, str]:
    """Top ``k`` docs of one segment among ``allowed`` (live, has the vector, passes the filter).

    Returns the hits and the path taken (``exact`` or ``hnsw``), which tests and the benchmark report.
    """
    vectors = segment.vectors.get(field)
    n_allowed = int(np.count_nonzero(allowed))
    if vectors is None or n_allowed == 0 or k <= 0:
        return Hits.empty(), "exact"
    n_vectors = _vector_count(segment, field, vectors)
    use_graph = faiss is not None and n_vectors >= config.threshold
    if use_graph and filtered:
        dim = vectors.matrix.shape[1]
        if n_allowed <= k or n_allowed * dim <= MAX_DISTANCE_COMPUTATIONS:
            use_graph = False
    if use_graph:
        graph = _graph(segment, field, space, config, vectors)
        docs = graph.search(query, k, allowed, max(config.ef_search, k))
        if docs.shape[0] >= min(k, n_allowed):
            return _exact_rank(vectors.matrix, docs, space, engine, query, k), "hnsw"
    norms = segment_norms_sq(segment, field, vectors.matrix) if space in ("l2", "cosinesimil") else None
    return exact_top_k(vectors.matrix, allowed, space, engine, query, k, norms), "exact"


def exact_top_k(matrix: np.ndarray, allowed: np.ndarray, space: str, engine: str, query: np.ndarray,
                k: int, norms_sq: np.ndarray | None = None) -> Hits:
    """Exact top ``k``: a float32 BLAS pass picks candidates, exact scores rank them (ties by doc id)."""
    idx = np.flatnonzero(allowed)
    if idx.shape[0] <= max(_DIRECT_EXACT, 2 * k):
        return _exact_rank(matrix, idx, space, engine, query, k)
    keys = _approx_keys(matrix, idx, space, query, norms_sq)
    want = min(idx.shape[0], k + max(k, 32))
    part = np.argpartition(-keys, want - 1)[:want]
    cut = keys[part].min()
    cand = idx[keys >= cut]  # every doc tied with the cut, so ties resolve by doc id below
    return _exact_rank(matrix, cand, space, engine, query, k)


def best(hits: Hits, k: int) -> Hits:
    """The ``k`` best of ``hits`` (score descending, then doc id), kept in doc order."""
    if hits.docs.shape[0] <= k:
        return hits
    order = np.lexsort((hits.docs, -hits.scores.astype(np.float64)))[:k]
    order.sort()
    return Hits(hits.docs[order], hits.scores[order])


def exact_within(matrix: np.ndarray, allowed: np.ndarray, space: str, engine: str, query: np.ndarray,
                 max_raw: float | None, min_score: float | None) -> Hits:
    """Radial search: every allowed doc with raw engine distance <= ``max_raw`` or score >= ``min_score``."""
    idx = np.flatnonzero(allowed)
    keep_docs, keep_scores = [], []
    for start in range(0, idx.shape[0], _CHUNK):
        chunk = idx[start:start + _CHUNK]
        raw = scoring.query_raw(space, matrix[chunk], query)
        scores = scoring.translate(space, engine, raw)
        if max_raw is not None:
            mask = engine_distance(space, raw) <= F32(max_raw)
        else:
            mask = scores >= F32(min_score)
        keep_docs.append(chunk[mask])
        keep_scores.append(scores[mask])
    if not keep_docs:
        return Hits.empty()
    return Hits(np.concatenate(keep_docs).astype(np.int32), np.concatenate(keep_scores).astype(F32))


def engine_distance(space: str, raw: np.ndarray) -> np.ndarray:
    """The distance ``max_distance`` is compared with: faiss' raw value (d² for l2, ``1 - cos``, ``-dot``)."""
    if space == "cosinesimil":
        return (F32(1) - raw).astype(F32)
    if space == "innerproduct":
        return (-raw).astype(F32)
    return raw


def _exact_rank(matrix: np.ndarray, docs: np.ndarray, space: str, engine: str, query: np.ndarray,
                k: int) -> Hits:
    if docs.shape[0] == 0:
        return Hits.empty()
    scores = scoring.query_scores(space, engine, matrix[docs], query)
    order = np.lexsort((docs, -scores.astype(np.float64)))[:k]
    chosen = docs[order]
    back = np.argsort(chosen, kind="stable")
    return Hits(chosen[back].astype(np.int32), scores[order][back].astype(F32))


def _approx_keys(matrix: np.ndarray, idx: np.ndarray, space: str, query: np.ndarray,
                 norms_sq: np.ndarray | None) -> np.ndarray:
    """A float32 ranking key (higher is nearer) for ``idx``, via BLAS where the space allows it."""
    q = query.astype(F32)
    if space in ("l1", "linf"):
        out = np.empty(idx.shape[0], dtype=F32)
        for start in range(0, idx.shape[0], _CHUNK):
            rows = matrix[idx[start:start + _CHUNK]]
            diff = np.abs(rows - q[None, :])
            out[start:start + _CHUNK] = -(diff.sum(axis=1) if space == "l1" else diff.max(axis=1))
        return out
    dense = idx.shape[0] * 2 >= matrix.shape[0]
    if dense:
        dots = matrix @ q
        dots = dots[idx]
    else:
        dots = matrix[idx] @ q
    if space == "innerproduct":
        return dots
    if norms_sq is None:
        norms_sq = np.einsum("ij,ij->i", matrix, matrix).astype(F32)
    if space == "l2":
        return (F32(2) * dots - norms_sq[idx]).astype(F32)
    if space == "cosinesimil":
        norms = np.sqrt(norms_sq[idx])
        return (dots / np.where(norms == 0, F32(1), norms)).astype(F32)
    raise ValueError(f"no search for space [{space}]")


def segment_norms_sq(segment: Any, field: str, matrix: np.ndarray) -> np.ndarray:
    """``|x|²`` per doc in float32, cached with the (immutable) segment."""
    key = ("knn-norms", field)
    norms = segment.cache.get(key)
    if norms is None:
        norms = segment.cache[key] = np.einsum("ij,ij->i", matrix, matrix).astype(F32)
    return norms


def _vector_count(segment: Any, field: str, vectors: Any) -> int:
    key = ("knn-count", field)
    count = segment.cache.get(key)
    if count is None:
        count = segment.cache[key] = int(np.count_nonzero(vectors.has))
    return count


class HnswGraph:
    """A faiss ``IndexHNSWFlat`` over the docs of one segment that have the vector."""

    def __init__(self, matrix: np.ndarray, has: np.ndarray, space: str, m: int, ef_construction: int) -> None:
        self.space = space
        self.labels = np.flatnonzero(has).astype(np.int64)  # graph label -> segment doc id
        data = np.ascontiguousarray(matrix[self.labels], dtype=F32)
        if space == "cosinesimil":
            data = _normalize(data)
        metric = getattr(faiss, GRAPH_SPACES[space])
        self.index = faiss.IndexHNSWFlat(data.shape[1], m, metric)
        self.index.hnsw.efConstruction = ef_construction
        self.index.add(data)

    @classmethod
    def load(cls, path: Any, has: np.ndarray, space: str) -> "HnswGraph":
        graph = cls.__new__(cls)
        graph.space = space
        graph.labels = np.flatnonzero(has).astype(np.int64)
        graph.index = faiss.read_index(str(path))
        if graph.index.ntotal != graph.labels.shape[0]:
            raise RuntimeError(f"graph holds {graph.index.ntotal} vectors, segment has {graph.labels.shape[0]}")
        return graph

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray, ef_search: int) -> np.ndarray:
        """Doc ids (unsorted) of up to ``k`` approximate neighbours among ``allowed`` docs."""
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=F32)
        if self.space == "cosinesimil":
            q = _normalize(q)
        params = faiss.SearchParametersHNSW()
        params.efSearch = int(ef_search)
        allowed_labels = allowed[self.labels]
        bitmap = None
        if not allowed_labels.all():
            bitmap = np.packbits(allowed_labels, bitorder="little")
            selector = faiss.IDSelectorBitmap(self.labels.shape[0], faiss.swig_ptr(bitmap))
            params.sel = selector
        _, found = self.index.search(q, int(k), params=params)
        found = found[0]
        del bitmap
        return self.labels[found[found >= 0]]


def _normalize(data: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", data.astype(np.float64), data.astype(np.float64)))
    return (data / np.where(norms == 0, 1.0, norms)[:, None]).astype(F32)


def _graph(segment: Any, field: str, space: str, config: AnnConfig, vectors: Any) -> HnswGraph:
    key = ("knn-hnsw", field, space, config.m, config.ef_construction)
    graph = segment.cache.get(key)
    if graph is None:
        lock = segment.cache.setdefault(("knn-lock", field), threading.Lock())
        with lock:
            graph = segment.cache.get(key)
            if graph is None:
                graph = segment.cache[key] = _load_or_build(segment, field, space, config, vectors)
    return graph


def _graph_path(segment: Any, field: str, space: str, config: AnnConfig) -> Any:
    """Where a segment's graph is persisted (beside its ``.npz``; the segment-name prefix ties its lifetime
    to the segment's), or None for in-memory nodes."""
    directory = getattr(segment, "directory", None)
    if directory is None:
        return None
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in field)
    return directory / f"{segment.name}.{safe}.{space}.m{config.m}.ef{config.ef_construction}.faiss"


def _load_or_build(segment: Any, field: str, space: str, config: AnnConfig, vectors: Any) -> HnswGraph:
    path = _graph_path(segment, field, space, config)
    if path is not None and path.exists():
        try:
            return HnswGraph.load(path, vectors.has, space)
        except RuntimeError as exc:  # a torn or foreign file: rebuild it
            log.warning("ignoring unreadable HNSW graph %s: %s", path, exc)
    log.info("building HNSW graph for [%s] in segment [%s] (%d vectors, m=%d, ef_construction=%d)",
             field, segment.name, int(np.count_nonzero(vectors.has)), config.m, config.ef_construction)
    graph = HnswGraph(vectors.matrix, vectors.has, space, config.m, config.ef_construction)
    if path is not None:
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(graph.index, str(tmp))
        tmp.replace(path)
    return graph
