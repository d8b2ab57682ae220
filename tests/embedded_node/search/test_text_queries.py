"""Full-text and compound queries through opensearch-py: matching semantics, explanations and errors.

Score values are covered bit for bit by ``test_bm25_oracle.py`` and ``test_lucene_conformance.py``; this file
checks the behaviour around them (operators, minimum_should_match, zero terms, filters scoring 0, named
queries, explanation shapes, parse errors).
"""
from __future__ import annotations

import numpy as np
import pytest
from opensearchpy import OpenSearch, RequestError, helpers

DOCS = {
    "1": {"title": "Wireless Bluetooth Headphones", "brand": "Sony", "price": 99, "tags": ["audio", "sale"]},
    "2": {"title": "Wireless Earbuds Pro", "brand": "Apple", "price": 249, "tags": ["audio"]},
    "3": {"title": "Coffee Maker with Grinder", "brand": "Philips", "price": 79, "tags": ["kitchen"]},
    "4": {"title": "Bluetooth Speaker", "brand": "sony", "price": 59},
    "5": {"title": "USB-C Charger 65W", "brand": "Anker", "price": 39, "tags": ["mobile", "sale"]},
}


@pytest.fixture
def shop(inproc_client: OpenSearch) -> OpenSearch:
    inproc_client.indices.create(index="shop", body={"mappings": {"properties": {
        "title": {"type": "text"}, "brand": {"type": "keyword"}, "price": {"type": "integer"},
        "tags": {"type": "keyword"}}}})
    helpers.bulk(inproc_client, [{"_index": "shop", "_id": i, "_source": d} for i, d in DOCS.items()], refresh=True)
    return inproc_client


def ids(client: OpenSearch, query: dict, **body) -> list[str]:
    return [h["_id"] for h in client.search(index="shop", body={"query": query, **body})["hits"]["hits"]]


def scores(client: OpenSearch, query: dict) -> dict[str, float]:
    return {h["_id"]: h["_score"] for h in client.search(index="shop", body={"query": query})["hits"]["hits"]}


def test_match_operators_and_minimum_should_match(shop: OpenSearch) -> None:
    assert set(ids(shop, {"match": {"title": "wireless bluetooth"}})) == {"1", "2", "4"}
    assert ids(shop, {"match": {"title": {"query": "wireless bluetooth", "operator": "and"}}}) == ["1"]
    assert set(ids(shop, {"match": {"title": {"query": "wireless bluetooth speaker",
                                              "minimum_should_match": 2}}})) == {"1", "4"}
    assert set(ids(shop, {"match": {"title": {"query": "wireless bluetooth speaker",
                                              "minimum_should_match": "-1"}}})) == {"1", "4"}
    assert ids(shop, {"match": {"title": {"query": "wireless bluetooth speaker", "minimum_should_match": "100%"}}}) \
        == []


def test_zero_terms_unmapped_fields_and_analyzer_override(shop: OpenSearch) -> None:
    assert ids(shop, {"match": {"title": "!!! --"}}) == []
    assert len(ids(shop, {"match": {"title": {"query": "!!!", "zero_terms_query": "all"}}})) == 5
    assert ids(shop, {"match": {"nope": "wireless"}}) == []
    # the whitespace analyzer keeps the case, and the index holds lowercase terms
    assert ids(shop, {"match": {"title": {"query": "Wireless", "analyzer": "whitespace"}}}) == []
    assert set(ids(shop, {"match": {"title": {"query": "wireless", "analyzer": "whitespace"}}})) == {"1", "2"}


def test_term_on_keyword_and_text_fields(shop: OpenSearch) -> None:
    assert ids(shop, {"term": {"brand": "Sony"}}) == ["1"]  # keyword terms are exact (case-sensitive)
    assert ids(shop, {"term": {"title": "Wireless"}}) == []  # no analysis: the index holds "wireless"
    assert set(ids(shop, {"term": {"title": "wireless"}})) == {"1", "2"}
    tag_scores = scores(shop, {"term": {"tags": "sale"}})
    assert set(tag_scores) == {"1", "5"} and len(set(tag_scores.values())) == 1  # no norms: same score
    assert ids(shop, {"term": {"price": 59}}) == ["4"]
    assert scores(shop, {"term": {"price": {"value": 59, "boost": 2.5}}}) == {"4": 2.5}
    assert ids(shop, {"match": {"brand": "sony"}}) == ["4"]


