"""``filter_path`` on every JSON response, as OpenSearch filters responses.

Pins the common REST parameter "filter_path" (docs.opensearch.org/latest/api-reference/common-parameters/,
"Filtered responses"; Elasticsearch "Response filtering" in common-options): dotted paths, ``*`` and ``**``
wildcards, arrays transparent, ``-`` exclusions applied before inclusions, ``{}`` when nothing matches, error
responses unfiltered. The LTR case is the issue's: ``GET _ltr/_model?filter_path=...`` returned every
model definition (~1 MB) instead of the asked fields.
"""
from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError

from embedded_node.rest.filter_path import filter_body

BODY = {"took": 3, "_shards": {"total": 1, "successful": 1},
        "hits": {"total": {"value": 2}, "hits": [{"_id": "a", "_score": 1.5, "_source": {"t": "x", "n": 1}},
                                                {"_id": "b", "_score": 0.5, "_source": {"t": "y"}}]}}


@pytest.mark.parametrize("path,expected", [
    ("took", {"took": 3}),
    ("hits.hits._id", {"hits": {"hits": [{"_id": "a"}, {"_id": "b"}]}}),
    ("took,hits.total.value", {"took": 3, "hits": {"total": {"value": 2}}}),
    ("hits.hits._s*", {"hits": {"hits": [{"_score": 1.5, "_source": {"t": "x", "n": 1}},
                                         {"_score": 0.5, "_source": {"t": "y"}}]}}),
    ("**.total", {"_shards": {"total": 1}, "hits": {"total": {"value": 2}}}),
    ("hits.hits._source.n", {"hits": {"hits": [{"_source": {"n": 1}}]}}),
    ("nothing.here", {}),
    ("took.below", {}),
    ("-hits", {"took": 3, "_shards": {"total": 1, "successful": 1}}),
    ("-hits.hits._source,hits.hits", {"hits": {"hits": [{"_id": "a", "_score": 1.5}, {"_id": "b", "_score": 0.5}]}}),
    ("-**._score", {**BODY, "hits": {"total": {"value": 2}, "hits": [
        {"_id": "a", "_source": {"t": "x", "n": 1}}, {"_id": "b", "_source": {"t": "y"}}]}}),
    (" , ", BODY),
])
def test_filter_semantics(path: str, expected: Any) -> None:
    """Each documented form of ``filter_path`` on a search-shaped response."""
    assert filter_body(BODY, path) == expected


def test_every_response_is_filtered_and_errors_are_not(client: Any) -> None:
    """Through both doors (in-process and HTTP): index, search, cluster APIs filtered; a 404 keeps its body."""
    client.indices.create(index="docs")
    client.index(index="docs", id="1", body={"title": "red shoes"}, refresh=True)
    assert client.search(index="docs", filter_path="hits.hits._id") == {"hits": {"hits": [{"_id": "1"}]}}
    assert client.index(index="docs", id="2", body={"title": "x"}, filter_path="result") == {"result": "created"}
    assert client.cluster.health(filter_path="status")["status"] in ("green", "yellow")
    with pytest.raises(NotFoundError) as exc:
        client.get(index="docs", id="nope", filter_path="_source")  # a 404 get is a found:false body
    assert exc.value.info["found"] is False
    with pytest.raises(NotFoundError) as exc:
        client.search(index="missing", filter_path="hits")
    assert exc.value.info["error"]["type"] == "index_not_found_exception"


def test_ltr_model_listing_is_filtered(client: Any) -> None:
    """``GET _ltr/_model?filter_path=hits.hits._source.name`` returns the names only, not the definitions."""
    ltr = client.plugins.ltr
    ltr.create_default_store()
    features = [{"name": f"f{i}", "params": [], "template": {"match_all": {}}} for i in range(50)]
    for name in ("m1", "m2"):
        ltr.create_model(id=name, body={"model": {"name": name, "feature_set": {"name": "fs", "features": features},
                                                  "model": {"type": "model/linear",
                                                            "definition": {f"f{i}": 0.5 for i in range(50)}}}})
    full = client.transport.perform_request("GET", "/_ltr/_model")
    small = client.transport.perform_request("GET", "/_ltr/_model", params={"filter_path": "hits.hits._source.name"})
    assert sorted(h["_source"]["name"] for h in small["hits"]["hits"]) == ["m1", "m2"]
    assert small == {"hits": {"hits": [{"_source": {"name": n}} for n in
                                       [h["_source"]["name"] for h in full["hits"]["hits"]]]}}
    assert len(str(small)) * 50 < len(str(full))
