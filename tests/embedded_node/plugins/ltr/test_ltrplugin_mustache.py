"""The plugin's mustache: JSON-escaped variables, toJson/join/url, sections, and params that stay data."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from embedded_node.plugins.ltr.mustache import MustacheError, compile_template, java_double

OBJECT_TEMPLATE = json.dumps({"bool": {"should": [{"match": {"title": "{{keywords}}"}},
                                                  {"term": {"brand": "{{brand}}"}}]}})
ADVERSARIAL = ['"', '\\', '\\"', '"}}, {"match_all": {}}, {"x": "', "{{brand}}",
               "{{#toJson}}brand{{/toJson}}",
               "{{{brand}}}", "\n\t\r\b\f\u0000\u001f", "é ü 日本語 😀", "\u2028", "}{][", "'", "</script>"]


@pytest.mark.parametrize("value", ADVERSARIAL)
def test_adversarial_params_never_change_the_structure(value: str) -> None:
    rendered = compile_template(OBJECT_TEMPLATE).render({"keywords": value, "brand": "acme"})
    parsed = json.loads(rendered)
    assert parsed == {"bool": {"should": [{"match": {"title": value}}, {"term": {"brand": "acme"}}]}}


@pytest.mark.parametrize("value", ADVERSARIAL)
def test_adversarial_values_in_lists_joined_and_tojson_stay_data(value: str) -> None:
    template = '{"terms": {"tags": {{#toJson}}tags{{/toJson}}}, "q": "{{#join}}tags{{/join}}"}'
    parsed = json.loads(compile_template(template).render({"tags": [value, "b"]}))
    assert parsed == {"terms": {"tags": [value, "b"]}, "q": f"{value},b"}


def test_java_tostring_of_values() -> None:
    render = compile_template('"{{v}}"').render
    assert [render({"v": v}) for v in (1, 1.0, 0.5, 1e-7, 12345678.0, True, None, [1, "a"], {"k": 2})] == [
        '"1"', '"1.0"', '"0.5"', '"1.0E-7"', '"1.2345678E7"', '"true"', '""', '"[1, a]"', '"{k=2}"']
    assert java_double(0.001) == "0.001" and java_double(1e-4) == "1.0E-4" and java_double(-0.0) == "-0.0"


def test_tojson_for_vectors_in_string_templates() -> None:
    template = ('{"script_score":{"query":{"match_all":{}},"script":{"source":"knn_score","lang":"knn",'
                '"params":{"field":"v","query_value":{{#toJson}}vec{{/toJson}},"space_type":"l2"}}}}')
    parsed = json.loads(compile_template(template).render({"vec": [0.5, -1.25e-8, 3]}))
    assert parsed["script_score"]["script"]["params"]["query_value"] == [0.5, -1.25e-8, 3]


def test_tojson_of_long_number_lists_prints_each_number_as_java_does() -> None:
    # long lists of numbers take a one-call path (orjson) that must print exactly what Double.toString prints
    # element by element: plain decimal in [1e-3, 1e7), scientific outside, ints as ints, NaN/Infinity as strings
    rng = np.random.default_rng(4)
    specials = [0.0, -0.0, 1e-3, 0.000999, 2.5e-4, 1e7, 9999999.999999998, 1.0, 100.0, 5, 0, -3, 10 ** 12,
                math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308, 1e-7]
    render = compile_template("{{#toJson}}v{{/toJson}}").render
    for scale in (1.0, 1e-5, 1e9):
        values = (rng.standard_normal(400) * scale).astype(np.float32).tolist() + specials
        rng.shuffle(values)
        expected = "[" + ",".join(java_double(v) if isinstance(v, float) and math.isfinite(v) else
                                  str(v) if isinstance(v, int) else f'"{java_double(v)}"' for v in values) + "]"
        assert render({"v": values}) == expected
    assert render({"v": [0.0] * 512}) == "[" + ",".join(["0.0"] * 512) + "]"
    mixed = [0.5] * 20 + ["a", True, None]
    assert render({"v": mixed}) == "[" + "0.5," * 20 + '"a",true,null]'


def test_sections_inverted_dotted_names_and_iteration() -> None:
    template = ('{{#user}}{{name}}:{{prefs.color}}{{/user}}|{{^missing}}none{{/missing}}|'
                '{{#items}}[{{.}}]{{/items}}|{{#flag}}on{{/flag}}{{^flag}}off{{/flag}}|{{items.1}}')
    out = compile_template(template).render({"user": {"name": "u", "prefs": {"color": "red"}},
                                             "items": [1, 2], "flag": False})
    assert out == "u:red|none|[1][2]|off|2"
    assert compile_template("{{#s}}x{{/s}}{{#e}}y{{/e}}").render({"s": "", "e": []}) == ""


def test_join_with_delimiter_url_comments_and_delimiter_change() -> None:
    out = compile_template("{{#join delimiter='|'}}a{{/join delimiter='|'}} {{! note }}"
                           "{{#url}}{{q}}{{/url}} {{=<% %>=}}<% q %>").render({"a": ["x", "y"], "q": "a b&c"})
    assert out == "x|y a+b%26c a b&c"


def test_unescaped_forms_are_raw() -> None:
    render = compile_template("{{{v}}}|{{& v}}").render
    assert render({"v": '"q"'}) == '"q"|"q"'


def test_rendered_output_is_never_rescanned() -> None:
    assert compile_template("{{a}}").render({"a": "{{b}}", "b": "no"}) == "{{b}}"


@pytest.mark.parametrize("template", ["{{#a}}x", "{{/a}}", "{{#a}}x{{/b}}", "{{a", "{{}}", "{{> partial}}",
                                      "{{{a}}"])
def test_malformed_templates_fail_to_compile(template: str) -> None:
    with pytest.raises(MustacheError):
        compile_template(template)
