"""The ``sltr`` query as a query, a filter and a rescorer; models, templates, missing features per version."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ltrplugin_helpers import FEATURES, PRODUCTS, create_products, put_featureset, versioned_client
from opensearchpy import NotFoundError, RequestError

from support.scores import as_f32

F32 = np.float32


@pytest.fixture
def products(inproc_client: Any) -> Any:
    create_products(inproc_client)
    inproc_client.plugins.ltr.create_default_store()
    put_featureset(inproc_client)
    return inproc_client


def scores(client: Any, query: dict[str, Any], **extra: Any) -> dict[str, float]:
    body = {"size": 20, "query": query, **extra}
    return {h["_id"]: as_f32(h["_score"]) for h in client.search(index=PRODUCTS, body=body)["hits"]["hits"]}


def feature_scores(client: Any, keywords: str = "red shoes", brand: str = "acme") -> dict[str, list[float]]:
    """Each feature's own query run as a plain search (unmatched docs absent)."""
    out: dict[str, list[float]] = {}
    params = {"keywords": keywords, "brand": brand}
    for feature in FEATURES:
        rendered = json.loads(json.dumps(feature["template"]).replace("{{keywords}}", params["keywords"])
                              .replace("{{brand}}", params["brand"]))
        out[feature["name"]] = scores(client, rendered)  # type: ignore[assignment]
    return out  # type: ignore[return-value]


def test_featureset_query_matches_every_doc_and_sums_features_in_float32(products: Any) -> None:
    per_feature = feature_scores(products)
    params = {"keywords": "red shoes", "brand": "acme"}
    got = scores(products, {"sltr": {"featureset": "fs", "params": params}})
    assert sorted(got) == ["p0", "p1", "p2", "p3", "p4"]  # p4 matches no text feature and still matches sltr
    for doc, score in got.items():
        total = F32(0)
        for name in ("title_bm25", "price", "brand"):
            total = F32(total + F32(per_feature[name].get(doc, 0.0)))  # type: ignore[union-attr]
        assert F32(score) == total


def test_sltr_in_a_filter_does_not_change_scores_and_is_named(products: Any) -> None:
    query = {"bool": {"must": {"match": {"title": "shoes"}}, "filter": [
        {"sltr": {"_name": "ltr", "featureset": "fs", "params": {"keywords": "x", "brand": "y"}}}]}}
    plain = scores(products, {"match": {"title": "shoes"}})
    response = products.search(index=PRODUCTS, body={"query": query})
    assert {h["_id"]: as_f32(h["_score"]) for h in response["hits"]["hits"]} == plain
    assert all(h["matched_queries"] == ["ltr"] for h in response["hits"]["hits"])


def test_rescore_window_weights_and_boost(products: Any) -> None:
    params = {"keywords": "red shoes", "brand": "acme"}
    first = scores(products, {"match": {"title": "shoes"}})
    model = scores(products, {"sltr": {"featureset": "fs", "params": params}})
    rescore = {"window_size": 2, "query": {"rescore_query": {"sltr": {"featureset": "fs", "params": params,
                                                                      "boost": 2.0}},
                                           "query_weight": 0.5, "rescore_query_weight": 3.0}}
    got = scores(products, {"match": {"title": "shoes"}}, rescore=rescore)
    window = sorted(first, key=lambda d: (-first[d], d))[:2]
    for doc, score in got.items():
        base = F32(F32(first[doc]) * F32(0.5))
        if doc in window:
            assert F32(score) == F32(base + F32(F32(F32(model[doc]) * F32(2.0)) * F32(3.0)))
        else:
            assert F32(score) == base


