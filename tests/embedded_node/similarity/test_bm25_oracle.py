"""The BM25 oracle through opensearch-py: every hit's ``_score`` bit for bit, as OpenSearch computes it.

The oracle's 50 products are indexed into the embedded node; each oracle query runs as the OpenSearch DSL a
user would write (single field -> ``match``; sum -> ``bool.should`` of per-field ``match`` or ``multi_match``
``most_fields``; dis_max -> ``multi_match`` ``best_fields`` with ``tie_breaker`` or ``dis_max`` of ``match``;
boosts as ``field^b`` or a ``match`` boost), and every returned ``_score`` must have the oracle's float32 bits.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
from opensearchpy import OpenSearch, helpers

from plugin_integration.client import make_client
from support.paths import BM25_VECTORS

ORACLE = BM25_VECTORS
INDEX = "products"
MAPPING = {"properties": {"title": {"type": "text"}, "description": {"type": "text"}}}


def bits(score: float) -> str:
    return f"{int(np.float32(score).view(np.uint32)):08x}"


@pytest.fixture(scope="module")
def oracle() -> dict:
    if not ORACLE.exists():
        pytest.skip(f"oracle file not found at {ORACLE}")
    return json.loads(ORACLE.read_text(encoding="utf-8"))


def _load(client: OpenSearch, oracle: dict, index: str = INDEX) -> None:
    client.indices.create(index=index, body={"mappings": MAPPING})
    actions = [{"_index": index, "_id": doc["id"],
                "_source": {k: v for k, v in doc.items() if k != "id" and v}} for doc in oracle["docs"]]
    helpers.bulk(client, actions, refresh=True)


@pytest.fixture(scope="module")
def node(oracle: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearch]:
    client = make_client(None, tmp_path_factory.mktemp("bm25-oracle"))
    _load(client, oracle)
    try:
        yield client
    finally:
        client.close()


def _field_spec(query: dict, field: str) -> str:
    boost = (query.get("boosts") or {}).get(field, 1.0)
    return field if boost == 1.0 else f"{field}^{boost}"


def _match(field: str, text: str, boost: float) -> dict:
    return {"match": {field: text}} if boost == 1.0 else {"match": {field: {"query": text, "boost": boost}}}


def dsl_variants(query: dict) -> dict[str, dict[str, Any]]:
    """Equivalent OpenSearch DSL bodies for one oracle query."""
    text, fields, boosts = query["text"], query["fields"], query.get("boosts") or {}
    if query["mode"] == "single":
        field = fields[0]
        return {"match": {"match": {field: text}},
                "match_object": {"match": {field: {"query": text, "operator": "or"}}},
                "multi_match_one_field": {"multi_match": {"query": text, "fields": [field]}},
                "bool_single_should": {"bool": {"should": [{"match": {field: text}}]}}}
    per_field = [_match(f, text, boosts.get(f, 1.0)) for f in fields]
    specs = [_field_spec(query, f) for f in fields]
    if query["mode"] == "sum":
        return {"bool_should": {"bool": {"should": per_field}},
                "multi_match_most_fields": {"multi_match": {"query": text, "fields": specs, "type": "most_fields"}}}
    tie = query["tie_breaker"]
    return {"multi_match_best_fields": {"multi_match": {"query": text, "fields": specs, "type": "best_fields",
                                                        "tie_breaker": tie}},
            "dis_max": {"dis_max": {"queries": per_field, "tie_breaker": tie}}}


def _cases(path: Path = ORACLE) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(q["id"], variant) for q in data["queries"] for variant in dsl_variants(q)]


def _search(client: OpenSearch, body: dict, **kwargs: Any) -> dict[str, str]:
    response = client.search(index=INDEX, body={"query": body, "size": 100, **kwargs})
    return {hit["_id"]: bits(hit["_score"]) for hit in response["hits"]["hits"]}


@pytest.mark.parametrize("query_id, variant", _cases())
def test_oracle_scores_bit_for_bit(node: OpenSearch, oracle: dict, query_id: str, variant: str) -> None:
    query = next(q for q in oracle["queries"] if q["id"] == query_id)
    expected = {doc: s["bits"] for doc, s in query["opensearch_legacy_bm25"]["scores"].items()}
    got = _search(node, dsl_variants(query)[variant])
    assert got == expected


def test_every_oracle_score_is_reproduced(node: OpenSearch, oracle: dict) -> None:
    reproduced = 0
    for query in oracle["queries"]:
        body = next(iter(dsl_variants(query).values()))
        got = _search(node, body)
        for doc, s in query["opensearch_legacy_bm25"]["scores"].items():
            reproduced += got.get(doc) == s["bits"]
    assert reproduced == 68


def test_hits_are_ordered_by_score_then_index_order(node: OpenSearch, oracle: dict) -> None:
    response = node.search(index=INDEX, body={"query": {"match": {"title": "wireless headphones"}}})
    hits = response["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["p01", "p40", "p02", "p50", "p22"]
    assert response["hits"]["max_score"] == hits[0]["_score"]


def test_explanation_values_equal_scores(node: OpenSearch, oracle: dict) -> None:
    q06 = next(q for q in oracle["queries"] if q["id"] == "q06")
    body = dsl_variants(q06)["multi_match_best_fields"]
    response = node.search(index=INDEX, body={"query": body, "size": 100, "explain": True})
    for hit in response["hits"]["hits"]:
        expl = hit["_explanation"]
        assert bits(expl["value"]) == bits(hit["_score"])
        assert expl["description"] in ("max plus 0.3 times others of:", "sum of:") or \
            expl["description"].startswith("weight(")
    p01 = next(h for h in response["hits"]["hits"] if h["_id"] == "p01")["_explanation"]
    assert p01["description"] == "max plus 0.3 times others of:"
    assert [d["description"] for d in p01["details"]] == ["sum of:", "sum of:"]
    term = p01["details"][0]["details"][0]
    assert term["description"].startswith("weight(title:") and term["description"].endswith(
        "[PerFieldSimilarity], result of:")
    assert term["details"][0]["description"] == "score(freq=1.0), computed as boost * idf * tf from:"


def test_deleted_doc_keeps_statistics_until_merge(oracle: dict, tmp_path: Path) -> None:
    client = make_client(None, tmp_path / "node")
    try:
        _load(client, oracle)
        client.delete(index=INDEX, id="p02", refresh=True)
        effect = oracle["deleted_doc_effect"]
        got = _search(client, {"match": {"title": "wireless headphones"}})
        assert got == {doc: s["bits"] for doc, s in effect["scores"].items()}
        # after a merge the deleted document leaves the statistics and the scores change
        client.indices.forcemerge(index=INDEX, max_num_segments=1)
        client.indices.refresh(index=INDEX)
        merged = _search(client, {"match": {"title": "wireless headphones"}})
        assert set(merged) == set(effect["scores"])
        assert merged != got
    finally:
        client.close()


def test_oracle_over_http(client: OpenSearch, oracle: dict) -> None:
    """Both doors (in-process and HTTP) return the same bits."""
    _load(client, oracle)
    for query in oracle["queries"]:
        body = next(iter(dsl_variants(query).values()))
        got = _search(client, body)
        assert got == {doc: s["bits"] for doc, s in query["opensearch_legacy_bm25"]["scores"].items()}, query["id"]
