"""Metrics on tiny runs computed by hand: linear-gain NDCG, binary MRR/MAP/recall at grade >= threshold, ties
broken by doc id, unjudged documents in the retrieval protocol, judged@k; and agreement with ranx itself."""
from __future__ import annotations

import math

import numpy as np
import pytest
from eval_data import world

from ltr.evaluation import Qrels, Run, evaluate_run, long_table, metric_names, rank

pytest.importorskip("ranx")

QRELS = Qrels({"q1": {"a": 3, "b": 2, "c": 0, "d": 1}, "q2": {"x": 2, "z": 0}, "q3": {"y": 1}})
# b and a tie at 0.5: a ranks first (doc id order); e is unjudged. Order: c, a, b, e, d.
RUN = Run.from_scores([("q1", "d", 0.1), ("q1", "e", 0.3), ("q1", "b", 0.5), ("q1", "a", 0.5), ("q1", "c", 0.9)])


def log2(x: float) -> float:
    return math.log2(x)


def test_ties_are_broken_by_doc_id_whatever_the_input_order() -> None:
    assert RUN.doc_ids("q1") == ["c", "a", "b", "e", "d"]
    assert rank({"b": 1.0, "a": 1.0, "c": 2.0}) == rank([("a", 1.0), ("c", 2.0), ("b", 1.0)])
    assert [d for d, _ in rank({"b": 1.0, "a": 1.0, "c": 2.0})] == ["c", "a", "b"]


def test_retrieval_metrics_by_hand() -> None:
    frame = evaluate_run(RUN, QRELS, protocol="retrieval")
    assert list(frame.index) == ["q1", "q2"]  # q3 has nothing graded >= 2
    assert list(frame.columns) == ["ndcg@5", "ndcg@10", "mrr@10", "map@10", "recall@10", "judged@10"]
    q1 = frame.loc["q1"]
    dcg = 3 / log2(3) + 2 / log2(4) + 1 / log2(6)       # c (0) at 1, a (3) at 2, b (2) at 3, e at 4, d (1) at 5
    idcg = 3 / log2(2) + 2 / log2(3) + 1 / log2(4)
    assert q1["ndcg@5"] == pytest.approx(dcg / idcg, abs=1e-12)
    assert q1["ndcg@10"] == pytest.approx(dcg / idcg, abs=1e-12)
    assert q1["mrr@10"] == pytest.approx(1 / 2)
    assert q1["map@10"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert q1["recall@10"] == pytest.approx(1.0)
    assert q1["judged@10"] == pytest.approx(4 / 10)
    # q2 is not answered by the run: every metric is 0, nothing judged in its (empty) top 10
    assert frame.loc["q2"].tolist() == [0.0] * 6


def test_ties_broken_the_other_way_would_give_another_ndcg() -> None:
    other = evaluate_run(Run({"q1": (("c", 0.9), ("b", 0.5), ("a", 0.5), ("e", 0.3), ("d", 0.1))}), QRELS,
                         protocol="retrieval", queries=["q1"])
    dcg = 2 / log2(3) + 3 / log2(4) + 1 / log2(6)
    assert other.loc["q1", "ndcg@10"] == pytest.approx(dcg / (3 + 2 / log2(3) + 1 / log2(4)))
    assert other.loc["q1", "ndcg@10"] < evaluate_run(RUN, QRELS, protocol="retrieval").loc["q1", "ndcg@10"]


def test_cutoff_and_threshold() -> None:
    frame = evaluate_run(RUN, QRELS, protocol="retrieval", threshold=3, metrics=("ndcg@2", "mrr@1", "map@10",
                                                                                 "recall@2"))
    assert list(frame.index) == ["q1"]  # only q1 has a grade >= 3
    q1 = frame.loc["q1"]
    assert q1["ndcg@2"] == pytest.approx((3 / log2(3)) / (3 + 2 / log2(3)))
    assert q1["mrr@1"] == 0.0 and q1["map@10"] == pytest.approx(1 / 2) and q1["recall@2"] == 1.0
    with_grade_one = evaluate_run(RUN, QRELS, protocol="retrieval", threshold=1)
    assert list(with_grade_one.index) == ["q1", "q2", "q3"]
    assert with_grade_one.loc["q1", "map@10"] == pytest.approx((1 / 2 + 2 / 3 + 3 / 5) / 3)


def test_rerank_refuses_unjudged_documents_and_has_no_judged_column() -> None:
    with pytest.raises(ValueError, match="q1.*unjudged documents \\(e\\)"):
        evaluate_run(RUN, QRELS, protocol="rerank")
    judged = Run.from_scores({"q1": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 0.0}, "q2": {"z": 1.0, "x": 0.5}})
    frame = evaluate_run(judged, QRELS, protocol="rerank")
    assert list(frame.columns) == metric_names("rerank")
    assert frame.loc["q2", "mrr@10"] == 0.5


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="q3.*no document graded >= 2"):
        evaluate_run(RUN, QRELS, protocol="retrieval", queries=["q1", "q3"])
    with pytest.raises(ValueError, match="unknown protocol"):
        evaluate_run(RUN, QRELS, protocol="clicks")
    with pytest.raises(ValueError, match="judged twice"):
        Qrels.from_triples([("q", "a", 1), ("q", "a", 2)])
    with pytest.raises(ValueError, match="NaN"):
        Run.from_scores({"q": {"a": float("nan")}})


