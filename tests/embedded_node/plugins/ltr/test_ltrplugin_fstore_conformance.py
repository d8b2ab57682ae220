"""The LTR plugin's own REST conformance suite (``fstore/*.yml``), ported case by case onto the embedded node.

Sources read (o19s/elasticsearch-learning-to-rank; the OpenSearch fork runs the same cases, adding
``allowed_warnings`` for the ``.ltrstore`` system index):
``src/yamlRestTest/resources/rest-api-spec/test/fstore/{10_manage,40_models,80_search_w_partial_models,90_get_stats}.yml``,
``src/test/resources/rest-api-spec/test/fstore/{20_features,30_featuresets,60_create_model_from_set}.yml``; and
the OpenSearch fork's validation / add-features cases ("Validate feature", "Append/merge features to set on the
default store with a query"), of which only the opening steps could be read, completed from the plugin's
documented behaviour (``docs/building-features.rst``, ``TransportAddFeatureToSetAction``).
Each test is one YAML case (named after it) and pins the plugin behaviour that case checks. Note the suite's
feature templates in 30_featuresets are written ``match:`` / ``field_test:`` at the same indent, so the stored
template is ``{"match": null, "field_test": ...}``: the plugin stores it without validation, and so must we.
"""
from __future__ import annotations

from typing import Any

import pytest

from ltrplugin_fstore_steps import Steps

QS = "{{query_string}}"


def _feature(name: str, field: str) -> dict[str, Any]:
    return {"name": name, "params": "query_string", "template": {"match": {field: QS}}}


LINEAR_MODEL = {"model": {
    "feature_set": {"name": "my_set", "features": [_feature("feature1", "field_test"),
                                                   _feature("feature2", "field_test2")]},
    "model": {"type": "model/linear", "definition": {"feature1": 1.2, "feature2": 0.2}}}}
RANKLIB = """## LambdaMART
## No. of trees = 1
## No. of leaves = 1
## No. of threshold candidates = 256
## Learning rate = 0.1
## Stop early = 100

<ensemble>
  <tree id="1" weight="0.1">
    <split>
      <feature> 1 </feature>
      <threshold> 1.0 </threshold>
      <split pos="left">
        <output> 2.0 </output>
      </split>
      <split pos="right">
       <output> 4.0 </output>
      </split>
    </split>
  </tree>
</ensemble>
"""
RATING = {"function_score": {"functions": [{"field_value_factor": {"field": "user_rating"}}],
                             "query": {"match_all": {}}}}


@pytest.fixture
def t(client: Any) -> Steps:
    """Both doors of the node (in-process and HTTP), and a real cluster when MMLTR_TEST_CLUSTER is set."""
    return Steps(client)


# ---------------------------------------------------------------- 10_manage.yml
def test_create_and_delete_the_default_store(t: Steps) -> None:
    """10_manage "Create and delete the default store": PUT/DELETE /_ltr create and drop ``.ltrstore``."""
    t.do("ltr.create_store")
    t.do("indices.exists", index=".ltrstore")
    assert t.last is True
    t.do("ltr.delete_store")
    t.do("indices.exists", index=".ltrstore")
    assert t.last is False


def test_create_and_delete_a_custom_store(t: Steps) -> None:
    """10_manage "Create and delete a custom store": ``.ltrstore_mystore``; GET says exists, then 404."""
    t.do("ltr.create_store", store="mystore")
    t.do("indices.exists", index=".ltrstore_mystore")
    assert t.last is True
    t.do("ltr.get_store", store="mystore")
    t.match("exists", True)
    t.do("ltr.delete_store", store="mystore")
    t.do("indices.exists", index=".ltrstore_mystore")
    assert t.last is False
    t.do("ltr.get_store", catch="missing", store="mystore")


def test_get_cache_stats(t: Steps) -> None:
    """10_manage "Get cache stats": ``all.total.ram`` is 0 on a fresh store (``CachesStatsAction``)."""
    t.do("ltr.create_store")
    t.do("ltr.cache_stats")
    t.match("all.total.ram", 0)


