"""What Dashboards charts, written to the embedded node by the real commands: ``features log --to-index`` fills
``mmltr-features`` with exactly the logged table, ``mmltr-evals-details`` takes per-query and
feature-importance records, and every field the saved objects chart is in the mappings the node then reports."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from pi_cli_loop import icecat_subset, run_cli

from ltr.evaluation import summarize, verdict
from ltr.feature_table import RESERVED
from plugin_integration import eval_records, feature_records
from plugin_integration.cli_demo import _record
from plugin_integration.client import make_client
from plugin_integration.dashboards_objects import CHARTS, PATTERNS, mapped_fields, saved_objects
from plugin_integration.demo_evaluation import EvaluationStage


@dataclass
class Logged:
    root: Path
    data_dir: Path
    judgments: pd.DataFrame
    first: Result
    second: Result

    def client(self) -> Any:
        return make_client(None, self.data_dir)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logged]:
    root = tmp_path_factory.mktemp("inspection")
    judgments = icecat_subset(root, 6, 20)
    data_dir = root / "node"

    def run(*args: str) -> Result:
        result = run_cli(data_dir, *args)
        assert result.exit_code == 0, result.output
        return result

    run("index", "load", str(root / "catalog.jsonl"), "--text-encoder", "hashing:16", "--no-progress")
    log = ("features", "log", str(root / "judgments.csv"), "-o", str(root / "feats.parquet"), "--to-index")
    first = run(*log)
    second = run(*log)
    yield Logged(root, data_dir, judgments, first, second)


def _docs(client: Any, index: str) -> list[dict[str, Any]]:
    hits = client.search(index=index, body={"size": 10_000})["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_logged_rows_in_the_index_equal_the_feature_table(logged: Logged) -> None:
    table = pd.read_parquet(logged.root / "feats.parquet")
    features = [c for c in table.columns if c not in RESERVED]
    assert f"wrote {len(table):,} rows to the index mmltr-features" in logged.first.output
    client = logged.client()
    try:
        docs = _docs(client, feature_records.FEATURES_INDEX)
    finally:
        client.close()
    runs = sorted({d["run_id"] for d in docs})
    assert len(runs) == 2 and len(docs) == 2 * len(table)  # each run keeps its own rows
    queries = dict(zip(logged.judgments.qid.astype(str), logged.judgments["query"]))
    first = {(d["qid"], d["doc_id"]): d for d in docs if d["run_id"] == runs[0]}
    assert len(first) == len(table)
    for row in table.itertuples(index=False):
        doc = first[(str(row.qid), str(row.doc_id))]
        assert doc["grade"] == row.grade and doc["query"] == queries[str(row.qid)]
        assert doc["featureset"] == "items_fused" and doc["alias"] == "items"
        for name in features:
            value = getattr(row, name)
            if np.isnan(value):
                assert name not in doc  # a feature logged without a value is absent, not 0
            else:
                assert np.float32(doc[name]) == value, (row.qid, row.doc_id, name)


def test_evaluation_records_per_query_and_per_feature(logged: Logged) -> None:
    qids = ["q1", "q2", "q3"]
    per_query = {"bm25": pd.DataFrame({"ndcg@10": [0.5, 0.8, 0.6]}, index=pd.Index(qids, name="qid")),
                 "ltr": pd.DataFrame({"ndcg@10": [0.9, 0.4, 0.6]}, index=pd.Index(qids, name="qid"))}
    evaluation = summarize(per_query, protocol="rerank")
    gain = {"bm25_title": 30.0, "knn_text": 10.0, "popularity": 0.0}
    details = [*eval_records.query_records(evaluation, run_id="r1", model="m1"),
               *eval_records.feature_records(gain, run_id="r1", model="m1")]
    client = logged.client()
    try:
        eval_records.write(client, eval_records.records(evaluation, None, run_id="r1", model="m1"))
        eval_records.write(client, details, eval_records.DETAILS_INDEX)
        stored = _docs(client, eval_records.EVALS_INDEX) + _docs(client, eval_records.DETAILS_INDEX)
    finally:
        client.close()
    by_record: dict[str, list[dict[str, Any]]] = {}
    for d in stored:
        by_record.setdefault(d["record"], []).append(d)
    assert sorted(d["ranker"] for d in by_record["ranker"]) == ["bm25", "ltr"]
    outcomes = {d["qid"]: (d["outcome"], d["ndcg@10_diff"], d["ndcg@10_baseline"]) for d in by_record["query"]}
    assert outcomes["q1"][0] == "win" and outcomes["q1"][1] == pytest.approx(0.4) and outcomes["q1"][2] == 0.5
    assert outcomes["q2"][0] == "loss" and outcomes["q2"][1] == pytest.approx(-0.4)
    assert outcomes["q3"][0] == "tie" and outcomes["q3"][1] == 0.0
    shares = {d["feature"]: d["gain_share"] for d in by_record["feature"]}
    assert shares == {"bm25_title": 0.75, "knn_text": 0.25, "popularity": 0.0}
    # without a baseline or a gain there is nothing to record (never a record with made-up values)
    alone = summarize({"ltr": per_query["ltr"]}, protocol="rerank", baselines=[])
    assert eval_records.query_records(alone, run_id="r2") == [] and eval_records.feature_records(None, run_id="r2") == []


def test_every_charted_field_is_mapped_on_the_node(logged: Logged) -> None:
    test_evaluation_records_per_query_and_per_feature(logged)  # mmltr-evals exists (idempotent ids)
    client = logged.client()
    try:
        node_fields = {}
        for pattern in PATTERNS:
            body = client.indices.get_mapping(index=pattern.title)
            (mapping,) = [v["mappings"] for v in body.values()]
            node_fields[pattern.id] = mapped_fields(mapping)
    finally:
        client.close()
    for pattern in PATTERNS:  # the node reports what mmltr's mapping functions declare
        declared = mapped_fields(pattern.mapping())
        assert {k: node_fields[pattern.id][k] for k in declared} == declared, pattern.id
    listed = {o["id"]: {f["name"] for f in json.loads(o["attributes"]["fields"])}
              for o in saved_objects("opensearch").objects if o["type"] == "index-pattern"}
    for chart in CHARTS:
        for agg in chart.aggs:
            name = agg["params"].get("field")
            if name is not None:  # charted: mapped on the node, and listed by the index pattern
                assert name in node_fields[chart.pattern] and name in listed[chart.pattern], (chart.id, name)


def test_the_demo_records_its_evaluation_for_the_dashboards(logged: Logged, tmp_path: Path) -> None:
    qids = [f"q{i}" for i in range(4)]
    per_query = {name: pd.DataFrame({"ndcg@10": values}, index=pd.Index(qids, name="qid"))
                 for name, values in (("bm25", [0.2, 0.4, 0.6, 0.8]), ("hybrid", [0.3, 0.5, 0.6, 0.7]),
                                      ("ltr", [0.9, 0.5, 0.1, 0.7]))}
    evaluation = summarize(per_query, protocol="retrieval")
    stage = EvaluationStage(evaluation, verdict(evaluation), (), 4, 4, tmp_path, 0.0)
    client = logged.client()
    try:
        run_id = _record(client, stage, "demo-items_fused__20261207-000000", {"bm25_title": 1.0, "cf_score": 3.0})
        runs = [d for d in _docs(client, eval_records.EVALS_INDEX) if d["run_id"] == run_id]
        details = [d for d in _docs(client, eval_records.DETAILS_INDEX) if d["run_id"] == run_id]
    finally:
        client.close()
    assert sorted(d["ranker"] for d in runs) == ["bm25", "hybrid", "ltr"]
    assert {d["model"] for d in runs} == {"demo-items_fused__20261207-000000"}
    queries = {d["qid"]: d["outcome"] for d in details if d["record"] == "query"}
    # hybrid is the best baseline (mean 0.525 vs bm25's 0.5): ltr wins q0, ties q1 and q3, loses q2
    assert queries == {"q0": "win", "q1": "tie", "q2": "loss", "q3": "tie"}
    assert {d["feature"]: d["gain_share"] for d in details if d["record"] == "feature"} == {"bm25_title": 0.25,
                                                                                           "cf_score": 0.75}
