"""``mmltr evaluate`` from the CLI on Icecat data, against the embedded node (click's runner, no mocks).

30 judged Icecat queries plus 100 unjudged products, indexed with the ``hashing:64`` text encoder; evaluated
with 3 folds (rerank and retrieval), with an uploaded model (``--model``), and with a featureset whose only
feature is constant on this catalogue (``popularity``), where ``ltr`` cannot beat BM25 and the command exits 4.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from pi_cli_loop import icecat_subset, run_cli

from ltr.evaluation import EXIT_NOT_BETTER, Run
from ltr.hybrid import fused_run
from plugin_integration.cli_support import EXIT_NOT_BETTER as CLI_EXIT_NOT_BETTER
from plugin_integration.client import make_client
from plugin_integration.eval_records import DETAILS_INDEX, EVALS_INDEX
from plugin_integration.queries import DEFAULT_FIELDS

ICECAT = Path(__file__).resolve().parents[2] / "data" / "icecat"
N_QUERIES, N_OTHERS, FOLDS = 30, 100, 3
RANKERS = ["bm25", "dense", "hybrid", "ltr"]
METRICS = ["ndcg@5", "ndcg@10", "mrr@10", "map@10", "recall@10"]
CONSTANT_FS = "name: constant_only\nfeatures:\n- {name: popularity, kind: field_value, field: popularity, modifier: log1p}\n"


@dataclass
class Setup:
    root: Path
    data_dir: Path
    judgments: pd.DataFrame
    results: dict[str, Result] = field(default_factory=dict)
    clicked_queries: int = 0

    def run(self, *args: str, expect: int | None = 0) -> Result:
        result = run_cli(self.data_dir, *args)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def report(self, name: str) -> Path:
        return self.root / name

    def metrics(self, name: str) -> dict:
        return json.loads((self.report(name) / "metrics.json").read_text(encoding="utf-8"))


def _subset(root: Path) -> pd.DataFrame:
    return icecat_subset(root, N_QUERIES, N_OTHERS)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("icecat_evaluate")
    s = Setup(root, root / "node", _subset(root))
    judgments = str(root / "judgments.csv")
    s.run("index", "load", str(root / "catalog.jsonl"), "--text-encoder", "hashing:64", "--no-progress")
    r = s.results
    r["rerank"] = s.run("evaluate", judgments, "--folds", str(FOLDS), "--report", str(root / "rerank"), expect=None)
    r["retrieval"] = s.run("evaluate", judgments, "--folds", str(FOLDS), "--protocol", "retrieval",
                           "--report", str(root / "retrieval"), expect=None)
    s.run("features", "log", judgments, "-o", str(root / "feats.parquet"))
    s.run("train", str(root / "feats.parquet"), "-o", str(root / "model"))
    upload = s.run("model", "upload", str(root / "model"))
    model = upload.output.split("uploaded model '")[1].split("'")[0]
    r["model"] = s.run("evaluate", judgments, "--model", model, "--report", str(root / "model_rerank"), expect=None)
    r["model_retrieval"] = s.run("evaluate", judgments, "--model", model, "--protocol", "retrieval",
                                 "--report", str(root / "model_retrieval"), expect=None)
    s.clicked_queries = _click_log(s.judgments, root / "clicks.jsonl")
    r["clicks"] = s.run("evaluate", judgments, "--folds", str(FOLDS), "--clicks", str(root / "clicks.jsonl"),
                        "--evals-index", "", "--report", str(root / "clicks"), expect=None)
    (root / "constant.yaml").write_text(CONSTANT_FS, encoding="utf-8")
    s.run("featureset", "push", str(root / "constant.yaml"))
    r["constant"] = s.run("evaluate", judgments, "--featureset", "constant_only", "--folds", str(FOLDS),
                          "--report", str(root / "constant"), expect=None)
    yield s


def _click_log(judgments: pd.DataFrame, path: Path) -> int:
    """Three searches per judged query, each showing the whole judged pool (sorted by doc id, rotated), with a
    click on every document graded >= 2 in the top 8 (examined) and nothing else. Returns the number of queries
    with a click."""
    lines, t, clicked = [], 1_700_000_000, set()
    for qid, pool in judgments.groupby("qid", sort=True):
        docs = sorted(pool.doc_id.astype(str))
        grade = dict(zip(pool.doc_id.astype(str), pool.grade))
        for rep in range(3):
            shown = docs[rep:] + docs[:rep]
            sid = f"{qid}-{rep}"
            t += 100
            lines.append({"type": "search", "search_id": sid, "user_id": f"u{rep}", "session_id": sid,
                          "query": str(pool["query"].iloc[0]), "results": shown, "timestamp": t})
            lines.extend({"type": "click", "search_id": sid, "user_id": f"u{rep}", "doc_id": d, "timestamp": t + 5}
                         for d in shown[:8] if grade[d] >= 2)
            clicked.update(qid for d in shown[:8] if grade[d] >= 2)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return len(clicked)


def _ndcg10(ranked: list[str], grades: dict[str, int]) -> float:
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:10]
    return dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal))


def _exit_matches_numbers(result: Result, metrics: dict) -> None:
    rankers = metrics["rankers"]
    best = max(sorted(n for n in rankers if not n.startswith("ltr")), key=lambda n: rankers[n]["ndcg@10"]["mean"])
    better = rankers["ltr"]["ndcg@10"]["mean"] > rankers[best]["ndcg@10"]["mean"]
    assert result.exit_code == (0 if better else EXIT_NOT_BETTER), result.output
    assert f"ltr is {'better' if better else 'not better'} than {best}" in result.output


def test_exit_code_has_one_home() -> None:
    assert CLI_EXIT_NOT_BETTER == EXIT_NOT_BETTER == 4


def test_metrics_json_schema(setup: Setup) -> None:
    m = setup.metrics("rerank")
    assert m["protocol"] == "rerank" and m["folds"] == FOLDS
    assert m["queries"] == setup.judgments[setup.judgments.grade >= 2].qid.nunique()
    assert list(m["rankers"]) == RANKERS
    for ranker in RANKERS:
        assert list(m["rankers"][ranker]) == METRICS
        for interval in m["rankers"][ranker].values():
            assert set(interval) == {"mean", "ci_low", "ci_high"}
            assert 0 <= interval["ci_low"] <= interval["mean"] <= interval["ci_high"] <= 1
    assert {c["metric"] for c in m["comparisons"]} == set(METRICS)
    assert all(c["ranker"] == "ltr" and c["baseline"] == m["details"]["verdict"].split(" than ")[1].split(",")[0]
               for c in m["comparisons"])
    per_query = pd.read_csv(setup.report("rerank") / "per_query.csv", dtype={"qid": str})
    assert list(per_query.columns) == ["qid", "ranker", *METRICS] and len(per_query) == m["queries"] * len(RANKERS)
    means = per_query.groupby("ranker")["ndcg@10"].mean()
    for ranker in RANKERS:
        assert means[ranker] == pytest.approx(m["rankers"][ranker]["ndcg@10"]["mean"], abs=1e-5)


def test_bm25_equals_an_independent_multi_match(setup: Setup) -> None:
    m = setup.metrics("rerank")
    j = setup.judgments
    client = make_client(None, setup.data_dir)
    try:
        values = []
        for qid, rows in j.groupby("qid"):
            grades = dict(zip(rows.doc_id, rows.grade))
            if max(grades.values()) < 2:
                continue
            query = rows["query"].iloc[0]
            hits = client.search(index="items", body={"size": len(grades), "query": {"bool": {
                "filter": [{"ids": {"values": list(grades)}}],
                "must": [{"multi_match": {"query": query, "fields": list(DEFAULT_FIELDS)}}]}}})["hits"]["hits"]
            scores = {d: 0.0 for d in grades} | {h["_id"]: h["_score"] for h in hits}
            ranked = sorted(scores, key=lambda d: (-scores[d], d))
            values.append(_ndcg10(ranked, grades))
    finally:
        client.close()
    assert len(values) == m["queries"]
    assert m["rankers"]["bm25"]["ndcg@10"]["mean"] == pytest.approx(float(np.mean(values)), abs=1e-9)


def test_folds_follow_the_sha256_rule(setup: Setup) -> None:
    qids = sorted(setup.judgments.qid.unique(), key=lambda q: hashlib.sha256(q.encode("utf-8")).hexdigest())
    expected = {q: i % FOLDS for i, q in enumerate(qids)}
    assert setup.metrics("rerank")["details"]["fold_assignment"] == expected


def test_hybrid_weight_chosen_per_fold_on_training_queries(setup: Setup) -> None:
    for protocol in ("rerank", "retrieval"):
        d = setup.metrics(protocol)["details"]
        assert set(d["hybrid_weights"]) == {str(i) for i in range(FOLDS)}
        for fold, w in d["hybrid_weights"].items():
            assert 0.0 <= w <= 1.0 and round(w * 10) == pytest.approx(w * 10)
            training = d["hybrid_training_ndcg@10"][fold]  # the bm25 and dense rankers themselves
            assert training["hybrid"] >= max(training["bm25"], training["dense"]) - 1e-12


def test_hybrid_at_the_ends_of_the_grid_is_its_parts() -> None:
    bm25 = {"q": {"a": 3.0, "b": 1.0}, "r": {"c": 2.0}}      # r: one hit only (a constant list)
    dense = {"q": {"z": 0.9, "b": 0.8, "a": 0.1}, "r": {"y": 0.7, "c": 0.6}}
    assert fused_run(bm25, dense, 1.0).doc_ids("q") == ["a", "b", "z"]
    assert fused_run(bm25, dense, 1.0).doc_ids("r") == ["c", "y"]  # c is not tied with y (which bm25 lacks)
    assert fused_run(bm25, dense, 0.0).doc_ids("q") == Run.from_scores(dense).doc_ids("q")
    assert fused_run(bm25, dense, 0.0).doc_ids("r") == ["y", "c"]


def test_retrieval_reports_judged_at_10(setup: Setup) -> None:
    m = setup.metrics("retrieval")
    assert m["protocol"] == "retrieval" and list(m["rankers"]) == RANKERS
    for ranker in RANKERS:
        judged = m["rankers"][ranker]["judged@10"]["mean"]
        assert 0 < judged <= 1
    assert "judged@10" not in {c["metric"] for c in m["comparisons"]}
    assert m["details"]["depth"] == 100 and m["details"]["window"] == 100


def test_exit_code_follows_the_verdict(setup: Setup) -> None:
    for name in ("rerank", "retrieval", "model", "model_retrieval"):
        _exit_matches_numbers(setup.results[name], setup.metrics(name if not name.startswith("model") else
                                                                  {"model": "model_rerank"}.get(name, name)))


def test_a_model_without_signal_is_not_better(setup: Setup) -> None:
    result, m = setup.results["constant"], setup.metrics("constant")
    assert result.exit_code == EXIT_NOT_BETTER, result.output
    assert "ltr is not better than" in result.output and "Serving it would not improve search" in result.output
    assert m["details"]["exit_code"] == EXIT_NOT_BETTER
    assert m["rankers"]["ltr"]["ndcg@10"]["mean"] < m["rankers"]["bm25"]["ndcg@10"]["mean"]


def test_model_path(setup: Setup) -> None:
    m = setup.metrics("model_rerank")
    assert m["folds"] is None and list(m["rankers"]) == RANKERS
    assert set(m["details"]["hybrid_weights"]) == {"all"}
    assert "chosen on all judged queries" in setup.results["model"].output
    assert m["details"]["model"].startswith("items_fused__")


def test_model_path_scores_the_served_model_with_its_base(setup: Setup) -> None:
    """--model ranks each judged pool by the cluster's served score: the trees plus the base score the model
    was trained to boost from (``mmltr train``'s default). The per-query NDCG@10 equals ranking the logged
    features by LightGBM + base; with the trees alone it would not."""
    import lightgbm as lgb

    from ltr.base_score import BaseScore, predict

    record = json.loads((setup.root / "model" / "record.json").read_text(encoding="utf-8"))
    base = BaseScore.from_dict(record["base_score"])
    assert base is not None
    table = pd.read_parquet(setup.root / "feats.parquet")
    names = record["feature_names"]
    booster = lgb.Booster(model_file=str(setup.root / "model" / "model.txt"))
    X = table[names].to_numpy(np.float32).astype(np.float64)
    per_query = pd.read_csv(setup.report("model_rerank") / "per_query.csv", dtype={"qid": str})
    served = per_query[per_query.ranker == "ltr"].set_index("qid")["ndcg@10"]
    for label, scores in (("with base", predict(booster, X, names, base)), ("trees", booster.predict(X))):
        expected = {}
        for qid, rows in table.assign(score=scores).groupby("qid"):
            if qid in served.index:
                ranked = [d for _, d in sorted(zip(-rows.score, rows.doc_id.astype(str)))]
                expected[qid] = _ndcg10(ranked, dict(zip(rows.doc_id.astype(str), rows.grade)))
        differ = sum(abs(expected[q] - served[q]) > 1e-6 for q in expected)
        if label == "with base":
            assert len(expected) == len(served) and differ <= 1, (differ, len(expected))
        else:
            assert differ >= 3  # the base matters: the trees alone rank other pools


def test_report_has_four_images(setup: Setup) -> None:
    for name in ("rerank", "model_rerank"):
        page = (setup.report(name) / "report.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 4, name


def test_table_and_record(setup: Setup) -> None:
    out = setup.results["rerank"].output
    for ranker in RANKERS:
        assert re.search(rf"^\S*\s*{ranker}\b", out, re.M)
    assert "ltr vs " in out and "verdict: " in out
    client = make_client(None, setup.data_dir)
    try:
        mapping = client.indices.get_mapping(index=EVALS_INDEX)[EVALS_INDEX]["mappings"]["properties"]
        assert mapping["timestamp"]["type"] == "date" and mapping["ranker"]["type"] == "keyword"
        assert mapping["ndcg@10"]["type"] == "float"
        docs = [h["_source"] for h in client.search(index=EVALS_INDEX, body={"size": 100})["hits"]["hits"]]
    finally:
        client.close()
    runs = {d["run_id"] for d in docs}
    assert len(runs) == 5  # one run per evaluate call
    rerank = [d for d in docs if d["protocol"] == "rerank" and d["folds"] == FOLDS and d["featureset"] == "items_fused"]
    assert sorted(d["ranker"] for d in rerank) == sorted(RANKERS)
    m = setup.metrics("rerank")
    for d in rerank:
        assert d["ndcg@10"] == pytest.approx(m["rankers"][d["ranker"]]["ndcg@10"]["mean"])


def test_details_record_each_query_against_the_best_baseline(setup: Setup) -> None:
    """mmltr-evals-details (the per-query wins/losses and feature-importance charts): one record per judged
    query of the run, with the values of per_query.csv; the --model run adds the model's feature gains."""
    client = make_client(None, setup.data_dir)
    try:
        runs = [h["_source"] for h in client.search(index=EVALS_INDEX, body={"size": 100})["hits"]["hits"]]
        details = [h["_source"] for h in client.search(index=DETAILS_INDEX, body={"size": 10_000})["hits"]["hits"]]
    finally:
        client.close()
    (run,) = {(d["run_id"], d["best_baseline"]) for d in runs
              if d["protocol"] == "rerank" and d["folds"] == FOLDS and d["featureset"] == "items_fused"}
    per_query = pd.read_csv(setup.report("rerank") / "per_query.csv", dtype={"qid": str}).set_index(["ranker", "qid"])
    queries = [d for d in details if d["run_id"] == run[0] and d["record"] == "query"]
    assert len(queries) == len(per_query.loc["ltr"]) and {d["ranker"] for d in queries} == {"ltr"}
    for d in queries:
        ltr, best = per_query.loc[("ltr", d["qid"]), "ndcg@10"], per_query.loc[(run[1], d["qid"]), "ndcg@10"]
        assert d["ndcg@10"] == pytest.approx(ltr, abs=1e-5) and d["ndcg@10_baseline"] == pytest.approx(best, abs=1e-5)
        assert d["outcome"] == ("win" if d["ndcg@10_diff"] > 1e-12 else "loss" if d["ndcg@10_diff"] < -1e-12 else "tie")
    model_runs = {d["run_id"] for d in runs if d.get("model")}
    gains = [d for d in details if d["record"] == "feature" and d["run_id"] in model_runs]
    assert gains and sum(d["gain_share"] for d in gains) == pytest.approx(len(model_runs))


def test_click_estimates_sit_beside_the_judged_metrics(setup: Setup) -> None:
    result, m = setup.results["clicks"], setup.metrics("clicks")
    assert result.exit_code in (0, EXIT_NOT_BETTER), result.output
    assert "Counterfactual estimate from clicks" in result.output and "unshown@10" in result.output
    clicks = m["clicks"]
    assert clicks["click_model"] == "pbm" and clicks["rejected_rows"] == 0
    assert set(clicks["rankers"]) == set(RANKERS)
    for name, est in clicks["rankers"].items():
        # every ranked document of a judged pool was shown by the log: nothing is unshown, nothing is guessed
        assert est["unshown@10"] == 0.0, name
        assert est["queries"] == setup.clicked_queries and 0.0 < est["ndcg@10"]["mean"] <= 1.0
        assert est["queries"] + est["queries_without_clicks"] + est["queries_not_in_log"] == N_QUERIES
        assert est["lower"]["mean"] == pytest.approx(est["ndcg@10"]["mean"])
    # each ranker's own ranking is estimated (they differ), and a ranker's per-query values are bounded
    estimated = {n: clicks["rankers"][n]["ndcg@10"]["mean"] for n in RANKERS}
    assert len({round(v, 6) for v in estimated.values()}) > 1
    for est in clicks["rankers"].values():
        assert est["lower"]["mean"] <= est["ndcg@10"]["mean"] + 1e-9 <= est["upper"]["mean"] + 2e-9
