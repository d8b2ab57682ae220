"""The vector syntax of each cluster flavour (``indexer/vector_dialect.py``), as request bodies."""
from __future__ import annotations

import json

import pytest

from indexer.errors import IndexerError
from indexer.mappings import MappingOptions, VectorSpec, build_index_body, vector_field_mapping
from indexer.vector_dialect import ELASTICSEARCH, OPENSEARCH, dialect_for


def test_each_flavour_maps_a_vector_field_in_its_own_type() -> None:
    spec = VectorSpec(8, "innerproduct", m=24, ef_construction=200)
    assert OPENSEARCH.field_mapping(spec) == {"type": "knn_vector", "dimension": 8, "method": {
        "name": "hnsw", "space_type": "innerproduct", "engine": "faiss",
        "parameters": {"m": 24, "ef_construction": 200}}}
    assert ELASTICSEARCH.field_mapping(spec) == {"type": "dense_vector", "dims": 8, "index": True,
                                                 "similarity": "max_inner_product",
                                                 "index_options": {"type": "hnsw", "m": 24, "ef_construction": 200}}
    assert ELASTICSEARCH.field_mapping(VectorSpec(4))["similarity"] == "cosine"
    assert ELASTICSEARCH.field_mapping(VectorSpec(4, "l2"))["similarity"] == "l2_norm"
    with pytest.raises(IndexerError, match="no Elasticsearch dense_vector similarity"):
        ELASTICSEARCH.field_mapping(VectorSpec(4, "l1"))


def test_index_body_and_added_fields_follow_the_dialect() -> None:
    es = build_index_body(MappingOptions(text=VectorSpec(16), dialect=ELASTICSEARCH))
    assert "knn" not in es["settings"]["index"] and es["mappings"]["properties"]["text_vector"]["dims"] == 16
    os_body = build_index_body(MappingOptions(text=VectorSpec(16)))
    assert os_body["settings"]["index"]["knn"] is True
    assert os_body["mappings"]["properties"]["text_vector"]["type"] == "knn_vector"
    added = vector_field_mapping("cf_vector", VectorSpec(3, "innerproduct"), ELASTICSEARCH)
    assert added["properties"]["cf_vector"]["type"] == "dense_vector"
    assert ELASTICSEARCH.mapped_dimension(added["properties"]["cf_vector"]) == 3
    assert OPENSEARCH.mapped_dimension(added["properties"]["cf_vector"]) is None  # not its vector type


def test_knn_clause_per_flavour() -> None:
    assert OPENSEARCH.knn_clause("v", [1, 2], 5) == {"knn": {"v": {"vector": [1.0, 2.0], "k": 5}}}
    assert ELASTICSEARCH.knn_clause("v", [1, 2], 5) == {"knn": {"field": "v", "query_vector": [1.0, 2.0], "k": 5,
                                                               "num_candidates": 100}}
    assert ELASTICSEARCH.knn_clause("v", [1], 20_000)["knn"]["num_candidates"] == 10_000


@pytest.mark.parametrize("space, fragment", [
    ("cosinesimil", "(1.0 + cosineSimilarity(params.query_vector, 'v')) / 2.0"),
    ("innerproduct", "return d < 0 ? 1.0 / (1.0 - d) : 1.0 + d;"),
    ("l2", "return 1.0 / (1.0 + d * d);"),
])
def test_exact_scores_render_to_valid_queries(space: str, fragment: str) -> None:
    template = ELASTICSEARCH.exact_score("v", "qv", space)
    body = json.loads(template.replace("{{#toJson}}qv{{/toJson}}", "[0.5, 0.5]"))
    script = body["script_score"]["script"]
    assert fragment in script["source"] and script["params"] == {"query_vector": [0.5, 0.5]}
    assert body["script_score"]["query"] == {"exists": {"field": "v"}}
    assert ELASTICSEARCH.exact_query("v", [0.5, 0.5], space) == body
    knn = OPENSEARCH.exact_query("v", [1, 0], space)["script_score"]["script"]
    assert (knn["lang"], knn["source"], knn["params"]["space_type"]) == ("knn", "knn_score", space)


def test_unknown_flavour_is_refused() -> None:
    assert dialect_for(None) is OPENSEARCH and dialect_for("elasticsearch") is ELASTICSEARCH
    with pytest.raises(IndexerError, match="unknown cluster flavour 'solr'"):
        dialect_for("solr")
