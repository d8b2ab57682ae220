"""Counterfactual evaluation from clicks: how good would a new ranking be, judged by a click log it never produced?

A plain click metric (clicked = relevant, everything else = 0) cannot answer that: clicks happened where the
*logging* ranker put documents, so rank 1 collects clicks because it is examined (position bias), and a document
the log never showed has no clicks because nobody saw it, not because it is bad. A new ranking that surfaces
such documents looks worse than it is (the issue's example: NDCG on held-out clicks said BM25 0.717, LTR 0.388,
while the true relevance said LTR 0.340, BM25 0.297). This module corrects the first and reports the second.

**The estimator** (per query ``q``, cut-off ``k``, default 10):

1. *Examination propensities*: ``theta_r``, the per-rank examination of a fitted position-based click model
   (PBM's ``examination``, 1 at the top rank; see :mod:`ltr.clickmodels.pbm`).
2. *Relevance per logged document* (clipped inverse-propensity-scored click rate, a ratio estimator)::

       rel(q, d) = sum over impressions of d for q (at rank r) of  click / max(theta_r, min_propensity)
                   ---------------------------------------------------------------------------------
                                       number of impressions of d for q

   Under the PBM, ``P(click at r) = theta_r * alpha_qd``, so each term has expectation ``alpha_qd``: ``rel``
   estimates the document's attractiveness when examined, whatever ranks the logging ranker gave it. Weights are
   clipped at ``1 / min_propensity`` (default ``min_propensity = 0.05``: a click weighs at most 20), which trades
   a little bias at very deep ranks for bounded variance; the share of clicks whose weight was clipped is
   reported. ``rel`` is not clipped to 1 (clipping it would bias it down).
3. *Utility of the new ranking*: DCG-style, ``sum_{j < k} rel(q, d_j) / log2(j + 2)`` (rank ``j`` 0-based),
   normalised per query by the ideal DCG@k of the *logged* documents of ``q`` (their ``rel`` sorted
   descending), the same denominator for every ranking of ``q``. Queries whose logged documents earned no
   click have no ideal and are not scored (counted in ``queries_without_clicks``).
4. *Documents the log never showed for q* have no estimate. They are never counted as irrelevant silently:

   - ``estimate`` (the headline): the **condensed** ranking (Sakai 2007, for incomplete judgments): unshown
     documents are removed and the rest move up, then the utility above. It measures how the ranking orders
     what the log can judge, and says nothing about the unshown documents.
   - ``lower``: unshown documents count 0 (what a plain click metric does; a bound, not an estimate).
   - ``upper``: unshown documents count 1 (a document examined at the top is clicked at most always).
   - ``unshown@k``: the share of the ranking's top ``k`` documents (``min(k, len(ranking))`` positions) never
     shown for that query in the log. Always reported; when it is large, ``lower``..``upper`` is wide and only
     new judgments or an online test (interleaving, A/B) can settle the comparison.

Per-query values are averaged over the scored queries, with a seeded percentile-bootstrap interval
(:func:`ltr.evaluation.stats.bootstrap_ci`); :func:`compare_counterfactual` is the paired randomization test.

Caveats: the PBM is assumed (examination depends on the rank only, not on the documents above: cascade
behaviour biases ``theta``); the log must be big enough per query (``rel`` of a document shown a few times
is noisy: ``min_impressions`` drops those, default 1); personalised rankings are compared on the query only.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..clickmodels import fit_click_model
from ..clickmodels.base import FittedModel
from ..clickmodels.fitted import extend
from ..judgments import qid_for
from ..sessions import SessionLog
from .runs import Run
from .stats import CONFIDENCE, N_PERMUTATIONS, N_RESAMPLES, Interval, PairedTest, bootstrap_ci, randomization_test

DEFAULT_K = 10
#: Clip: a click's weight is ``1 / max(theta_r, MIN_PROPENSITY)``, at most 20.
MIN_PROPENSITY = 0.05
COLUMNS = ("query", "sessions", "logged_docs", "estimate", "lower", "upper", "unshown")


@dataclass(frozen=True)
class LoggedRelevance:
    """What the log says per query: ``rel`` (the clipped IPS click rate) and impressions of every logged doc."""

    relevance: Mapping[str, Mapping[str, float]]  # qid -> {doc_id: rel}
    impressions: Mapping[str, Mapping[str, int]]
    queries: Mapping[str, str]  # qid -> query text
    sessions: Mapping[str, int]  # qid -> sessions
    clicks: int
    clipped_clicks: int
    min_propensity: float
    examination: np.ndarray


@dataclass(frozen=True)
class CounterfactualResult:
    """A ranking's estimated quality from clicks (see the module docstring for every field's definition)."""

    k: int
    min_propensity: float
    per_query: pd.DataFrame  # index qid; COLUMNS
    estimate: Interval
    lower: Interval
    upper: Interval
    unshown: float  # mean over the scored queries of the unshown share of the top k
    queries_not_in_log: int  # run queries absent from the log
    queries_without_clicks: int  # run queries in the log whose logged documents were never clicked
    log_queries_not_in_run: int
    clipped_click_share: float

    @property
    def scored_queries(self) -> int:
        return len(self.per_query)

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimator": "clipped IPS (PBM examination) condensed nDCG",
            "k": self.k, "min_propensity": self.min_propensity, "queries": self.scored_queries,
            f"ndcg@{self.k}": self.estimate.as_dict(), "lower": self.lower.as_dict(), "upper": self.upper.as_dict(),
            f"unshown@{self.k}": self.unshown, "queries_not_in_log": self.queries_not_in_log,
            "queries_without_clicks": self.queries_without_clicks,
            "log_queries_not_in_run": self.log_queries_not_in_run,
            "clipped_click_share": self.clipped_click_share,
        }

    def summary(self) -> str:
        """One paragraph for people: the estimate, its interval, the bounds and the unshown share."""
        e = self.estimate
        text = (f"counterfactual nDCG@{self.k} {e.mean:.3f} (95% CI {e.ci_low:.3f}-{e.ci_high:.3f}) over "
                f"{self.scored_queries:,} queries; unshown@{self.k} {self.unshown:.1%}; bounds with unshown "
                f"documents as 0 / as 1: {self.lower.mean:.3f} / {self.upper.mean:.3f}")
        if self.unshown > 0.2:
            text += (f". {self.unshown:.0%} of the top {self.k} was never shown in the log: the estimate judges "
                     "only the shown documents; judge the unshown ones or test online before deciding")
        return text


def examination_of(model: FittedModel) -> np.ndarray:
    """The per-rank examination propensities of a fitted position-based click model (PBM, COEC)."""
    examination = getattr(model, "examination", None)
    if examination is None:
        raise TypeError(f"click model {model.name!r} has no per-rank examination; fit 'pbm' "
                        "(fit_click_model('pbm', sessions))")
    return np.asarray(examination, dtype=float)


def logged_relevance(sessions: SessionLog, model: FittedModel, *, min_propensity: float = MIN_PROPENSITY,
                     min_impressions: int = 1,
                     qid_of: Callable[[str], str] = qid_for) -> LoggedRelevance:
    """Step 2 of the estimator for every (query, doc) of the log, keyed by ``qid_of(query)``."""
    if not 0 < min_propensity <= 1:
        raise ValueError(f"min_propensity must be in (0, 1], got {min_propensity}")
    if len(sessions) == 0 or not sessions.shown.any():
        raise ValueError("the click log has no sessions with results: nothing to estimate from")
    theta = extend(examination_of(model), sessions.max_rank)
    propensity = np.maximum(theta, min_propensity)
    shown = sessions.shown
    clicks = sessions.clicks & shown
    rows, ranks = np.nonzero(shown)
    weight = np.where(clicks[rows, ranks], 1.0 / propensity[ranks], 0.0)
    frame = pd.DataFrame({"q": sessions.query[rows], "doc": sessions.docs[rows, ranks], "w": weight})
    grouped = frame.groupby(["q", "doc"], sort=True)["w"].agg(["sum", "size"]).reset_index()
    grouped = grouped[grouped["size"] >= min_impressions]
    qids = [qid_of(q) for q in sessions.queries]
    relevance: dict[str, dict[str, float]] = {}
    impressions: dict[str, dict[str, int]] = {}
    doc_ids = sessions.doc_ids
    for q, doc, total, size in zip(grouped["q"], grouped["doc"], grouped["sum"], grouped["size"]):
        qid = qids[q]
        relevance.setdefault(qid, {})[doc_ids[doc]] = float(total) / int(size)
        impressions.setdefault(qid, {})[doc_ids[doc]] = int(size)
    per_query = np.bincount(sessions.query, minlength=len(sessions.queries))
    session_counts: dict[str, int] = {}
    texts: dict[str, str] = {}
    for q, n in enumerate(per_query):
        if n:
            session_counts[qids[q]] = session_counts.get(qids[q], 0) + int(n)
            texts[qids[q]] = sessions.queries[q]
    clipped = int(np.count_nonzero(clicks & (theta < min_propensity)[None, :]))
    return LoggedRelevance(relevance, impressions, texts, session_counts, int(clicks.sum()), clipped,
                           min_propensity, theta)


def _dcg(gains: Sequence[float], k: int) -> float:
    g = np.asarray(gains[:k], dtype=float)
    return float(np.sum(g / np.log2(np.arange(len(g)) + 2.0)))


def query_utility(ranking: Sequence[str], relevance: Mapping[str, float], k: int = DEFAULT_K) -> dict[str, float]:
    """Steps 3 and 4 for one query: ``estimate`` (condensed), ``lower``, ``upper`` (all over the ideal DCG@k of
    the logged documents) and ``unshown``; NaN utilities when no logged document earned a click."""
    top = list(ranking[:k])
    known = [relevance[d] for d in ranking if d in relevance]
    unshown = sum(d not in relevance for d in top) / len(top) if top else 0.0
    ideal = _dcg(sorted(relevance.values(), reverse=True), k)
    if ideal <= 0:
        return {"estimate": np.nan, "lower": np.nan, "upper": np.nan, "unshown": unshown}
    return {"estimate": _dcg(known, k) / ideal,
            "lower": _dcg([relevance.get(d, 0.0) for d in top], k) / ideal,
            "upper": _dcg([relevance.get(d, 1.0) for d in top], k) / ideal,
            "unshown": unshown}


def evaluate_counterfactual(sessions: SessionLog, model: FittedModel, run: Run, *, k: int = DEFAULT_K,
                            min_propensity: float = MIN_PROPENSITY, min_impressions: int = 1,
                            qid_of: Callable[[str], str] = qid_for, confidence: float = CONFIDENCE,
                            n_resamples: int = N_RESAMPLES, seed: int = 0,
                            logged: LoggedRelevance | None = None) -> CounterfactualResult:
    """Estimate ``run``'s quality from the click log ``sessions`` with the propensities of ``model`` (a fitted
    PBM). Run qids are matched to the log's queries through ``qid_of`` (default: the judgments' qid of the
    query text, so a run keyed like ``judgments from-clicks`` output matches); a run keyed by the query text
    itself also matches. Pass ``logged`` (from :func:`logged_relevance`) to reuse step 2 across runs."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    logged = logged or logged_relevance(sessions, model, min_propensity=min_propensity,
                                        min_impressions=min_impressions, qid_of=qid_of)
    by_text = {text: qid for qid, text in logged.queries.items()}
    rows: dict[str, dict[str, Any]] = {}
    missing = without_clicks = 0
    matched: set[str] = set()
    for key in sorted(run):
        qid = key if key in logged.sessions else by_text.get(key)
        if qid is None:
            missing += 1
            continue
        matched.add(qid)
        values = query_utility(run.doc_ids(key), logged.relevance.get(qid, {}), k)
        if np.isnan(values["estimate"]):
            without_clicks += 1
            continue
        rows[key] = {"query": logged.queries[qid], "sessions": logged.sessions[qid],
                     "logged_docs": len(logged.relevance.get(qid, {})), **values}
    if not rows:
        raise ValueError(f"no query of the run could be scored: {missing:,} are not in the click log and "
                         f"{without_clicks:,} have no clicked document (run qids must be the qids of the log's "
                         "queries, as written by `judgments from-clicks`, or the query text)")
    per_query = pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS))
    per_query.index.name = "qid"

    def interval(column: str) -> Interval:
        return bootstrap_ci(per_query[column].to_numpy(), confidence=confidence, n_resamples=n_resamples,
                            seed=seed)

    return CounterfactualResult(
        k=k, min_propensity=logged.min_propensity, per_query=per_query, estimate=interval("estimate"),
        lower=interval("lower"), upper=interval("upper"), unshown=float(per_query["unshown"].mean()),
        queries_not_in_log=missing, queries_without_clicks=without_clicks,
        log_queries_not_in_run=len(set(logged.sessions) - matched),
        clipped_click_share=logged.clipped_clicks / logged.clicks if logged.clicks else 0.0)


