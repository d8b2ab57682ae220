"""Counterfactual evaluation from clicks: on simulated worlds with known relevance, the clipped-IPS estimate
orders rankings as their true relevance does, where a plain click nDCG (unshown = irrelevant) does not."""
from __future__ import annotations

import numpy as np
import pytest

from ltr.clickmodels import fit_click_model
from ltr.evaluation.counterfactual import (
    compare_counterfactual,
    estimate_from_clicks,
    evaluate_counterfactual,
    logged_relevance,
    query_utility,
)
from ltr.evaluation.runs import Run
from ltr.judgments import qid_for
from ltr.sessions import SessionLog, split_sessions
from ltr.types import Session

K = 10
DISCOUNT = 1.0 / np.log2(np.arange(K) + 2.0)


def _true_ndcg(scores: np.ndarray, alpha: np.ndarray) -> float:
    """nDCG@10 with the world's true attractiveness as gain (what PBM clicks measure), over the whole pool."""
    values = []
    for q in range(len(alpha)):
        top = np.argsort(-scores[q], kind="stable")[:K]
        values.append((alpha[q, top] * DISCOUNT).sum() / (np.sort(alpha[q])[::-1][:K] * DISCOUNT).sum())
    return float(np.mean(values))


def _naive_click_ndcg(test: SessionLog, run: Run) -> float:
    """The plain click metric the issue warns about: gain = held-out CTR of the pair, never shown = 0."""
    values = []
    for q in np.unique(test.query):
        rows = test.query == q
        shown = test.shown[rows]
        docs, clicks = test.docs[rows][shown], test.clicks[rows][shown]
        impressions = np.bincount(docs, minlength=len(test.doc_ids))
        clicked = np.bincount(docs, weights=clicks, minlength=len(test.doc_ids))
        ctr = {test.doc_ids[d]: clicked[d] / impressions[d] for d in np.flatnonzero(impressions)}
        ranking = run.doc_ids(qid_for(test.queries[q]), K)
        ideal = (np.sort(list(ctr.values()))[::-1][:K] * DISCOUNT[:min(K, len(ctr))]).sum()
        if ideal > 0:
            values.append(sum(ctr.get(d, 0.0) * DISCOUNT[j] for j, d in enumerate(ranking)) / ideal)
    return float(np.mean(values))


def _run(scores: np.ndarray, queries, doc_of) -> Run:
    return Run.from_scores({qid_for(queries[q]): {doc_of(q, j): float(scores[q, j]) for j in range(scores.shape[1])}
                            for q in range(len(queries))})


def test_estimates_match_the_true_relevance_on_a_simulated_pbm_log(pbm_log):
    """ltr.simulate's PBM world: every pool document gets shown, so the estimate should be close to the truth."""
    train, test = split_sessions(pbm_log.session_log(), 0.2)
    ids = pbm_log.catalog["id"].to_numpy()
    rng = np.random.default_rng(7)
    scores = {"logging": pbm_log.alpha * pbm_log.sigma + 0.3 * rng.normal(size=pbm_log.alpha.shape),
              "oracle": pbm_log.alpha, "reversed": -pbm_log.alpha}
    runs = {name: _run(s, pbm_log.queries, lambda q, j: ids[pbm_log.pools[q, j]]) for name, s in scores.items()}
    pbm = fit_click_model("pbm", train)
    results = estimate_from_clicks(train, runs, model=pbm, n_resamples=2_000)
    truth = {name: _true_ndcg(s, pbm_log.alpha) for name, s in scores.items()}
    naive = {name: _naive_click_ndcg(test, run) for name, run in runs.items()}
    for name in runs:
        r = results[name]
        print(f"\n{name}: truth {truth[name]:.3f}, naive click nDCG {naive[name]:.3f}, {r.summary()}")
    # measured: truth 0.827 / 1.000 / 0.334; estimate 0.826 / 0.996 / 0.331; naive 0.844 / 0.966 / 0.227
    for name in runs:
        assert results[name].estimate.mean == pytest.approx(truth[name], abs=0.02)
        assert results[name].estimate.ci_low <= truth[name] + 0.01 and truth[name] - 0.01 <= results[name].estimate.ci_high
        assert results[name].unshown == 0.0 and results[name].scored_queries == 20
        assert results[name].lower.mean == results[name].estimate.mean == results[name].upper.mean
    est = {name: r.estimate.mean for name, r in results.items()}
    assert est["oracle"] > est["logging"] > est["reversed"]
    assert truth["oracle"] > truth["logging"] > truth["reversed"]
    assert abs(naive["reversed"] - truth["reversed"]) > 0.08  # position bias: the plain metric is off by ~0.1
    paired = compare_counterfactual(results["oracle"], results["logging"], n_permutations=2_000, n_resamples=2_000)
    assert paired.mean_diff > 0.1 and paired.p_value < 0.01