def test_active_features_and_parameter_errors(products: Any) -> None:
    only_price = scores(products, {"sltr": {"featureset": "fs", "params": {}, "active_features": ["price"]}})
    assert only_price == scores(products, FEATURES[1]["template"]) | {"p3": 0.0}  # no keywords needed
    # StoredLtrQueryBuilder declares active_features with declareStringArray: a bare string is one name
    assert scores(products, {"sltr": {"featureset": "fs", "params": {}, "active_features": "price"}}) == only_price
    with pytest.raises(RequestError) as exc:
        scores(products, {"sltr": {"featureset": "fs", "params": {}, "active_features": ["nope"]}})
    assert exc.value.info["error"]["root_cause"][0]["reason"] == \
        "Feature: [nope] provided in active_features does not exist"
    with pytest.raises(RequestError) as exc:
        scores(products, {"sltr": {"featureset": "fs", "params": {"brand": "x"}}})
    assert exc.value.info["error"]["root_cause"][0]["reason"] == "Missing required param(s): [keywords]"
    for body, message in [({"params": {}}, "Either [model] or [featureset] must be set."),
                          ({"featureset": "fs"}, "Field [params] is mandatory."),
                          ({"featureset": "fs", "params": {}, "bogus": 1}, "[sltr] unknown field [bogus]")]:
        with pytest.raises(RequestError) as exc:
            scores(products, {"sltr": body})
        assert exc.value.info["error"]["reason"] == message
    with pytest.raises(NotFoundError) as exc:
        scores(products, {"sltr": {"model": "nope", "params": {}}})
    assert exc.value.info["error"]["root_cause"][0]["reason"] == "Unknown model [nope]"


ADVERSARIAL = ['red "shoes"', 'shoes\\', '"}},{"match_all":{}},{"x":{"y":"', "{{brand}}",
               "shoes {{#toJson}}x",
               "rot\u00e9 \u65e5\u672c \U0001F600 shoes", "\n\tshoes\u0000"]


@pytest.mark.parametrize("keywords", ADVERSARIAL)
def test_adversarial_params_are_data(products: Any, keywords: str) -> None:
    """The feature scores exactly what ``match`` scores for the literal string: the template's shape held."""
    direct = scores(products, {"match": {"title": keywords}})
    got = scores(products, {"sltr": {"featureset": "fs", "params": {"keywords": keywords, "brand": "none"},
                                     "active_features": ["title_bm25"]}})
    assert got == {doc: direct.get(doc, 0.0) for doc in got}


def test_template_rendering_errors_are_feature_query_errors(products: Any) -> None:
    ltr = products.plugins.ltr
    ltr.create_featureset(id="broken", body={"featureset": {"features": [
        {"name": "raw", "params": ["v"], "template": '{"match": {"title": {{v}}}}'}]}})
    with pytest.raises(RequestError) as exc:
        scores(products, {"sltr": {"featureset": "broken", "params": {"v": "red"}}})
    reason = exc.value.info["error"]["root_cause"][0]["reason"]
    assert reason == "Cannot create query while parsing feature [raw]"
    assert scores(products, {"sltr": {"featureset": "broken", "params": {"v": 1}}})  # renders as a number


def test_vector_feature_via_tojson_string_template_and_knn_script_feature(products: Any) -> None:
    knn = '{"script_score":{"query":{"match_all":{}},"script":{"lang":"knn","source":"knn_score","params":' \
          '{"field":"vec","query_value":{{#toJson}}qv{{/toJson}},"space_type":"cosinesimil"}}}}'
    ltr = products.plugins.ltr
    ltr.create_featureset(id="vec", body={"featureset": {"features": [
        {"name": "knn_tpl", "params": ["qv"], "template": knn},
        {"name": "knn_script", "params": ["qv"], "template_language": "script_feature",
         "template": {"lang": "knn", "source": "knn_score",
                      "params": {"field": "vec", "space_type": "cosinesimil", "extra_script_params":
                                 {"qv": "query_value"}}}}]}})
    direct = scores(products, json.loads(knn.replace("{{#toJson}}qv{{/toJson}}", "[0.6, 0.8]")))
    response = products.search(index=PRODUCTS, body={"query": {"sltr": {
        "_name": "v", "featureset": "vec", "params": {"qv": [0.6, 0.8]}}}, "ext": {"ltr_log": {"log_specs": {
            "named_query": "v"}}}})
    for hit in response["hits"]["hits"]:
        logged = {e["name"]: e.get("value") for e in hit["fields"]["_ltrlog"][0]["v"]}
        assert F32(logged["knn_tpl"]) == F32(logged["knn_script"]) == F32(direct[hit["_id"]])


