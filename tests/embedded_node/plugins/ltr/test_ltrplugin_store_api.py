"""Every ``_ltr`` endpoint through opensearch-py's ``client.plugins.ltr``: bodies and status codes."""
from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import ConflictError, NotFoundError, RequestError, TransportError

FEATURE = {"name": "title_query", "params": ["keywords"], "template_language": "mustache",
           "template": {"match": {"title": "{{keywords}}"}}}
XGB = {"objective": "rank:pairwise", "splits": [
    {"nodeid": 0, "depth": 0, "split": "title_query", "split_condition": 1.5, "yes": 1, "no": 2, "missing": 1,
     "children": [{"nodeid": 1, "depth": 1, "leaf": -0.5}, {"nodeid": 2, "depth": 1, "leaf": 0.75}]}]}


def error(exc: pytest.ExceptionInfo) -> dict[str, Any]:
    return exc.value.info["error"]


def test_store_lifecycle(client: Any) -> None:
    ltr = client.plugins.ltr
    created = ltr.create_default_store()
    assert created == {"acknowledged": True, "shards_acknowledged": True, "index": ".ltrstore"}
    with pytest.raises(RequestError) as exc:
        ltr.create_default_store()
    assert error(exc)["type"] == "resource_already_exists_exception"
    assert ltr.create_store(store="mystore")["index"] == ".ltrstore_mystore"
    assert ltr.get_store(store="mystore") == {"exists": True}
    with pytest.raises(NotFoundError) as exc:
        ltr.get_store(store="other")
    assert exc.value.info == {"exists": False}
    assert ltr.list_stores() == {"stores": {
        "_default_": {"store": "_default_", "index": ".ltrstore", "version": 2,
                      "counts": {"feature": 0, "featureset": 0, "model": 0}},
        "mystore": {"store": "mystore", "index": ".ltrstore_mystore", "version": 2,
                    "counts": {"feature": 0, "featureset": 0, "model": 0}}}}
    with pytest.raises(RequestError) as exc:
        client.transport.perform_request("POST", "/_ltr/mystore")
    assert error(exc)["reason"] == "Updating a feature store is not yet supported."
    for bad in ("feature", "features", "model", "models", "feature_sets", "feature_Set"):
        with pytest.raises(RequestError) as exc:
            ltr.create_store(store=bad)
        assert "cannot be based on the words [feature], [featureset] and [model]" in error(exc)["reason"]
    with pytest.raises(RequestError) as exc:
        ltr.create_store(store="Upper")
    assert error(exc)["type"] == "invalid_index_name_exception"
    assert ltr.delete_store(store="mystore") == {"acknowledged": True}
    with pytest.raises(NotFoundError):
        ltr.delete_store(store="mystore")
    assert ltr.delete_default_store() == {"acknowledged": True}
    assert ltr.list_stores() == {"stores": {}}


def test_feature_crud_and_status_codes(client: Any) -> None:
    ltr = client.plugins.ltr
    with pytest.raises(RequestError) as exc:
        ltr.create_feature(id="title_query", body={"feature": FEATURE})
    assert error(exc)["reason"] == "Store [.ltrstore] does not exist, please create it first."
    ltr.create_default_store()
    created = ltr.create_feature(id="title_query", body={"feature": FEATURE})
    assert {k: created[k] for k in ("_index", "_id", "_version", "result")} == {
        "_index": ".ltrstore", "_id": "feature-title_query", "_version": 1, "result": "created"}
    with pytest.raises(ConflictError) as exc:
        ltr.create_feature(id="title_query", body={"feature": FEATURE})
    assert error(exc)["type"] == "version_conflict_engine_exception"
    updated = ltr.update_feature(id="title_query", body={"feature": {**FEATURE, "params": ["keywords", "x"]}})
    assert (updated["result"], updated["_version"]) == ("updated", 2)
    got = ltr.get_feature(id="title_query")
    assert got["found"] is True and got["_version"] == 2
    assert got["_source"] == {"name": "title_query", "type": "feature", "feature": {
        "name": "title_query", "params": ["keywords", "x"], "template_language": "mustache",
        "template": {"match": {"title": "{{keywords}}"}}}}
    assert client.transport.perform_request("HEAD", "/_ltr/_feature/title_query") is True
    assert client.transport.perform_request("HEAD", "/_ltr/_feature/nope") is False
    with pytest.raises(NotFoundError) as exc:
        ltr.get_feature(id="nope")
    assert exc.value.info == {"_index": ".ltrstore", "_id": "feature-nope", "found": False}
    assert ltr.delete_feature(id="title_query")["result"] == "deleted"
    with pytest.raises(NotFoundError) as exc:
        ltr.delete_feature(id="title_query")
    assert exc.value.info["result"] == "not_found"