def test_list_stores(t: Steps) -> None:
    """10_manage "List stores": empty, then both stores with version 2 and their index (``ListStoresAction``)."""
    t.do("ltr.list_stores")
    t.match("stores", {})
    t.do("ltr.create_store")
    t.do("ltr.create_store", store="mystore")
    t.do("ltr.list_stores")
    t.match("stores._default_.version", 2)
    t.match("stores._default_.index", ".ltrstore")
    t.match("stores.mystore.version", 2)
    t.match("stores.mystore.index", ".ltrstore_mystore")


def test_create_invalid_custom_stores(t: Steps) -> None:
    """10_manage "Create invalid custom stores": reserved words, then "Invalid feature store name"
    (``IndexFeatureStore.validateFeatureStoreName``)."""
    t.do("ltr.create_store", store="feature",
         catch=r"/A featurestore name cannot be based on the words \[feature\], \[featureset\] and \[model\]/")
    t.do("ltr.create_store", store="mystore#15", catch="/Invalid feature store name/")


def _cache_case(t: Steps, drop: str) -> None:
    t.do("ltr.create_store", store="custom")
    t.do("ltr.create_model", store="custom", name="my_model", body=LINEAR_MODEL)
    t.do("indices.create", index="test")
    t.do("search", index="test", body={"query": {"sltr": {"params": {"query_string": "rambo"},
                                                          "model": "my_model", "store": "custom"}}})
    t.do("ltr.cache_stats")
    assert t.value("all.total.ram") > 0
    if drop == "index":
        t.do("indices.delete", index=".ltrstore_custom")
    else:
        t.do("ltr.delete_model", store="custom", name="my_model")
    t.do("ltr.cache_stats")
    t.match("all.total.ram", 0)


def test_deleting_the_store_should_invalidate_the_cache(t: Steps) -> None:
    """10_manage "Deleting the store should invalidate the cache": single-string ``params``, a search
    fills the model cache, deleting the store index empties it."""
    _cache_case(t, "index")


def test_deleting_the_model_should_invalidate_the_cache(t: Steps) -> None:
    """10_manage "Deleting the model should invalidate the cache"."""
    _cache_case(t, "model")


# ---------------------------------------------------------------- 20_features.yml
@pytest.mark.parametrize("store", [None, "mystore"])
def test_crud_operations_feature(t: Steps, store: str | None) -> None:
    """20_features "CRUD operations test: feature on default/custom store": create (409 when repeated),
    update by POST (version 2), list with prefix, delete, then 404."""
    s = {"store": store} if store else {}
    index = ".ltrstore_mystore" if store else ".ltrstore"
    t.do("ltr.create_store", **s)
    t.do("ltr.create_feature", name="my_feature", body={"feature": {
        "params": ["query_string"], "template": {"match": {"field_test": QS}}}}, **s)
    t.match("_index", index)
    t.match("_id", "feature-my_feature")
    t.match("_version", 1)
    t.do("ltr.get_feature", name="my_feature", **s)
    t.match("_source.name", "my_feature")
    t.do("ltr.create_feature", name="my_feature", catch="/version_conflict_engine_exception/", body={
        "feature": {"params": ["query_string2"], "template": {"match": {"field_test": "{{query_string2}}"}}}}, **s)
    t.do("ltr.update_feature", name="my_feature", body={"feature": {
        "params": ["query_string2"], "template": {"match": {"field_test": "{{query_string2}}"}}}}, **s)
    t.match("_index", index)
    t.match("_version", 2)
    t.do("ltr.get_feature", name="my_feature", **s)
    t.match("_source.feature.template.match.field_test", "{{query_string2}}")
    for prefix, count in ((None, 1), ("my", 1), ("hop", 0)):
        t.do("ltr.list_feature", **s, **({"prefix": prefix} if prefix else {}))
        t.match("hits.total.value", count)
    t.do("ltr.delete_feature", name="my_feature", **s)
    t.is_true("")
    t.do("ltr.get_feature", name="my_feature", catch="missing", **s)


