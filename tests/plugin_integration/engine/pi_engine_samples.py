"""Sample data of the LTR engine tests: products, a featureset that runs on them, and a model over it."""
from __future__ import annotations

from typing import Any

from plugin_integration.featuresets import Feature, FeatureSet

INDEX = "products"

PRODUCTS = {
    "sku1": {"title": "red running shoes", "description": "light shoes for running", "brand": "acme",
             "category": "shoes", "popularity": 120.0, "text_vector": [1.0, 0.0]},
    "sku2": {"title": "blue running shoes", "description": "a blue pair", "brand": "zeta",
             "category": "shoes", "popularity": 15.0, "text_vector": [0.0, 1.0]},
    "sku3": {"title": "red hat", "description": "a hat in red", "brand": "acme", "category": "hats",
             "popularity": 0.0, "text_vector": [0.6, 0.8]},
    "sku4": {"title": "green scarf", "description": "warm wool", "brand": "zeta", "category": "scarves",
             "text_vector": [0.8, 0.6]},
}

KNN_TEXT = ('{"script_score":{"query":{"match_all":{}},"script":{"lang":"knn","source":"knn_score","params":'
            '{"field":"text_vector","query_value":{{#toJson}}query_text_vector{{/toJson}},'
            '"space_type":"cosinesimil"}}}}')


def engine_featureset(name: str = "mm_test") -> FeatureSet:
    return FeatureSet(name, (
        Feature("bm25_title", {"match": {"title": "{{keywords}}"}}, ("keywords",)),
        Feature("bm25_description", {"match": {"description": "{{keywords}}"}}, ("keywords",)),
        Feature("knn_text", KNN_TEXT, ("query_text_vector",)),
        Feature("popularity", {"function_score": {"query": {"match_all": {}}, "field_value_factor": {
            "field": "popularity", "modifier": "log1p", "missing": 0}}}),
    ))


def engine_model(first: str = "bm25_title", second: str = "knn_text") -> dict[str, Any]:
    """Two trees: a split on ``first`` then on ``second``, and a bias tree keeping scores positive."""
    return {"objective": "rank:pairwise", "splits": [
        {"nodeid": 0, "depth": 0, "split": first, "split_condition": 0.5, "yes": 1, "no": 2, "missing": 1,
         "children": [
             {"nodeid": 1, "leaf": 0.25},
             {"nodeid": 2, "depth": 1, "split": second, "split_condition": 0.9, "yes": 3, "no": 4, "missing": 3,
              "children": [{"nodeid": 3, "leaf": 1.5}, {"nodeid": 4, "leaf": 3.0}]}]},
        {"nodeid": 0, "leaf": 1.0}]}


def load_products(client: Any) -> Any:
    """Create the ``products`` index on ``client`` and load :data:`PRODUCTS` (refreshed)."""
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