def test_derived_and_script_features(products: Any) -> None:
    ltr = products.plugins.ltr
    ltr.create_featureset(id="calc", body={"featureset": {"features": [
        FEATURES[1],
        {"name": "scaled", "params": ["w"], "template_language": "derived_expression",
         "template": "price * w + ln(price + 1)"},
        {"name": "script", "params": ["k"], "template_language": "script_feature",
         "template": {"source": "params.feature_vector.get('scaled') > 20 ? params.k : -params.k"}}]}})
    response = products.search(index=PRODUCTS, body={"query": {"sltr": {
        "_name": "c", "featureset": "calc", "params": {"w": 2, "k": 1.5}}}, "ext": {"ltr_log": {"log_specs": {
            "named_query": "c"}}}})
    for hit in response["hits"]["hits"]:
        logged = {e["name"]: e.get("value") for e in hit["fields"]["_ltrlog"][0]["c"]}
        price = F32(logged["price"] or 0.0)
        scaled = F32(float(price) * 2 + np.log(float(price) + 1))
        assert F32(logged["scaled"]) == scaled
        assert logged["script"] == (1.5 if scaled > 20 else -1.5)
    with pytest.raises(RequestError) as exc:
        scores(products, {"sltr": {"featureset": "calc", "params": {"w": "two", "k": 1}}})
    assert "expected to be of type Double" in json.dumps(exc.value.info)
    with pytest.raises(RequestError) as exc:
        ltr.create_featureset(id="bad", body={"featureset": {"features": [
            {"name": "d", "params": [], "template_language": "derived_expression", "template": "nope * 2"}]}})
    assert "refers to unknown feature or param [nope]" in json.dumps(exc.value.info)


def _tree_model(client: Any, name: str, missing_as_zero: bool | None = None) -> None:
    def tree(threshold: float, yes: float, no: float, missing_yes: bool) -> dict[str, Any]:
        return {"nodeid": 0, "depth": 0, "split": "price", "split_condition": threshold, "yes": 1, "no": 2,
                "missing": 1 if missing_yes else 2,
                "children": [{"nodeid": 1, "depth": 1, "leaf": yes}, {"nodeid": 2, "depth": 1, "leaf": no}]}

    definition: dict[str, Any] = {"objective": "rank:pairwise",
                                  "splits": [tree(-1.0, 1.0, 2.0, True), tree(1.0, 10.0, 20.0, False)]}
    if missing_as_zero is not None:
        definition["missing_as_zero"] = missing_as_zero
    client.plugins.ltr.create_model_from_set(name="fs", body={"model": {"name": name, "model": {
        "type": "model/xgboost+json", "definition": definition}}})


@pytest.mark.parametrize("version,distribution,expected", [
    ("2.19.0", "opensearch", 12.0),  # dense: price 0.0 -> no (2) + yes (10)
    ("3.2.0", "opensearch", 22.0),  # NaN always no
    ("3.7.1", "opensearch", 22.0),
    ("3.8.0", "opensearch", 21.0),  # NaN follows missing
    ("8.15.0", "elasticsearch", 21.0),
    ("8.10.0", "elasticsearch", 12.0),
])
def test_missing_feature_per_plugin_version(tmp_path: Path, version: str, distribution: str,
                                            expected: float) -> None:
    with versioned_client(tmp_path / "node", version, distribution) as client:
        create_products(client)
        client.plugins.ltr.create_default_store()
        put_featureset(client)
        _tree_model(client, "trees")
        client.plugins.ltr.create_model_from_set(name="fs", body={"model": {"name": "lin", "model": {
            "type": "model/linear", "definition": {"price": 1.0, "brand": 0.0}}}})
        got = scores(client, {"sltr": {"model": "trees", "params": {"keywords": "x", "brand": "y"}}})
        assert got["p3"] == expected  # p3 has no price
        assert got["p0"] == 2.0 + 20.0  # price 10: not < -1, not < 1
        lin = scores(client, {"sltr": {"model": "lin", "params": {"keywords": "x", "brand": "y"}}})
        assert lin["p3"] == 0.0 and lin["p0"] == 10.0  # linear models always read 0.0


def test_model_missing_as_zero_after_38(tmp_path: Path) -> None:
    with versioned_client(tmp_path / "node", "3.9.0") as client:
        create_products(client)
        client.plugins.ltr.create_default_store()
        put_featureset(client)
        _tree_model(client, "zero", missing_as_zero=True)
        _tree_model(client, "nan", missing_as_zero=False)
        params = {"keywords": "x", "brand": "y"}
        assert scores(client, {"sltr": {"model": "zero", "params": params}})["p3"] == 12.0
        assert scores(client, {"sltr": {"model": "nan", "params": params}})["p3"] == 21.0
    with versioned_client(tmp_path / "node38", "3.8.0") as client:
        create_products(client)
        client.plugins.ltr.create_default_store()
        put_featureset(client)
        with pytest.raises(RequestError) as exc:
            _tree_model(client, "zero", missing_as_zero=True)
        assert "unknown field [missing_as_zero]" in exc.value.info["error"]["caused_by"]["reason"]