# ---------------------------------------------------------------- 30_featuresets.yml
@pytest.mark.parametrize("store", [None, "mystore"])
def test_crud_operations_featureset(t: Steps, store: str | None) -> None:
    """30_featuresets "CRUD operations test: featureset on default/custom store": single-string params and
    templates stored unvalidated; create, conflict, update, list, delete."""
    s = {"store": store} if store else {}
    # the suite's YAML puts field_test beside match (same indent): {"match": null, "field_test": ...}
    one = [{"name": "feature1", "params": "query_string", "template": {"match": None, "field_test": QS}}]
    two = one + [{"name": "feature2", "params": "query_string", "template": {"match": None, "field_test2": QS}}]
    t.do("ltr.create_store", **s)
    t.do("ltr.create_featureset", name="my_featureset", body={"featureset": {"features": one}}, **s)
    t.match("_index", ".ltrstore_mystore" if store else ".ltrstore")
    t.match("_id", "featureset-my_featureset")
    t.match("_version", 1)
    t.do("ltr.get_featureset", name="my_featureset", **s)
    t.match("_source.name", "my_featureset")
    t.do("ltr.create_featureset", name="my_featureset", catch="/version_conflict_engine_exception/",
         body={"featureset": {"features": two}}, **s)
    t.do("ltr.update_featureset", name="my_featureset", body={"featureset": {"features": two}}, **s)
    t.match("_version", 2)
    t.do("ltr.get_featureset", name="my_featureset", **s)
    t.match("_source.featureset.features.1.name", "feature2")
    for prefix, count in ((None, 1), ("my", 1), ("hop", 0)):
        t.do("ltr.list_featureset", **s, **({"prefix": prefix} if prefix else {}))
        t.match("hits.total.value", count)
    t.do("ltr.delete_featureset", name="my_featureset", **s)
    t.is_true("")
    t.do("ltr.get_featureset", name="my_featureset", catch="missing", **s)


# ---------------------------------------------------------------- 40_models.yml
@pytest.mark.parametrize("store", [None, "mystore"])
def test_crud_operations_model(t: Steps, store: str | None) -> None:
    """40_models "CRUD operations test: model on default/custom store": models are immutable ("Element of
    type [model] are not updatable"), normalizers are stored, list/delete/404."""
    s = {"store": store} if store else {}
    body = LINEAR_MODEL
    if store:
        body = {"model": {**LINEAR_MODEL["model"], "model": {
            **LINEAR_MODEL["model"]["model"],
            "feature_normalizers": {"feature1": {"standard": {"standard_deviation": 0.2, "mean": 0.5}}}}}}
    t.do("ltr.create_store", **s)
    t.do("ltr.create_model", name="my_model", body=body, **s)
    t.match("_id", "model-my_model")
    t.match("_version", 1)
    t.do("ltr.get_model", name="my_model", **s)
    t.match("_source.name", "my_model")
    t.match("_source.model.model.definition.feature1", 1.2)
    if store:
        t.match("_source.model.model.feature_normalizers.feature1.standard.standard_deviation", 0.2)
        t.match("_source.model.model.feature_normalizers.feature1.standard.mean", 0.5)
    t.do("ltr.update_model", name="my_model", body=LINEAR_MODEL, **s,
         catch=r"/Element of type \[model\] are not updatable, please create a new one instead/")
    for prefix, count in ((None, 1), ("my", 1), ("hop", 0)):
        t.do("ltr.list_model", **s, **({"prefix": prefix} if prefix else {}))
        t.match("hits.total.value", count)
    t.do("ltr.delete_model", name="my_model", **s)
    t.is_true("")
    t.do("ltr.get_model", name="my_model", catch="missing", **s)