def test_bool_filters_score_zero_and_must_not(shop: OpenSearch) -> None:
    assert scores(shop, {"bool": {"filter": [{"term": {"tags": "audio"}}]}}) == {"1": 0.0, "2": 0.0}
    only_not = scores(shop, {"bool": {"must_not": [{"term": {"tags": "sale"}}]}})
    assert only_not == {"2": 0.0, "3": 0.0, "4": 0.0}
    mixed = scores(shop, {"bool": {"must": [{"match": {"title": "wireless"}}],
                                   "filter": [{"term": {"tags": "sale"}}]}})
    plain = scores(shop, {"match": {"title": "wireless"}})
    assert mixed == {"1": plain["1"]}
    with_should = scores(shop, {"bool": {"filter": [{"term": {"tags": "audio"}}],
                                         "should": [{"match": {"title": "pro"}}]}})
    assert with_should["1"] == 0.0 and with_should["2"] > 0
    assert len(ids(shop, {"bool": {}})) == 5


def test_dis_max_constant_score_and_boosts(shop: OpenSearch) -> None:
    title = scores(shop, {"match": {"title": "bluetooth"}})
    assert scores(shop, {"constant_score": {"filter": {"match": {"title": "bluetooth"}}, "boost": 1.5}}) == \
        {k: 1.5 for k in title}
    boosted = scores(shop, {"match": {"title": {"query": "bluetooth", "boost": 2}}})
    legacy = {k: float(np.float32(v)) for k, v in title.items()}
    assert set(boosted) == set(legacy) and all(boosted[k] > legacy[k] for k in legacy)
    dm = scores(shop, {"dis_max": {"queries": [{"match": {"title": "bluetooth"}}, {"term": {"brand": "sony"}}]}})
    assert dm["1"] == title["1"] and set(dm) == {"1", "4"}
    assert ids(shop, {"dis_max": {"queries": []}}) == []


def test_named_queries(shop: OpenSearch) -> None:
    response = shop.search(index="shop", body={"query": {"bool": {"should": [
        {"match": {"title": {"query": "wireless", "_name": "wireless"}}},
        {"term": {"brand": {"value": "Sony", "_name": "sony"}}}]}}})
    matched = {h["_id"]: sorted(h.get("matched_queries", [])) for h in response["hits"]["hits"]}
    assert matched == {"1": ["sony", "wireless"], "2": ["wireless"]}


def test_explanations(shop: OpenSearch) -> None:
    hit = shop.search(index="shop", body={"explain": True, "query": {"bool": {
        "must": [{"match": {"title": "wireless"}}], "filter": [{"term": {"tags": "sale"}}]}}})["hits"]["hits"][0]
    expl = hit["_explanation"]
    assert expl["description"] == "sum of:" and expl["value"] == hit["_score"]
    assert expl["details"][0]["description"].startswith("weight(title:wireless in ")
    assert expl["details"][1]["description"] == "match on required clause, product of:"
    assert expl["details"][1]["details"][0]["description"] == "# clause"
    kw = shop.search(index="shop", body={"explain": True, "query": {"term": {"brand": "Sony"}}})["hits"]["hits"][0]
    tf = kw["_explanation"]["details"][0]["details"][-1]
    assert [d["description"] for d in tf["details"]][3] == "dl, length of field"  # no norms: cache[1], dl 1
    cs = shop.search(index="shop", body={"explain": True, "query": {"constant_score": {
        "filter": {"term": {"brand": "Sony"}}, "boost": 2}}})["hits"]["hits"][0]["_explanation"]
    assert cs["description"] == "ConstantScore(brand:Sony)^2.0"


@pytest.mark.parametrize("query, reason", [
    ({"match": {"title": {"query": "x", "fuzziness": "AUTO"}}}, "fuzziness"),
    ({"match": {"title": {"query": "x", "unknown": 1}}}, "does not support [unknown]"),
    ({"match": {"title": {"query": "x", "operator": "xor"}}}, "operator"),
    ({"multi_match": {"query": "x", "fields": ["title"], "type": "cross_fields"}}, "cross_fields"),
    ({"multi_match": {"fields": ["title"]}}, "No text specified"),
    ({"term": {"title": {"value": "x", "case_insensitive": True}}}, "case_insensitive"),
    ({"bool": {"must": "x"}}, "bool"),
    ({"dis_max": {"tie_breaker": 0.3}}, "queries"),
    ({"constant_score": {}}, "filter"),
])
def test_parse_errors(shop: OpenSearch, query: dict, reason: str) -> None:
    with pytest.raises(RequestError) as info:
        shop.search(index="shop", body={"query": query})
    assert reason in str(info.value.info)
