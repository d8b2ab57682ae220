"""FeatureSet values: reading, validation (what the plugin would reject), push/fetch requests, and diff."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pi_recording import Responder
from pi_samples import KNN_TEXT, sample_featureset

from plugin_integration import featuresets as F
from plugin_integration.featuresets import Feature, FeatureSet, FeatureSetError


def _problems(fs: FeatureSet) -> str:
    return " | ".join(fs.problems())


def test_sample_featureset_is_valid(featureset: FeatureSet) -> None:
    assert featureset.problems() == []
    assert featureset.params == ("keywords", "query_text_vector", "category_affinity_functions")


def test_round_trip_through_every_accepted_shape(featureset: FeatureSet) -> None:
    ours = featureset.to_dict()
    body = featureset.body()
    stored = {"_index": ".ltrstore", "_id": "featureset-mm_features", "_version": 4, "found": True,
              "_source": {"name": "mm_features", "type": "featureset", "featureset": ours}}
    for shape in (ours, body, stored):
        assert FeatureSet.from_dict(shape) == featureset
    assert FeatureSet.from_dict(stored).version == 4


def test_zero_features_is_an_error() -> None:
    assert "at least one feature" in _problems(FeatureSet("empty", ()))


def test_duplicate_names_are_an_error() -> None:
    f = Feature("a", {"match_all": {}})
    assert "Feature [a] defined twice in this set" in _problems(FeatureSet("s", (f, f)))


@pytest.mark.parametrize("feature,fragment", [
    (Feature("", {"match_all": {}}), "no name"),
    (Feature(" a", {"match_all": {}}), "surrounding spaces"),
    (Feature("a", {"match_all": {}}, template_language="painless"), "unknown template_language 'painless'"),
    (Feature("a", None), "Field [template] is mandatory for feature [a]"),
    (Feature("a", {"match": {"title": "x"}, "boost": 2}), "exactly one top-level key"),
    (Feature("a", {"match": {"title": "{{keywords}}"}}), "uses {{keywords}} but \"params\" does not list it"),
    (Feature("a", '{"match": {"title": "{{keywords}}"}', ("keywords",)), "not valid JSON"),
    (Feature("a", '{"knn_score": {{vec}}}', ("vec",)), None),  # an unquoted scalar placeholder is valid
    (Feature("a", "{{#toJson}}v{{/toJson}}", ("v",)), "exactly one key"),
    (Feature("a", 3), "a query object or a JSON string"),
    (Feature("a", {"x": 1}, template_language="derived_expression"), "expression string"),
    (Feature("a", "a * 2", template_language="script_feature"), "script object"),
])
def test_feature_problems(feature: Feature, fragment: str | None) -> None:
    problems = " | ".join(feature.problems())
    if fragment is None:
        assert problems == ""
    else:
        assert fragment in problems


def test_templates_with_sections_we_do_not_model_are_left_to_the_plugin() -> None:
    feature = Feature("a", '{"terms": {"brand": [{{#brands}}"{{.}}",{{/brands}}"-"]}}', ("brands",))
    assert feature.problems() == []


def test_string_vector_template_passes(featureset: FeatureSet) -> None:
    assert Feature("knn_text", KNN_TEXT, ("query_text_vector",)).problems() == []


def test_from_file_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"features": []}))
    with pytest.raises(FeatureSetError) as caught:
        FeatureSet.from_file(path)
    assert str(path) in str(caught.value)
    assert "at least one feature" in str(caught.value)


def test_from_file_name_defaults_to_stem(tmp_path: Path, featureset: FeatureSet) -> None:
    path = tmp_path / "catalogue_v2.json"
    path.write_text(json.dumps({"features": featureset.to_dict()["features"]}))
    assert FeatureSet.from_file(path).name == "catalogue_v2"


def test_from_file_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(FeatureSetError, match="not valid JSON"):
        FeatureSet.from_file(path)


def test_from_file_yaml(tmp_path: Path, featureset: FeatureSet) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "fs.yml"
    path.write_text(yaml.safe_dump(featureset.to_dict()))
    assert FeatureSet.from_file(path) == featureset


def test_push_validates_before_sending(os_client: Any, responder: Responder) -> None:
    with pytest.raises(FeatureSetError):
        F.push(os_client, FeatureSet("empty", ()))
    assert responder.calls == []


def test_fetch_reads_the_stored_set(any_client: Any, responder: Responder, featureset: FeatureSet) -> None:
    responder.on("GET", "/_ltr/_featureset/mm_features", (200, {
        "_index": ".ltrstore", "_id": "featureset-mm_features", "_version": 2, "found": True,
        "_source": {"name": "mm_features", "type": "featureset", "featureset": featureset.to_dict()}}))
    fetched = F.fetch(any_client, "mm_features")
    assert fetched == featureset
    assert fetched.version == 2


def test_list_featuresets_pages(os_client: Any, responder: Responder) -> None:
    def page(call: Any) -> tuple[int, Any]:
        start, size = int(call.params["from"]), int(call.params["size"])
        hits = [{"_source": {"name": f"s{i}", "type": "featureset", "featureset": {
            "name": f"s{i}", "features": [{"name": "a", "template": {"match_all": {}}}]}}}
            for i in range(start, min(start + size, 5))]
        return 200, {"hits": {"total": {"value": 5}, "hits": hits}}

    responder.on("GET", "/_ltr/_featureset", page)
    found = F.list_featuresets(os_client, page_size=2)
    assert [f.name for f in found] == ["s0", "s1", "s2", "s3", "s4"]
    assert len(responder.calls) == 3


def test_diff_added_removed_changed_reordered() -> None:
    remote = sample_featureset()
    a, b, c, d = remote.features
    local = FeatureSet("mm_features", (b, a, Feature("bm25_brand", {"match": {"brand": "{{keywords}}"}},
                                                     ("keywords",)),
                                       Feature(d.name, d.template, ("keywords",)), ))
    result = F.diff(local, remote)
    assert result.added == ("bm25_brand",)
    assert result.removed == ("affinity_category",)
    assert result.changed == (F.FeatureChange("popularity", ("params",)),)
    assert result.reordered
    text = result.render()
    assert "+ bm25_brand" in text and "- affinity_category" in text and "~ popularity: params" in text
    assert "retraining" in text


def test_diff_identical_sets_and_object_key_order() -> None:
    remote = sample_featureset()
    local = FeatureSet.from_dict(json.loads(json.dumps(remote.to_dict(), sort_keys=True)))
    result = F.diff(local, remote)
    assert result.is_empty
    assert result.render() == "featureset 'mm_features': no differences"


def test_join_and_tojson_arguments_count_as_used_params() -> None:
    feature = Feature("a", {"match": {"brand": "{{#join}}brands{{/join}}"}})
    assert "uses {{brands}}" in " ".join(feature.problems())
    assert Feature("a", {"match": {"brand": "{{#join}}brands{{/join}}"}}, ("brands",)).problems() == []
