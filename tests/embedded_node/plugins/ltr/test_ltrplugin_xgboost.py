"""``XGBoostJsonParser`` / ``XGBoostRawJsonParser`` validation and per-version semantics."""
from __future__ import annotations

import numpy as np
import pytest

from embedded_node.errors import EngineError
from embedded_node.plugins.ltr.versions import PluginSemantics
from embedded_node.plugins.ltr.xgboost import parse_xgboost_json, parse_xgboost_raw

OS219 = PluginSemantics("opensearch", (2, 19, 0))
OS32 = PluginSemantics("opensearch", (3, 2, 0))
OS38 = PluginSemantics("opensearch", (3, 8, 0))
OS39 = PluginSemantics("opensearch", (3, 9, 0))
ES = PluginSemantics("elasticsearch", (8, 15, 0))
NAMES = ["f1", "f2"]


def split(missing: int | None = 2, **extra: object) -> dict:
    node = {"nodeid": 0, "depth": 0, "split": "f1", "split_condition": 0.5, "yes": 1, "no": 2,
            "children": [{"nodeid": 1, "depth": 1, "leaf": 1.0}, {"nodeid": 2, "depth": 1, "leaf": 2.0}]}
    if missing is not None:
        node["missing"] = missing
    node.update(extra)
    return node


def reason(exc: pytest.ExceptionInfo) -> str:
    return exc.value.reason


def test_bare_array_and_object_forms_and_string_definition() -> None:
    X = np.asarray([[0.1, 0.0]], np.float32)
    for definition in ([split()], {"objective": "rank:pairwise", "splits": [split()]},
                       '{"objective": "reg:linear", "splits": [' + str(split()).replace("'", '"') + "]}"):
        assert parse_xgboost_json(definition, NAMES, OS219).ensemble.score(X)[0] == 1.0


@pytest.mark.parametrize("objective", ["binary:logitraw", "rank:pairwise", "reg:linear", "binary:logistic",
                                       "reg:logistic"])
def test_objectives_accepted_everywhere(objective: str) -> None:
    model = parse_xgboost_json({"objective": objective, "splits": [split()]}, NAMES, OS219)
    assert model.sigmoid == (objective in ("binary:logistic", "reg:logistic"))


def test_ranking_objectives_need_32_and_squarederror_is_never_valid() -> None:
    with pytest.raises(EngineError) as exc:
        parse_xgboost_json({"objective": "rank:ndcg", "splits": [split()]}, NAMES, OS219)
    assert reason(exc) == "Objective [rank:ndcg] is not a valid XGBoost objective"
    for sem in (OS32, ES):
        assert not parse_xgboost_json({"objective": "rank:map", "splits": [split()]}, NAMES, sem).sigmoid
    with pytest.raises(EngineError, match=r"Objective \[reg:squarederror\] is not a valid XGBoost objective"):
        parse_xgboost_json({"objective": "reg:squarederror", "splits": [split()]}, NAMES, OS38)


@pytest.mark.parametrize("definition,message", [
    ({"objective": "rank:pairwise", "splits": []}, "XGBoost model must contain at least one tree"),
    ([split(gain=1.5)], "[xgboost_tree] unknown field [gain]"),
    ([{"nodeid": 0, "depth": 0, "split": "f1", "yes": 1, "no": 2}],
     "This split does not have all the required"),
    ([split(split="nope")], "Unknown feature [nope]"),
    ([dict(split(), yes=2, no=1)], "Split structure is invalid"),
    ({"objective": "rank:pairwise", "splits": [split()], "base_score": 0.5},
     "[xgboost_definition] unknown field"),
    ([{"nodeid": 0, "leaf": "x"}], "[xgboost_tree] failed to parse field [leaf]"),
    ("{not json", "Failed to parse the model definition as JSON"),
])
def test_parse_errors(definition: object, message: str) -> None:
    with pytest.raises(EngineError) as exc:
        parse_xgboost_json(definition, NAMES, OS38)
    assert message in reason(exc)


