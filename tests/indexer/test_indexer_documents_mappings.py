from __future__ import annotations

import json

import numpy as np
import pytest

from indexer.documents import build_document, category_levels, document_json
from indexer.errors import IndexerError
from indexer.items import Item, item_text
from indexer.mappings import (
    MappingOptions,
    VectorSpec,
    build_index_body,
    build_mappings,
    live_settings,
    load_settings,
    vector_field_mapping,
)


def _item(**kwargs: object) -> Item:
    base = {"id": "p1", "title": "Red shoe", "row": 3}
    base.update(kwargs)
    return Item(**base)  # type: ignore[arg-type]


def test_document_leaves_missing_values_out_and_adds_category_levels() -> None:
    item = _item(brand="Stride", category="Apparel > Shoes > Running", price=80.0, attributes={"size": 42})
    doc = build_document(item)
    assert doc == {
        "id": "p1",
        "title": "Red shoe",
        "brand": "Stride",
        "category": "Apparel > Shoes > Running",
        "price": 80.0,
        "attributes": {"size": 42},
        "category_levels": ["Apparel", "Apparel > Shoes", "Apparel > Shoes > Running"],
    }


def test_document_json_writes_float32_vectors_that_round_trip_exactly() -> None:
    vector = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    text = document_json(build_document(_item(), text_vector=vector, image_vector=vector[:16]))
    parsed = json.loads(text)
    assert np.array_equal(np.asarray(parsed["text_vector"], dtype=np.float32), vector)
    assert len(parsed["image_vector"]) == 16 and "cf_vector" not in parsed


def test_item_text_joins_the_chosen_fields() -> None:
    item = _item(brand="Stride", description=None, category="Apparel > Shoes")
    assert item_text(item) == "Red shoe"
    assert (
        item_text(item, ("title", "brand", "description", "category")) == "Red shoe. Stride. Apparel > Shoes"
    )


def test_category_levels_of_nothing_is_empty() -> None:
    assert category_levels(None) == [] and category_levels("A") == ["A"]


def test_mapping_has_text_keyword_numeric_and_vector_fields() -> None:
    options = MappingOptions(
        text=VectorSpec(384),
        image=VectorSpec(512, "innerproduct", "lucene", m=32, ef_construction=200),
        meta={"text_encoder": "minilm"},
    )
    mappings = build_mappings(options)
    props = mappings["properties"]
    for name in ("title", "description", "brand", "category"):
        assert props[name]["type"] == "text" and props[name]["analyzer"] == "standard"
    assert props["title"]["fields"]["keyword"]["type"] == "keyword"
    assert props["brand"]["fields"]["keyword"]["type"] == "keyword"
    assert "fields" not in props["description"]
    assert {props[n]["type"] for n in ("price", "rating", "popularity")} == {"float"}
    assert props["color"]["type"] == props["category_levels"]["type"] == props["id"]["type"] == "keyword"
    assert props["created_at"] == {"type": "date"} and props["attributes"] == {
        "type": "object",
        "enabled": False,
    }
    assert props["text_vector"] == {
        "type": "knn_vector",
        "dimension": 384,
        "method": {
            "name": "hnsw",
            "space_type": "cosinesimil",
            "engine": "faiss",
            "parameters": {"m": 16, "ef_construction": 100},
        },
    }
    assert props["image_vector"]["method"] == {
        "name": "hnsw",
        "space_type": "innerproduct",
        "engine": "lucene",
        "parameters": {"m": 32, "ef_construction": 200},
    }
    assert "cf_vector" not in props
    assert mappings["dynamic"] is False and mappings["_meta"] == {"mmltr": {"text_encoder": "minilm"}}


def test_cjk_option_switches_the_text_analyzer() -> None:
    props = build_mappings(MappingOptions(analyzer="cjk"))["properties"]
    assert {props[n]["analyzer"] for n in ("title", "description", "brand", "category")} == {"cjk"}


def test_cf_vector_is_mapped_when_its_dimension_is_known() -> None:
    props = build_mappings(MappingOptions(cf=VectorSpec(64, "innerproduct")))["properties"]
    assert (
        props["cf_vector"]["dimension"] == 64 and props["cf_vector"]["method"]["space_type"] == "innerproduct"
    )
    assert vector_field_mapping("cf_vector", VectorSpec(8))["properties"]["cf_vector"]["dimension"] == 8


def test_load_settings_disable_refresh_and_replicas_and_live_settings_restore_them() -> None:
    body = build_index_body(MappingOptions(text=VectorSpec(4)))
    assert (
        body["settings"]
        == load_settings()
        == {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}}
    )
    assert live_settings(1) == {"index": {"number_of_replicas": 1, "refresh_interval": "1s"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dim": 0}, "dimension"),
        ({"dim": 4, "space_type": "dot"}, "space type"),
        ({"dim": 4, "engine": "annoy"}, "engine"),
        ({"dim": 4, "engine": "lucene", "space_type": "l1"}, "lucene"),
        ({"dim": 4, "m": 1}, "HNSW"),
    ],
)
def test_invalid_vector_specs_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(IndexerError, match=message):
        VectorSpec(**kwargs)  # type: ignore[arg-type]
