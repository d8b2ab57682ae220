"""Feature logging: the _msearch requests it sends and how it reads ``fields._ltrlog`` back."""
from __future__ import annotations

import math
from typing import Any

import pytest
from pi_recording import Call, Responder
from pi_samples import sample_featureset

from plugin_integration.errors import ClusterError
from plugin_integration.feature_logging import log_features
from plugin_integration.params import QueryContext

NAMES = sample_featureset().feature_names


def _hit(doc_id: str, values: dict[str, float | None]) -> dict[str, Any]:
    entries = [{"name": n} if values.get(n) is None else {"name": n, "value": values[n]} for n in NAMES]
    entries.append({"name": "extra_logging", "value": {"any": "map"}})
    return {"_index": "products", "_id": doc_id, "_score": 0.0, "fields": {"_ltrlog": [{"ltr_features": entries}]},
            "matched_queries": ["logged_features"]}


STORE: dict[str, dict[str, float | None]] = {
    "sku1": {"bm25_title": 2.5, "knn_text": 0.9, "affinity_category": None, "popularity": 1.0},
    "sku2": {"bm25_title": None, "knn_text": 0.4, "affinity_category": 0.6, "popularity": 0.0},
    "sku3": {"bm25_title": 1.0, "knn_text": 0.5, "affinity_category": 0.1, "popularity": 2.0},
}


def _msearch(call: Call) -> tuple[int, Any]:
    """Answer each search with the hits for its ids that exist (like a cluster would)."""
    responses = []
    for body in call.body[1::2]:
        ids = body["query"]["bool"]["filter"][0]["ids"]["values"]
        zero = body["ext"]["ltr_log"]["log_specs"][0]["missing_as_zero"]
        hits = []
        for i in ids:
            if i in STORE:
                values = {k: (0.0 if v is None and zero else v) for k, v in STORE[i].items()}
                hits.append(_hit(i, values))
        responses.append({"took": 1, "hits": {"total": {"value": len(hits)}, "hits": hits}, "status": 200})
    return 200, {"took": 1, "responses": responses}


CONTEXTS = {"q1": QueryContext("red shoes", text_vector=(0.1, 0.2)),
            "q2": QueryContext("tv", text_vector=(0.3, 0.4))}


@pytest.fixture
def cluster(responder: Responder) -> Responder:
    return responder.on("POST", "/_msearch", _msearch).on("GET", "/_msearch", _msearch)


def test_rows_with_nan_for_missing_and_not_found_reported(any_client: Any, cluster: Responder) -> None:
    fs = _set_without_affinity_param()
    result = log_features(any_client, "products", fs, CONTEXTS, {"q1": ["sku1", "sku2", "gone"], "q2": ["sku3"]})
    assert result.feature_names == NAMES
    rows = {(r.qid, r.doc_id): r.values for r in result.rows}
    assert list(rows) == [("q1", "sku1"), ("q1", "sku2"), ("q2", "sku3")]
    assert rows[("q1", "sku1")][:2] == (2.5, 0.9) and math.isnan(rows[("q1", "sku1")][2])
    assert math.isnan(rows[("q1", "sku2")][0])
    assert result.not_found == {"q1": ["gone"]}
    msearch = [c for c in cluster.calls if "_msearch" in c.path]
    assert len(msearch) == 1
    header, body = msearch[0].body[0], msearch[0].body[1]
    assert header == {"index": "products"}
    assert body["size"] == 3
    assert body["query"]["bool"]["filter"][1]["sltr"]["params"] == CONTEXTS["q1"].to_params()


def test_missing_as_zero(os_client: Any, cluster: Responder) -> None:
    result = log_features(os_client, "products", _set_without_affinity_param(), CONTEXTS, {"q1": ["sku1"]},
                          missing_as_zero=True)
    assert result.rows[0].values == (2.5, 0.9, 0.0, 1.0)
    assert cluster.last.body[1]["ext"]["ltr_log"]["log_specs"][0]["missing_as_zero"] is True


def test_batches_and_id_chunks_and_progress(os_client: Any, cluster: Responder) -> None:
    contexts = {f"q{i}": QueryContext(f"query {i}", text_vector=(0.0,)) for i in range(5)}
    ids = {qid: ["sku1", "sku2", "sku3"] for qid in contexts}
    seen: list[tuple[int, int]] = []
    result = log_features(os_client, "products", _set_without_affinity_param(), contexts, ids, batch_size=4,
                          max_ids=2, progress=lambda done, total: seen.append((done, total)))
    assert len(result.rows) == 15
    msearch = [c for c in cluster.calls if "_msearch" in c.path]
    assert [len(c.body) // 2 for c in msearch] == [4, 4, 2]  # 10 searches: 5 queries x 2 id chunks
    assert seen == [(4, 10), (8, 10), (10, 10)]


def test_fetches_the_featureset_by_name(os_client: Any, cluster: Responder) -> None:
    fs = _set_without_affinity_param()
    cluster.on("GET", "/_ltr/_featureset/mm_features", (200, {
        "_version": 1, "_source": {"name": fs.name, "type": "featureset", "featureset": fs.to_dict()}}))
    result = log_features(os_client, "products", "mm_features", CONTEXTS, {"q2": ["sku3"]})
    assert result.rows[0].values == (1.0, 0.5, 0.1, 2.0)
    assert cluster.calls[0].path == "/_ltr/_featureset/mm_features"


def test_missing_params_are_reported_before_any_request(os_client: Any, cluster: Responder) -> None:
    with pytest.raises(ValueError, match="needs param\\(s\\) category_affinity_functions"):
        log_features(os_client, "products", sample_featureset(), CONTEXTS, {"q1": ["sku1"]})
    assert cluster.calls == []


def test_error_in_one_search_is_a_cluster_error(os_client: Any, responder: Responder) -> None:
    responder.on("POST", "/_msearch", (200, {"responses": [{"error": {
        "root_cause": [{"type": "illegal_argument_exception", "reason": "Missing required param(s): [keywords]"}],
        "type": "search_phase_execution_exception", "reason": "all shards failed"}, "status": 400}]}))
    with pytest.raises(ClusterError) as caught:
        log_features(os_client, "products", _set_without_affinity_param(), CONTEXTS, {"q1": ["sku1"]})
    assert caught.value.status == 400
    assert "Missing required param(s)" in caught.value.reason
    assert "q1" in caught.value.hint


def test_hits_without_ltrlog_mean_no_plugin(os_client: Any, responder: Responder) -> None:
    responder.on("POST", "/_msearch", (200, {"responses": [{"hits": {"hits": [{"_id": "sku1"}]}}]}))
    with pytest.raises(ClusterError, match="no fields._ltrlog"):
        log_features(os_client, "products", _set_without_affinity_param(), CONTEXTS, {"q1": ["sku1"]})


def test_doc_ids_for_unknown_qids_are_refused(os_client: Any) -> None:
    with pytest.raises(ValueError, match="qx"):
        log_features(os_client, "products", _set_without_affinity_param(), CONTEXTS, {"qx": ["sku1"]})


def _set_without_affinity_param() -> Any:
    """The sample set, with the affinity feature taking no params (contexts here have no user)."""
    from plugin_integration.featuresets import Feature, FeatureSet

    fs = sample_featureset()
    a, b, c, d = fs.features
    return FeatureSet(fs.name, (a, b, Feature(c.name, {"match_all": {}}), d))
