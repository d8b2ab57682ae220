"""``model/ranklib``, ``model/linear`` and ``feature_normalizers``: parsing and float32 scoring."""
from __future__ import annotations

import numpy as np
import pytest

from embedded_node.errors import EngineError
from embedded_node.plugins.ltr.elements import StoredFeature, StoredFeatureSet, StoredLtrModel
from embedded_node.plugins.ltr.linear import parse_linear
from embedded_node.plugins.ltr.normalizers import parse_normalizers
from embedded_node.plugins.ltr.rankers import compile_model
from embedded_node.plugins.ltr.ranklib import parse_ranklib
from embedded_node.plugins.ltr.versions import PluginSemantics

F32 = np.float32
LAMBDAMART = """## LambdaMART
## No. of trees = 2
## No. of leaves = 3
## Learning rate = 0.1

<ensemble>
\t<tree id="1" weight="0.1">
\t\t<split>
\t\t\t<feature> 2 </feature>
\t\t\t<threshold> 0.5 </threshold>
\t\t\t<split pos="left">
\t\t\t\t<output> -1.25 </output>
\t\t\t</split>
\t\t\t<split pos="right">
\t\t\t\t<feature> 1 </feature>
\t\t\t\t<threshold> 10.0 </threshold>
\t\t\t\t<split pos="left"><output> 0.3 </output></split>
\t\t\t\t<split pos="right"><output> 2.7 </output></split>
\t\t\t</split>
\t\t</split>
\t</tree>
\t<tree id="2" weight="0.1">
\t\t<split>
\t\t\t<feature> 1 </feature>
\t\t\t<threshold> 3.0 </threshold>
\t\t\t<split pos="left"><output> 0.7 </output></split>
\t\t\t<split pos="right"><output> -0.1 </output></split>
\t\t</split>
\t</tree>
</ensemble>
"""


def ranklib_reference(x: list[float]) -> float:
    """RankLib by hand: go left on ``value <= threshold``; ``s = (float)((double)s + leaf * weight)``."""
    f1, f2 = (F32(v) for v in x)
    leaf1 = -1.25 if f2 <= F32(0.5) else (0.3 if f1 <= F32(10.0) else 2.7)
    leaf2 = 0.7 if f1 <= F32(3.0) else -0.1
    s = F32(0)
    for leaf in (leaf1, leaf2):
        s = F32(float(s) + float(F32(leaf)) * float(F32(0.1)))
    return float(s)


def test_lambdamart_goes_left_on_less_or_equal_and_sums_like_ranklib() -> None:
    model = parse_ranklib(LAMBDAMART, 2)
    rows = [[0.0, 0.5], [10.0, 0.5000001], [10.000001, 1.0], [3.0, 0.0], [np.nan, np.nan]]
    got = model.score(np.asarray(rows, np.float32))
    expected = [ranklib_reference([0.0 if np.isnan(v) else v for v in row]) for row in rows]
    assert got.tolist() == expected


def test_random_forest_is_the_double_mean_of_bag_scores() -> None:
    bag = LAMBDAMART.split("<ensemble>")[1].split("</ensemble>")[0]
    text = "## Random Forests\n## No. of bags = 2\n" + f"<ensemble>{bag}</ensemble>\n" * 2
    model = parse_ranklib(text, 2)
    X = np.asarray([[0.0, 0.5], [11.0, 1.0]], np.float32)
    single = parse_ranklib(LAMBDAMART, 2).score(X)
    assert model.score(X).tolist() == [float(F32((float(v) + float(v)) / 2)) for v in single]


def test_coordinate_ascent_and_linear_regression_weights() -> None:
    ca = parse_ranklib("## Coordinate Ascent\n## Restart = 2\n1:0.25 2:-0.5\n", 2)
    assert ca.score(np.asarray([[2.0, 3.0]], np.float32)).tolist() == [float(F32(0.25 * 2.0 - 0.5 * 3.0))]
    lr = parse_ranklib("## Linear Regression\n## Lambda = 1.0E-10\n0:1.5 1:2.0 2:0.5\n", 2)
    assert lr.score(np.asarray([[1.0, 4.0]], np.float32)).tolist() == [float(F32(1.5 + 2.0 + 2.0))]


