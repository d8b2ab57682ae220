"""The ``script_score`` query (``ScriptScoreQueryBuilder`` -> ``ScriptScoreQuery``).

It matches what its ``query`` matches and scores ``(float) script * boost``; ``min_score`` drops docs below it.
The sub-query is built with boost 1 (``ScriptScoreQuery.createWeight``). The script comes from a mounted script
engine (the k-NN plugin's ``knn_score``: a doc without the vector scores 0.0 but still matches).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import errors
from ..parse_utils import as_float
from ..query import F32, Explanation, Query, Weight
from ..scripts import ScoreScript, ScriptSpec, compile_score_script, parse_script

if TYPE_CHECKING:
    from ..dsl import DslParser


@dataclass
class ScriptScoreQuery(Query):
    query: Query
    script: ScriptSpec
    min_score: float | None = None
    boost: float = 1.0
    name: str | None = None

    def children(self) -> list[Query]:
        return [self.query]

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        total_boost = F32(boost) * F32(self.boost)
        if not needs_scores and self.min_score is None:
            return self.query.rewrite(ctx).create_weight(ctx, float(total_boost), False)
        script = compile_score_script(ctx, self.script)
        sub = self.query.rewrite(ctx).create_weight(ctx, 1.0, script.needs_score)
        return ScriptScoreWeight(self, sub, script, total_boost)


class ScriptScoreWeight(Weight):
    def __init__(self, query: ScriptScoreQuery, sub: Weight, script: ScoreScript, boost: F32) -> None:
        super().__init__(query)
        self.sub, self.script, self.boost = sub, script, boost
        self.min_score = None if query.min_score is None else F32(query.min_score)

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        matched, _ = self.sub.score(segment, docs)
        scores = np.zeros(docs.shape[0], dtype=F32)
        if matched.any():
            raw = self.script.scores(segment, docs[matched]).astype(F32)
            bad = (raw < 0) | np.isnan(raw)
            if bad.any():
                doc = int(docs[matched][np.flatnonzero(bad)[0]])
                raise errors.illegal_argument(f"script_score script returned an invalid score "
                                              f"[{float(raw[bad][0])}] for doc [{doc}]. Must be a non-negative "
                                              "score!")
            scores[matched] = (raw * self.boost).astype(F32)
        if self.min_score is not None:
            matched = matched & (scores >= self.min_score)
            scores = np.where(matched, scores, F32(0)).astype(F32)
        return matched, scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        sub = self.sub.explain(segment, doc)
        matched, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        if not matched[0]:
            return Explanation.no_match("script_score query does not match", [sub])
        inner = self.script.explain(segment, doc)
        detail = Explanation(inner.value, f"script score function, computed with script: {inner.description}",
                             [sub])
        if self.boost == F32(1):
            return detail
        return Explanation(float(scores[0]), "product of:", [detail, Explanation(float(self.boost), "boost")])


def parse_script_score(body: Any, parser: DslParser) -> Query:
    if not isinstance(body, dict):
        raise errors.parsing("[script_score] query malformed, no start_object after query name")
    unknown = [k for k in body if k not in ("query", "script", "min_score", "boost", "_name")]
    if unknown:
        raise errors.parsing(f"[script_score] query does not support [{unknown[0]}]")
    if body.get("query") is None:
        raise errors.parsing("[script_score] requires 'query' field")
    if body.get("script") is None:
        raise errors.parsing("[script_score] requires 'script' field")
    query = parser.parse(body["query"])
    script = parse_script(body["script"], "script_score")
    min_score = as_float(body["min_score"], "script_score", "min_score") if "min_score" in body else None
    boost = as_float(body.get("boost", 1.0), "script_score", "boost")
    name = body.get("_name")
    return ScriptScoreQuery(query, script, min_score, boost, name)


QUERIES = {"script_score": parse_script_score}