def estimate_from_clicks(sessions: SessionLog, runs: Mapping[str, Run], *, model: FittedModel | None = None,
                         k: int = DEFAULT_K, min_propensity: float = MIN_PROPENSITY, min_impressions: int = 1,
                         qid_of: Callable[[str], str] = qid_for, confidence: float = CONFIDENCE,
                         n_resamples: int = N_RESAMPLES, seed: int = 0,
                         max_iterations: int | None = None) -> dict[str, CounterfactualResult]:
    """Every ranker of ``runs`` estimated from one click log (what ``mmltr evaluate --clicks LOG`` calls): fits
    the PBM on ``sessions`` unless ``model`` is given, computes the logged relevance once, then
    :func:`evaluate_counterfactual` per run."""
    model = model or fit_click_model("pbm", sessions, max_iterations=max_iterations)
    logged = logged_relevance(sessions, model, min_propensity=min_propensity, min_impressions=min_impressions,
                              qid_of=qid_of)
    return {name: evaluate_counterfactual(sessions, model, run, k=k, qid_of=qid_of, confidence=confidence,
                                          n_resamples=n_resamples, seed=seed, logged=logged)
            for name, run in runs.items()}


def compare_counterfactual(a: CounterfactualResult, b: CounterfactualResult, *, column: str = "estimate",
                           confidence: float = CONFIDENCE, n_permutations: int = N_PERMUTATIONS,
                           n_resamples: int = N_RESAMPLES, seed: int = 0) -> PairedTest:
    """``a`` against ``b`` on the queries both scored: mean difference, bootstrap interval, paired
    randomization p-value."""
    common = a.per_query.index.intersection(b.per_query.index)
    if len(common) == 0:
        raise ValueError("the two results share no scored query")
    return randomization_test(a.per_query.loc[common, column].to_numpy(), b.per_query.loc[common, column].to_numpy(),
                              confidence=confidence, n_permutations=n_permutations, n_resamples=n_resamples,
                              seed=seed)
