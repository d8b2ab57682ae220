"""The LTR loop from the CLI on Icecat data, against the embedded node (click's runner, no mocks).

``index load`` (hashing text encoder) -> ``featureset init`` -> ``features log`` -> ``train`` -> ``model
upload`` -> ``model verify`` -> ``search``, on the judged documents of 30 Icecat queries plus 100 unjudged
products. The loop runs once per flavour of the embedded node (OpenSearch with the k-NN and LTR plugins;
Elasticsearch 8 with the o19s plugin, where mmltr writes ``dense_vector`` fields, ES ``knn`` clauses and painless
vector features); each test checks one step's files and numbers, and that serving computes what was logged and
scores what LightGBM predicts, with the same expectations on both flavours.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import Result
from pi_cli_loop import icecat_subset, run_cli

from indexer.encoders.hashing import HashingEncoder
from ltr.base_score import BaseScore
from ltr.base_score import predict as predict_with_base
from ltr.feature_table import RESERVED
from plugin_integration.client import make_client
from plugin_integration.cluster_info import detect

ICECAT = Path(__file__).resolve().parents[2] / "data" / "icecat"
N_QUERIES = 30
N_OTHERS = 100
FAKE_QID, FAKE_DOC = "icecat-q999x", "not-a-doc-999"
NON_PERSONAL = [
    "bm25_title",
    "bm25_description",
    "bm25_brand",
    "bm25_category",
    "knn_text",
    "popularity",
    "rating",
]
SEARCHED = ("gaming mouse", "smartphone", "power bank")
NAME = re.compile(r"^items_fused__\d{8}-\d{6}$")


@dataclass
class Loop:
    root: Path
    data_dir: Path
    judgments: pd.DataFrame  # the real judged rows (every document indexed)
    outputs: dict[str, Result] = field(default_factory=dict)
    model: str = ""
    flavour: str = "opensearch"
    cluster: str | None = None  # MMLTR_TEST_CLUSTER for the real-cluster variant

    def run(self, *args: str, ok: bool = True) -> Result:
        result = run_cli(self.data_dir, *(("--cluster", self.cluster) if self.cluster else ()), *args)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def client(self) -> Any:
        return make_client(self.cluster, self.data_dir)

    def path(self, name: str) -> Path:
        return self.root / name

    def table(self) -> pd.DataFrame:
        return pd.read_parquet(self.path("feats.parquet"))

    def features(self) -> list[str]:
        return [c for c in self.table().columns if c not in RESERVED]


def _subset(root: Path) -> pd.DataFrame:
    """The Icecat subset; judgments.csv gets one more row for a document that is not in the catalogue."""
    fake = pd.DataFrame([{"qid": FAKE_QID, "query": "laptop", "doc_id": FAKE_DOC, "grade": 2}])
    return icecat_subset(root, N_QUERIES, N_OTHERS, extra=fake)


REAL_CLUSTER = os.environ.get("MMLTR_TEST_CLUSTER")


def _fresh_cluster(url: str) -> str:
    """The flavour of the real (disposable) cluster at ``url``, after deleting what a previous loop left."""
    client = make_client(url)
    try:
        for row in client.cat.indices(index="items*", format="json"):
            client.indices.delete(index=row["index"])
        if client.indices.exists(index=".ltrstore"):
            client.transport.perform_request("DELETE", "/_ltr")
        return detect(client, refresh=True).flavour
    finally:
        client.close()


@pytest.fixture(scope="module", params=["opensearch", "elasticsearch", pytest.param("cluster", marks=[
    pytest.mark.cluster, pytest.mark.skipif(not REAL_CLUSTER, reason="set MMLTR_TEST_CLUSTER=http://... (an "
                                                                     "OpenSearch or Elasticsearch cluster)")])])
def loop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    root = tmp_path_factory.mktemp("icecat_loop")
    if request.param == "cluster":  # either flavour: the loop detects it, the expectations follow it
        state = Loop(root, root / "node", _subset(root), flavour=_fresh_cluster(str(REAL_CLUSTER)),
                     cluster=REAL_CLUSTER)
    else:
        state = Loop(root, root / "node", _subset(root), flavour=request.param)
        created = make_client(None, state.data_dir, node_options={"distribution": request.param})
        created.info()  # the data directory now remembers its distribution; the CLI opens it as that
        created.close()
    o = state.outputs
    o["load"] = state.run(
        "index", "load", str(root / "catalog.jsonl"), "--text-encoder", "hashing:64", "--no-progress"
    )
    o["init"] = state.run("featureset", "init", "--alias", "items", "-o", str(root / "fs.yaml"))
    o["log"] = state.run("features", "log", str(root / "judgments.csv"), "-o", str(root / "feats.parquet"))
    o["train"] = state.run("train", str(root / "feats.parquet"), "-o", str(root / "model"))
    o["upload"] = state.run("model", "upload", str(root / "model"))
    state.model = o["upload"].output.split("uploaded model '")[1].split("'")[0]
    yield state


def _lifted_by(upload: Result) -> float:
    return float(re.search(r"scores lifted by ([-0-9.e+]+)", upload.output).group(1))


def _base(loop: Loop) -> BaseScore:
    base = BaseScore.from_dict(json.loads((loop.path("model") / "record.json").read_text())["base_score"])
    assert base is not None
    return base


def test_featureset_init_writes_the_fields_the_index_has(loop: Loop) -> None:
    spec = yaml.safe_load(loop.path("fs.yaml").read_text(encoding="utf-8"))
    assert spec["name"] == "items_fused"
    names = [f["name"] for f in spec["features"]]
    assert names == NON_PERSONAL  # no cf_vector (no profiles) and no image vectors: no personal, no knn_image
    assert "7 features" in loop.outputs["init"].output and "personal" not in loop.outputs["init"].output
    client = loop.client()
    try:
        mapping = next(iter(client.indices.get_mapping(index="items").values()))["mappings"]["properties"]
    finally:
        client.close()
    for feature in spec["features"]:
        assert feature["kind"] in {"bm25", "vector", "field_value"}
        assert feature["field"] in mapping, feature
    knn = next(f for f in spec["features"] if f["name"] == "knn_text")
    assert (knn["param"], knn["space_type"]) == ("query_text_vector", "cosinesimil")
    if loop.flavour == "elasticsearch":  # what Elasticsearch accepts: dense_vector, no index.knn
        assert mapping["text_vector"] == {"type": "dense_vector", "dims": 64, "index": True, "similarity": "cosine",
                                          "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100}}
        assert knn["flavour"] == "elasticsearch"
    else:
        assert mapping["text_vector"]["type"] == "knn_vector" and mapping["text_vector"]["dimension"] == 64
        assert "flavour" not in knn
    # features log created the stored featureset from the same fields: the YAML describes exactly it
    assert "no differences" in loop.run("featureset", "diff", str(loop.path("fs.yaml"))).output


def test_features_log_writes_one_row_per_indexed_judgment(loop: Loop) -> None:
    table, judged = loop.table(), loop.judgments
    assert list(table.columns) == ["qid", "doc_id", "grade", *NON_PERSONAL]
    assert len(table) == len(judged) == 367
    assert table.groupby("qid").ngroups == N_QUERIES
    merged = table.merge(judged, on=["qid", "doc_id"], suffixes=("", "_judged"), validate="one_to_one")
    assert len(merged) == len(judged) and (merged.grade == merged.grade_judged).all()
    assert FAKE_DOC not in set(table.doc_id)
    values = table[NON_PERSONAL].to_numpy(np.float64)
    assert np.isfinite(values).all() and (values >= 0).all()
    assert ((table.knn_text > 0) & (table.knn_text <= 1)).all()
    assert (table.bm25_title > 0).mean() > 0.5
    assert (table[["popularity", "rating"]] == 0).all().all()  # not in this catalogue: defined as 0, not NaN
    out = loop.outputs["log"].output
    assert "judged rows 368; logged 367; judged documents missing from the index 1" in out
    assert f"{FAKE_QID}:{FAKE_DOC}" in out and "constant" in out
    params = [json.loads(line) for line in loop.path("feats.parquet.params.jsonl").read_text().splitlines()]
    assert {p["qid"] for p in params} == set(judged.qid) | {FAKE_QID}


def test_logged_knn_text_is_the_cosine_of_the_hashing_vectors(loop: Loop) -> None:
    """knn_score cosinesimil on a 2.19+ index is (1 + cos) / 2 of the query's and the document's vectors."""
    table = loop.table()
    rows = table[table.qid == table.qid.iloc[0]]
    query = loop.judgments.loc[loop.judgments.qid == rows.qid.iloc[0], "query"].iloc[0]
    q = HashingEncoder(64).encode([query])[0].astype(np.float64)
    client = loop.client()
    try:
        docs = client.mget(index="items", body={"ids": list(rows.doc_id)})["docs"]
    finally:
        client.close()
    vectors = {d["_id"]: np.asarray(d["_source"]["text_vector"], np.float64) for d in docs}
    for doc_id, logged in zip(rows.doc_id, rows.knn_text):
        v = vectors[doc_id]
        cosine = float(q @ v / np.linalg.norm(q) / np.linalg.norm(v))
        assert logged == pytest.approx((1 + cosine) / 2, abs=1e-5)


def test_train_writes_the_model_directory(loop: Loop) -> None:
    out = loop.path("model")
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "model.txt", "record.json"]
    record = json.loads((out / "record.json").read_text())
    assert record["featureset"] == "items_fused"
    assert record["feature_names"] == NON_PERSONAL
    assert (record["data"]["rows"], record["data"]["queries"]) == (367, N_QUERIES)
    assert len(record["folds"]) == 5 and sum(f["test_queries"] for f in record["folds"]) == N_QUERIES
    for fold in record["folds"]:
        assert fold["trees"] >= 1 and all(0 < fold[f"ndcg@{k}"] <= 1 for k in (1, 3, 5, 10))
    assert record["mean"]["ndcg@10"] == pytest.approx(np.mean([f["ndcg@10"] for f in record["folds"]]))
    booster = lgb.Booster(model_file=str(out / "model.txt"))
    assert booster.feature_name() == NON_PERSONAL and booster.num_trees() == record["num_boost_round"]
    assert f"mean NDCG@10 over 5 folds: {record['mean']['ndcg@10']:.4f}" in loop.outputs["train"].output
    # the default base: the strongest single feature, its strength chosen by inner folds, said in the output
    choice = record["base_choice"]
    assert choice["feature"] == record["base_score"]["feature"] in NON_PERSONAL
    assert [t["strength"] for t in choice["tried"]] == [1, 3, 10, 30]
    table = loop.table()
    assert record["base_score"]["weight"] == pytest.approx(
        choice["chosen"]["weight"]) and choice["feature_std"] == pytest.approx(
        float(np.std(table[choice["feature"]].to_numpy(np.float64))), rel=1e-5)
    assert f"base score: {record['base_score']['weight']:.6g} x {choice['feature']}" in loop.outputs["train"].output


def test_model_convert_gives_what_train_wrote(loop: Loop) -> None:
    """train converts for the latest plugin version, as model convert does by default: the same bytes."""
    converted = loop.path("converted.json")
    out = loop.run("model", "convert", str(loop.path("model") / "model.txt"), "-o", str(converted)).output
    assert converted.read_text() == (loop.path("model") / "model.json").read_text()
    trees = json.loads(converted.read_text())["splits"]
    record = json.loads((loop.path("model") / "record.json").read_text())
    assert len(trees) == record["conversion"]["trees"] and f"converted {len(trees)} trees" in out


def test_upload_names_versions_and_never_overwrites(loop: Loop) -> None:
    first = loop.model
    assert NAME.match(first), first
    assert _lifted_by(loop.outputs["upload"]) > 0
    kept = loop.data_dir / "models" / first
    assert (kept / "model.txt").read_bytes() == (loop.path("model") / "model.txt").read_bytes()
    served = json.loads((kept / "served.json").read_text())
    assert served["featureset"] == "items_fused" and served["feature_names"] == NON_PERSONAL
    assert served["base"] == _base(loop).to_dict()  # the base travels from record.json to the served record
    assert f"served with its base score: {_base(loop).weight:.6g} x {_base(loop).feature}" in loop.outputs["upload"].output
    assert served["offset"] == pytest.approx(_lifted_by(loop.outputs["upload"]), rel=1e-5)

    second = (
        loop.run("model", "upload", str(loop.path("model"))).output.split("uploaded model '")[1].split("'")[0]
    )
    assert NAME.match(second) and second > first  # a new name at once (same second or not), sorting later
    listed = loop.run("model", "list", "--prefix", "items_fused__").output
    assert first in listed and second in listed

    again = loop.run("model", "upload", str(loop.path("model")), "--name", first, ok=False)
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert "not updatable" in again.output and "models are immutable" in again.output
    assert json.loads((kept / "served.json").read_text()) == served  # the local copy is not touched either
    loop.run("model", "delete", second)


def test_verify_passes_within_tolerance(loop: Loop) -> None:
    out = loop.run("model", "verify", loop.model, "--features", str(loop.path("feats.parquet"))).output
    match = re.search(
        r"verified ([\d,]+) rows of (\d+) query groups: max \|served - LightGBM\| = ([0-9.e+-]+)", out
    )
    assert match, out
    assert (match.group(1), match.group(2)) == ("367", str(N_QUERIES))
    assert float(match.group(3)) <= 1e-5
    sampled = loop.run(
        "model", "verify", loop.model, "--features", str(loop.path("feats.parquet")), "--sample", "3"
    ).output
    assert "of 3 query groups" in sampled


def _search(loop: Loop, query: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(loop.run("search", query, "--json", *args).stdout)


@pytest.mark.parametrize("query", SEARCHED)
def test_search_ranks_by_the_model_on_the_logged_features(loop: Loop, query: str) -> None:
    booster = lgb.Booster(model_file=str(loop.path("model") / "model.txt"))
    offset = json.loads((loop.data_dir / "models" / loop.model / "served.json").read_text())["offset"]
    hits = _search(loop, query, "--model", loop.model, "--explain", "-k", "10")
    assert len(hits) == 10
    scores = np.array([h["score"] for h in hits])
    X = np.array([[h["features"][n] for n in NON_PERSONAL] for h in hits], np.float32).astype(np.float64)
    predicted = predict_with_base(booster, X, NON_PERSONAL, _base(loop)) + offset
    assert (scores > 0).all()
    np.testing.assert_allclose(scores, predicted, rtol=0, atol=1e-5)
    assert (np.diff(scores) <= 0).all() and (
        np.diff(predicted) <= 1e-5
    ).all()  # LightGBM's order (ties aside)
    for hit in hits:  # pred_contrib sums to the served score
        assert sum(hit["contributions"].values()) == pytest.approx(hit["score"], abs=1e-5)

    # the top 10 are the top of the rescore window
    deeper = _search(loop, query, "--model", loop.model, "-k", "50")
    np.testing.assert_allclose(scores, [h["score"] for h in deeper[:10]], atol=1e-6)

    # serving computes the values that were logged for the same query and documents
    table = loop.table()
    qids = set(loop.judgments.loc[loop.judgments["query"] == query, "qid"])
    logged = table[table.qid.isin(qids)].set_index("doc_id")[NON_PERSONAL]
    everything = _search(loop, query, "--model", loop.model, "--explain", "-k", "400")
    compared = 0
    for hit in everything:
        if hit["id"] in logged.index:
            np.testing.assert_allclose(
                [hit["features"][n] for n in NON_PERSONAL],
                logged.loc[hit["id"]].to_numpy(np.float64),
                rtol=1e-6,
                atol=1e-6,
            )
            compared += 1
    assert compared == len(logged) > 0


def test_no_model_gives_the_first_stage(loop: Loop) -> None:
    changed = 0
    for query in SEARCHED:
        first = _search(loop, query, "--no-model", "-k", "10")
        assert len(first) == 10
        assert all(h["features"] is None and h["contributions"] is None for h in first)
        scores = [h["score"] for h in first]
        assert scores == sorted(scores, reverse=True) and scores[0] > 1  # BM25 + knn, not a model score
        words = query.split()
        assert any(w in first[0]["source"]["title"].lower() for w in words)
        rescored = _search(loop, query, "--model", loop.model, "-k", "10")
        changed += [h["id"] for h in first] != [h["id"] for h in rescored]
    assert changed >= 1


def test_verify_catches_altered_feature_values(loop: Loop) -> None:
    """Logged values the cluster does not compute (drift): verify exits 1 and lists exactly those rows."""
    booster = lgb.Booster(model_file=str(loop.path("model") / "model.txt"))
    table = loop.table()
    names = NON_PERSONAL
    altered = table.copy()
    altered[names] = altered[names].astype(np.float32)
    altered["bm25_title"] = (altered["bm25_title"] * 3 + 5).astype(np.float32)
    altered["knn_text"] = np.float32(0.0)
    base = _base(loop)
    before = predict_with_base(booster, table[names].to_numpy(np.float32).astype(np.float64), names, base)
    after = predict_with_base(booster, altered[names].to_numpy(np.float32).astype(np.float64), names, base)
    moved = np.abs(after - before) > 1e-4
    assert moved.sum() > 0
    path = loop.path("altered.parquet")
    shutil.copyfile(loop.path("feats.parquet.params.jsonl"), loop.path("altered.parquet.params.jsonl"))
    meta = pq.read_schema(loop.path("feats.parquet")).metadata  # the featureset name travels in the metadata
    pq.write_table(pa.Table.from_pandas(altered, preserve_index=False).replace_schema_metadata(meta), path)
    result = loop.run("model", "verify", loop.model, "--features", str(path), ok=False)
    assert result.exit_code == 1, result.output
    assert f"{int(moved.sum())} rows differ beyond the tolerance" in result.output
    listed = min(int(moved.sum()), 20)
    for qid, doc_id in list(zip(altered.qid[moved], altered.doc_id[moved]))[:listed]:
        assert re.search(rf"{re.escape(qid)}\s.*{re.escape(doc_id)}", result.output), (qid, doc_id)
    assert "log features again" in result.output


def test_verify_catches_a_different_model(loop: Loop) -> None:
    """--model-file naming another LightGBM model than the served one: every moved score is reported."""
    feats = str(loop.path("feats.parquet"))
    same = loop.run(
        "model",
        "verify",
        loop.model,
        "--features",
        feats,
        "--model-file",
        str(loop.path("model") / "model.txt"),
    ).output  # the served offset applies to a given file too
    assert "verified 367 rows" in same
    unlifted = loop.run("model", "verify", loop.model, "--features", feats, "--offset", "0", ok=False)
    assert unlifted.exit_code == 1
    error = float(re.search(r"max \|served - LightGBM\| = ([0-9.e+-]+)", unlifted.output).group(1))
    assert error == pytest.approx(_lifted_by(loop.outputs["upload"]), rel=5e-3)  # printed with 3 significant digits
    params = loop.path("other_params.json")
    params.write_text(json.dumps({"learning_rate": 0.3, "min_data_in_leaf": 3, "num_leaves": 7}))
    loop.run(
        "train",
        str(loop.path("feats.parquet")),
        "-o",
        str(loop.path("other")),
        "--params",
        str(params),
        "--folds",
        "0",
        "--base",
        "none",
    )
    result = loop.run(
        "model",
        "verify",
        loop.model,
        "--features",
        str(loop.path("feats.parquet")),
        "--model-file",
        str(loop.path("other") / "model.txt"),
        ok=False,
    )
    assert result.exit_code == 1, result.output
    failing = int(re.search(r"(\d+) rows differ beyond the tolerance", result.output).group(1))
    assert failing > 0
    error = float(re.search(r"max \|served - LightGBM\| = ([0-9.e+-]+)", result.output).group(1))
    assert error > 1e-3


def test_model_show_prints_the_rescore_that_serves_the_base(loop: Loop) -> None:
    """The trees alone are not the trained score: the rescore a user copies into their application sets the
    base (the featureset's sltr on the base feature, boosted by its weight), then adds the model's sltr."""
    base = _base(loop)
    shown = loop.run("model", "show", loop.model).output
    assert f"base score:  {base.weight:.6g} x {base.feature}" in shown
    rescore = json.loads(loop.run("model", "show", loop.model, "--rescore").output)["rescore"]
    assert len(rescore) == 2 and rescore[0]["window_size"] == rescore[1]["window_size"]
    first, second = rescore[0]["query"], rescore[1]["query"]
    assert (first["query_weight"], first["rescore_query_weight"]) == (0.0, 1.0)
    assert (second["query_weight"], second["rescore_query_weight"]) == (1.0, 1.0)
    assert first["rescore_query"]["sltr"]["featureset"] == "items_fused"
    assert first["rescore_query"]["sltr"]["active_features"] == [base.feature]
    assert first["rescore_query"]["sltr"]["boost"] == pytest.approx(base.weight)
    assert second["rescore_query"]["sltr"]["model"] == loop.model
    assert set(second["rescore_query"]["sltr"]["params"]) == {"keywords", "query_text_vector"}


@pytest.mark.slow  # ~10 s per flavour: four rankers, bootstrap intervals and the HTML report
def test_evaluate_scores_every_ranker_on_the_flavour(loop: Loop) -> None:
    """``evaluate --model``: BM25, the exact dense ranker (knn_score or painless cosine, by flavour), hybrid and
    the served model all run on the cluster and score the judged queries."""
    report = loop.path("evaluation")
    result = loop.run("evaluate", str(loop.path("judgments.csv")), "--model", loop.model, "--report", str(report),
                      "--evals-index", "", ok=False)
    assert result.exit_code in (0, 4), result.output  # 4: the model is not better than BM25 (a verdict, not an error)
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["queries"] == N_QUERIES
    ndcg = {ranker: metrics["rankers"][ranker]["ndcg@10"]["mean"] for ranker in ("bm25", "dense", "hybrid", "ltr")}
    assert all(0.3 < value <= 1 for value in ndcg.values()), ndcg  # every ranker ranks judged documents well
