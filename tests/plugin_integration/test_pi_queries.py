"""Golden bodies of the query builders, and their guards."""
from __future__ import annotations

import pytest
from pi_recording import assert_golden

from plugin_integration import queries
from plugin_integration.params import QueryContext

CONTEXT = QueryContext("red shoes", text_vector=(0.12, -0.03, 0.5))


def test_first_stage_golden() -> None:
    body = queries.first_stage("red shoes", [0.12, -0.03, 0.5], k=50)
    assert_golden("ltr_first_stage.json", body)
    assert "hybrid" not in str(body)


def test_first_stage_without_vector_is_bm25_only() -> None:
    body = queries.first_stage("red shoes")
    assert body == {"bool": {"should": [{"multi_match": {
        "query": "red shoes", "fields": ["title^2", "description", "brand", "category"]}}]}}


def test_rescore_query_golden() -> None:
    body = queries.with_ltr_rescore(queries.first_stage("red shoes", [0.12, -0.03, 0.5], k=50),
                                    "mm_features__20260102-030405", CONTEXT.to_params(), window_size=200,
                                    from_=10, size=10)
    assert_golden("ltr_rescore_query.json", body)
    rescore = body["rescore"]
    assert rescore["window_size"] >= body["from"] + body["size"]
    assert rescore["query"]["query_weight"] == 0.0
    assert rescore["query"]["rescore_query_weight"] == 1.0
    assert rescore["query"]["score_mode"] == "total"


def test_rescore_window_defaults_to_cover_the_page() -> None:
    assert queries.with_ltr_rescore({"match_all": {}}, "m", {}, from_=150, size=20)["rescore"]["window_size"] == 170
    assert queries.with_ltr_rescore({"match_all": {}}, "m", {})["rescore"]["window_size"] == 100


def test_rescore_window_smaller_than_the_page_is_refused() -> None:
    with pytest.raises(ValueError, match="window_size 15 is smaller than from \\+ size = 20"):
        queries.with_ltr_rescore({"match_all": {}}, "m", {}, window_size=15, from_=10, size=10)


def test_logging_search_golden() -> None:
    body = queries.logging_search("mm_features", CONTEXT.to_params(), ["sku1", "sku2", "sku1", "sku3"])
    assert_golden("ltr_logging_search.json", body)
    assert body["size"] == 3  # duplicates removed, size = number of ids
    sltr = body["query"]["bool"]["filter"][1]["sltr"]
    spec = body["ext"]["ltr_log"]["log_specs"][0]
    assert spec["named_query"] == sltr["_name"]
    assert spec["missing_as_zero"] is False


def test_sltr_needs_exactly_one_of_model_and_featureset() -> None:
    with pytest.raises(ValueError):
        queries.sltr({}, model="m", featureset="f")
    with pytest.raises(ValueError):
        queries.sltr({})
    assert queries.sltr({"keywords": "x"}, model="m", store="products", active_features=["a"], cache=True) == {
        "sltr": {"params": {"keywords": "x"}, "model": "m", "store": "products", "active_features": ["a"],
                 "cache": True}}


def test_first_stage_knn_syntax_follows_the_flavour() -> None:
    clause = queries.first_stage("tv", [1.0], k=10, flavour="elasticsearch")["bool"]["should"][1]
    assert clause == {"knn": {"field": "text_vector", "query_vector": [1.0], "k": 10, "num_candidates": 100}}
