"""Models on the embedded node's LTR plugin: upload via _createmodel, list, get, delete, and the errors."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pi_engine_samples import engine_featureset, engine_model

from plugin_integration import ltr_api, models
from plugin_integration.errors import ClusterError
from plugin_integration.models import ModelCheckError


def test_upload_list_get_delete(ltr_ready: Any) -> None:
    fs = engine_featureset()
    name = models.model_name(fs.name, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    response = models.upload_model(ltr_ready, fs.name, name, engine_model(), feature_names=fs.feature_names,
                                   feature_normalizers={"popularity": {"min_max": {"minimum": 0, "maximum": 10}}})
    assert response["result"] == "created"
    models.upload_model(ltr_ready, fs.name, "other_model", engine_model())
    assert [m.name for m in models.list_models(ltr_ready)] == [name, "other_model"]
    assert [m.name for m in models.list_models(ltr_ready, prefix=fs.name)] == [name]
    stored = models.get_model(ltr_ready, name)
    assert stored.type == "model/xgboost+json"
    assert stored.tree_count == 2
    assert stored.featureset is not None and stored.featureset.feature_names == fs.feature_names
    assert stored.feature_normalizers == {"popularity": {"min_max": {"minimum": 0, "maximum": 10}}}
    models.delete_model(ltr_ready, name)
    with pytest.raises(ClusterError) as caught:
        models.get_model(ltr_ready, name)
    assert caught.value.status == 404


def test_models_are_immutable(ltr_ready: Any) -> None:
    models.upload_model(ltr_ready, "mm_test", "m1", engine_model())
    with pytest.raises(ClusterError) as caught:
        models.upload_model(ltr_ready, "mm_test", "m1", engine_model())
    assert "immutable" in caught.value.hint


def test_featureset_version_check(ltr_ready: Any) -> None:
    models.upload_model(ltr_ready, "mm_test", "m_v1", engine_model(), featureset_version=1)
    with pytest.raises(ClusterError) as caught:
        models.upload_model(ltr_ready, "mm_test", "m_v7", engine_model(), featureset_version=7)
    assert caught.value.status in (400, 409)


def test_wrong_objective_is_the_plugins_error_with_our_hint(ltr_ready: Any) -> None:
    definition = dict(engine_model(), objective="reg:squarederror")
    with pytest.raises(ClusterError) as caught:
        models.upload_model(ltr_ready, "mm_test", "m_bad", definition)
    assert caught.value.status == 400
    assert "reg:squarederror" in caught.value.reason
    assert "rank:pairwise" in caught.value.hint


def test_unknown_feature_is_caught_locally_then_by_the_plugin(ltr_ready: Any) -> None:
    definition = engine_model(second="knn_image")
    with pytest.raises(ModelCheckError, match="knn_image"):
        models.upload_model(ltr_ready, "mm_test", "m_unknown", definition)
    with pytest.raises(ClusterError) as caught:
        models.upload_model(ltr_ready, "mm_test", "m_unknown", definition, check=False)
    assert caught.value.status == 400
    assert "knn_image" in str(caught.value)


def test_feature_count_mismatch_is_caught_before_the_upload(ltr_ready: Any) -> None:
    with pytest.raises(ModelCheckError, match="trained on 3 features but featureset 'mm_test' has 4"):
        models.upload_model(ltr_ready, "mm_test", "m_count", engine_model(),
                            feature_names=("bm25_title", "bm25_description", "knn_text"))
    assert all(m.name != "m_count" for m in models.list_models(ltr_ready))


def test_upload_from_a_missing_featureset(ltr_ready: Any) -> None:
    with pytest.raises(ClusterError) as caught:
        models.upload_model(ltr_ready, "nope", "m", engine_model())
    assert caught.value.status == 404  # the local check fetches the set first
    assert "featureset push" in caught.value.hint
    with pytest.raises(ClusterError) as caught:  # without it, the plugin's own answer
        ltr_api.create_model_from_set(ltr_ready, "nope", {"model": {"name": "m", "model": {
            "type": "model/xgboost+json", "definition": engine_model()}}})
    assert caught.value.status == 400
    assert "Stored feature set [nope] does not exist" in caught.value.reason
    assert "featureset push" in caught.value.hint