def test_missing_pointer_rules_per_version() -> None:
    bad = [split(missing=7)]
    parse_xgboost_json(bad, NAMES, OS219)  # not validated before 3.8
    with pytest.raises(EngineError, match="Split structure is invalid"):
        parse_xgboost_json(bad, NAMES, OS38)
    parse_xgboost_json([split(missing=None)], NAMES, OS38)  # optional on OpenSearch
    with pytest.raises(EngineError, match="missing"):
        parse_xgboost_json([split(missing=None)], NAMES, ES)  # o19s unboxes a null Integer


@pytest.mark.parametrize("sem,expected", [(OS32, 2.0), (OS38, 1.0), (OS39, 1.0), (ES, 1.0)])
def test_nan_routing_per_version(sem: PluginSemantics, expected: float) -> None:
    model = parse_xgboost_json([split(missing=1)], NAMES, sem)
    assert model.ensemble.score(np.asarray([[np.nan, 0]], np.float32))[0] == expected


def test_missing_as_zero_only_after_38() -> None:
    definition = {"objective": "rank:pairwise", "splits": [split()], "missing_as_zero": True}
    with pytest.raises(EngineError, match="unknown field \\[missing_as_zero\\]"):
        parse_xgboost_json(definition, NAMES, OS38)
    assert parse_xgboost_json(definition, NAMES, OS39).missing_as_zero


def test_split_condition_and_leaf_are_float32_including_overflow_to_infinity() -> None:
    tree = split(split_condition=1e39)
    model = parse_xgboost_json([tree], NAMES, OS38)
    assert np.isinf(model.ensemble.threshold[0])
    assert model.ensemble.score(np.asarray([[3.4e38, 0]], np.float32))[0] == 1.0
    model = parse_xgboost_json([split(split_condition=0.1)], NAMES, OS38)
    assert model.ensemble.threshold[0] == np.float32(0.1)


def raw_model(default_left: list[int], feature_types: list[str] | None = None) -> dict:
    return {"version": [2, 1, 0], "learner": {
        "feature_names": ["f2", "f1"], "feature_types": feature_types or ["float", "float"],
        "objective": {"name": "rank:pairwise"}, "learner_model_param": {"base_score": "5E-1"},
        "gradient_booster": {"name": "gbtree", "model": {"trees": [{
            "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [1, 0, 0],
            "split_conditions": [0.5, 0.25, -0.75], "default_left": default_left,
            "base_weights": [0.0, 0.25, -0.75], "extra": "ignored"}]}}}}


ES91 = PluginSemantics("elasticsearch", (9, 1, 0))


@pytest.mark.parametrize("sem,default_left,nan_score", [
    (OS38, [1, 0, 0], 0.25), (OS38, [0, 0, 0], -0.75), (OS32, [1, 0, 0], -0.75), (ES, [1, 0, 0], -0.75),
    (ES91, [1, 0, 0], 0.25)])
def test_raw_parser_remaps_names_reads_base_weights_and_default_left(sem: PluginSemantics,
                                                                      default_left: list[int],
                                                                      nan_score: float) -> None:
    model = parse_xgboost_raw(raw_model(default_left), NAMES, sem)
    # split index 1 -> raw feature "f1" -> set ordinal 0
    X = np.asarray([[0.4, 9.0], [0.5, -9.0], [np.nan, 0.0]], np.float32)
    assert model.ensemble.score(X).tolist() == [0.25, -0.75, nan_score]


def test_raw_parser_rejects_non_float_features_and_unknown_names() -> None:
    with pytest.raises(EngineError, match="only supports float feature types"):
        parse_xgboost_raw(raw_model([0, 0, 0], ["float", "int"]), NAMES, OS38)
    with pytest.raises(EngineError, match=r"Unknown feature \[f2\]"):
        parse_xgboost_raw(raw_model([0, 0, 0]), ["f1"], OS38)
