"""The fetch phase: ``_source`` (filtered), named queries, explanations, versions, and plugin sub-phases.

Plugins add fetch sub-phases (``SearchPlugin.getFetchSubPhases``; the LTR plugin's ``ltr_log`` writes
``fields._ltrlog``): callables ``(request, rows, hits)`` run after the core phase, in mount order; ``rows`` are
``(ShardResult, row)`` pairs aligned with ``hits``.
"""
from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import jsonutil
from .shard_result import explain_hit

if TYPE_CHECKING:
    from ..node import Node
    from .shard_result import ShardResult
    from .request import SearchRequest, SourceFilter

def fetch_hits(node: "Node", rows: list[tuple["ShardResult", int]], request: "SearchRequest") -> list[dict]:
    hits: list[dict[str, Any]] = []
    sources: dict[int, dict[str, tuple[bytes, int, int]]] = {}
    if request.source.enabled or request.version or request.seq_no_primary_term:
        by_shard: dict[int, tuple["ShardResult", list[str]]] = {}
        for result, row in rows:
            ids = by_shard.setdefault(id(result), (result, []))[1]
            ids.append(result.ctx.segments[int(result.seg[row])][0].ids[int(result.doc[row])])
        for key, (result, ids) in by_shard.items():
            sources[key] = result.shard.get_sources(ids)
    named_weights = _named_weights(rows)
    scored = request.sorts_by_score_only or request.track_scores
    for result, row in rows:
        seg_idx, local = int(result.seg[row]), int(result.doc[row])
        segment = result.ctx.segments[seg_idx][0]
        doc_id = segment.ids[local]
        hit: dict[str, Any] = {"_index": result.shard.name, "_id": doc_id}
        stored = sources.get(id(result), {}).get(doc_id)
        if request.version:
            hit["_version"] = stored[2] if stored else int(segment.versions[local])
        if request.seq_no_primary_term:
            hit["_seq_no"] = stored[1] if stored else int(segment.seq_nos[local])
            hit["_primary_term"] = 1
        hit["_score"] = np.float32(result.score[row]) if scored else None  # a Java float in the JSON
        if request.source.enabled and stored is not None:
            hit["_source"] = filter_source(jsonutil.loads(stored[0], "stored _source"), request.source)
        matched = _matched_queries(named_weights.get(id(result), []), segment, local,
                                   request.include_named_queries_score)
        if matched:
            hit["matched_queries"] = matched
        if result.sort_keys is not None:
            hit["sort"] = result.sort_keys[row]
        if request.explain:
            hit["_shard"] = f"[{result.shard.name}][0]"
            hit["_node"] = "embedded"
            hit["_explanation"] = explain_hit(result, row).to_dict()
        hits.append(hit)
    for subphase in node.plugins.fetch_sub_phases:
        subphase(request, rows, hits)
    return hits


def _named_weights(rows: list[tuple["ShardResult", int]]) -> dict[int, list[tuple[str, Any]]]:
    out: dict[int, list[tuple[str, Any]]] = {}
    for result, _ in rows:
        if id(result) in out:
            continue
        weights = []
        for query in result.ctx.request.query.named() if result.ctx.request else ():
            weights.append((query.name, query.rewrite(result.ctx).create_weight(result.ctx, 1.0, True)))
        out[id(result)] = weights
    return out


def _matched_queries(weights: list[tuple[str, Any]], segment: Any, local: int,
                     with_scores: bool) -> list[str] | dict[str, float]:
    docs = np.asarray([local], dtype=np.int32)
    names: dict[str, float] = {}
    for name, weight in weights:
        # Hook (LTR plugin): without include_named_queries_score only matching is needed, and Weight.matches
        # can be far cheaper than score (an ``sltr`` matches every doc; scoring it runs its whole model).
        if with_scores:
            matched, scores = weight.score(segment, docs)
        else:
            matched, scores = weight.matches(segment, docs), np.zeros(1, dtype=np.float32)
        if matched[0] and name not in names:
            names[name] = np.float32(scores[0])
    return names if with_scores else list(names)


def filter_source(source: Any, spec: "SourceFilter") -> Any:
    """OpenSearch's source filtering: ``includes``/``excludes`` with ``*`` wildcards over dotted paths."""
    if not spec.includes and not spec.excludes:
        return source
    return _filter(source, "", spec.includes, spec.excludes)


def _filter(value: Any, path: str, includes: list[str], excludes: list[str]) -> Any:
    if isinstance(value, list):
        out_list = []
        for item in value:
            filtered = _filter(item, path, includes, excludes)
            if isinstance(item, dict) and not filtered:
                continue
            out_list.append(filtered)
        return out_list
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, child in value.items():
        full = f"{path}.{key}" if path else key
        if any(fnmatch.fnmatchcase(full, pat) for pat in excludes):
            continue
        if includes:
            fully = any(fnmatch.fnmatchcase(full, pat) or _under(full, pat) for pat in includes)
            partial = isinstance(child, (dict, list)) and any(pat.startswith(full + ".") or
                                                              ("*" in pat and fnmatch.fnmatchcase(full, pat.split(".")[0]))
                                                              for pat in includes)
            if fully:
                out[key] = _filter(child, full, [], excludes) if excludes else child
            elif partial:
                sub = _filter(child, full, includes, excludes)
                if sub or sub == []:
                    out[key] = sub
        else:
            out[key] = _filter(child, full, [], excludes)
    return out


def _under(path: str, pattern: str) -> bool:
    """``path`` lies under an included object ``pattern`` (``attributes`` includes ``attributes.model``)."""
    parts = path.split(".")
    return any(fnmatch.fnmatchcase(".".join(parts[:i]), pattern) for i in range(1, len(parts)))