@pytest.mark.parametrize("body,status,message", [
    ({"feature": {**FEATURE, "name": "other"}}, 400,
     "Name mismatch, send request with [other] but [f] used in the URL"),
    ({"feature": {"name": "f", "params": []}}, 400, "Field [template] is mandatory"),
    ({"feature": {**FEATURE, "name": "f", "template_language": "groovy"}}, 400,
     "Error while parsing feature [f]"),
    ({"feature": {**FEATURE, "name": "f", "template": "{{#broken}}"}}, 400,
     "Error while parsing feature [f]"),
    ({"feature": {**FEATURE, "name": "f", "extra": 1}}, 400, "[feature] unknown field [extra]"),
    ({"featureset": {"features": []}}, 400, "Excepted a [feature] but encountered [featureset]"),
    ({"validation": {"index": "x"}}, 400, "Element of type [feature,featureset,model] is mandatory."),
    ({"feature": FEATURE, "model": {}}, 400, "[storable_elements] failed to parse field [model]"),
    ({"feature": FEATURE, "nope": 1}, 400, "[storable_elements] unknown field [nope]"),
    ({"feature": {"name": "f", "template_language": "derived_expression", "template": "log(x)"}}, 400,
     "Error while parsing feature [f]"),
])
def test_feature_body_errors(client: Any, body: dict, status: int, message: str) -> None:
    client.plugins.ltr.create_default_store()
    with pytest.raises(TransportError) as exc:
        client.plugins.ltr.create_feature(id="f", body=body)
    assert exc.value.status_code == status
    assert message in error(exc)["reason"]


