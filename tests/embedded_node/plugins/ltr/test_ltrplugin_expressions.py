"""Lucene expressions (``derived_expression``) and the ``script_feature`` subset: safe, vectorized."""
from __future__ import annotations

import math

import numpy as np
import pytest

from embedded_node.errors import EngineError
from embedded_node.plugins.ltr import expressions as ex
from embedded_node.plugins.ltr.expression_parser import parse
from embedded_node.plugins.ltr.scripts import delegate_query, parse_script, script_params


def run(text: str, **values: float) -> float:
    return float(ex.evaluate(parse(text), lambda var: values[var.text]))


@pytest.mark.parametrize("text,expected", [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("-2 ^ 3", float(-2 ^ 3)), ("7 % 3", 1.0), ("-7 % 3", -1.0),
    ("1 / 0", math.inf), ("2 > 1 ? 10 : 20", 10.0), ("1 < 2 && 3 <= 2", 0.0), ("!0", 1.0), ("~5", -6.0),
    ("1 << 4", 16.0), ("-16 >> 2", -4.0), ("-1 >>> 60", 15.0), ("0x1F + 010", 39.0), (".5e1", 5.0),
    ("ln(exp(2))", 2.0), ("log10(1000)", 3.0), ("logn(2, 8)", 3.0), ("max(1, 5) + min(1, 5)", 6.0),
    ("pow(2, 10)", 1024.0), ("sqrt(16) + abs(-3)", 7.0), ("atan2(0, -1)", math.pi), ("floor(-1.5)", -2.0),
    ("1 == 1", 1.0), ("1 != 1", 0.0), ("3 | 4", 7.0), ("6 & 3", 2.0),
])
def test_lucene_arithmetic(text: str, expected: float) -> None:
    assert run(text) == pytest.approx(expected)


def test_variables_are_vectorized_and_double() -> None:
    node = parse("title_bm25 * boost + doc['x'].value")
    assert [v.text for v in ex.variables(node)] == ["title_bm25", "boost", "doc.x.value"]
    values = {"title_bm25": np.asarray([1.0, 2.0], np.float32), "boost": 1.5, "doc.x.value": 0.25}
    assert ex.evaluate(node, lambda v: values[v.text]).tolist() == [1.75, 3.25]
    assert math.isnan(run("a * 2", a=math.nan))


@pytest.mark.parametrize("text,message", [
    ("log(x)", r"Unrecognized function call \(log\)"), ("pow(1)", "Expected \\(2\\) arguments"),
    ("1 +", "Unexpected end"), ("__import__('os')", "Unrecognized function call"), ("a; b", "unexpected"),
    ("", "Unexpected end"), ("1 # 2", "unexpected character"),
    ("a.__class__()", "Unrecognized function call"),
])
def test_rejected_expressions(text: str, message: str) -> None:
    with pytest.raises(ex.ExpressionError, match=message):
        parse(text)


def test_painless_subset_reads_features_and_params() -> None:
    spec = parse_script({"lang": "painless", "params": {"w": 2, "extra_script_params": {"user_w": "w"}},
                         "source": "return params.feature_vector.get('bm25') * params.w + "
                                   "Math.log(params['k']) + params.feature_vector['x'] / 2.0f;"}, "f")
    assert spec.ast is not None and spec.extra_params == {"user_w": "w"}
    merged = script_params(spec, {"k": math.e, "w": 3, "user_w": 5})
    assert merged["w"] == 5  # literal < sltr params < extra_script_params renaming
    values = {("params", "feature_vector", "bm25"): 1.5, ("params", "w"): merged["w"],
              ("params", "k"): math.e, ("params", "feature_vector", "x"): 3.0}
    assert ex.evaluate(spec.ast, lambda v: values[v.path]) == pytest.approx(1.5 * 5 + 1 + 1.5)


def test_scripts_outside_the_subset_are_delegated_or_rejected() -> None:
    knn = parse_script({"lang": "knn", "source": "knn_score",
                        "params": {"field": "v", "space_type": "l2"}}, "f")
    assert knn.ast is None
    assert delegate_query(knn, {"field": "v"}) == {"script_score": {"query": {"match_all": {}}, "script": {
        "lang": "knn", "source": "knn_score", "params": {"field": "v"}}}}
    assert parse_script("cosineSimilarity(params.q, doc['v']) + 1.0", "f").ast is None  # painless, delegated
    with pytest.raises(EngineError, match="outside the evaluated subset"):
        parse_script("params.feature_vector.get('a') + doc['x'].value", "f")
    with pytest.raises(EngineError, match="evaluates scripts of the form"):
        parse_script("def x = params.feature_vector.get('a'); System.exit(0)", "f")
    with pytest.raises(EngineError, match="unsupported method call 'System.exit"):
        parse_script("params.feature_vector.get('a') + System.exit(0)", "f")
    with pytest.raises(EngineError, match="stored scripts"):
        parse_script({"id": "my_script"}, "f")