def test_ranklib_raw_linear_and_normalized_models_score_through_sltr(products: Any) -> None:
    ltr = products.plugins.ltr
    ranklib = ("## LambdaMART\n<ensemble><tree id=\"1\" weight=\"0.5\"><split><feature> 2 </feature>"
               "<threshold> 10.0 </threshold><split pos=\"left\"><output> 1.0 </output></split>"
               "<split pos=\"right\"><output> 3.0 </output></split></split></tree></ensemble>\n")
    raw = {"learner": {"feature_names": ["price"], "feature_types": ["float"],
                       "objective": {"name": "reg:logistic"},
                       "gradient_booster": {"name": "gbtree", "model": {"trees": [{
                           "left_children": [1, -1, -1], "right_children": [2, -1, -1],
                           "split_indices": [0, 0, 0],
                           "split_conditions": [10.0, 0.0, 0.0], "default_left": [0, 0, 0],
                           "base_weights": [0.0, -1.0, 1.0]}]}}}}
    for name, model in [("rl", {"type": "model/ranklib", "definition": ranklib}),
                        ("raw", {"type": "model/xgboost+json+raw", "definition": json.dumps(raw)}),
                        ("norm", {"type": "model/linear", "definition": {"price": 1.0},
                                  "feature_normalizers": {"price": {"min_max": {"minimum": 5,
                                                                                "maximum": 25}}}})]:
        ltr.create_model_from_set(name="fs", body={"model": {"name": name, "model": model}})
    params = {"keywords": "x", "brand": "y"}
    rl = scores(products, {"sltr": {"model": "rl", "params": params}})
    assert rl == {"p0": 0.5, "p1": 1.5, "p2": 0.5, "p3": 0.5, "p4": 0.5}  # <= 10 goes left; p3 missing = 0
    raw_scores = scores(products, {"sltr": {"model": "raw", "params": params}})
    sig = lambda x: float(F32(1.0 / (1.0 + np.exp(-x))))  # noqa: E731
    assert raw_scores == {"p0": sig(1.0), "p1": sig(1.0), "p2": sig(-1.0), "p3": sig(-1.0), "p4": sig(-1.0)}
    norm = scores(products, {"sltr": {"model": "norm", "params": params}})
    assert norm["p1"] == float(F32(F32(20.0 - 5.0) / F32(20.0)))
    assert norm["p3"] == float(F32(-5.0) / F32(20.0))


def test_validation_blocks(products: Any) -> None:
    ltr = products.plugins.ltr
    ok = {"validation": {"index": PRODUCTS, "params": {"keywords": "red"}},
          "feature": {"name": "v1", "params": ["keywords"], "template": {"match": {"title": "{{keywords}}"}}}}
    assert ltr.create_feature(id="v1", body=ok)["result"] == "created"
    for bad in ({"validation": {"index": PRODUCTS, "params": {}}, "feature": {**ok["feature"], "name": "v2"}},
                {"validation": {"index": PRODUCTS, "params": {"keywords": "x"}},
                 "feature": {"name": "v2", "params": ["keywords"], "template": {"matchy": {"title": "x"}}}},
                {"validation": {"index": "no_such_index", "params": {"keywords": "x"}},
                 "feature": {**ok["feature"], "name": "v2"}}):
        with pytest.raises(RequestError) as exc:
            ltr.create_feature(id="v2", body=bad)
        assert exc.value.info["error"]["reason"] == "Cannot store element, validation failed."
    with pytest.raises(NotFoundError):
        ltr.get_feature(id="v2")
    model = {"validation": {"index": PRODUCTS, "params": {"keywords": "red", "brand": "acme"}},
             "model": {"name": "vm", "model": {"type": "model/linear", "definition": {"price": 1}}}}
    assert ltr.create_model_from_set(name="fs", body=model)["result"] == "created"


def test_explain_shows_the_model_and_features(products: Any) -> None:
    response = products.search(index=PRODUCTS, body={"explain": True, "query": {"sltr": {
        "featureset": "fs", "params": {"keywords": "red", "brand": "acme"}}}})
    for hit in response["hits"]["hits"]:
        explanation = hit["_explanation"]
        assert explanation["value"] == hit["_score"]
        assert explanation["description"] == "LtrModel: fs using features:"
        assert len(explanation["details"]) == 3
