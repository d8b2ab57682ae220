"""The fused featureset on the embedded node: every feature defined on every document, neutral stays neutral.

The values asserted are the ones docs/features.md documents: no affinity reads 0 (never above a liked item), a
neutral (zero) user vector reads 1.0 in the inner-product space and never errors, a document without a vector or
a price reads 0, BM25 without a match reads 0.
"""
from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from plugin_integration import featuresets, store
from plugin_integration.feature_kinds import FeatureKindError, FeatureSpec
from plugin_integration.feature_logging import log_features
from plugin_integration.fused_featureset import fused_featureset, fused_specs, index_fields, specs_yaml
from plugin_integration.params import QueryContext, UserContext

INDEX = "items-v1"
DOCS = {
    "p1": {"title": "red running shoes", "description": "light shoes", "brand": "Acme", "category": "Shoes",
           "category_levels": ["Shoes"], "price": 100.0, "popularity": 9.0, "rating": 4.5,
           "text_vector": [1.0, 0.0], "image_vector": [0.0, 1.0], "cf_vector": [0.5, 0.5]},
    "p2": {"title": "blue hat", "description": "a warm hat", "brand": "Zeta", "category": "Hats",
           "category_levels": ["Hats"], "price": 20.0, "popularity": 0.0,
           "text_vector": [0.0, 1.0], "cf_vector": [-0.5, 0.25]},
    "p3": {"title": "green scarf", "description": "wool", "brand": "Other", "category": "Scarves",
           "category_levels": ["Scarves"], "text_vector": [0.6, 0.8]},
}


def _vector(dim: int, space: str = "cosinesimil") -> dict[str, Any]:
    return {"type": "knn_vector", "dimension": dim, "method": {"name": "hnsw", "space_type": space, "engine": "faiss"}}


@pytest.fixture
def items(client: Any) -> Any:
    text_kw = {"type": "text", "fields": {"keyword": {"type": "keyword"}}}
    client.indices.create(index=INDEX, body={"settings": {"index": {"knn": True}}, "mappings": {"properties": {
        "title": {"type": "text"}, "description": {"type": "text"}, "brand": text_kw, "category": text_kw,
        "category_levels": {"type": "keyword"}, "price": {"type": "float"}, "popularity": {"type": "float"},
        "rating": {"type": "float"}, "text_vector": _vector(2), "image_vector": _vector(2),
        "cf_vector": _vector(2, "innerproduct")}}})
    client.indices.put_alias(index=INDEX, name="items")
    for doc_id, doc in DOCS.items():
        client.index(index=INDEX, id=doc_id, body=doc)
    client.indices.refresh(index=INDEX)
    store.ensure_store(client)
    return client


def _user(**kwargs: Any) -> UserContext:
    base = dict(user_id="u1", cf_vector=(0.0, 0.0), price_centre=90.0, price_scale=30.0,
                text_taste=(0.0, 0.0), image_taste=(0.0, 0.0))
    base.update(kwargs)
    return UserContext(**base)


def _log(client: Any, user: UserContext) -> dict[str, dict[str, float]]:
    fields = index_fields(client, "items")
    fs = fused_featureset(fields, "fused", personal=True)
    featuresets.push(client, fs, replace=True)
    context = QueryContext("red shoes", text_vector=(1.0, 0.0), image_vector=(0.0, 1.0), user=user, qid="q1")
    logged = log_features(client, "items", "fused", {"q1": context}, {"q1": list(DOCS)})
    assert not logged.not_found
    return {row.doc_id: dict(zip(logged.feature_names, row.values)) for row in logged.rows}


def test_init_takes_the_features_the_index_has(items: Any) -> None:
    fields = index_fields(items, "items")
    names = [s.name for s in fused_specs(fields, personal=True)]
    assert names == ["bm25_title", "bm25_description", "bm25_brand", "bm25_category", "knn_text", "knn_image",
                     "cf_score", "affinity_category", "affinity_brand", "taste_image", "taste_text", "price_fit",
                     "popularity", "rating"]
    assert [s.name for s in fused_specs(fields, personal=False)][-2:] == ["popularity", "rating"]
    assert "cf_score" not in [s.name for s in fused_specs(fields, personal=False)]


def test_the_yaml_is_declarative_and_renders_to_the_same_featureset(items: Any, tmp_path: Any) -> None:
    fields = index_fields(items, "items")
    specs = fused_specs(fields, personal=True)
    path = tmp_path / "fused.yaml"
    path.write_text(specs_yaml("fused", specs, fields))
    data = yaml.safe_load(path.read_text())
    assert data["features"][0] == {"name": "bm25_title", "kind": "bm25", "field": "title"}
    assert featuresets.FeatureSet.from_file(path) == fused_featureset(fields, "fused", personal=True)


def test_every_feature_is_defined_and_neutral_is_neutral(items: Any) -> None:
    values = _log(items, _user())  # a user without CF/taste vectors and without affinities
    for doc_id, row in values.items():
        assert all(not math.isnan(v) for v in row.values()), (doc_id, row)
    # no affinity reads 0 on every document, never more than a liked item
    assert {values[d]["affinity_category"] for d in DOCS} == {0.0}
    assert {values[d]["affinity_brand"] for d in DOCS} == {0.0}
    # a zero user vector in the inner-product space: 1.0 where the document has the vector, 0 where not
    assert [values[d]["cf_score"] for d in ("p1", "p2", "p3")] == [1.0, 1.0, 0.0]
    assert [values[d]["taste_image"] for d in ("p1", "p2", "p3")] == [1.0, 0.0, 0.0]
    # BM25 without a match, a document without an image vector or a price: 0
    assert values["p3"]["bm25_title"] == 0.0 and values["p1"]["bm25_title"] > 0
    assert values["p2"]["knn_image"] == 0.0 and values["p1"]["knn_image"] == pytest.approx(1.0)
    assert values["p3"]["price_fit"] == 0.0 and 0 < values["p2"]["price_fit"] < values["p1"]["price_fit"] <= 1
    assert values["p1"]["knn_text"] == pytest.approx(1.0) and values["p2"]["knn_text"] == pytest.approx(0.5)
    assert values["p1"]["popularity"] == pytest.approx(1.0) and values["p3"]["popularity"] == 0.0


def test_liked_items_score_above_the_rest(items: Any) -> None:
    user = _user(category_affinity={"Hats": 0.7, "Shoes": 0.2}, brand_affinity={"Acme": 0.9},
                 cf_vector=(1.0, 0.0))
    values = _log(items, user)
    assert [values[d]["affinity_category"] for d in ("p1", "p2", "p3")] == pytest.approx([0.2, 0.7, 0.0])
    assert [values[d]["affinity_brand"] for d in ("p1", "p2", "p3")] == pytest.approx([0.9, 0.0, 0.0])
    # inner product 0.5 -> 1 + 0.5; -0.5 -> 1 / (1 + 0.5) (the k-NN plugin's score translation)
    assert [values[d]["cf_score"] for d in ("p1", "p2")] == pytest.approx([1.5, 1 / 1.5])


def test_a_bad_declarative_entry_names_the_feature_and_the_fix() -> None:
    with pytest.raises(FeatureKindError, match="feature 'x': kind 'knn' is not one of bm25, vector"):
        FeatureSpec.from_dict({"name": "x", "kind": "knn", "field": "v"})
    with pytest.raises(FeatureKindError, match="feature 'v' \\(kind vector\\) needs \"param\""):
        FeatureSpec.from_dict({"name": "v", "kind": "vector", "field": "text_vector"}).render()
