"""``json_template.JsonTemplate``: substituting params into the parsed template gives exactly what rendering the
template and parsing the text gives (values, types, float bits), and declines whatever it cannot reproduce."""
from __future__ import annotations

import random
import struct

import pytest

from embedded_node.jsonutil import loads
from embedded_node.plugins.ltr.json_template import RENDER, json_template
from embedded_node.plugins.ltr.mustache import compile_template


def _rendered(source: str, params: dict) -> object:
    return loads(compile_template(source).render(params))


def _same(a: object, b: object) -> bool:
    """Equal values of equal types; floats compared bit for bit."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


TEMPLATES = [
    '{"match": {"title": "{{keywords}}"}}',
    '{"match": {"title": "a \\"{{keywords}}\\" b {{other}}"}}',
    '{"gauss": {"price": {"origin": {{centre}}, "scale": {{scale}}}}}',
    '{"knn": {"query_value": {{#toJson}}vec{{/toJson}}, "k": 3}}',
    '{"terms": {"f": {{#toJson}}keys{{/toJson}}}, "functions": {{#toJson}}functions{{/toJson}}}',
    '[{{#toJson}}vec{{/toJson}}, {{scale}}]',
    '{{#toJson}}vec{{/toJson}}',
    '{"a": "{{user.name}}", "b": {{#toJson}}user.tags{{/toJson}}}',
    '{"a": "x\\n{{keywords}}\\u00e9"}',
    '{"match_all": {}}',
]

VALUES = [
    0.5, -0.0, 0.0, 1e-7, 2.3e-4, 1e7, 12345678.9, 1e300, 5e-324, 3, -7, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -(2 ** 63) - 1,
    True, False, None, "", "red shoes", 'quote " back \\ slash', "tab\tnew\nline\x01", "é ü 中文", "{{x}}",
    "Z~mmltr-slot-0~Z", [], [0.1, 0.2], [random.Random(1).gauss(0, 1) for _ in range(40)], [1, 2.5, "a", None, True],
    {"k": [1.0, 2e-9], "n": None}, [{"filter": {"term": {"f": "x"}}, "weight": 2.5}], float("nan"), float("inf"),
    "\ud800", [float("inf")] * 20, [1e308, 1e308] * 10,
]


@pytest.mark.parametrize("source", TEMPLATES)
def test_substitution_matches_rendering(source: str) -> None:
    structure = json_template(compile_template(source))
    assert structure is not None
    rng = random.Random(source)
    names = ["keywords", "other", "centre", "scale", "vec", "keys", "functions"]
    for _ in range(400):
        params = {n: rng.choice(VALUES) for n in names if rng.random() < 0.95}
        params["user"] = {"name": rng.choice(VALUES), "tags": rng.choice(VALUES)}
        built = structure.build(params)
        try:
            expected = _rendered(source, params)
        except Exception:
            assert built is RENDER, (source, params)
            continue
        if built is RENDER:
            continue
        assert _same(built, expected), (source, params, built, expected)


def test_fresh_copies() -> None:
    structure = json_template(compile_template('{"q": {{#toJson}}vec{{/toJson}}, "t": "{{w}}"}'))
    vec = [0.25] * 20
    first = structure.build({"vec": vec, "w": "a"})
    first["q"].append(1.0)
    first["x"] = 1
    assert structure.build({"vec": vec, "w": "a"}) == {"q": [0.25] * 20, "t": "a"}
    assert vec == [0.25] * 20


@pytest.mark.parametrize("source", [
    '{"{{field}}": 1}',                     # a tag in a key
    '{"a": {{{raw}}}}',                     # unescaped
    '{"a": "{{#join}}xs{{/join}}"}',         # another section
    '{"a": {{#xs}}1{{/xs}}}',
    '{"a": "\\{{x}}"}',                     # after an unfinished escape
    '{"a": -{{x}}}',                        # glued to other text
    '{"a": {{x}}0}',
    '{"a": "{{#toJson}}x{{/toJson}}"}',      # toJson inside a string
    '{"a": 1',                              # not JSON at all
    '{"a": "Z~mmltr-slot-0~Z"}',            # the placeholder text itself
])
def test_other_shapes_render(source: str) -> None:
    assert json_template(compile_template(source)) is None

