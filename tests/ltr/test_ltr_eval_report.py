"""metrics.json has the issue's layout, per_query.csv one row per (qid, ranker), the verdict says in words whether
ltr beats the best baseline (exit code 4 when not), and report.html is self-contained."""
from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from eval_data import evaluation, feature_table

from ltr.evaluation import (
    EXIT_NOT_BETTER,
    EXIT_OK,
    Qrels,
    Run,
    eval_record,
    evaluate_run,
    render_html,
    summarize,
    verdict,
    write_outputs,
)

pytest.importorskip("ranx")
INTERVAL = {"mean", "ci_low", "ci_high"}
COMPARISON = {"ranker", "baseline", "metric", "ranker_mean", "baseline_mean", "mean_diff", "ci_low", "ci_high",
              "p_value"}


@pytest.fixture(scope="module")
def good():
    return evaluation(ltr_noise=0.3)


@pytest.fixture(scope="module")
def bad():
    return evaluation(ltr_noise=2.0, protocol="retrieval", folds=None)


def test_metrics_json_schema(good, tmp_path) -> None:
    paths = write_outputs(tmp_path, good, verdict(good))
    data = json.loads(paths["metrics.json"].read_text())
    assert set(data) == {"protocol", "folds", "queries", "rankers", "comparisons"}
    assert data["protocol"] == "rerank" and data["folds"] == 5 and data["queries"] == 40
    assert list(data["rankers"]) == ["bm25", "dense", "ltr"]
    for metrics in data["rankers"].values():
        assert list(metrics) == ["ndcg@5", "ndcg@10", "mrr@10", "map@10", "recall@10"]
        for iv in metrics.values():
            assert set(iv) == INTERVAL and all(isinstance(v, float) for v in iv.values())
            assert 0 <= iv["ci_low"] <= iv["mean"] <= iv["ci_high"] <= 1
    assert len(data["comparisons"]) == 5
    for c in data["comparisons"]:
        assert set(c) == COMPARISON and c["ranker"] == "ltr" and c["baseline"] == "dense"
        assert c["mean_diff"] == pytest.approx(c["ranker_mean"] - c["baseline_mean"])
        assert c["ci_low"] <= c["mean_diff"] <= c["ci_high"] and 0 < c["p_value"] <= 1
    per_query = pd.read_csv(paths["per_query.csv"], dtype={"qid": str})
    assert list(per_query.columns) == ["qid", "ranker", "ndcg@5", "ndcg@10", "mrr@10", "map@10", "recall@10"]
    assert len(per_query) == 3 * 40
    ltr = per_query[per_query.ranker == "ltr"]
    assert ltr["ndcg@10"].mean() == pytest.approx(data["rankers"]["ltr"]["ndcg@10"]["mean"], abs=1e-5)


def test_retrieval_reports_judged_at_10_but_does_not_test_it(bad) -> None:
    data = bad.metrics_json()
    assert data["folds"] is None and data["protocol"] == "retrieval"
    assert "judged@10" in data["rankers"]["ltr"]
    assert data["rankers"]["ltr"]["judged@10"]["mean"] == 1.0  # the runs rank judged documents only
    assert all(c["metric"] != "judged@10" for c in data["comparisons"])


def test_verdicts_and_exit_codes(good, bad) -> None:
    v = verdict(good)
    assert v.exit_code == EXIT_OK == 0 and v.better and v.significant
    assert v.text.startswith("ltr is better than dense, the best baseline, significantly: ndcg@10 ")
    v = verdict(bad)
    assert v.exit_code == EXIT_NOT_BETTER == 4 and not v.better
    assert v.text.startswith("ltr is not better than dense, the best baseline (significantly worse; ndcg@10 ")
    assert "serve dense" in v.text


def test_a_tie_is_not_better() -> None:
    qrels = Qrels({f"q{i}": {"a": 2, "b": 0} for i in range(6)})
    same = Run.from_scores({q: {"a": 1.0, "b": 0.0} for q in qrels})
    per_query = {"bm25": evaluate_run(same, qrels), "ltr": evaluate_run(same, qrels)}
    v = verdict(summarize(per_query, protocol="rerank", folds=2))
    assert v.exit_code == EXIT_NOT_BETTER and not v.significant
    assert "ltr is not better than bm25" in v.text and "p = 1" in v.text and "6 tied" in v.text


def test_best_baseline_and_candidates() -> None:
    ev = evaluation()
    assert ev.baselines == ("bm25", "dense") and ev.best_baseline == "dense"
    assert {c.ranker for c in ev.comparisons} == {"ltr"}
    with pytest.raises(ValueError, match="not evaluated"):
        summarize(ev.per_query, protocol="rerank", baselines=["hybrid"])
    with pytest.raises(ValueError, match="other queries"):
        summarize({"a": ev.per_query["ltr"], "ltr": ev.per_query["ltr"].iloc[:5]}, protocol="rerank")


def test_record_for_the_evals_index(good) -> None:
    record = eval_record(good, verdict(good), alias="items", timestamp="2025-01-01T00:00:00Z")
    assert record["best_baseline"] == "dense" and record["exit_code"] == 0 and record["alias"] == "items"
    json.dumps(record, allow_nan=False)


def test_report_html_is_self_contained(good) -> None:
    pytest.importorskip("matplotlib")
    table = feature_table()
    page = render_html(good, verdict(good), feature_gain={"cosine_title": 40.0, "bm25_title": 12.5, "price": 1.0,
                                                         "constant": 0.0}, features=table)
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 4 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(?:src|href)="(?!data:)', page) and "<script" not in page
    for heading in ("Metrics per ranker", "Comparisons with the best baseline", "Per-query wins and losses of ltr",
                    "Feature importance", "Feature distributions", "linear gains"):
        assert heading in page
    assert "exit code 0" in page
    assert math.isfinite(good.summary["ltr"]["ndcg@10"].mean)


def test_report_without_features_or_candidate(bad) -> None:
    pytest.importorskip("matplotlib")
    only_baselines = summarize({k: v for k, v in bad.per_query.items() if k != "ltr"}, protocol="retrieval")
    page = render_html(only_baselines)
    assert page.count("<img ") == 1 and "No comparison" in page
