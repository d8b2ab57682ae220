"""Executing a search: query phase per index (one shard each), rescore, merge, then the fetch phase.

Ordering follows Lucene/OpenSearch: score descending, ties by index order then doc id (segment base + local
doc, i.e. indexing order). Rescoring follows OpenSearch's ``QueryRescorer``: the top ``window_size`` docs get
``combine(first * query_weight, second * rescore_query_weight)`` (or ``first * query_weight`` when the rescore
query does not match), docs beyond the window get ``score * query_weight``, and everything is re-sorted.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import errors
from .context import SearchContext
from .response import build_response
from .scroll import open_scroll
from .shard_result import ShardResult, global_doc
from .query import F32
from .queries.lucene_weights import SparseWeight, is_dense
from .request import Rescore, SearchRequest, parse_search_request
from .sorting import merge_key, sort_order, sort_values

if TYPE_CHECKING:
    from ..node import Node
    from ..index.shard import IndexShard

MAX_RESCORE_WINDOW = 10000


def search(node: "Node", index: str | None, body: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    params = params or {}
    request = parse_search_request(body, params, node.plugins, node.search_limits)
    shards = node.resolve(index, **_resolve_options(params))
    scroll = params.get("scroll")
    if scroll:
        if request.from_:
            raise errors.action_validation("using [from] is not allowed in a scroll context")
        results = [query_phase(node, shard, request, collect_all=True) for shard in shards]
        rows = merge(results, request, paginate=False)
        scroll_id, page = open_scroll(node, rows, request, scroll)
        response = build_response(node, results, page, request, len(shards), started)
        response["_scroll_id"] = scroll_id
        return response
    results = [query_phase(node, shard, request) for shard in shards]
    try:
        return build_response(node, results, merge(results, request), request, len(shards), started)
    finally:
        for result in results:  # a scroll keeps its contexts for the next pages; this search is done with them
            result.ctx.release()


def count(node: "Node", index: str | None, body: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    params = params or {}
    body = body or {}
    if not isinstance(body, dict) or set(body) - {"query"}:
        bad = sorted(set(body) - {"query"})[0] if isinstance(body, dict) else "body"
        raise errors.parsing(f"request does not support [{bad}]")
    request = parse_search_request({"query": body["query"]} if "query" in body else {}, {}, node.plugins,
                                   node.search_limits)
    shards = node.resolve(index, **_resolve_options(params))
    total = 0
    for shard in shards:
        ctx, weight = _bind(node, shard, request)
        try:
            for seg, live in ctx.segments:
                docs = seg.live_docs(live)
                if docs.size:
                    total += int(np.count_nonzero(weight.matches(seg, docs)))
        finally:
            ctx.release()
    return {"count": total, "_shards": {"total": len(shards), "successful": len(shards), "skipped": 0, "failed": 0}}


def _resolve_options(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "ignore_unavailable" in params:
        out["ignore_unavailable"] = str(params["ignore_unavailable"]).lower() == "true"
    if "allow_no_indices" in params:
        out["allow_no_indices"] = str(params["allow_no_indices"]).lower() == "true"
    if "expand_wildcards" in params:
        out["expand_wildcards"] = str(params["expand_wildcards"])
    return out


def _bind(node: "Node", shard: "IndexShard", request: SearchRequest) -> tuple[SearchContext, Any]:
    searcher = shard.acquire_searcher()
    ctx = SearchContext(node, shard, searcher, request)
    try:
        query = request.query.rewrite(ctx)
        weight = query.create_weight(ctx, 1.0, True)
    except errors.EngineError as exc:
        raise errors.search_phase_failure(shard.name, exc) from None
    return ctx, weight


def query_phase(node: "Node", shard: "IndexShard", request: SearchRequest, collect_all: bool = False) -> ShardResult:
    ctx, weight = _bind(node, shard, request)
    shard.stats["search_total"] += 1
    window = request.from_ + request.size
    if window > shard.max_result_window:
        raise errors.search_phase_failure(shard.name, errors.illegal_argument(
            f"Result window is too large, from + size must be less than or equal to: [{shard.max_result_window}] "
            f"but was [{window}]. See the scroll api for a more efficient way to request large data sets. This "
            "limit can be set by changing the [index.max_result_window] index level setting."))
    for rescore in request.rescore:
        if rescore.window_size > MAX_RESCORE_WINDOW:
            raise errors.search_phase_failure(shard.name, errors.illegal_argument(
                f"Rescore window [{rescore.window_size}] is too large. It must be less than "
                f"[{MAX_RESCORE_WINDOW}]. This prevents allocating massive heaps for storing the results to be "
                "rescored. This limit can be set by changing the [index.max_rescore_window] index level setting."))
        window = max(window, rescore.window_size)
    post = None
    if request.post_filter is not None:
        try:
            post = request.post_filter.rewrite(ctx).create_weight(ctx, 1.0, False)
        except errors.EngineError as exc:
            raise errors.search_phase_failure(shard.name, exc) from None
    segs, docs, scores = [], [], []
    try:
        for seg_idx, (seg, live) in enumerate(ctx.segments):
            candidates = seg.live_docs(live)
            if not candidates.size:
                continue
            hit_docs, hit_scores = _segment_hits(weight, seg, live, candidates)
            if post is not None:
                keep = post.matches(seg, hit_docs)
                hit_docs, hit_scores = hit_docs[keep], hit_scores[keep]
            if request.min_score is not None:
                keep = hit_scores >= F32(request.min_score)
                hit_docs, hit_scores = hit_docs[keep], hit_scores[keep]
            segs.append(np.full(hit_docs.shape[0], seg_idx, dtype=np.int32))
            docs.append(hit_docs)
            scores.append(hit_scores)
    except errors.EngineError as exc:
        raise errors.search_phase_failure(shard.name, exc) from None
    seg_arr = np.concatenate(segs) if segs else np.zeros(0, np.int32)
    doc_arr = np.concatenate(docs) if docs else np.zeros(0, np.int32)
    score_arr = np.concatenate(scores) if scores else np.zeros(0, F32)
    total = int(seg_arr.shape[0])
    max_score = float(score_arr.max()) if total else None
    if request.terminate_after:
        keep = min(total, request.terminate_after)
        seg_arr, doc_arr, score_arr, total = seg_arr[:keep], doc_arr[:keep], score_arr[:keep], keep
    result = ShardResult(shard, ctx, weight, seg_arr, doc_arr, score_arr, total, max_score)
    if collect_all:
        window = max(window, total)
    if request.sorts_by_score_only and request.search_after is None:
        _top_by_score(result, window)
    else:
        order, keys = sort_order(ctx, result, request)
        result.seg, result.doc, result.score = result.seg[order], result.doc[order], result.score[order]
        result.sort_keys = keys
        limit = window
        result.seg, result.doc, result.score = result.seg[:limit], result.doc[:limit], result.score[:limit]
        result.sort_keys = result.sort_keys[:limit] if result.sort_keys is not None else None
    for rescore in request.rescore:
        _rescore(result, rescore)
    if request.rescore and result.score.size:
        result.max_score = float(result.score.max())
    return result


def _segment_hits(weight: Any, seg: Any, live: np.ndarray,
                  candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The segment's matching live docs (int32, in doc order) and their float32 scores.

    A weight computed as sparse matches answers with its matches directly (what ``score`` would project onto
    all candidates, then select again): a selective query (an ``ids`` filter) never costs a pass over the
    segment's 100k candidates."""
    if isinstance(weight, SparseWeight) and is_dense(seg, candidates):
        pos, pos_scores = weight.sparse(seg, candidates, True)
        pos = np.asarray(pos)
        if pos.shape[0] < 2 or bool(np.all(pos[1:] > pos[:-1])):  # sorted, no duplicates: as project maps them
            keep = live[pos]
            return pos[keep].astype(np.int32), np.asarray(pos_scores)[keep].astype(F32)
    matched, seg_scores = weight.score(seg, candidates)
    return candidates[matched], seg_scores[matched].astype(F32)


