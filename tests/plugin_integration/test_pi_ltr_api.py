"""Golden request tests of the ``_ltr`` calls: the exact method, path, params and body, through the real
opensearch-py client (``client.plugins.ltr``) and the real elasticsearch client (o19s paths)."""
from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.plugins.ltr import LtrClient
from pi_recording import Responder, assert_golden
from pi_samples import sample_definition

from plugin_integration import featuresets, ltr_api, models
from plugin_integration.errors import ClusterError

# (call, args, kwargs) -> (method, path, params): identical for OpenSearch and the o19s Elasticsearch plugin.
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[str, str, dict[str, str]]]] = [
    ("create_store", (), {}, ("PUT", "/_ltr", {})),
    ("create_store", ("products",), {}, ("PUT", "/_ltr/products", {})),
    ("delete_store", (), {}, ("DELETE", "/_ltr", {})),
    ("delete_store", ("products",), {}, ("DELETE", "/_ltr/products", {})),
    ("get_store", ("products",), {}, ("GET", "/_ltr/products", {})),
    ("list_stores", (), {}, ("GET", "/_ltr", {})),
    ("get_featureset", ("mm",), {}, ("GET", "/_ltr/_featureset/mm", {})),
    ("get_featureset", ("mm", "products"), {}, ("GET", "/_ltr/products/_featureset/mm", {})),
    ("delete_featureset", ("mm",), {}, ("DELETE", "/_ltr/_featureset/mm", {})),
    ("search_featuresets", (), {"prefix": "mm", "size": 50},
     ("GET", "/_ltr/_featureset", {"prefix": "mm", "from": "0", "size": "50"})),
    ("get_model", ("mm__20260101-000000",), {}, ("GET", "/_ltr/_model/mm__20260101-000000", {})),
    ("get_model", ("m",), {"store": "products"}, ("GET", "/_ltr/products/_model/m", {})),
    ("delete_model", ("m",), {}, ("DELETE", "/_ltr/_model/m", {})),
    ("search_models", ("products",), {"prefix": "mm__", "from_": 100, "size": 100},
     ("GET", "/_ltr/products/_model", {"prefix": "mm__", "from": "100", "size": "100"})),
    ("search_models", (), {}, ("GET", "/_ltr/_model", {"from": "0", "size": "20"})),
    ("clear_cache", (), {}, ("POST", "/_ltr/_clearcache", {})),
    ("clear_cache", ("products",), {}, ("POST", "/_ltr/products/_clearcache", {})),
    ("cache_stats", (), {}, ("GET", "/_ltr/_cachestats", {})),
]


@pytest.mark.parametrize("call,args,kwargs,expected", CALLS, ids=[f"{c[0]}{c[1]}" for c in CALLS])
def test_paths_are_identical_on_both_clients(any_client: Any, responder: Responder, call: str,
                                             args: tuple[Any, ...], kwargs: dict[str, Any],
                                             expected: tuple[str, str, dict[str, str]]) -> None:
    getattr(ltr_api, call)(any_client, *args, **kwargs)
    last = responder.last
    assert (last.method, last.path, last.params) == expected
    assert last.body is None


def test_stats_path_differs_per_plugin(os_client: Any, es_client: Any, responder: Responder) -> None:
    ltr_api.stats(os_client)
    assert responder.last.path == "/_plugins/_ltr/stats"
    ltr_api.stats(es_client)
    assert responder.last.path == "/_ltr/_stats"


def test_names_are_quoted_in_paths(any_client: Any, responder: Responder) -> None:
    ltr_api.get_model(any_client, "a b/c")
    assert responder.last.path == "/_ltr/_model/a%20b%2Fc"
    ltr_api.get_model(any_client, "ü*,x")
    assert responder.last.path == "/_ltr/_model/%C3%BC*,x"


@pytest.mark.parametrize("replace,method", [(False, "PUT"), (True, "POST")])
def test_featureset_push_golden(any_client: Any, responder: Responder, featureset: featuresets.FeatureSet,
                                replace: bool, method: str) -> None:
    featuresets.push(any_client, featureset, replace=replace)
    call = responder.last
    assert (call.method, call.path) == (method, "/_ltr/_featureset/mm_features")
    assert_golden("ltr_featureset_push.json", call.body)


