"""The node as Elasticsearch 8 with the o19s plugin: what clients check, and OpenSearch syntax refused.

Through both doors: opensearch-py in process, and the official elasticsearch-py client over ``mmltr serve``'s
HTTP server (it refuses a server without ``X-Elastic-Product: Elasticsearch``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from elasticsearch import BadRequestError, Elasticsearch, helpers

from plugin_integration.client import make_client
from plugin_integration.cluster_info import detect
from support.served_node import served_node

ES = {"distribution": "elasticsearch"}


@pytest.fixture
def es_http(tmp_path: Path) -> Iterator[Elasticsearch]:
    with served_node(str(tmp_path / "node"), **ES) as url:
        client = Elasticsearch(url, request_timeout=30)
        try:
            yield client
        finally:
            client.close()


@pytest.fixture
def es_inproc(tmp_path: Path) -> Iterator[Any]:
    client = make_client(None, tmp_path / "node", node_options=ES)
    try:
        yield client
    finally:
        client.close()


def test_elasticsearch_py_accepts_the_node_and_runs_a_knn_search(es_http: Elasticsearch) -> None:
    info = es_http.info()
    assert info.meta.headers["x-elastic-product"] == "Elasticsearch"
    assert info["version"]["number"] == "8.17.2" and info["version"]["build_flavor"] == "default"
    assert "distribution" not in info["version"] and info["tagline"] == "You Know, for Search"
    es_http.indices.create(index="i", mappings={"properties": {"v": {"type": "dense_vector", "dims": 2}}})
    es_http.index(index="i", id="1", document={"v": [3, 4]}, refresh=True)
    hits = es_http.search(index="i", knn={"field": "v", "query_vector": [4, 3], "k": 1, "num_candidates": 5})
    assert hits["hits"]["hits"][0]["_score"] == pytest.approx((1 + 24 / 25) / 2, rel=1e-6)  # cosine default
    with pytest.raises(BadRequestError) as refused:
        es_http.search(index="i", query={"knn": {"v": {"vector": [1, 0], "k": 1}}})  # OpenSearch's syntax
    assert refused.value.error == "x_content_parse_exception" and "[knn] unknown field [v]" in str(refused.value)


def test_cluster_info_sees_elasticsearch_with_the_o19s_plugin(es_inproc: Any) -> None:
    info = detect(es_inproc)
    assert (info.flavour, info.version_text, info.ltr_component) == ("elasticsearch", "8.17.2", "ltr")
    assert info.ltr_version_text == "1.5.10-es8.17.2" and info.ltr_missing_behaviour == "nan_to_missing"
    assert info.has_knn and info.supports_raw_parser
    assert es_inproc.cat.plugins(format="json")[0]["component"] == "ltr"  # vectors are built in, not a plugin


@pytest.mark.parametrize("body, kind, reason", [
    ({"mappings": {"properties": {"v": {"type": "knn_vector", "dimension": 3}}}},
     "mapper_parsing_exception", "No handler for type [knn_vector] declared on field [v]"),
    ({"settings": {"index": {"knn": True}}}, "illegal_argument_exception", "unknown setting [index.knn]"),
    ({"mappings": {"properties": {"v": {"type": "dense_vector", "dims": 3, "similarity": "cosinesimil"}}}},
     "mapper_parsing_exception", "Unknown value [cosinesimil] for field [similarity]"),
    ({"mappings": {"properties": {"v": {"type": "dense_vector"}}}}, "mapper_parsing_exception", "[dims] is required"),
])
def test_opensearch_only_mappings_and_settings_are_refused(es_inproc: Any, body: dict, kind: str,
                                                           reason: str) -> None:
    with pytest.raises(Exception) as refused:
        es_inproc.indices.create(index="bad", body=body)
    assert refused.value.status_code == 400
    assert refused.value.error == kind and reason in str(refused.value.info)


def test_opensearch_scripts_and_paths_are_refused(es_inproc: Any) -> None:
    es_inproc.indices.create(index="i", body={"mappings": {"properties": {"v": {"type": "dense_vector", "dims": 2}}}})
    es_inproc.index(index="i", id="1", body={"v": [1, 0]}, refresh=True)
    knn_score = {"script_score": {"query": {"match_all": {}}, "script": {
        "lang": "knn", "source": "knn_score", "params": {"field": "v", "query_value": [1, 0], "space_type": "l2"}}}}
    with pytest.raises(Exception) as refused:
        es_inproc.search(index="i", body={"query": knn_score})
    assert "script_lang not supported [knn]" in str(refused.value.info)
    with pytest.raises(Exception) as no_handler:
        es_inproc.transport.perform_request("GET", "/_plugins/_ltr/stats")
    assert no_handler.value.status_code == 400 and "no handler found" in str(no_handler.value.info)
    assert es_inproc.transport.perform_request("GET", "/_ltr/_stats")  # the o19s path answers


def test_the_data_directory_remembers_its_distribution(tmp_path: Path) -> None:
    first = make_client(None, tmp_path / "node", node_options=ES)
    first.info()
    first.close()
    again = make_client(None, tmp_path / "node")  # no options: the directory says what it is
    try:
        assert "distribution" not in again.info()["version"] and again.info()["version"]["number"] == "8.17.2"
    finally:
        again.close()
    other = make_client(None, tmp_path / "os", node_options={"version": "3.8.0"})
    try:
        assert other.info()["version"]["distribution"] == "opensearch"
        assert other.cat.plugins(format="json")[0]["version"] == "3.8.0.0"
    finally:
        other.close()


def test_elasticsearch_py_bulk_and_msearch_send_vendor_ndjson(es_http: Elasticsearch) -> None:
    """elasticsearch-py sends ``application/vnd.elasticsearch+x-ndjson`` for bulk and msearch: accepted."""
    ok, failed = helpers.bulk(es_http, [{"_index": "b", "_id": str(i), "n": i} for i in range(5)], refresh=True)
    assert (ok, failed) == (5, [])
    found = es_http.msearch(body=[{"index": "b"}, {"query": {"range": {"n": {"gte": 3}}}}])
    assert found["responses"][0]["hits"]["total"]["value"] == 2


def test_nodes_info_lists_the_plugins_each_engine_lists(es_inproc: Any, tmp_path: Path) -> None:
    es_node = next(iter(es_inproc.nodes.info()["nodes"].values()))
    assert [p["name"] for p in es_node["plugins"]] == ["ltr"] and "master" in es_node["roles"]
    assert es_node["plugins"][0]["version"] == "1.5.10-es8.17.2"
    opensearch = make_client(None, tmp_path / "os")
    try:
        os_node = next(iter(opensearch.nodes.info()["nodes"].values()))
    finally:
        opensearch.close()
    assert [p["name"] for p in os_node["plugins"]] == ["opensearch-knn", "opensearch-ltr"]
    assert {p["version"] for p in os_node["plugins"]} == {"2.19.0.0"} and "cluster_manager" in os_node["roles"]
