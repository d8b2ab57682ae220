"""``function_score`` through opensearch-py, against the Java arithmetic written out independently here:
functions in double, ``weight``/``factor``/``max_boost`` as floats, score_mode in double, boost_mode in double
then ``(float)``, the boost on the sub-query only."""
from __future__ import annotations

import math

import numpy as np
import pytest
from opensearchpy import RequestError, TransportError

from support.scores import as_f32

F32 = np.float32

MAPPING = {"properties": {
    "cat": {"type": "keyword"}, "title": {"type": "text"}, "pop": {"type": "integer"},
    "rating": {"type": "float"}, "price": {"type": "double"}, "day": {"type": "date"},
    "vec": {"type": "knn_vector", "dimension": 3, "space_type": "cosinesimil"}}}
DOCS = [
    {"cat": "a", "title": "red shoe", "pop": 10, "rating": 4.5, "price": 50.0, "day": "2024-01-01", "vec": [1, 0, 0]},
    {"cat": "b", "title": "blue shoe", "pop": 0, "rating": 3.7, "price": [80.0, 100.0, 130.0], "day": "2024-02-01",
     "vec": [0, 1, 0]},
    {"cat": "a", "title": "green hat", "pop": 3, "rating": 1.1, "price": 120.0, "day": "2023-12-01",
     "vec": [1, 1, 1]},
    {"cat": "c", "title": "old boot", "rating": 0.0},
]


@pytest.fixture
def idx(client):
    client.indices.create(index="items", body={"mappings": MAPPING})
    for i, doc in enumerate(DOCS):
        client.index(index="items", id=str(i), body=doc)
    client.indices.refresh(index="items")
    return client


def _scores(client, fs: dict, **body) -> dict[int, float]:
    resp = client.search(index="items", body={"query": {"function_score": fs}, "size": 50, **body})
    return {int(h["_id"]): as_f32(h["_score"]) for h in resp["hits"]["hits"]}


def f(x: float) -> float:
    return float(F32(x))


MODIFIERS = {"none": lambda v: v, "log": math.log10, "log1p": lambda v: math.log10(v + 1),
             "log2p": lambda v: math.log10(v + 2), "ln": math.log, "ln1p": math.log1p,
             "ln2p": lambda v: math.log1p(v + 1), "square": lambda v: math.pow(v, 2), "sqrt": math.sqrt,
             "reciprocal": lambda v: 1.0 / v}


@pytest.mark.parametrize("modifier", sorted(MODIFIERS))
def test_field_value_factor_modifiers(idx, modifier):
    factor = 1.2  # a float: 1.2f widened to double is 1.2000000476837158
    got = _scores(idx, {"query": {"terms": {"cat": ["a"]}},
                        "field_value_factor": {"field": "rating", "factor": factor, "modifier": modifier}})
    for doc in (0, 2):
        value = f(DOCS[doc]["rating"]) * f(factor)
        assert got[doc] == f(1.0 * MODIFIERS[modifier](value))


def test_field_value_factor_missing_value(idx):
    got = _scores(idx, {"field_value_factor": {"field": "pop", "modifier": "log1p", "missing": 1}})
    assert got == {0: f(math.log10(11)), 1: 0.0, 2: f(math.log10(4)), 3: f(math.log10(2))}


def test_field_value_factor_without_missing_fails_like_opensearch(idx):
    with pytest.raises(TransportError) as err:
        _scores(idx, {"field_value_factor": {"field": "pop"}})
    assert err.value.status_code == 500
    assert err.value.info["error"]["root_cause"][0] == {"type": "exception",
                                                        "reason": "Missing value for field [pop]"}


def test_field_value_factor_negative_result_is_rejected(idx):
    with pytest.raises(RequestError) as err:
        _scores(idx, {"query": {"terms": {"cat": ["a"]}},
                      "field_value_factor": {"field": "rating", "modifier": "ln", "factor": 0.1}})
    reason = err.value.info["error"]["root_cause"][0]["reason"]
    assert reason.startswith("field value function must not produce negative scores")
    assert reason.endswith("consider using ln1p or ln2p instead of ln to avoid negative scores")


def _gauss(d: float, scale: float, decay: float) -> float:
    return math.exp(0.5 * math.pow(d, 2.0) / (0.5 * math.pow(scale, 2.0) / math.log(decay)))