def test_featureset_push_to_named_store_with_validation(os_client: Any, responder: Responder,
                                                        featureset: featuresets.FeatureSet) -> None:
    validation = {"params": {"keywords": "red shoes"}, "index": "products"}
    featuresets.push(os_client, featureset, store="products", validation=validation)
    assert responder.last.path == "/_ltr/products/_featureset/mm_features"
    assert responder.last.body["validation"] == validation


def test_model_upload_golden(any_client: Any, responder: Responder, featureset: featuresets.FeatureSet) -> None:
    models.upload_model(any_client, featureset, "mm_features__20260102-030405", sample_definition(),
                        feature_normalizers={"popularity": {"min_max": {"minimum": 0, "maximum": 1000}}},
                        validation={"params": {"keywords": "shoe"}, "index": "products"}, featureset_version=3)
    call = responder.last
    assert (call.method, call.path, call.params) == ("POST", "/_ltr/_featureset/mm_features/_createmodel",
                                                     {"version": "3"})
    assert_golden("ltr_createmodel.json", call.body)


def test_missing_ltrclient_call_falls_back_to_the_same_path(os_client: Any, responder: Responder,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ltr_api.search_models(os_client, "products", prefix="x")
    via_plugin = responder.last
    monkeypatch.delattr(LtrClient, "search_models")
    ltr_api.search_models(os_client, "products", prefix="x")
    assert responder.last == via_plugin
    assert len(responder.calls) == 2


def _error(status: int, type_: str, reason: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"root_cause": [{"type": type_, "reason": reason}], "type": type_, "reason": reason},
                    "status": status}


def test_plugin_errors_keep_the_reason_and_add_a_hint(any_client: Any, responder: Responder) -> None:
    reason = "Objective [reg:squarederror] is not a valid XGBoost objective"
    responder.on("POST", "/_ltr/_featureset/mm/_createmodel", _error(400, "illegal_argument_exception", reason))
    with pytest.raises(ClusterError) as caught:
        ltr_api.create_model_from_set(any_client, "mm", {"model": {}})
    error = caught.value
    assert (error.status, error.type, error.reason) == (400, "illegal_argument_exception", reason)
    assert "rank:pairwise" in error.hint


def test_missing_store_hint(any_client: Any, responder: Responder) -> None:
    responder.on("PUT", "/_ltr/_featureset/mm", _error(404, "index_not_found_exception", "no such index [.ltrstore]"))
    with pytest.raises(ClusterError) as caught:
        ltr_api.create_featureset(any_client, "mm", {"featureset": {}})
    assert caught.value.status == 404
    assert "mmltr store init" in caught.value.hint


def test_conflict_hint_names_replace(any_client: Any, responder: Responder) -> None:
    responder.on("PUT", "/_ltr/_featureset/mm", _error(
        409, "version_conflict_engine_exception", "[featureset-mm]: version conflict, document already exists"))
    with pytest.raises(ClusterError) as caught:
        ltr_api.create_featureset(any_client, "mm", {"featureset": {}})
    assert caught.value.status == 409
    assert "--replace" in caught.value.hint


def test_existing_model_hint_says_models_are_immutable(any_client: Any, responder: Responder) -> None:
    responder.on("POST", "/_ltr/_featureset/mm/_createmodel",
                 _error(400, "illegal_argument_exception", "model [m1] already exists"))
    with pytest.raises(ClusterError) as caught:
        ltr_api.create_model_from_set(any_client, "mm", {"model": {}})
    assert "immutable" in caught.value.hint


def test_connection_errors_are_cluster_errors() -> None:
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[{"host": "127.0.0.1", "port": 9}], max_retries=0, timeout=2)
    with pytest.raises(ClusterError) as caught:
        ltr_api.list_stores(client)
    assert caught.value.type == "connection_error"
