"""Engine fixtures of the LTR client layer: a small product index and a featureset that runs on it.

``client`` (from ``tests/engine/conftest.py``) is an opensearch-py client on a fresh embedded node, in-process
and over HTTP; these fixtures add the data the LTR calls need.
"""
from __future__ import annotations

from typing import Any

import pytest
from pi_engine_samples import INDEX, PRODUCTS, engine_featureset

from plugin_integration import featuresets, store


@pytest.fixture
def products(client: Any) -> Any:
    """``client`` with the ``products`` index loaded and refreshed."""
    client.indices.create(index=INDEX, body={
        "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0}},
        "mappings": {"properties": {
            "title": {"type": "text"}, "description": {"type": "text"},
            "brand": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
            "category": {"type": "text"}, "popularity": {"type": "float"},
            "text_vector": {"type": "knn_vector", "dimension": 2,
                            "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "faiss"}}}}})
    for doc_id, doc in PRODUCTS.items():
        client.index(index=INDEX, id=doc_id, body=doc)
    client.indices.refresh(index=INDEX)
    return client


@pytest.fixture
def ltr_ready(products: Any) -> Any:
    """``products`` plus the default feature store holding ``engine_featureset()``."""
    store.ensure_store(products)
    featuresets.push(products, engine_featureset())
    return products