def test_featureset_crud_duplicates_and_named_store(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_store(store="s1")
    body = {"featureset": {"name": "set1", "features": [FEATURE]}}
    assert ltr.create_featureset(store="s1", id="set1", body=body)["_index"] == ".ltrstore_s1"
    assert ltr.get_featureset(store="s1", id="set1")["_source"]["featureset"]["features"] == [FEATURE]
    with pytest.raises(RequestError) as exc:
        ltr.update_featureset(store="s1", id="set1", body={"featureset": {"features": [FEATURE, FEATURE]}})
    assert "Feature [title_query] defined twice in this set" in error(exc)["reason"]
    emptied = ltr.update_featureset(store="s1", id="set1", body={"featureset": {"features": []}})
    assert emptied["_version"] == 2
    assert ltr.delete_featureset(store="s1", id="set1")["result"] == "deleted"
    with pytest.raises(NotFoundError) as exc:
        ltr.get_featureset(id="set1")  # the default store does not exist
    assert error(exc)["type"] == "index_not_found_exception"


def test_models_are_compiled_at_upload_and_immutable(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_default_store()
    model = {"model": {"name": "m1", "feature_set": {"name": "set1", "features": [FEATURE]},
                       "model": {"type": "model/xgboost+json", "definition": XGB}}}
    assert ltr.create_model(id="m1", body=model)["result"] == "created"
    source = ltr.get_model(id="m1")["_source"]
    assert source["model"]["model"] == {"type": "model/xgboost+json", "definition": XGB}
    assert source["model"]["feature_set"]["features"] == [FEATURE]
    with pytest.raises(ConflictError):
        ltr.create_model(id="m1", body=model)
    with pytest.raises(TransportError) as exc:
        client.transport.perform_request("POST", "/_ltr/_model/m1", body=model)
    assert exc.value.status_code == 405
    as_string = {"model": {**model["model"], "name": "m2", "model": {"type": "model/linear",
                                                                     "definition": '{"title_query": 2.5}'}}}
    ltr.create_model(id="m2", body=as_string)
    assert ltr.get_model(id="m2")["_source"]["model"]["model"]["definition"] == '{"title_query": 2.5}'
    bad = {"model": {**model["model"], "name": "bad", "model": {"type": "model/xgboost+json", "definition": {
        "objective": "reg:squarederror", "splits": XGB["splits"]}}}}
    with pytest.raises(RequestError) as exc:
        ltr.create_model(id="bad", body=bad)
    assert error(exc)["reason"] == "Error while parsing model [bad] with type [model/xgboost+json]"
    assert error(exc)["caused_by"]["reason"] == \
        "Objective [reg:squarederror] is not a valid XGBoost objective"
    with pytest.raises(RequestError) as exc:
        ltr.create_model(id="bad", body={"model": {**model["model"], "name": "bad",
                                                   "model": {"type": "model/onnx", "definition": "x"}}})
    assert "Unsupported model type [model/onnx]" in error(exc)["caused_by"]["reason"]
    assert ltr.delete_model(id="m1")["result"] == "deleted"
    with pytest.raises(NotFoundError):
        ltr.get_model(id="m1")


def test_list_elements_with_prefix_from_and_size(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_default_store()
    for name in ("alpha", "alpine", "beta", "alps"):
        ltr.create_feature(id=name, body={"feature": {**FEATURE, "name": name}})
    ltr.create_featureset(id="alpha_set", body={"featureset": {"features": [FEATURE]}})
    listed = ltr.search_features()
    assert listed["hits"]["total"]["value"] == 4
    assert [h["_id"] for h in listed["hits"]["hits"]] == ["feature-alpha", "feature-alpine", "feature-beta",
                                                          "feature-alps"]
    page = ltr.search_features(params={"prefix": "alp", "from": 1, "size": 1})
    assert page["hits"]["total"]["value"] == 3
    assert [h["_source"]["name"] for h in page["hits"]["hits"]] == ["alpine"]
    assert ltr.search_features(params={"from_": 3})["hits"]["hits"][0]["_id"] == "feature-alps"
    assert [h["_id"] for h in ltr.search_featuresets()["hits"]["hits"]] == ["featureset-alpha_set"]
    assert ltr.search_models()["hits"]["hits"] == []


def test_add_features_by_body_query_and_merge(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_default_store()
    first = ltr.add_features_to_set(name="set1", body={"features": [FEATURE]})
    assert (first["result"], first["_version"]) == ("created", 1)
    with pytest.raises(RequestError) as exc:
        ltr.add_features_to_set(name="set1", body={"features": [FEATURE]})
    assert "defined twice" in error(exc)["reason"]
    merged_feature = {**FEATURE, "params": ["keywords", "extra"]}
    assert ltr.add_features_to_set(name="set1", body={"features": [merged_feature]},
                                   params={"merge": "true"})["_version"] == 2
    for name in ("price_a", "price_b", "other"):
        ltr.create_feature(id=name, body={"feature": {**FEATURE, "name": name}})
    ltr.add_features_to_set_by_query(name="set1", query="price*")
    names = [f["name"] for f in ltr.get_featureset(id="set1")["_source"]["featureset"]["features"]]
    assert names == ["title_query", "price_a", "price_b"]
    assert ltr.get_featureset(id="set1")["_source"]["featureset"]["features"][0] == merged_feature
    ltr.add_features_to_set_by_query(name="set2", query="*")
    assert len(ltr.get_featureset(id="set2")["_source"]["featureset"]["features"]) == 3
    ltr.add_features_to_set_by_query(name="set3", query="other")
    with pytest.raises(RequestError) as exc:
        ltr.add_features_to_set_by_query(name="set1", query="nothing*")
    assert error(exc)["reason"] == "Query [nothing*] on index [.ltrstore] returned no features"
    with pytest.raises(RequestError) as exc:
        client.transport.perform_request("POST", "/_ltr/_featureset/set1/_addfeatures/price*",
                                         body={"features": [FEATURE]})
    assert "not both" in error(exc)["reason"]
    with pytest.raises(RequestError) as exc:
        client.transport.perform_request("POST", "/_ltr/_featureset/set1/_addfeatures", body={"features": []})
    assert "none provided" in error(exc)["reason"]
    with pytest.raises(ConflictError):
        ltr.add_features_to_set(name="set3", body={"features": [FEATURE]}, params={"version": 7})


def test_create_model_from_set_copies_the_set(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_default_store()
    ltr.create_featureset(id="set1", body={"featureset": {"features": [FEATURE]}})
    body = {"model": {"name": "m1", "model": {"type": "model/xgboost+json", "definition": XGB}}}
    with pytest.raises(RequestError) as exc:
        ltr.create_model_from_set(name="set1", body=body, params={"version": 2})
    assert error(exc)["reason"] == "Stored feature set [set1] has version [1] but [2] was expected."
    created = client.transport.perform_request("POST", "/_ltr/_featureset/set1/_createmodel",
                                               params={"version": 1}, body=body)
    assert (created["_id"], created["result"]) == ("model-m1", "created")
    ltr.update_featureset(id="set1", body={"featureset": {"features": []}})
    copied = ltr.get_model(id="m1")["_source"]["model"]["feature_set"]
    assert copied == {"name": "set1", "features": [FEATURE]}
    with pytest.raises(TransportError) as exc:
        ltr.create_model_from_set(name="set1", body=body)
    assert exc.value.status_code == 405
    with pytest.raises(RequestError) as exc:
        ltr.create_model_from_set(name="nope", body=body)
    assert error(exc)["reason"] == "Stored feature set [nope] does not exist"


def test_cache_and_stats_endpoints(client: Any) -> None:
    ltr = client.plugins.ltr
    ltr.create_default_store()
    ltr.create_featureset(id="set1", body={"featureset": {"features": [FEATURE]}})
    client.indices.create(index="docs", body={"mappings": {"properties": {"title": {"type": "text"}}}})
    client.index(index="docs", id="1", body={"title": "red"}, refresh=True)
    query = {"query": {"sltr": {"featureset": "set1", "params": {"keywords": "red"}}}}
    client.search(index="docs", body=query)
    client.search(index="docs", body=query)
    stats = ltr.cache_stats()
    assert stats["all"]["featuresets"]["count"] == 1 and stats["all"]["featuresets"]["ram"] > 0
    assert stats["stores"]["_default_"]["total"]["count"] == 1
    assert ltr.clear_cache() == {"acknowledged": True}
    assert ltr.clear_cache(store=None)["acknowledged"] is True
    assert ltr.cache_stats()["all"]["total"] == {"ram": 0, "count": 0}
    full = ltr.stats()
    node_id = next(iter(full["nodes"]))
    assert full["stores"] == {"_default_": {"model_count": 0, "featureset_count": 1, "feature_count": 0,
                                            "status": "green"}}
    assert full["status"] == "green"
    node = full["nodes"][node_id]
    assert node["request_total_count"] == 2 and node["request_error_count"] == 0
    assert node["cache"]["featureset"] == {"eviction_count": 1, "miss_count": 1, "hit_count": 1,
                                           "entry_count": 0, "memory_usage_in_bytes": 0}
    assert set(ltr.stats(stat="cache")["nodes"][node_id]) == {"cache"}
    assert "stores" not in ltr.stats(stat="cache")
    assert ltr.stats(node_id=node_id, stat="status")["status"] == "green"
    assert ltr.stats(node_id="someone-else")["nodes"] == {}
    with pytest.raises(RequestError) as exc:
        ltr.stats(stat="bogus")
    assert "bogus" in error(exc)["reason"]
    o19s = client.transport.perform_request("GET", "/_ltr/_stats")
    assert set(o19s["nodes"][node_id]) == {"cache"}
    with pytest.raises(RequestError):
        client.search(index="docs", body={"query": {"sltr": {"featureset": "set1", "params": {}}}})
    assert ltr.stats(stat="request_error_count")["nodes"][node_id]["request_error_count"] == 1


def test_store_persists_in_the_data_directory(tmp_path: Any) -> None:
    from plugin_integration.client import make_client

    client = make_client(None, tmp_path / "node")
    client.plugins.ltr.create_default_store()
    client.plugins.ltr.create_model(id="m1", body={"model": {
        "name": "m1", "feature_set": {"name": "s", "features": [FEATURE]},
        "model": {"type": "model/xgboost+json", "definition": XGB}}})
    client.close()
    reopened = make_client(None, tmp_path / "node")
    try:
        reopened.indices.create(index="docs", body={"mappings": {"properties": {"title": {"type": "text"}}}})
        for doc_id, title in enumerate(["red red red", "blue", "blue", "blue", "blue", "blue"]):
            reopened.index(index="docs", id=str(doc_id), body={"title": title})
        reopened.indices.refresh(index="docs")
        bm25 = reopened.search(index="docs", body={"query": {"match": {"title": "red"}}})["hits"]["hits"]
        assert bm25[0]["_score"] > 1.5  # so the model's split sends doc 0 to "no" (0.75)
        hits = reopened.search(index="docs", body={"size": 2, "query": {"sltr": {"model": "m1", "params": {
            "keywords": "red"}}}})["hits"]["hits"]
        assert [(h["_id"], h["_score"]) for h in hits] == [("0", 0.75), ("1", -0.5)]
        assert reopened.plugins.ltr.list_stores()["stores"]["_default_"]["counts"]["model"] == 1
    finally:
        reopened.close()