# ---------------------------------------------------------------- 60_create_model_from_set.yml
@pytest.mark.parametrize("store", [None, "mystore"])
def test_create_model_from_set(t: Steps, store: str | None) -> None:
    """60_create_model_from_set "Create model from set on the default/custom store": the set is copied into
    a new model; a second _createmodel with the same name is refused."""
    s = {"store": store} if store else {}
    t.do("ltr.create_store", **s)
    t.do("ltr.create_featureset", name="my_featureset", body={"featureset": {
        "name": "my_featureset", "features": [_feature("feature1", "field_test1"),
                                              _feature("feature2", "field_test2")]}}, **s)
    model = {"model": {"name": "my_model", "model": {"type": "model/linear",
                                                     "definition": {"feature1": 1.3, "feature2": 0.3}}}}
    t.do("ltr.create_model_from_set", name="my_featureset", body=model, **s)
    t.match("_index", ".ltrstore_mystore" if store else ".ltrstore")
    t.match("_id", "model-my_model")
    t.match("_version", 1)
    t.do("ltr.create_model_from_set", name="my_featureset", body=model, **s,
         catch=r"/Element of type \[model\] are not updatable, please create a new one instead./")


# ---------------------------------------------------------------- 80_search_w_partial_models.yml / 90_get_stats.yml
def _partial_models_setup(t: Steps, via_stored_features: bool) -> None:
    t.do("indices.create", index="test")
    t.do("index", index="test", type="test", id="1",
         body={"field1": "v1", "field2": "v2", "field3": "some text", "user_rating": 5.2})
    t.do("index", index="test", type="test", id="2",
         body={"field1": "v1 aoeu", "field2": " ua u v2", "field3": "foo bar text", "user_rating": 0.0})
    t.do("ltr.create_store")
    if via_stored_features:
        for name, field in (("feature1", "field1"), ("feature2", "field2")):
            t.do("ltr.create_feature", name=name, body={"feature": {
                "params": ["query_string"], "template": {"match": {field: QS}}}})
        t.do("ltr.create_featureset", name="my_featureset", body={"featureset": {"name": "my_featureset"}})
        t.do("ltr.add_features_to_set", name="my_featureset", query="feature1")
        t.do("ltr.add_features_to_set", name="my_featureset", query="feature2")
    else:
        t.do("ltr.create_featureset", name="my_featureset", body={"featureset": {
            "name": "my_featureset", "features": [_feature("feature1", "field1"), _feature("feature2", "field2")]}})
    t.do("ltr.add_features_to_set", name="my_featureset", body={"features": [
        {"name": "user_rating", "params": "query_string", "template": RATING}]})
    t.do("ltr.add_features_to_set", name="my_featureset", body={"features": [
        {"name": "no_param_feature", "params": [], "template": RATING}]})
    t.do("indices.refresh")
    for name, model in (
            ("single_feature_ranklib_model", {"type": "model/ranklib", "definition": RANKLIB}),
            ("single_feature_linear_model", {"type": "model/linear", "definition": {"feature1": 1.3}}),
            ("three_feature_linear_model", {"type": "model/linear", "definition": {
                "feature1": 1.3, "feature2": 2.3, "no_param_feature": 3.0}})):
        t.do("ltr.create_model_from_set", name="my_featureset", body={"model": {"name": name, "model": model}})
    t.do("indices.refresh")


@pytest.mark.parametrize("sltr", [
    {"params": {"query_string": "rambo"}, "model": "single_feature_ranklib_model"},
    {"params": {"query_string": "rambo"}, "model": "single_feature_linear_model"},
    {"params": {}, "model": "three_feature_linear_model", "active_features": ["no_param_feature"]},
], ids=["single feature ranklib model", "single feature linear model",
        "three feature linear model using one active feature"])
