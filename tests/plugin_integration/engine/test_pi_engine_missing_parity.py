"""Per emulated plugin version, ``ClusterInfo.ltr_missing_behaviour`` plus the logged features predict the
``sltr`` score exactly, including for features that did not match (the reason the behaviour is exposed)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pytest
from pi_engine_samples import INDEX, engine_featureset, load_products

from plugin_integration import featuresets, models, queries, store
from plugin_integration.client import make_client
from plugin_integration.cluster_info import detect
from plugin_integration.feature_logging import log_features
from plugin_integration.params import QueryContext

# Tree A sends a missing bm25_title to "yes", tree B a missing bm25_description to "no"; the three behaviours
# then give three different scores for a document matching neither.
MODEL = {"objective": "rank:pairwise", "splits": [
    {"nodeid": 0, "depth": 0, "split": "bm25_title", "split_condition": 0.5, "yes": 1, "no": 2, "missing": 1,
     "children": [{"nodeid": 1, "leaf": 0.25}, {"nodeid": 2, "leaf": 2.0}]},
    {"nodeid": 0, "depth": 0, "split": "bm25_description", "split_condition": 0.5, "yes": 1, "no": 2, "missing": 2,
     "children": [{"nodeid": 1, "leaf": 0.5}, {"nodeid": 2, "leaf": 4.0}]},
    {"nodeid": 0, "leaf": 1.0}]}


def predict(definition: Mapping[str, Any], names: Sequence[str], values: Sequence[float], behaviour: str) -> float:
    row = dict(zip(names, values))
    total = np.float32(0.0)
    for tree in definition["splits"]:
        node = tree
        while "leaf" not in node:
            value = row[node["split"]]
            if math.isnan(value) and behaviour == "zero":
                value = 0.0
            if math.isnan(value):
                target = node["no"] if behaviour == "nan_to_no" else node["missing"]
            else:
                target = node["yes"] if np.float32(value) < np.float32(node["split_condition"]) else node["no"]
            node = next(c for c in node["children"] if c["nodeid"] == target)
        total = np.float32(total + np.float32(node["leaf"]))
    return float(total)


@pytest.mark.parametrize("version,behaviour,unmatched_score", [
    ("2.19.0", "zero", 1.75), ("3.2.0", "nan_to_no", 7.0), ("3.8.0", "nan_to_missing", 5.25)])
def test_logged_features_and_behaviour_predict_sltr(tmp_path: Path, version: str, behaviour: str,
                                                     unmatched_score: float) -> None:
    client = make_client(None, tmp_path / "node", node_options={"version": version})
    try:
        info = detect(client, require_ltr=True)
        assert info.ltr_missing_behaviour == behaviour
        load_products(client)
        store.ensure_store(client)
        fs = engine_featureset()
        featuresets.push(client, fs)
        models.upload_model(client, fs.name, "parity", MODEL)
        context = QueryContext("red shoes", text_vector=(1.0, 0.0))
        body = queries.with_ltr_rescore(queries.first_stage(context.keywords, context.text_vector, k=4),
                                        "parity", context.to_params(), window_size=10)
        hits = client.search(index=INDEX, body=body)["hits"]["hits"]
        logged = log_features(client, INDEX, fs, {"q": context}, {"q": [h["_id"] for h in hits]},
                              missing_as_zero=info.log_missing_as_zero)
    finally:
        client.close()
    values = {r.doc_id: r.values for r in logged.rows}
    assert len(hits) == 4
    for hit in hits:
        assert hit["_score"] == pytest.approx(predict(MODEL, fs.feature_names, values[hit["_id"]], behaviour),
                                              rel=1e-6), hit["_id"]
    assert {h["_id"]: h["_score"] for h in hits}["sku4"] == pytest.approx(unmatched_score)
