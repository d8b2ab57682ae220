"""The result of the query phase on one index (``QuerySearchResult``), and what reads it back: global doc ids
for ordering and the explanation of a hit (first-stage score plus each rescore, as ``QueryRescorer.explain``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .context import SearchContext
from .query import F32, Explanation
from .request import Rescore

if TYPE_CHECKING:
    from ..index.shard import IndexShard


@dataclass
class ShardResult:
    """Top documents of one index: parallel arrays, already ordered."""

    shard: "IndexShard"
    ctx: SearchContext
    weight: Any
    seg: np.ndarray  # int32 segment index
    doc: np.ndarray  # int32 local doc id
    score: np.ndarray  # float32
    total: int
    max_score: float | None
    sort_keys: list[list[Any]] | None = None
    rescored: dict[tuple[int, int], list[tuple[Rescore, float, bool, float]]] = field(default_factory=dict)


def global_doc(result: ShardResult) -> np.ndarray:
    """Doc ids across the index's segments (segment base + local doc): Lucene's tie-break order."""
    bases = np.cumsum([0] + [seg.max_doc for seg, _ in result.ctx.segments])
    return bases[result.seg].astype(np.int64) + result.doc


def explain_hit(result: ShardResult, row: int) -> Explanation:
    seg_idx, doc = int(result.seg[row]), int(result.doc[row])
    segment = result.ctx.segments[seg_idx][0]
    first = result.weight.explain(segment, doc)
    for rescore, first_score, matched, second in result.rescored.get((seg_idx, doc), []):
        qw = Explanation(rescore.query_weight, "primaryWeight")
        primary = Explanation(float(F32(first_score) * F32(rescore.query_weight)), "product of:", [first, qw])
        if not matched:
            first = primary
            continue
        weight = rescore.query.rewrite(result.ctx).create_weight(result.ctx, 1.0, True)
        sec = weight.explain(segment, doc)
        secondary = Explanation(float(F32(second) * F32(rescore.rescore_query_weight)), "product of:",
                                [sec, Explanation(rescore.rescore_query_weight, "secondaryWeight")])
        label = {"total": "sum of:", "multiply": "product of:", "avg": "avg of:", "max": "max of:",
                 "min": "min of:"}[rescore.score_mode]
        first = Explanation(float(result.score[row]), label, [primary, secondary])
    return first

