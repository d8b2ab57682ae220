"""``ltr_log``: response shapes, named/rescore specs, missing values, caching, ``_msearch`` and errors."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from ltrplugin_helpers import PRODUCTS, create_products, hits_by_id, log_of, put_featureset
from opensearchpy import RequestError

from embedded_node.plugins.ltr import logging_ext

F32 = np.float32
PARAMS = {"keywords": "red shoes", "brand": "acme"}


@pytest.fixture
def products(client: Any) -> Any:
    create_products(client)
    client.plugins.ltr.create_default_store()
    put_featureset(client)
    return client


def logging_query(ids: list[str], specs: Any, **sltr: Any) -> dict[str, Any]:
    return {"size": 10, "query": {"bool": {"filter": [
        {"ids": {"values": ids}},
        {"sltr": {"_name": "logged", "featureset": "fs", "params": PARAMS, **sltr}}]}},
        "ext": {"ltr_log": {"log_specs": specs}}}


def test_logged_shape_order_and_missing_values(products: Any) -> None:
    body = logging_query(["p3", "p4", "p0"], [
        {"name": "log1", "named_query": "logged"},
        {"name": "zeros", "named_query": "logged", "missing_as_zero": True}])
    response = products.search(index=PRODUCTS, body=body)
    hits = hits_by_id(response)
    assert sorted(hits) == ["p0", "p3", "p4"]
    for hit in hits.values():
        assert hit["matched_queries"] == ["logged"]
        assert len(hit["fields"]["_ltrlog"]) == 1 and set(hit["fields"]["_ltrlog"][0]) == {"log1", "zeros"}
        assert [e["name"] for e in log_of(hit, "log1")] == ["title_bm25", "price", "brand"]
    assert log_of(hits["p4"], "log1") == [{"name": "title_bm25"}, {"name": "price", "value": 7.5},
                                          {"name": "brand"}]
    assert log_of(hits["p4"], "zeros") == [{"name": "title_bm25", "value": 0.0},
                                           {"name": "price", "value": 7.5}, {"name": "brand", "value": 0.0}]
    assert [e.get("value") for e in log_of(hits["p3"], "log1")][1:] == [None, None]
    match = products.search(index=PRODUCTS, body={"query": {"match": {"title": "red shoes"}}})
    assert F32(log_of(hits["p0"], "log1")[0]["value"]) == F32(hits_by_id(match)["p0"]["_score"])
    assert log_of(hits["p0"], "log1")[2] == {"name": "brand", "value": 2.0}


def test_single_object_spec_default_names_and_rescore_index(products: Any) -> None:
    body = logging_query(["p0"], {"named_query": "logged"})
    hit = products.search(index=PRODUCTS, body=body)["hits"]["hits"][0]
    assert set(hit["fields"]["_ltrlog"][0]) == {"logged"}
    body = {"query": {"match": {"title": "shoes"}}, "rescore": [
        {"window_size": 10, "query": {"rescore_query": {"match_all": {}}}},
        {"window_size": 2, "query": {"rescore_query": {"sltr": {"featureset": "fs", "params": PARAMS}}}}],
        "ext": {"ltr_log": {"log_specs": [{"rescore_index": 1}, {"name": "again", "rescore_index": 1}]}}}
    hits = products.search(index=PRODUCTS, body=body)["hits"]["hits"]
    assert len(hits) == 3  # every hit is logged, in or out of the rescore window
    for hit in hits:
        log = hit["fields"]["_ltrlog"][0]
        assert set(log) == {"rescore[1]", "again"} and log["rescore[1]"] == log["again"]


@pytest.mark.parametrize("specs,message", [
    ({"named_query": "nope"}, "No query named [nope] found"),
    ({"named_query": "plain"}, "Query named [plain] must be a [sltr] query"),
    ({"rescore_index": 3}, "rescore index [3] is out of bounds"),
    ({"rescore_index": 0}, "Expected a [sltr] query but found a"),
])
def test_spec_resolution_errors(products: Any, specs: dict, message: str) -> None:
    body = {"query": {"bool": {"should": [{"match": {"_name": "plain", "title": {"query": "red"}}}]}},
            "rescore": {"window_size": 5, "query": {"rescore_query": {"match_all": {}}}},
            "ext": {"ltr_log": {"log_specs": specs}}}
    body["query"] = {"bool": {"should": [{"match": {"title": {"query": "red", "_name": "plain"}}}]}}
    with pytest.raises(RequestError) as exc:
        products.search(index=PRODUCTS, body=body)
    assert message in json.dumps(exc.value.info)


@pytest.mark.parametrize("specs,message", [
    ({}, "Either [named_query] or [rescore_index] must be set"),
    ({"named_query": "a", "rescore_index": 0}, "Only one of [named_query] and [rescore_index] can be set"),
    ({"named_query": "a", "other": 1}, "[log_specs] unknown field [other]"),
    ([], "must not be empty"),
])
def test_invalid_specs(products: Any, specs: Any, message: str) -> None:
    with pytest.raises(RequestError) as exc:
        products.search(index=PRODUCTS, body={"ext": {"ltr_log": {"log_specs": specs}}})
    assert message in exc.value.info["error"]["reason"]


def test_cache_true_reuses_the_values_computed_for_scoring(inproc_client: Any, monkeypatch: Any) -> None:
    create_products(inproc_client)
    inproc_client.plugins.ltr.create_default_store()
    put_featureset(inproc_client)
    calls: list[int] = []
    original = logging_ext.vectors.compute
    monkeypatch.setattr(logging_ext.vectors, "compute", lambda *a, **k: calls.append(1) or original(*a, **k))

    def search(cache: bool) -> list[dict[str, Any]]:
        calls.clear()
        body = {"query": {"match": {"title": "shoes"}}, "rescore": {"window_size": 10, "query": {
            "rescore_query": {"sltr": {"featureset": "fs", "params": PARAMS, "cache": cache}}}},
            "ext": {"ltr_log": {"log_specs": {"name": "l", "rescore_index": 0}}}}
        return [h["fields"] for h in inproc_client.search(index=PRODUCTS, body=body)["hits"]["hits"]]

    fresh = search(cache=False)
    assert len(calls) == 2  # once to rescore, once more to log
    assert search(cache=True) == fresh
    assert len(calls) == 1  # logging reused the values computed for rescoring


def test_msearch_logging_across_segments(products: Any) -> None:
    for i in range(3):  # more segments: each refresh makes one
        products.index(index=PRODUCTS, id=f"n{i}", body={"title": "red shoes again", "price": float(i)},
                       refresh=True)
    header = {"index": PRODUCTS}
    lines = []
    for ids in (["p0", "n0", "n2"], ["p1", "n1"]):
        lines += [header, logging_query(ids, {"name": "l", "named_query": "logged"})]
    responses = products.msearch(body=lines)["responses"]
    found = [sorted(h["_id"] for h in r["hits"]["hits"]) for r in responses]
    assert found == [["n0", "n2", "p0"], ["n1", "p1"]]
    logged = {h["_id"]: log_of(h, "l") for r in responses for h in r["hits"]["hits"]}
    assert [logged[f"n{i}"][1] for i in range(3)] == [{"name": "price", "value": float(i)} for i in range(3)]
