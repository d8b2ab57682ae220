"""Feature logging and the LTR rescore on the embedded node: logged values feed a Python walk of the model,
which must give the scores ``sltr`` gives (training sees what serving scores)."""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pytest
from pi_engine_samples import INDEX, engine_featureset, engine_model

from plugin_integration import models, queries
from plugin_integration.feature_logging import log_features
from plugin_integration.params import QueryContext

RED_SHOES = QueryContext("red shoes", text_vector=(1.0, 0.0), qid="q1")


def _predict(definition: Mapping[str, Any], names: Sequence[str], values: Sequence[float]) -> float:
    """The plugin's tree walk: float32 compare ``value < split_condition``; NaN follows ``missing``."""
    row = dict(zip(names, values))
    total = np.float32(0.0)
    for tree in definition["splits"]:
        node = tree
        while "leaf" not in node:
            value = row[node["split"]]
            if math.isnan(value):
                target = node["missing"]
            else:
                target = node["yes"] if np.float32(value) < np.float32(node["split_condition"]) else node["no"]
            node = next(c for c in node["children"] if c["nodeid"] == target)
        total = np.float32(total + np.float32(node["leaf"]))
    return float(total)


def test_log_features_rows_missing_values_and_not_found(ltr_ready: Any) -> None:
    fs = engine_featureset()
    contexts = {"q1": RED_SHOES, "q2": QueryContext("wool scarf", text_vector=(0.0, 1.0))}
    ids = {"q1": ["sku1", "sku4", "no-such-doc", "sku1"], "q2": ["sku4", "sku2"]}
    seen: list[tuple[int, int]] = []
    result = log_features(ltr_ready, INDEX, fs.name, contexts, ids, batch_size=1,
                          progress=lambda done, total: seen.append((done, total)))
    assert result.feature_names == fs.feature_names
    assert [(r.qid, r.doc_id) for r in result.rows] == [("q1", "sku1"), ("q1", "sku4"), ("q2", "sku4"),
                                                       ("q2", "sku2")]
    assert result.not_found == {"q1": ["no-such-doc"]}
    assert seen == [(1, 2), (2, 2)]
    rows = {(r.qid, r.doc_id): dict(zip(fs.feature_names, r.values)) for r in result.rows}
    sku1, sku4 = rows[("q1", "sku1")], rows[("q1", "sku4")]
    assert sku1["bm25_title"] > 0 and sku1["bm25_description"] > 0
    assert math.isnan(sku4["bm25_title"]) and math.isnan(sku4["bm25_description"])  # no match: no value
    assert sku1["knn_text"] == pytest.approx(1.0) and sku4["knn_text"] == pytest.approx(0.9)
    assert sku1["popularity"] == pytest.approx(math.log10(121.0), rel=1e-6)
    assert sku4["popularity"] == 0.0  # field_value_factor's "missing": 0 matches every doc
    assert rows[("q2", "sku4")]["bm25_description"] > 0

    zero = log_features(ltr_ready, INDEX, fs, {"q1": RED_SHOES}, {"q1": ["sku4"]}, missing_as_zero=True)
    assert zero.rows[0].values[:2] == (0.0, 0.0)


@pytest.mark.parametrize("keywords", [
    'red "shoes"', "red }} {{keywords}} shoes", 'red\\" shoes', "red {{#toJson}}x{{/toJson}} shoes",
    'red"},"match_all":{"boost":9}} shoes', "red shoes \u00e9\u65e5\u672c",
])
def test_adversarial_keywords_are_data(ltr_ready: Any, keywords: str) -> None:
    """Quotes, braces, backslashes and ``{{`` cannot change a template: the text is only analysed as text."""
    fs = engine_featureset()
    ids = {"clean": ["sku1", "sku2", "sku3", "sku4"], "odd": ["sku1", "sku2", "sku3", "sku4"]}
    contexts = {"clean": RED_SHOES, "odd": QueryContext(keywords, text_vector=(1.0, 0.0))}
    result = log_features(ltr_ready, INDEX, fs, contexts, ids)
    clean = {r.doc_id: r.values for r in result.rows if r.qid == "clean"}
    odd = {r.doc_id: r.values for r in result.rows if r.qid == "odd"}
    assert set(odd) == set(clean)
    for doc_id in clean:  # tokens absent from the index add nothing to BM25
        np.testing.assert_allclose(odd[doc_id], clean[doc_id], rtol=1e-6)


def test_rescore_scores_equal_the_model_on_logged_features(ltr_ready: Any) -> None:
    fs = engine_featureset()
    definition = engine_model()
    models.upload_model(ltr_ready, fs.name, "mm_test__20260102-030405", definition)
    params = RED_SHOES.to_params()
    body = queries.with_ltr_rescore(queries.first_stage(RED_SHOES.keywords, RED_SHOES.text_vector, k=4),
                                    "mm_test__20260102-030405", params, window_size=10, size=10)
    hits = ltr_ready.search(index=INDEX, body=body)["hits"]["hits"]
    assert {h["_id"] for h in hits} == {"sku1", "sku2", "sku3", "sku4"}
    logged = log_features(ltr_ready, INDEX, fs, {"q1": RED_SHOES}, {"q1": [h["_id"] for h in hits]})
    zero_for_missing = {r.doc_id: tuple(0.0 if math.isnan(v) else v for v in r.values) for r in logged.rows}
    for hit in hits:  # OpenSearch 2.19 (the node's default): a missing feature is 0.0 for trees
        expected = _predict(definition, fs.feature_names, zero_for_missing[hit["_id"]])
        assert hit["_score"] == pytest.approx(expected, rel=1e-6), hit["_id"]
    assert hits[0]["_id"] == "sku1" and hits[0]["_score"] == pytest.approx(4.0)
    assert hits[-1]["_id"] == "sku4" and hits[-1]["_score"] == pytest.approx(1.25)


def test_rescore_window_keeps_later_hits_on_first_stage_scores(ltr_ready: Any) -> None:
    models.upload_model(ltr_ready, "mm_test", "m_window", engine_model())
    body = queries.with_ltr_rescore(queries.first_stage("red shoes"), "m_window", RED_SHOES.to_params(),
                                    window_size=1, size=1)
    hits = ltr_ready.search(index=INDEX, body=body)["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["sku1"]
    assert hits[0]["_score"] == pytest.approx(4.0)  # the first-stage winner, scored by the model


def test_a_template_that_renders_to_a_broken_query_fails_logging_clearly(products: Any) -> None:
    """Stored without a validation block, a bad template surfaces at query time, named by the plugin."""
    from plugin_integration import ltr_api, store
    from plugin_integration.errors import ClusterError
    from plugin_integration.featuresets import Feature, FeatureSet

    store.ensure_store(products)
    broken = FeatureSet("broken", (Feature("bad", '{"match": {"title": {{keywords}} }}', ("keywords",)),))
    assert broken.problems() == []  # valid JSON for a numeric param; a text param renders unquoted
    ltr_api.create_featureset(products, "broken", broken.body())
    with pytest.raises(ClusterError) as caught:
        log_features(products, INDEX, broken, {"q1": RED_SHOES}, {"q1": ["sku1"]})
    assert caught.value.status == 400
    assert "bad" in caught.value.reason
    assert "q1" in caught.value.hint
