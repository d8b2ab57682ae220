"""Models: naming, the local check against the featureset, upload/list/get requests."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pi_recording import Responder
from pi_samples import sample_definition, sample_featureset

from plugin_integration import models as M
from plugin_integration.models import Model, ModelCheckError


def test_model_name_is_featureset_and_utc_timestamp() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert M.model_name("mm_features", when) == "mm_features__20260102-010405"
    assert M.model_name("mm", dt.datetime(2026, 12, 31, 23, 59, 59)) == "mm__20261231-235959"


def test_check_accepts_a_fitting_model() -> None:
    fs = sample_featureset()
    M.check_model(Model("m", "model/xgboost+json", sample_definition()), fs, fs.feature_names)


def test_check_names_unknown_features() -> None:
    fs = sample_featureset()
    with pytest.raises(ModelCheckError) as caught:
        M.check_model(Model("m", "model/xgboost+json", sample_definition("bm25_titel")), fs)
    assert "bm25_titel" in str(caught.value)
    assert "the set has: bm25_title, knn_text" in str(caught.value)


def test_check_feature_count_and_order() -> None:
    fs = sample_featureset()
    model = Model("m", "model/xgboost+json", sample_definition())
    with pytest.raises(ModelCheckError, match="trained on 3 features but featureset 'mm_features' has 4"):
        M.check_model(model, fs, fs.feature_names[:3])
    with pytest.raises(ModelCheckError, match="another order"):
        M.check_model(model, fs, tuple(reversed(fs.feature_names)))


def test_check_definition_given_as_json_string_and_bare_array() -> None:
    import json

    fs = sample_featureset()
    trees = sample_definition("nope")["splits"]
    for definition in (json.dumps(trees), trees):
        with pytest.raises(ModelCheckError, match="nope"):
            M.check_model(Model("m", "model/xgboost+json", definition), fs)
    with pytest.raises(ModelCheckError, match="no trees"):
        M.check_model(Model("m", "model/xgboost+json", {"objective": "rank:pairwise", "splits": []}), fs)


def test_check_other_model_types() -> None:
    fs = sample_featureset()
    with pytest.raises(ModelCheckError, match="weight_x"):
        M.check_model(Model("m", "model/linear", {"bm25_title": 1.0, "weight_x": 2.0}), fs)
    ranklib = "## LambdaMART\n<tree id=\"1\" weight=\"0.1\"><split><feature>5</feature><threshold>1</threshold>"
    with pytest.raises(ModelCheckError, match="#5"):
        M.check_model(Model("m", "model/ranklib", ranklib), fs)
    raw = {"learner": {"feature_names": ["bm25_title", "other"]}}
    with pytest.raises(ModelCheckError, match="other"):
        M.check_model(Model("m", "model/xgboost+json+raw", raw), fs)
    with pytest.raises(ModelCheckError, match="unknown model type"):
        M.check_model(Model("m", "model/onnx", {}), fs)


@pytest.mark.parametrize("normalizers,fragment", [
    ({"nope": {"standard": {"mean": 0, "standard_deviation": 1}}}, "'nope', which is not in the featureset"),
    ({"popularity": {"standard": {"mean": 0, "standard_deviation": 0}}}, "standard_deviation must be > 0"),
    ({"popularity": {"min_max": {"minimum": -1, "maximum": 1}}}, "0 <= minimum < maximum"),
    ({"popularity": {"min_max": {"minimum": 5, "maximum": 5}}}, "0 <= minimum < maximum"),
    ({"popularity": {"zscore": {}}}, "use {\"standard\""),
])
def test_check_normalizers(normalizers: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ModelCheckError) as caught:
        M.check_model(Model("m", "model/xgboost+json", sample_definition(), normalizers), sample_featureset())
    assert fragment in str(caught.value)


def test_upload_fetches_the_set_and_refuses_before_sending(os_client: Any, responder: Responder) -> None:
    fs = sample_featureset()
    responder.on("GET", "/_ltr/_featureset/mm_features", (200, {
        "_version": 1, "_source": {"name": "mm_features", "type": "featureset", "featureset": fs.to_dict()}}))
    with pytest.raises(ModelCheckError):
        M.upload_model(os_client, "mm_features", "m1", sample_definition("missing_feature"))
    assert [c.method for c in responder.calls] == ["GET"]
    M.upload_model(os_client, "mm_features", "m1", sample_definition())
    assert (responder.last.method, responder.last.path) == ("POST", "/_ltr/_featureset/mm_features/_createmodel")
    assert responder.last.body == {"model": {"name": "m1", "model": {"type": "model/xgboost+json",
                                                                      "definition": sample_definition()}}}


def test_upload_without_check_sends_only_createmodel(any_client: Any, responder: Responder) -> None:
    M.upload_model(any_client, "mm_features", "m1", "## ranklib text", "model/ranklib", store="products",
                   check=False)
    assert len(responder.calls) == 1
    assert responder.last.path == "/_ltr/products/_featureset/mm_features/_createmodel"
    assert responder.last.body["model"]["model"]["definition"] == "## ranklib text"


def _stored_model(name: str) -> dict[str, Any]:
    fs = sample_featureset()
    return {"name": name, "type": "model", "model": {
        "name": name, "feature_set": fs.to_dict(),
        "model": {"type": "model/xgboost+json", "definition": sample_definition(),
                  "feature_normalizers": {"popularity": {"min_max": {"minimum": 0, "maximum": 10}}}}}}


def test_get_model_parses_the_stored_model(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr/_model/m1", (200, {"_id": "model-m1", "_version": 1, "found": True,
                                                   "_source": _stored_model("m1")}))
    model = M.get_model(any_client, "m1")
    assert (model.name, model.type, model.tree_count) == ("m1", "model/xgboost+json", 2)
    assert model.featureset is not None and model.featureset.feature_names == sample_featureset().feature_names
    assert model.feature_normalizers == {"popularity": {"min_max": {"minimum": 0, "maximum": 10}}}


def test_list_models_pages_and_sorts(os_client: Any, responder: Responder) -> None:
    names = ["mm__20260103-000000", "mm__20260101-000000", "mm__20260102-000000"]

    def page(call: Any) -> tuple[int, Any]:
        start, size = int(call.params["from"]), int(call.params["size"])
        assert call.params["prefix"] == "mm__"
        return 200, {"hits": {"hits": [{"_source": _stored_model(n)} for n in names[start:start + size]]}}

    responder.on("GET", "/_ltr/_model", page)
    found = M.list_models(os_client, prefix="mm__", page_size=2)
    assert [m.name for m in found] == sorted(names)


def test_delete_model(any_client: Any, responder: Responder) -> None:
    M.delete_model(any_client, "m1", store="products")
    assert (responder.last.method, responder.last.path) == ("DELETE", "/_ltr/products/_model/m1")


def test_listing_stops_when_the_server_ignores_from(any_client: Any, responder: Responder) -> None:
    page = [{"_id": f"model-m{i}", "_source": _stored_model(f"m{i}")} for i in range(3)]
    responder.on("GET", "/_ltr/_model", (200, {"hits": {"hits": page}}))  # same page whatever "from" says
    assert [m.name for m in M.list_models(any_client, page_size=3)] == ["m0", "m1", "m2"]
    assert len(responder.calls) == 2
