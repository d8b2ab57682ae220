"""Building the ``_search`` response body: fetch phase, totals, ``max_score`` and timings."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .fetch import fetch_hits
from .request import SearchRequest

if TYPE_CHECKING:
    from ..node import Node
    from .shard_result import ShardResult


def build_response(node: "Node", results: list["ShardResult"], rows: list, request: SearchRequest,
                   n_shards: int, started: float) -> dict[str, Any]:
    hits = fetch_hits(node, rows, request)
    total = sum(r.total for r in results)
    max_scores = [r.max_score for r in results if r.max_score is not None]
    hits_obj: dict[str, Any] = {}
    if request.track_total_hits is not False:
        limit = request.track_total_hits
        if limit is True or limit == -1 or total <= int(limit):
            total_obj = {"value": total, "relation": "eq"}
        else:
            total_obj = {"value": int(limit), "relation": "gte"}
        hits_obj["total"] = total_obj["value"] if request.rest_total_hits_as_int else total_obj
    scored = request.sorts_by_score_only or request.track_scores
    hits_obj["max_score"] = (np.float32(max(max_scores)) if max_scores else None) if scored else None
    hits_obj["hits"] = hits
    return {
        "took": int((time.perf_counter() - started) * 1000),
        "timed_out": False,
        "_shards": {"total": n_shards, "successful": n_shards, "skipped": 0, "failed": 0},
        "hits": hits_obj,
    }