@pytest.mark.parametrize("text,message", [
    ("## RankNet\n", "not supported by the embedded node"),
    ("## Something\n", "Unknown RankLib model type"),
    (LAMBDAMART.replace("<feature> 2 </feature>", "<feature> 3 </feature>"), "out of range"),
    ("## LambdaMART\n<ensemble><tree weight='1'><split><feature>1</feature></split></tree></ensemble>",
     "needs <feature>, <threshold>"),
    ("## LambdaMART\n<!DOCTYPE x [<!ENTITY a 'b'>]><ensemble/>", "not allowed"),
])
def test_ranklib_errors(text: str, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        parse_ranklib(text, 2)


def test_linear_is_a_float32_sum_in_ordinal_order() -> None:
    model = parse_linear({"b": 0.1, "a": 3.0}, ["a", "b", "c"])
    X = np.asarray([[1.0, 2.0, 100.0]], np.float32)
    expected = F32(F32(F32(0) + F32(3.0) * F32(1.0)) + F32(0.1) * F32(2.0))
    assert model.score(X)[0] == expected
    with pytest.raises(EngineError, match=r"Feature \[zz\] is unknown."):
        parse_linear('{"zz": 1}', ["a"])


def test_normalizers_validation_quirks() -> None:
    names = ["a", "b"]
    norms = parse_normalizers({"a": {"standard": {"mean": 1, "standard_deviation": 2}},
                               "b": {"min_max": {"minimum": 0, "maximum": 10}}}, names)
    assert [n.kind for n in norms] == ["standard", "min_max"]
    for bad, message in [({"a": {"standard": {"mean": 1, "standard_deviation": 0}}}, "Positive Number"),
                         ({"a": {"min_max": {"minimum": -1, "maximum": 10}}}, "must be >= 0"),
                         ({"a": {"min_max": {"minimum": 5, "maximum": 5}}}, "must be less than"),
                         ({"zz": {"standard": {"mean": 1, "standard_deviation": 1}}},
                          r"Unknown feature \[zz\]"),
                         ({"a": {"z_score": {}}}, "Unknown feature normalizer type")]:
        with pytest.raises(EngineError, match=message):
            parse_normalizers(bad, names)


def feature(name: str) -> StoredFeature:
    return StoredFeature(name, [], "mustache", {"match_all": {}})


def test_normalizers_apply_in_float32_before_the_model() -> None:
    fs = StoredFeatureSet("s", [feature("a"), feature("b")])
    model = compile_model(StoredLtrModel("m", fs, "model/linear", {"a": 1.0, "b": 1.0},
                                         {"a": {"standard": {"mean": 0.5, "standard_deviation": 3}},
                                          "b": {"min_max": {"minimum": 1, "maximum": 4}}}),
                          PluginSemantics("opensearch", (2, 19, 0)))
    X = np.asarray([[2.0, 0.0]], np.float32)
    a = F32(F32(F32(2.0) - F32(0.5)) / F32(3))
    b = F32(F32(F32(0.0) - F32(1)) / F32(F32(4) - F32(1)))
    assert model.score(X)[0] == F32(F32(F32(0) + a) + b)


def test_model_compile_errors_name_the_model_and_type() -> None:
    fs = StoredFeatureSet("s", [feature("a")])
    with pytest.raises(EngineError) as exc:
        compile_model(StoredLtrModel("m1", fs, "model/xgboost+json", "[]", None),
                      PluginSemantics("opensearch", (2, 19, 0)))
    assert exc.value.reason == "Error while parsing model [m1] with type [model/xgboost+json]"
    assert "at least one tree" in exc.value.caused_by.reason
    with pytest.raises(EngineError, match="Error while parsing model"):
        compile_model(StoredLtrModel("m2", fs, "model/onnx", "x", None),
                      PluginSemantics("opensearch", (2, 19, 0)))