def _exp(d: float, scale: float, decay: float) -> float:
    return math.exp(math.log(decay) / scale * abs(d))


def _linear(d: float, scale: float, decay: float) -> float:
    s = scale / (1.0 - decay)
    return max(0.0, (s - abs(d)) / s)


@pytest.mark.parametrize("kind,fn", [("gauss", _gauss), ("exp", _exp), ("linear", _linear)])
@pytest.mark.parametrize("mode", ["min", "max", "avg", "sum", "median"])
def test_numeric_decay_functions(idx, kind, fn, mode):
    origin, scale, offset, decay = 100.0, 40.0, 5.0, 0.3
    got = _scores(idx, {kind: {"price": {"origin": origin, "scale": scale, "offset": offset, "decay": decay},
                               "multi_value_mode": mode}, "boost_mode": "replace"})
    for doc, src in enumerate(DOCS):
        prices = src.get("price")
        if prices is None:
            distance = 0.0  # a doc without the field has distance 0, so its decay is 1
        else:
            prices = prices if isinstance(prices, list) else [prices]
            ds = sorted(max(0.0, abs(p - origin) - offset) for p in prices)
            distance = {"min": ds[0], "max": ds[-1], "sum": sum(ds), "avg": sum(ds) / len(ds),
                        "median": ds[len(ds) // 2] if len(ds) % 2 else (ds[len(ds) // 2 - 1] + ds[len(ds) // 2]) / 2
                        }[mode]
        assert got[doc] == f(fn(distance, scale, decay)), (doc, distance)


def test_date_decay_with_time_values_and_date_math_origin(idx):
    day = 86_400_000
    got = _scores(idx, {"exp": {"day": {"origin": "2024-01-15||-5d", "scale": "10d", "offset": "2d"}},
                        "boost_mode": "replace"})
    origin = 1704844800000  # 2024-01-10
    for doc, millis in ((0, 1704067200000), (1, 1706745600000), (2, 1701388800000)):
        distance = max(0.0, abs(millis - origin) - 2 * day)
        assert got[doc] == f(_exp(distance, 10 * day, 0.5))
    assert got[3] == 1.0


def test_score_modes_with_filters_and_weights(idx):
    functions = [
        {"filter": {"terms": {"cat": ["a"]}}, "weight": 3},
        {"filter": {"terms": {"cat": ["a", "b"]}}, "field_value_factor": {"field": "rating"}, "weight": 0.5},
        {"gauss": {"price": {"origin": 100, "scale": 20}}},
    ]
    values = {  # per doc: list of (function value, weight) of the functions whose filter matches
        0: [(3.0, 3.0), (f(4.5) * 0.5, 0.5), (_gauss(50, 20, 0.5), 1.0)],
        1: [(f(3.7) * 0.5, 0.5), (_gauss(0, 20, 0.5), 1.0)],
        2: [(3.0, 3.0), (f(1.1) * 0.5, 0.5), (_gauss(20, 20, 0.5), 1.0)],
        3: [(1.0, 1.0)],  # only the gauss (no price: distance 0)
    }
    for mode in ("multiply", "sum", "avg", "first", "max", "min"):
        got = _scores(idx, {"functions": functions, "score_mode": mode, "boost_mode": "replace"})
        for doc, items in values.items():
            vs = [v for v, _ in items]
            if mode == "multiply":
                factor = math.prod(vs)
            elif mode == "sum":
                factor = sum(vs)
            elif mode == "avg":
                factor = sum(vs) / sum(w for _, w in items)
            elif mode == "first":
                factor = vs[0]
            else:
                factor = max(vs) if mode == "max" else min(vs)
            assert got[doc] == f(factor), (mode, doc)


def test_single_unfiltered_function_ignores_score_mode(idx):
    # FunctionScoreQueryBuilder.doToQuery: one function without a filter scores as "first", so avg does not
    # divide by the weight; with a filter it goes through the avg path and does.
    single = _scores(idx, {"functions": [{"field_value_factor": {"field": "rating"}, "weight": 2}],
                           "score_mode": "avg", "boost_mode": "replace"})
    filtered = _scores(idx, {"functions": [{"filter": {"match_all": {}}, "field_value_factor": {"field": "rating"},
                                            "weight": 2}], "score_mode": "avg", "boost_mode": "replace"})
    assert single[0] == f(f(4.5) * 2.0)
    assert filtered[0] == f(f(4.5) * 2.0)  # a match_all filter is no filter
    with_filter = _scores(idx, {"functions": [{"filter": {"terms": {"cat": ["a"]}},
                                               "field_value_factor": {"field": "rating"}, "weight": 2}],
                                "score_mode": "avg", "boost_mode": "replace"})
    assert with_filter[0] == f(4.5) and with_filter[1] == 1.0  # no function matched: factor 1


@pytest.mark.parametrize("mode", ["multiply", "replace", "sum", "avg", "max", "min"])
def test_boost_modes_and_max_boost(idx, mode):
    query = {"match": {"title": "shoe"}}  # BM25 sub-query scores
    base = {int(h["_id"]): as_f32(h["_score"]) for h in idx.search(index="items", body={"query": query})["hits"]["hits"]}
    got = _scores(idx, {"query": query, "field_value_factor": {"field": "rating"}, "boost_mode": mode,
                        "max_boost": 4.0})
    assert set(got) == set(base) == {0, 1}
    for doc, q in base.items():
        func = min(f(DOCS[doc]["rating"]), f(4.0))
        want = {"multiply": q * func, "replace": func, "sum": q + func, "avg": (func + q) / 2.0,
                "max": max(q, func), "min": min(q, func)}[mode]
        assert got[doc] == f(want)


def test_boost_applies_to_the_sub_query_score(idx):
    got = _scores(idx, {"query": {"terms": {"cat": ["a"]}}, "weight": 3, "boost": 2})
    assert got == {0: 6.0, 2: 6.0}
    replaced = _scores(idx, {"query": {"terms": {"cat": ["a"]}}, "weight": 3, "boost": 2, "boost_mode": "replace"})
    assert replaced == {0: 3.0, 2: 3.0}  # replace ignores the (boosted) sub-query score
    outer = idx.search(index="items", body={"query": {"bool": {"should": [{"function_score": {
        "query": {"terms": {"cat": ["a"]}}, "weight": 3, "boost": 2}}]}}})
    assert {int(h["_id"]): as_f32(h["_score"]) for h in outer["hits"]["hits"]} == {0: 6.0, 2: 6.0}


def test_no_functions_and_min_score(idx):
    assert _scores(idx, {"query": {"terms": {"cat": ["a"], "boost": 1.5}}}) == {0: 1.5, 2: 1.5}
    got = _scores(idx, {"field_value_factor": {"field": "rating"}, "min_score": 3.7})
    assert got == {0: f(4.5), 1: f(3.7)}
    count = idx.count(index="items", body={"query": {"function_score": {"field_value_factor": {"field": "rating"},
                                                                        "min_score": 3.7}}})
    assert count["count"] == 2


def test_knn_script_score_function(idx):
    script = {"lang": "knn", "source": "knn_score",
              "params": {"field": "vec", "query_value": [1.0, 1.0, 0.0], "space_type": "cosinesimil"}}
    fs = _scores(idx, {"script_score": {"script": script}, "boost_mode": "replace"})
    direct = idx.search(index="items", body={"size": 10, "query": {"script_score": {
        "query": {"match_all": {}}, "script": script}}})
    assert fs == {int(h["_id"]): as_f32(h["_score"]) for h in direct["hits"]["hits"]}
    assert fs[0] == pytest.approx((1 + 1 / math.sqrt(2)) / 2, rel=1e-6) and fs[3] == 0.0
    weighted = _scores(idx, {"functions": [{"script_score": {"script": script}, "weight": 2}],
                             "boost_mode": "replace"})
    assert weighted[2] == f(fs[2] * 2.0)


def test_random_score_is_seeded_and_stable(idx):
    from embedded_node.search.queries import random_hash as rh

    first = _scores(idx, {"random_score": {"seed": 42, "field": "_seq_no"}, "boost_mode": "replace"})
    again = _scores(idx, {"random_score": {"seed": 42, "field": "_seq_no"}, "boost_mode": "replace"})
    other = _scores(idx, {"random_score": {"seed": 7, "field": "_seq_no"}, "boost_mode": "replace"})
    assert first == again and first != other
    assert all(0.0 <= v < 1.0 for v in first.values())
    salted = rh.mix(42, rh.java_string_hash("items") << 10)
    seq_no = {h["_id"]: h["_seq_no"] for h in idx.search(index="items", body={"seq_no_primary_term": True})
              ["hits"]["hits"]}
    for doc, score in first.items():
        h = rh.murmur3_32(str(seq_no[str(doc)]).encode(), salted)
        assert score == float(F32(h & 0xFFFFFF) / F32(1 << 24))
    unseeded = _scores(idx, {"random_score": {}})
    assert len(unseeded) == 4 and all(0.0 <= v < 1.0 for v in unseeded.values())


def test_murmur3_and_java_hashes():
    from embedded_node.search.queries import random_hash as rh

    # published MurmurHash3_x86_32 vectors and Java's String.hashCode
    assert rh.murmur3_32(b"", 1) & 0xFFFFFFFF == 0x514E28B7
    assert rh.murmur3_32(b"test", 0) & 0xFFFFFFFF == 0xBA6BD213
    assert rh.murmur3_32(b"Hello, world!", 1234) & 0xFFFFFFFF == 0xFAF6CDB3
    assert rh.java_string_hash("hello") == 99162322
    assert rh.long_hash(1 << 40) == 256


def test_explain_value_equals_score(idx):
    body = {"query": {"function_score": {
        "query": {"terms": {"cat": ["a", "b"]}},
        "functions": [{"filter": {"terms": {"cat": ["a"]}}, "weight": 3},
                      {"field_value_factor": {"field": "rating", "modifier": "sqrt"}}],
        "score_mode": "sum", "boost_mode": "multiply"}}, "explain": True}
    for hit in idx.search(index="items", body=body)["hits"]["hits"]:
        assert hit["_explanation"]["value"] == hit["_score"]


@pytest.mark.parametrize("fs,reason", [
    ({"field_value_factor": {"field": "pop"}, "gauss": {"price": {"origin": 1, "scale": 1}}},
     "failed to parse [function_score] query. already found function [field_value_factor], now encountering "
     "[gauss]. use [functions] array if you want to define several functions."),
    ({"functions": [{"weight": 2}], "field_value_factor": {"field": "pop"}},
     "failed to parse [function_score] query. [you can either define [functions] array or a single function, not "
     "both. already found [functions] array, now encountering [field_value_factor].]"),
    ({"functions": [{"filter": {"match_all": {}}}]},
     "failed to parse [function_score] query. an entry in functions list is missing a function."),
    ({"functions": [{"field_value_factor": {"field": "pop"}, "exp": {"price": {"origin": 1, "scale": 1}}}]},
     "failed to parse function_score functions. already found [field_value_factor], now encountering [exp]."),
    ({"field_value_factor": {"factor": 2}}, "[field_value_factor] required field 'field' missing"),
])
def test_parse_errors(idx, fs, reason):
    with pytest.raises(RequestError) as err:
        _scores(idx, fs)
    assert err.value.error == "parsing_exception"
    assert err.value.info["error"]["reason"] == reason


@pytest.mark.parametrize("fs,reason", [
    ({"gauss": {"price": {"origin": 1, "scale": 0}}}, "failed to create query: function_score : scale must be > "
                                                      "0.0."),
    ({"gauss": {"price": {"origin": 1, "scale": 2, "decay": 1.5}}},
     "failed to create query: function_score : decay must be in the range [0..1]."),
    ({"linear": {"price": {"scale": 2}}}, "failed to create query: both [scale] and [origin] must be set for "
                                          "numeric fields."),
    ({"exp": {"day": {"origin": "now", "scale": "1y"}}}, "failed to create query: failed to parse setting "
     "[DecayFunctionParser.scale] with value [1y] as a time value: unit is missing or unrecognized"),
    ({"field_value_factor": {"field": "nope"}}, "failed to create query: Unable to find a field mapper for field "
                                                "[nope]. No 'missing' value defined."),
])
def test_shard_errors(idx, fs, reason):
    with pytest.raises(RequestError) as err:
        _scores(idx, fs)
    assert err.value.info["error"]["root_cause"][0]["reason"] == reason


def test_negative_weight_is_rejected(idx):
    with pytest.raises(RequestError) as err:
        _scores(idx, {"functions": [{"weight": -1}]})
    assert err.value.info["error"]["reason"] == "[weight] cannot be negative for a filtering function"
