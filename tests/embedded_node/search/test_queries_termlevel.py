"""``terms``, ``range``, ``prefix`` and ``wildcard`` through opensearch-py: matching per field type, constant
scores, date math, and OpenSearch's errors."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from opensearchpy import RequestError

F32 = np.float32
NOW = dt.datetime.now(dt.timezone.utc)
YESTERDAY_NOON = (NOW - dt.timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
THREE_DAYS_AGO = (NOW - dt.timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)

MAPPING = {"properties": {
    "tag": {"type": "keyword"}, "title": {"type": "text"}, "n": {"type": "integer"}, "price": {"type": "float"},
    "weight": {"type": "double"}, "ok": {"type": "boolean"}, "day": {"type": "date"},
    "seen": {"type": "date"}, "sf": {"type": "scaled_float", "scaling_factor": 100},
    "vec": {"type": "knn_vector", "dimension": 2}}}
DOCS = {
    "1": {"tag": ["red", "blue"], "title": "Red Shoes", "n": [1, 5], "price": 0.1, "weight": 0.1, "ok": True,
          "day": "2020-01-01T10:00:00Z", "seen": YESTERDAY_NOON.isoformat(), "sf": 1.23, "vec": [1, 0]},
    "2": {"tag": "green", "title": "Green hat", "n": 3, "price": 2.5, "weight": 2.5, "ok": False,
          "day": "2020-01-02", "seen": THREE_DAYS_AGO.isoformat(), "sf": 2.5},
    "3": {"tag": "Blue", "title": "blue cap", "n": 7, "price": 10, "weight": 10,
          "day": "2019-12-31T23:59:59.999Z", "seen": NOW.isoformat()},
    "4": {"title": "nothing here"},
}


@pytest.fixture
def idx(client):
    client.indices.create(index="items", body={"mappings": MAPPING})
    for doc_id, doc in DOCS.items():
        client.index(index="items", id=doc_id, body=doc)
    client.indices.refresh(index="items")
    return client


def _ids(client, query, **body) -> list[str]:
    resp = client.search(index="items", body={"query": query, "size": 50, **body})
    return sorted(h["_id"] for h in resp["hits"]["hits"])


def _hits(client, query) -> dict[str, float]:
    resp = client.search(index="items", body={"query": query, "size": 50})
    return {h["_id"]: h["_score"] for h in resp["hits"]["hits"]}


@pytest.mark.parametrize("query,expected", [
    ({"terms": {"tag": ["red", "Blue"]}}, ["1", "3"]),  # keyword: exact, case-sensitive
    ({"terms": {"tag": ["RED"]}}, []),
    ({"terms": {"title": ["red", "hat"]}}, ["1", "2"]),  # text: indexed terms, the values are not analysed
    ({"terms": {"title": ["Red"]}}, []),
    ({"terms": {"n": [5, "3", 1.5]}}, ["1", "2"]),  # any value of a multi-valued doc; 1.5 never matches ints
    ({"terms": {"price": [0.1]}}, ["1"]),  # float field: 0.1 is rounded to float32 like the indexed value
    ({"terms": {"weight": [0.1, 10]}}, ["1", "3"]),
    ({"terms": {"ok": [True]}}, ["1"]),
    ({"terms": {"ok": ["false"]}}, ["2"]),
    ({"terms": {"day": ["2020-01-01"]}}, ["1"]),  # a date term is the whole day [v, v rounded up]
    ({"terms": {"sf": [2.5, 1.23]}}, ["1", "2"]),
    ({"terms": {"unmapped": ["x"]}}, []),
])
def test_terms_matches_per_field_type(idx, query, expected):
    assert _ids(idx, query) == expected


def test_terms_scores_its_boost(idx):
    assert _hits(idx, {"terms": {"tag": ["red", "green"], "boost": 2.5}}) == {"1": 2.5, "2": 2.5}
    resp = idx.search(index="items", body={"query": {"terms": {"n": [7], "_name": "seven"}}})
    assert resp["hits"]["hits"][0]["matched_queries"] == ["seven"] and resp["hits"]["hits"][0]["_score"] == 1.0


def test_too_many_terms(idx):
    with pytest.raises(RequestError) as err:
        idx.search(index="items", body={"query": {"terms": {"tag": [str(i) for i in range(65537)]}}})
    root = err.value.info["error"]["root_cause"][0]
    assert root["type"] == "query_shard_exception"
    assert root["reason"].startswith("failed to create query: The number of terms [65537] used in the Terms Query "
                                     "request has exceeded the allowed maximum of [65536].")


@pytest.mark.parametrize("query,message", [
    ({"terms": {"n": ["abc"]}}, 'failed to create query: For input string: "abc"'),
    ({"terms": {"ok": ["yes"]}}, "failed to create query: Can't parse boolean value [yes], expected [true] or "
                                 "[false]"),
    ({"terms": {"vec": [1]}}, "KNN vector do not support exact searching, use KNN queries instead: [vec]"),
])
def test_terms_errors(idx, query, message):
    with pytest.raises(RequestError) as err:
        idx.search(index="items", body={"query": query})
    assert err.value.info["error"]["root_cause"][0]["reason"] == message


@pytest.mark.parametrize("query,expected", [
    ({"n": {"gt": 4, "lt": 6}}, ["1"]),
    ({"n": {"gte": 3, "lte": 3}}, ["2"]),
    ({"n": {"gt": 2.5}}, ["1", "2", "3"]),  # decimal bounds on an integer field
    ({"n": {"gte": -1.5, "lt": 1.5}}, ["1"]),
    ({"price": {"lte": 0.1}}, ["1"]),  # the bound is rounded to float32 like the field's values
    ({"price": {"gt": 0.1}}, ["2", "3"]),
    ({"weight": {"lte": 0.1}}, ["1"]),
    ({"weight": {"gt": 0.1, "lte": 2.5}}, ["2"]),
    ({"n": {"from": 3, "to": 7, "include_lower": False, "include_upper": True}}, ["1", "3"]),
    ({"n": {"gte": None, "lt": 3}}, ["1"]),
    ({"sf": {"gte": 1.23, "lt": 2.5}}, ["1"]),
    ({"sf": {"gt": 1.225}}, ["1", "2"]),
    ({"ok": {"gte": "true"}}, ["1"]),
    ({"tag": {"gte": "b", "lt": "h"}}, ["1", "2"]),  # keyword: BytesRef (code point) order, "Blue" < "b"
    ({"tag": {"gt": "blue"}}, ["1", "2"]),
    ({"title": {"gte": "r", "lte": "s"}}, ["1"]),
    ({"unmapped": {"gte": 1}}, []),
])
def test_range_numeric_and_string(idx, query, expected):
    assert _ids(idx, {"range": query}) == expected


@pytest.mark.parametrize("bounds,expected", [
    ({"gte": "2020-01-01", "lte": "2020-01-01"}, ["1"]),  # lte rounds up to the end of the day
    ({"gte": "2020-01-01", "lt": "2020-01-02"}, ["1"]),
    ({"lt": "2020-01-01"}, ["3"]),
    ({"gt": "2019-12-31"}, ["1", "2"]),  # gt rounds up: strictly after 2019-12-31T23:59:59.999
    ({"gte": "2019-12-31"}, ["1", "2", "3"]),
    ({"gte": "2020-01-01||+1d"}, ["2"]),
    ({"gte": "2020-01-01||/M", "lte": "2020-01-01||/M"}, ["1", "2"]),
    ({"gte": "01/01/2020", "lte": "02/01/2020", "format": "dd/MM/yyyy"}, ["1", "2"]),
    ({"gte": 1577836800000}, ["1", "2"]),  # epoch millis
    ({"gte": 1577836800, "format": "epoch_second"}, ["1", "2"]),
    ({"gte": "2020-01-01T00:00:00", "lte": "2020-01-01T11:00:00", "time_zone": "+01:00"}, ["1", "3"]),
    ({"gte": "2020-01-01T00:00:00", "lt": "2020-01-01T11:00:00", "time_zone": "+01:00"}, ["3"]),
    ({"gte": "2020"}, ["1", "2"]),  # a number-like year
])
def test_range_dates(idx, bounds, expected):
    assert _ids(idx, {"range": {"day": bounds}}) == expected


def test_range_date_math_relative_to_now(idx):
    assert _ids(idx, {"range": {"seen": {"gte": "now-1d/d", "lt": "now/d"}}}) == ["1"]
    assert _ids(idx, {"range": {"seen": {"gte": "now-7d/d"}}}) == ["1", "2", "3"]
    assert _ids(idx, {"range": {"seen": {"lte": "now-2d/d"}}}) == ["2"]
    assert _ids(idx, {"range": {"seen": {"gt": "now-1h"}}}) == ["3"]


def test_range_constant_score_and_boost(idx):
    assert _hits(idx, {"range": {"n": {"gte": 3, "boost": 4.0}}}) == {"1": 4.0, "2": 4.0, "3": 4.0}


@pytest.mark.parametrize("query,error_type,reason", [
    ({"range": {"day": {"gte": "not a date"}}}, "query_shard_exception", "failed to create query: failed to parse "
     "date field [not a date] with format [strict_date_optional_time||epoch_millis]"),
    ({"range": {"n": {"gte": "abc"}}}, "query_shard_exception", 'failed to create query: For input string: "abc"'),
    ({"range": {"n": {"gte": 1, "time_zone": "+01:00"}}}, "query_shard_exception",
     "[range] time_zone can not be applied to non date field [n]"),
    ({"range": {"vec": {"gte": 1}}}, "query_shard_exception",
     "KNN vector do not support exact searching, use KNN queries instead: [vec]"),
])
def test_range_shard_errors(idx, query, error_type, reason):
    with pytest.raises(RequestError) as err:
        idx.search(index="items", body={"query": query})
    root = err.value.info["error"]["root_cause"][0]
    assert (root["type"], root["reason"]) == (error_type, reason)


def test_range_parse_errors(idx):
    with pytest.raises(RequestError) as err:
        idx.search(index="items", body={"query": {"range": {"n": {"gte": 1, "bogus": 2}}}})
    assert err.value.error == "parsing_exception"
    assert err.value.info["error"]["reason"] == "[range] query does not support [bogus]"


@pytest.mark.parametrize("query,expected", [
    ({"prefix": {"tag": "bl"}}, ["1"]),
    ({"prefix": {"tag": {"value": "bl", "case_insensitive": True}}}, ["1", "3"]),
    ({"prefix": {"title": "sh"}}, ["1"]),
    ({"prefix": {"tag": ""}}, ["1", "2", "3"]),
    ({"wildcard": {"tag": "*e?"}}, ["1", "2"]),
    ({"wildcard": {"tag": {"value": "B*", "case_insensitive": True}}}, ["1", "3"]),
    ({"wildcard": {"tag": {"wildcard": "gr??n"}}}, ["2"]),
    ({"wildcard": {"title": "Sh*"}}, ["1"]),  # text fields: the pattern is normalised (lowercased)
    ({"wildcard": {"tag": "r\\*d"}}, []),  # escaped star is a literal
])
def test_prefix_and_wildcard(idx, query, expected):
    assert _ids(idx, query) == expected


def test_prefix_scores_boost_and_rejects_numbers(idx):
    assert _hits(idx, {"prefix": {"tag": {"value": "gr", "boost": 3}}}) == {"2": 3.0}
    with pytest.raises(RequestError) as err:
        idx.search(index="items", body={"query": {"prefix": {"n": "1"}}})
    assert err.value.info["error"]["root_cause"][0]["reason"] == \
        "Can only use prefix queries on keyword and text fields - not on [n] which is of type [integer]"


def test_terms_on_metadata_fields(idx):
    assert _ids(idx, {"terms": {"_id": ["2", "4", "nope"]}}) == ["2", "4"]
    assert _ids(idx, {"terms": {"_index": ["items"]}}) == ["1", "2", "3", "4"]
    assert _ids(idx, {"terms": {"_index": ["other"]}}) == []
    with pytest.raises(RequestError):
        idx.search(index="items", body={"query": {"prefix": {"_id": "1"}}})