def _reference(ranked: list[str], grades: dict[str, int], k: int, threshold: int) -> dict[str, float]:
    """The textbook definitions, written independently of the library."""
    top = ranked[:k]
    gain = [max(grades.get(d, 0), 0) for d in top]
    ideal = sorted((max(g, 0) for g in grades.values()), reverse=True)[:k]
    ndcg = sum(g / math.log2(i + 2) for i, g in enumerate(gain)) / sum(g / math.log2(i + 2) for i, g in
                                                                      enumerate(ideal))
    rel = [grades.get(d, 0) >= threshold for d in top]
    n_rel = sum(g >= threshold for g in grades.values())
    rr = next((1 / (i + 1) for i, r in enumerate(rel) if r), 0.0)
    ap = sum(sum(rel[: i + 1]) / (i + 1) for i, r in enumerate(rel) if r) / n_rel
    return {"ndcg": ndcg, "mrr": rr, "map": ap, "recall": sum(rel) / n_rel}


def test_agrees_with_textbook_definitions_on_random_runs_with_many_ties() -> None:
    qrels = world(n_queries=60, n_docs=25, seed=7)
    rng = np.random.default_rng(8)
    run = Run.from_scores({q: {d: float(rng.integers(0, 4)) for d in docs if rng.random() < 0.8}
                           for q, docs in qrels.items()})
    frame = evaluate_run(run, qrels, protocol="rerank", metrics=("ndcg@5", "ndcg@10", "mrr@10", "map@10",
                                                                 "recall@10"))
    for qid in frame.index:
        ranked = sorted(run[qid], key=lambda p: (-p[1], p[0])) if qid in run else []
        ref10 = _reference([d for d, _ in ranked], dict(qrels[qid]), 10, 2)
        assert frame.loc[qid, "ndcg@5"] == pytest.approx(
            _reference([d for d, _ in ranked], dict(qrels[qid]), 5, 2)["ndcg"], abs=1e-12)
        for name in ("ndcg", "mrr", "map", "recall"):
            assert frame.loc[qid, f"{name}@10"] == pytest.approx(ref10[name], abs=1e-12), (qid, name)


def test_agrees_with_ranx_called_directly_when_there_is_no_tie() -> None:
    import ranx

    qrels = world(n_queries=30, n_docs=20, seed=3)
    rng = np.random.default_rng(4)
    scores = {q: {d: float(rng.random()) for d in docs} for q, docs in qrels.items()}
    ours = evaluate_run(Run.from_scores(scores), qrels, protocol="rerank")
    qids = list(ours.index)
    graded = ranx.Qrels({q: {d: g for d, g in qrels[q].items() if g > 0} for q in qids})
    binary = ranx.Qrels({q: {d: 1 for d, g in qrels[q].items() if g >= 2} for q in qids})
    direct = ranx.Run({q: scores[q] for q in qids})
    ranx.evaluate(graded, direct, ["ndcg@5", "ndcg@10"], save_results_in_run=True)
    ranx.evaluate(binary, direct, ["mrr@10", "map@10", "recall@10"], save_results_in_run=True)
    for metric in ours.columns:
        assert np.allclose(ours[metric].to_numpy(), [direct.scores[metric][q] for q in qids], atol=1e-12), metric


def test_long_table_has_one_row_per_query_and_ranker() -> None:
    frame = evaluate_run(RUN, QRELS, protocol="retrieval")
    table = long_table({"bm25": frame, "ltr": frame})
    assert list(table.columns[:2]) == ["qid", "ranker"] and len(table) == 4
    assert table["ranker"].tolist() == ["bm25", "bm25", "ltr", "ltr"]
