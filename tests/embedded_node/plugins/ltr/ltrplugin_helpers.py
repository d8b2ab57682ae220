"""Shared helpers for the LTR plugin engine tests (clients on emulated plugin versions, small corpora)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from opensearchpy import OpenSearch

from plugin_integration.client import make_client
from support.paths import ORACLE as ORACLE_DIR

ORACLE = ORACLE_DIR
PRODUCTS = "products"


@contextmanager
def versioned_client(path: Path, version: str = "2.19.0",
                     distribution: str = "opensearch") -> Iterator[OpenSearch]:
    """An in-process client on a fresh node emulating ``version`` of ``distribution``."""
    client = make_client(None, path, node_options={"version": version, "distribution": distribution})
    try:
        yield client
    finally:
        client.close()


def oracle() -> tuple[dict[str, Any], dict[str, Any]]:
    definition = json.loads((ORACLE / "lgbm_lambdarank_xgboost.json").read_text())
    vectors = json.loads((ORACLE / "lgbm_lambdarank_vectors.json").read_text())
    return definition, vectors


def create_products(client: OpenSearch) -> None:
    """Five products: BM25 text, a price (missing on p3) and a 2-d vector (missing on p4): ``knn_vector`` on
    OpenSearch, ``dense_vector`` on an emulated Elasticsearch (which refuses ``knn_vector``, as ES does)."""
    opensearch = client.info()["version"].get("distribution") == "opensearch"
    vec = {"type": "knn_vector", "dimension": 2} if opensearch else {"type": "dense_vector", "dims": 2}
    client.indices.create(index=PRODUCTS, body={"mappings": {"properties": {
        "title": {"type": "text"}, "brand": {"type": "keyword"}, "price": {"type": "float"}, "vec": vec}}})
    docs = {
        "p0": {"title": "red running shoes", "brand": "acme", "price": 10.0, "vec": [1.0, 0.0]},
        "p1": {"title": "blue running shoes", "brand": "zeta", "price": 20.0, "vec": [0.0, 1.0]},
        "p2": {"title": "red wool scarf", "brand": "acme", "price": 5.0, "vec": [0.6, 0.8]},
        "p3": {"title": "shoes shoes shoes red", "brand": "omni", "vec": [1.0, 1.0]},
        "p4": {"title": "green hat", "brand": "zeta", "price": 7.5},
    }
    for doc_id, body in docs.items():
        client.index(index=PRODUCTS, id=doc_id, body=body)
    client.indices.refresh(index=PRODUCTS)


FEATURES = [
    {"name": "title_bm25", "params": ["keywords"], "template_language": "mustache",
     "template": {"match": {"title": "{{keywords}}"}}},
    {"name": "price", "params": [], "template_language": "mustache",
     "template": {"function_score": {"query": {"exists": {"field": "price"}},
                                     "field_value_factor": {"field": "price"}, "boost_mode": "replace"}}},
    {"name": "brand", "params": ["brand"], "template_language": "mustache",
     "template": {"constant_score": {"filter": {"term": {"brand": "{{brand}}"}}, "boost": 2.0}}},
]


def put_featureset(client: OpenSearch, name: str = "fs", features: list[dict] | None = None) -> None:
    client.plugins.ltr.create_featureset(id=name, body={"featureset": {"features": features or FEATURES}})


def hits_by_id(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {hit["_id"]: hit for hit in response["hits"]["hits"]}


def log_of(hit: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return hit["fields"]["_ltrlog"][0][name]