def test_search_with_partial_models(t: Steps, sltr: dict[str, Any]) -> None:
    """80_search_w_partial_models: models that use a subset of the set's features (or only
    ``active_features``) still match every document (2 hits)."""
    _partial_models_setup(t, via_stored_features=False)
    t.do("search", index="test", body={"query": {"sltr": sltr}})
    t.length("hits.hits", 2)


def test_get_all_stats(t: Steps) -> None:
    """90_get_stats "Get all stats": store counts (features added by name query count once as features) and
    per-node cache counters (``LTRStatsAction``; OpenSearch path ``/_plugins/_ltr/stats``)."""
    _partial_models_setup(t, via_stored_features=True)
    t.do("ltr.get_stats")
    node_id = next(iter(t.value("nodes")))
    t.match("status", "green")
    t.length("stores", 1)
    t.match("stores._default_.status", "green")
    t.match("stores._default_.featureset_count", 1)
    t.match("stores._default_.feature_count", 2)
    t.match("stores._default_.model_count", 3)
    for kind in ("feature", "featureset", "model"):
        cache = t.value(f"nodes.{node_id}.cache.{kind}")
        for key in ("hit_count", "miss_count", "eviction_count", "entry_count", "memory_usage_in_bytes"):
            assert cache[key] >= 0


def test_get_an_individual_stat_plugin_status(t: Steps) -> None:
    """90_get_stats "Get an individual stat - plugin status"."""
    _partial_models_setup(t, via_stored_features=True)
    t.do("ltr.get_stats", stat="status")
    t.match("status", "green")


# ---------------------------------------------------------------- OpenSearch additions (validation, add features)
def test_validate_feature(t: Steps) -> None:
    """OpenSearch fstore "Validate feature": a feature whose template is not a query fails with "Cannot store
    element, validation failed" when a ``validation`` block names an index (``FeatureValidation``)."""
    t.do("ltr.create_store")
    t.do("indices.create", index="test_index")
    t.do("ltr.create_feature", name="my_feature", catch="/Cannot store element, validation failed/", body={
        "feature": {"name": "my_feature", "params": ["query_string"],
                    "template": {"broken_query": {"field_test": QS}}},
        "validation": {"index": "test_index", "params": {"query_string": "test query"}}})
    t.do("ltr.get_feature", name="my_feature", catch="missing")
    t.do("ltr.create_feature", name="my_feature", body={
        "feature": {"name": "my_feature", "params": ["query_string"], "template": {"match": {"field_test": QS}}},
        "validation": {"index": "test_index", "params": {"query_string": "test query"}}})
    t.match("_version", 1)


def test_append_merge_features_to_set_with_a_query(t: Steps) -> None:
    """OpenSearch fstore "Append/merge features to set on the default store with a query": stored features
    matched by ``name*`` are appended in order; appending a name again fails unless ``merge=true``, which
    replaces it in place (``TransportAddFeatureToSetAction``)."""
    t.do("ltr.create_store")
    for name, field in (("my_feature1", "field1"), ("my_feature2", "field2")):
        t.do("ltr.create_feature", name=name, body={"feature": {
            "name": name, "params": ["query_string"], "template": {"match": {field: QS}}}})
    t.do("ltr.add_features_to_set", name="my_featureset", query="my_feature*")
    t.match("_version", 1)
    t.do("ltr.get_featureset", name="my_featureset")
    assert [f["name"] for f in t.value("_source.featureset.features")] == ["my_feature1", "my_feature2"]
    t.do("ltr.add_features_to_set", name="my_featureset", query="my_feature1",
         catch=r"/defined twice in this set/")
    t.do("ltr.update_feature", name="my_feature1", body={"feature": {
        "name": "my_feature1", "params": ["query_string"], "template": {"match": {"field3": QS}}}})
    t.do("ltr.add_features_to_set", name="my_featureset", query="my_feature1", merge="true")
    t.match("_version", 2)
    t.do("ltr.get_featureset", name="my_featureset")
    t.match("_source.featureset.features.0.template.match.field3", QS)
    t.length("_source.featureset.features", 2)
