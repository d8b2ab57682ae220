"""Stores and featuresets on the embedded node's LTR plugin, through the client layer."""
from __future__ import annotations

from typing import Any

import pytest
from pi_engine_samples import engine_featureset

from plugin_integration import featuresets, ltr_api, store
from plugin_integration.errors import ClusterError
from plugin_integration.featuresets import Feature, FeatureSet, FeatureSetError


def test_store_init_list_drop_are_idempotent(client: Any) -> None:
    assert store.list_stores(client) == []
    assert store.ensure_store(client) is True
    assert store.ensure_store(client) is False
    assert store.ensure_store(client, "shop") is True
    listed = {s.name: s for s in store.list_stores(client)}
    assert set(listed) == {"_default_", "shop"}
    assert listed["_default_"].index == ".ltrstore" and listed["shop"].index == ".ltrstore_shop"
    assert store.drop_store(client, "shop") is True
    assert store.drop_store(client, "shop") is False
    assert store.drop_store(client) is True
    assert store.list_stores(client) == []


def test_reserved_store_names_are_refused_with_the_plugins_reason(client: Any) -> None:
    with pytest.raises(ClusterError) as caught:
        store.ensure_store(client, "models")
    assert caught.value.status == 400
    assert "cannot be based on the words [feature], [featureset] and [model]" in caught.value.reason
    assert caught.value.hint


def test_push_without_a_store_says_to_init_it(client: Any) -> None:
    with pytest.raises(ClusterError) as caught:
        featuresets.push(client, engine_featureset())
    assert "does not exist" in caught.value.reason
    assert "mmltr store init" in caught.value.hint


def test_push_fetch_round_trip_and_versions(client: Any) -> None:
    store.ensure_store(client)
    fs = engine_featureset()
    featuresets.push(client, fs)
    fetched = featuresets.fetch(client, fs.name)
    assert fetched == fs
    assert featuresets.diff(fs, fetched).is_empty
    assert fetched.version == 1
    with pytest.raises(ClusterError) as caught:
        featuresets.push(client, fs)
    assert caught.value.status == 409
    assert "--replace" in caught.value.hint
    changed = FeatureSet(fs.name, fs.features[:2] + (Feature("bm25_brand", {"match": {"brand": "{{keywords}}"}},
                                                             ("keywords",)),))
    featuresets.push(client, changed, replace=True)
    stored = featuresets.fetch(client, fs.name)
    assert stored == changed and stored.version == 2
    result = featuresets.diff(fs, stored)
    assert result.added == ("knn_text", "popularity") and result.removed == ("bm25_brand",)
    assert [f.name for f in featuresets.list_featuresets(client, prefix="mm_")] == [fs.name]


def test_named_store_is_separate(client: Any) -> None:
    store.ensure_store(client)
    store.ensure_store(client, "shop")
    featuresets.push(client, engine_featureset("only_in_shop"), store="shop")
    assert featuresets.fetch(client, "only_in_shop", store="shop").name == "only_in_shop"
    with pytest.raises(ClusterError) as caught:
        featuresets.fetch(client, "only_in_shop")
    assert caught.value.status == 404
    assert "featureset push" in caught.value.hint


def test_validation_block_runs_the_features_before_storing(products: Any) -> None:
    store.ensure_store(products)
    ok = featuresets.push(products, engine_featureset(), validation={
        "params": {"keywords": "red", "query_text_vector": [1.0, 0.0]}, "index": "products"})
    assert ok["result"] == "created"
    broken = FeatureSet("broken", (Feature("bad", '{"match": {"title": {{keywords}}}}', ("keywords",)),))
    with pytest.raises(ClusterError) as caught:
        featuresets.push(products, broken, validation={"params": {"keywords": "red shoes"}, "index": "products"})
    assert caught.value.status == 400
    assert "validation failed" in caught.value.reason


def test_empty_featureset_is_refused_locally_though_the_plugin_stores_it(client: Any) -> None:
    """The plugin (like o19s) stores a set without features; a model can never use it, so we refuse it."""
    store.ensure_store(client)
    with pytest.raises(FeatureSetError, match="at least one feature"):
        featuresets.push(client, FeatureSet("empty", ()))
    ltr_api.create_featureset(client, "empty", {"featureset": {"name": "empty", "features": []}})
    assert featuresets.fetch(client, "empty").features == ()


def test_duplicate_feature_names_are_rejected_by_the_plugin(client: Any) -> None:
    store.ensure_store(client)
    feature = {"name": "a", "params": [], "template": {"match_all": {}}}
    with pytest.raises(ClusterError) as caught:
        ltr_api.create_featureset(client, "dupes", {"featureset": {"features": [feature, feature]}})
    assert caught.value.status == 400
    assert "a" in caught.value.reason
