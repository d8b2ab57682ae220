"""Hybrid ranking: min-max fusion of two rankers' scores per query, and the weight chosen on training queries.

``fuse(bm25, dense, w)`` normalizes each ranker's scores of one query by min-max over the documents that ranker
scored, into ``[EPSILON, 1]`` (a ranker whose scores are all equal gives each of them 1), and adds them as
``w * bm25 + (1 - w) * dense``. A document only one ranker returned (retrieval: two candidate lists) reads 0 for
the other: below every document that ranker did return, so ``w = 1`` orders exactly as BM25 (then the documents
only the dense list has) and ``w = 0`` exactly as the dense ranker. Without the floor ``EPSILON`` a list's lowest
document would tie with every document the list does not hold, and the tie rule (doc id) would reorder it.

:func:`choose_weight` tries the grid :data:`WEIGHTS` (0, 0.1, ..., 1) and keeps the weight with the highest mean
NDCG@10 on the given (training) queries; ties go to the smaller weight (the first in the grid). Only those
queries' judgments are read, so a held-out fold never influences its own weight.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from .evaluation import Qrels, Run, evaluate_run

WEIGHTS: tuple[float, ...] = tuple(i / 10 for i in range(11))
EPSILON = 1e-6  # the floor of a returned document's normalized score: above every document not returned
PRIMARY = "ndcg@10"

Scores = Mapping[str, Mapping[str, float]]  # key (qid or qid+user) -> doc_id -> score


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores mapped to ``[EPSILON, 1]`` in order; all-equal scores map to 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {d: EPSILON + (1.0 - EPSILON) * (s - low) / span if span > 0 else 1.0 for d, s in scores.items()}


def fuse(bm25: Mapping[str, float], dense: Mapping[str, float], weight: float) -> dict[str, float]:
    """``weight * minmax(bm25) + (1 - weight) * minmax(dense)`` over the union of the documents."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"the hybrid weight must be in [0, 1], got {weight}")
    b, d = minmax(bm25), minmax(dense)
    return {doc: weight * b.get(doc, 0.0) + (1.0 - weight) * d.get(doc, 0.0) for doc in {**b, **d}}


def fused_run(bm25: Scores, dense: Scores, weights: Mapping[str, float] | float) -> Run:
    """The hybrid run: each key fused with its own weight (``weights[key]``) or one weight for all."""
    keys = sorted(set(bm25) | set(dense))
    return Run.from_scores({k: fuse(bm25.get(k, {}), dense.get(k, {}),
                                    weights if isinstance(weights, float | int) else weights[k]) for k in keys})


def mean_ndcg(run: Run, qrels: Qrels, keys: Sequence[str], *, protocol: str = "rerank", threshold: int = 2) -> float:
    """Mean NDCG@10 of ``run`` on those of ``keys`` that have a relevant document."""
    scored = [k for k in sorted(set(map(str, keys))) if any(g >= threshold for g in qrels.get(k, {}).values())]
    return float(evaluate_run(run, qrels.subset(scored), protocol=protocol, queries=scored,
                              threshold=threshold)[PRIMARY].mean())


def choose_weight(bm25: Scores, dense: Scores, qrels: Qrels, keys: Sequence[str], *, protocol: str = "rerank",
                  weights: Sequence[float] = WEIGHTS, threshold: int = 2) -> tuple[float, dict[float, float]]:
    """The grid weight with the best mean NDCG@10 on ``keys`` (those with a relevant document count), and the
    mean of every weight tried."""
    scored = [k for k in sorted(set(map(str, keys))) if any(g >= threshold for g in qrels.get(k, {}).values())]
    if not scored:
        raise ValueError("no training query has a relevant document: the hybrid weight cannot be chosen")
    sub = qrels.subset(scored)
    means: dict[float, float] = {}
    for w in weights:
        run = fused_run({k: bm25.get(k, {}) for k in scored}, {k: dense.get(k, {}) for k in scored}, float(w))
        means[float(w)] = float(evaluate_run(run, sub, protocol=protocol, queries=scored,
                                             threshold=threshold)[PRIMARY].mean())
    best = max(means.values())
    return next(w for w in map(float, weights) if means[w] == best), means