def _retrieval_gap_world(seed: int = 0, n_queries: int = 40, pool: int = 30, retrievable: int = 18,
                         width: int = 10, n: int = 20_000):
    """The issue's situation: the logging ranker ("bm25") only ever retrieves 18 of each query's 30 documents,
    so a better ranker ("ltr") surfaces documents the log never showed. Clicks follow a PBM."""
    rng = np.random.default_rng(seed)
    alpha = rng.beta(1.0, 1.5, size=(n_queries, pool))
    examination = 1.0 / (1.0 + np.arange(width)) ** 0.8
    can = np.zeros((n_queries, pool), dtype=bool)
    for q in range(n_queries):
        can[q, rng.choice(pool, retrievable, replace=False)] = True
    bm25 = alpha + 0.25 * rng.normal(size=alpha.shape)
    query = rng.integers(0, n_queries, n)
    score = np.where(can[query], bm25[query] + 0.1 * rng.normal(size=(n, pool)), -np.inf)
    local = np.argsort(-score, axis=1)[:, :width]
    attraction = np.take_along_axis(alpha[query], local, axis=1)
    clicks = (rng.random((n, width)) < examination) & (rng.random((n, width)) < attraction)
    queries = tuple(f"query {q}" for q in range(n_queries))
    doc_ids = tuple(f"d{i:05d}" for i in range(n_queries * pool))
    none = np.zeros((n, width), dtype=bool)
    log = SessionLog(queries, doc_ids, (), query.astype(np.int32), np.full(n, -1, dtype=np.int32),
                     np.arange(n, dtype=float), tuple(f"s{i}" for i in range(n)),
                     (query[:, None] * pool + local).astype(np.int32), clicks, none, none)
    retrieved = np.where(can, bm25, bm25 - 100.0)  # unretrieved documents ranked last
    scores = {"bm25": retrieved, "ltr": alpha + 0.1 * rng.normal(size=alpha.shape),
              "reversed": np.where(can, -bm25, -bm25 - 100.0)}
    runs = {name: _run(s, queries, lambda q, j: doc_ids[q * pool + j]) for name, s in scores.items()}
    return log, runs, {name: _true_ndcg(s, alpha) for name, s in scores.items()}


def test_unshown_documents_are_reported_not_counted_as_irrelevant():
    log, runs, truth = _retrieval_gap_world()
    train, test = split_sessions(log, 0.2)
    results = estimate_from_clicks(train, runs, n_resamples=2_000)
    naive = {name: _naive_click_ndcg(test, run) for name, run in runs.items()}
    for name in runs:
        print(f"\n{name}: truth {truth[name]:.3f}, naive click nDCG {naive[name]:.3f}, {results[name].summary()}")
    # measured: truth bm25 0.802, ltr 0.975; naive bm25 0.958, ltr 0.647 (the direction);
    # counterfactual bm25 0.812, ltr 0.887, with ltr's unshown@10 37 %
    assert truth["ltr"] > truth["bm25"] + 0.1
    assert naive["bm25"] > naive["ltr"] + 0.2  # the plain click metric gets it backwards
    est = {name: r.estimate.mean for name, r in results.items()}
    assert est["ltr"] > est["bm25"] > est["reversed"]
    assert truth["ltr"] > truth["bm25"] > truth["reversed"]
    assert results["bm25"].unshown == 0.0
    # the logging ranker's own tail (its ranks 11-18) was hardly ever shown: reversing it surfaces that tail
    assert 0.15 < results["reversed"].unshown < 0.35
    ltr = results["ltr"]
    assert 0.3 < ltr.unshown < 0.45
    assert ltr.lower.mean < ltr.estimate.mean < ltr.upper.mean
    assert ltr.lower.mean == pytest.approx(naive["ltr"], abs=0.05)  # "unshown as 0" is the plain metric's view
    assert "never shown in the log" in ltr.summary()
    assert ltr.as_dict()["unshown@10"] == pytest.approx(ltr.unshown)


def test_the_estimator_by_hand():
    # Two ranks, examination 1.0 and 0.25 (PBM); d1 always on top, d2 below; "new" never shown.
    rows = ([Session("q", ("d1", "d2"), (True, False))] * 40 + [Session("q", ("d1", "d2"), (False, True))] * 5
            + [Session("q", ("d1", "d2"), (False, False))] * 55)
    sessions = SessionLog.from_sessions(rows)
    model = fit_click_model("coec", sessions)  # any fitted position-based model with an examination curve
    assert model.examination.tolist() == pytest.approx([1.0, 0.125])
    logged = logged_relevance(sessions, model, min_propensity=0.05)
    qid = qid_for("q")
    # d1: 40 clicks / 1.0 over 100 impressions; d2: 5 clicks / 0.125 over 100 impressions
    assert logged.relevance[qid] == pytest.approx({"d1": 0.4, "d2": 0.4})
    clipped = logged_relevance(sessions, model, min_propensity=0.2)  # d2's weight clipped to 1 / 0.2
    assert clipped.relevance[qid]["d2"] == pytest.approx(0.25) and clipped.clipped_clicks == 5
    values = query_utility(["new", "d2", "d1"], logged.relevance[qid], k=2)
    ideal = 0.4 + 0.4 / np.log2(3)
    assert values["estimate"] == pytest.approx(1.0)  # condensed: d2, d1
    assert values["lower"] == pytest.approx(0.4 / np.log2(3) / ideal)
    assert values["upper"] == pytest.approx((1.0 + 0.4 / np.log2(3)) / ideal)
    assert values["unshown"] == 0.5
    by_text = Run.from_scores({"q": {"new": 3.0, "d2": 2.0, "d1": 1.0}, "unknown query": {"x": 1.0}})
    result = evaluate_counterfactual(sessions, model, by_text, k=2, n_resamples=200)
    assert result.per_query.loc["q", "estimate"] == pytest.approx(1.0)
    assert (result.queries_not_in_log, result.scored_queries, result.unshown) == (1, 1, 0.5)
    with pytest.raises(ValueError, match="no query of the run could be scored"):
        evaluate_counterfactual(sessions, model, Run.from_scores({"other": {"x": 1.0}}))
    with pytest.raises(TypeError, match="fit 'pbm'"):
        evaluate_counterfactual(sessions, fit_click_model("sdbn", sessions), by_text)