def _top_by_score(result: ShardResult, window: int) -> None:
    n = result.score.shape[0]
    gdoc = global_doc(result)
    if window < n:
        part = np.argpartition(-result.score, window - 1)[:window] if window > 0 else np.zeros(0, np.int64)
        # argpartition may split ties at the boundary arbitrarily: include every doc tied with the cut score,
        # then the stable sort below keeps the lowest doc ids, as Lucene's collector does.
        if window > 0:
            cut = result.score[part].min()
            part = np.union1d(part, np.flatnonzero(result.score == cut))
        idx = part
    else:
        idx = np.arange(n)
    order = np.lexsort((gdoc[idx], -result.score[idx].astype(np.float64)))
    sel = idx[order][:window]
    result.seg, result.doc, result.score = result.seg[sel], result.doc[sel], result.score[sel]


def _combine(mode: str, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    if mode == "total":
        return (first + second).astype(F32)
    if mode == "multiply":
        return (first * second).astype(F32)
    if mode == "avg":
        return ((first + second) / F32(2)).astype(F32)
    if mode == "max":
        return np.maximum(first, second).astype(F32)
    return np.minimum(first, second).astype(F32)


def _rescore(result: ShardResult, rescore: Rescore) -> None:
    """OpenSearch's QueryRescorer over this shard's top docs (see the module docstring)."""
    n = result.score.shape[0]
    window = min(rescore.window_size, n)
    qw, rw = F32(rescore.query_weight), F32(rescore.rescore_query_weight)
    ctx = result.ctx
    try:
        weight = rescore.query.rewrite(ctx).create_weight(ctx, 1.0, True)
    except errors.EngineError as exc:
        raise errors.search_phase_failure(result.shard.name, exc) from None
    new_scores = result.score.astype(F32).copy()
    matched_all = np.zeros(n, dtype=bool)
    second_all = np.zeros(n, dtype=F32)
    head = np.arange(window)
    try:
        for seg_idx in np.unique(result.seg[head]).tolist():
            sel = head[result.seg[head] == seg_idx]
            order = np.argsort(result.doc[sel], kind="stable")
            sel = sel[order]
            seg = ctx.segments[seg_idx][0]
            matched, second = weight.score(seg, result.doc[sel].astype(np.int32))
            matched_all[sel] = matched
            second_all[sel] = second
    except errors.EngineError as exc:
        raise errors.search_phase_failure(result.shard.name, exc) from None
    first = (result.score[head].astype(F32) * qw).astype(F32)
    combined = _combine(rescore.score_mode, first, (second_all[head] * rw).astype(F32))
    new_scores[head] = np.where(matched_all[head], combined, first).astype(F32)
    if n > window:
        new_scores[window:] = (result.score[window:].astype(F32) * qw).astype(F32)
    for i in range(window):
        key = (int(result.seg[i]), int(result.doc[i]))
        result.rescored.setdefault(key, []).append(
            (rescore, float(result.score[i]), bool(matched_all[i]), float(second_all[i])))
    gdoc = global_doc(result)
    order = np.lexsort((gdoc, -new_scores.astype(np.float64)))
    result.seg, result.doc, result.score = result.seg[order], result.doc[order], new_scores[order]


def merge(results: list[ShardResult], request: SearchRequest,
          paginate: bool = True) -> list[tuple[ShardResult, int]]:
    """Coordinator merge: global order across indices, then ``from``/``size``; returns (shard result, row)."""
    rows: list[tuple[ShardResult, int]] = [(r, i) for r in results for i in range(r.score.shape[0])]
    if len(results) > 1:
        if request.sorts_by_score_only:
            rows.sort(key=lambda item: -float(item[0].score[item[1]]))  # stable: ties keep index order
        else:
            rows.sort(key=lambda item: merge_key(item[0].sort_keys[item[1]], request))
    return rows[request.from_:request.from_ + request.size] if paginate else rows


__all__ = ["search", "count", "sort_values"]
