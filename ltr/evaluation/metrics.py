"""Per-query metrics with ranx, on rankings whose ties are already broken by doc id.

Conventions (the same as the issue's reference table):

* ``ndcg@5``, ``ndcg@10``: **linear gains** (Järvelin & Kekäläinen: gain = grade, discount ``log2(rank + 1)``;
  ranx ``ndcg``, not the exponential ``ndcg_burges``). Grades below 0 count as 0. The ideal ranking is built from
  every judged document of the query.
* ``mrr@10``, ``map@10``, ``recall@10``: binary, **relevant = grade >= threshold** (default 2). ``map@10`` divides
  the summed precisions by the number of relevant documents of the query (ranx's definition, as trec_eval).
* Unjudged documents count as not relevant. ``judged@k`` (the ``retrieval`` protocol): the share of the top
  ``k`` positions holding a judged document (any grade), over ``k`` (a ranking shorter than ``k`` counts its
  empty positions as unjudged).
* Queries scored: by default those with a document graded ``>= threshold`` (:meth:`Qrels.evaluated_queries`).
  A query the run does not answer scores 0 on every metric.

Ties: ranx would order equal scores by its own rule, so it is given each ranking's rank (``n - i``), never the
raw scores: the order is exactly :func:`ltr.evaluation.runs.rank`'s (score desc, doc id asc).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .runs import Qrels, Run

METRICS: tuple[str, ...] = ("ndcg@5", "ndcg@10", "mrr@10", "map@10", "recall@10")
GRADED = frozenset({"ndcg"})  # metric families that read the grade; all others read grade >= threshold
PROTOCOLS = ("rerank", "retrieval")
DEFAULT_THRESHOLD = 2
JUDGED_AT = 10


def cutoff(metric: str) -> int:
    name, _, k = metric.partition("@")
    if not k.isdigit() or int(k) < 1:
        raise ValueError(f"metric {metric!r} needs a cutoff, e.g. {name}@10")
    return int(k)


def metric_names(protocol: str, metrics: Sequence[str] = METRICS, judged_at: int = JUDGED_AT) -> list[str]:
    """The columns an evaluation under ``protocol`` reports: the metrics, plus ``judged@k`` for retrieval."""
    check_protocol(protocol)
    return list(metrics) + ([f"judged@{judged_at}"] if protocol == "retrieval" else [])


def check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}")


def evaluate_run(run: Run, qrels: Qrels, *, protocol: str = "rerank", queries: Sequence[str] | None = None,
                 threshold: int = DEFAULT_THRESHOLD, metrics: Sequence[str] = METRICS,
                 judged_at: int = JUDGED_AT) -> pd.DataFrame:
    """Per-query metrics: one row per scored qid (index ``qid``, sorted), one column per metric
    (:func:`metric_names`). ``rerank`` requires every ranked document to be judged (a re-ranked judged pool);
    ``retrieval`` counts unjudged documents as not relevant and adds ``judged@k``."""
    check_protocol(protocol)
    qids = sorted(map(str, queries)) if queries is not None else qrels.evaluated_queries(threshold)
    if not qids:
        raise ValueError(f"no query has a document graded >= {threshold}: nothing to evaluate")
    for qid in qids:
        if not any(g >= threshold for g in qrels.get(qid, {}).values()):
            raise ValueError(f"query {qid!r} has no document graded >= {threshold}, so its metrics are undefined;"
                             " score Qrels.evaluated_queries() only")
    if protocol == "rerank":
        _check_judged(run, qrels, qids)
    depth = max(cutoff(m) for m in metrics)
    ranx_run = {q: _rank_scores(run.doc_ids(q, depth), qrels[q]) for q in qids}
    graded = [m for m in metrics if m.partition("@")[0] in GRADED]
    binary = [m for m in metrics if m.partition("@")[0] not in GRADED]
    columns: dict[str, np.ndarray] = {}
    if graded:
        gains = {q: {d: int(g) for d, g in qrels[q].items() if g > 0} for q in qids}
        columns.update(_ranx(gains, ranx_run, graded, qids))
    if binary:
        relevant = {q: {d: 1 for d, g in qrels[q].items() if g >= threshold} for q in qids}
        columns.update(_ranx(relevant, ranx_run, binary, qids))
    frame = pd.DataFrame({m: columns[m] for m in metrics}, index=pd.Index(qids, name="qid"))
    if protocol == "retrieval":
        frame[f"judged@{judged_at}"] = [judged_share(run.doc_ids(q, judged_at), qrels.get(q, {}), judged_at)
                                        for q in qids]
    return frame


def judged_share(doc_ids: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the ``k`` top positions that hold a judged document."""
    return sum(1 for d in doc_ids[:k] if d in judged) / k


def _check_judged(run: Run, qrels: Qrels, qids: Sequence[str]) -> None:
    for qid in qids:
        unjudged = [d for d in run.doc_ids(qid) if d not in qrels[qid]]
        if unjudged:
            raise ValueError(f"rerank protocol: query {qid!r} ranks unjudged documents ({', '.join(unjudged[:3])}"
                             f"{', ...' if len(unjudged) > 3 else ''}); re-rank the judged pool only, or use "
                             "the retrieval protocol")


def _rank_scores(doc_ids: Sequence[str], judged: Mapping[str, int]) -> dict[str, float]:
    """Strictly decreasing scores in the given order; an empty ranking becomes one unjudged placeholder (ranx
    needs a document per query; it scores 0 on every metric, as an empty ranking does)."""
    if not doc_ids:
        placeholder = "\x00unranked"
        while placeholder in judged:
            placeholder += "\x00"
        return {placeholder: 1.0}
    n = len(doc_ids)
    return {doc: float(n - i) for i, doc in enumerate(doc_ids)}


def _ranx(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], metrics: Sequence[str],
          qids: Sequence[str]) -> dict[str, np.ndarray]:
    import ranx  # deferred: the eval extra (numba compiles on first use)

    ranx_run = ranx.Run(run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's uint64 -> int64 cast notice inside ranx
        ranx.evaluate(ranx.Qrels(qrels), ranx_run, list(metrics), return_mean=False, save_results_in_run=True)
    return {m: np.array([float(ranx_run.scores[m][q]) for q in qids]) for m in metrics}


def long_table(per_query: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (qid, ranker), rankers in the given order: the ``per_query.csv`` layout."""
    frames = [frame.reset_index().assign(ranker=name) for name, frame in per_query.items()]
    table = pd.concat(frames, ignore_index=True)
    return table[["qid", "ranker"] + [c for c in table.columns if c not in ("qid", "ranker")]]
