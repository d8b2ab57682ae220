"""Property tests over the REST API: random and half-valid JSON for ``_search``, ``_msearch``, ``_bulk``,
``_aliases``, mappings and documents never get a 5xx and never hang; every refusal has OpenSearch's error shape.
A last test sends random bytes to the HTTP server itself.

Bodies are drawn from OpenSearch's own vocabulary (query names, parameters, field names of the test index) mixed
with hostile values (wrong types, huge numbers, deep nesting), so the examples reach the real parsers rather than
stopping at the first unknown key. The budget is fixed per test (``max_examples``) and derandomized in CI (the
``ci`` profile in ``tests/conftest.py``); ``HYPOTHESIS_PROFILE=explore`` draws fresh examples.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from embedded_node.node import Node
from support.http_raw import raw_request, served

FIELDS = ("title", "brand", "price", "v", "tags", "missing", "_id", "nested.x")
QUERY_NAMES = ("match_all", "match_none", "match", "multi_match", "term", "terms", "range", "ids", "exists",
               "bool", "dis_max", "constant_score", "function_score", "script_score", "knn", "sltr", "nope")
PARAMS = ("query", "fields", "must", "should", "filter", "must_not", "minimum_should_match", "boost", "value",
          "values", "gte", "lte", "gt", "lt", "format", "field", "vector", "k", "operator", "functions",
          "score_mode", "boost_mode", "script", "source", "params", "tie_breaker", "queries", "_name", "type")
TOP_LEVEL = ("query", "size", "from", "_source", "sort", "rescore", "track_total_hits", "search_after",
             "min_score", "post_filter", "explain", "ext", "stored_fields", "timeout", "aggs")

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(FIELDS), st.sampled_from(("or", "and", "1<50%", "*", "now-1d", "asc")))
keys = st.one_of(st.sampled_from(FIELDS + PARAMS + QUERY_NAMES), st.text(max_size=6))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(keys, inner, max_size=4), max_leaves=24)


def queries() -> st.SearchStrategy[Any]:
    leaf = st.builds(lambda name, body: {name: body}, st.sampled_from(QUERY_NAMES), json_values)
    return st.recursive(leaf, lambda inner: st.builds(
        lambda name, clause, items: {name: {clause: items}}, st.sampled_from(("bool", "dis_max", "constant_score")),
        st.sampled_from(("must", "should", "filter", "must_not", "queries", "filter")),
        st.one_of(inner, st.lists(inner, max_size=3))), max_leaves=8)


search_bodies = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(TOP_LEVEL), st.one_of(json_values, queries()), max_size=4),
    st.builds(lambda q: {"query": q}, queries()),
)


@pytest.fixture
def node(tmp_path) -> Iterator[Node]:
    node = Node(tmp_path / "node")
    node.create_index("items", {"settings": {"index.knn": True}, "mappings": {"properties": {
        "title": {"type": "text"}, "brand": {"type": "keyword"}, "price": {"type": "float"},
        "tags": {"type": "keyword"}, "v": {"type": "knn_vector", "dimension": 3}}}})
    for i in range(5):
        node.index_doc("items", str(i), None, {"title": f"red shoe {i}", "brand": "acme", "price": i,
                                               "tags": ["a", "b"], "v": [1.0, float(i), 0.5]}, refresh=True)
    node.update_aliases([{"add": {"index": "items", "alias": "live"}}])
    try:
        yield node
    finally:
        node.close()


def _send(node: Node, method: str, path: str, body: bytes | None, params: dict[str, str] | None = None) -> None:
    response = node.plugins.rest_controller.dispatch(node, method, path, params or {}, body)
    assert response.status < 500, (method, path, body[:300] if body else body, response.body)
    if response.status >= 400 and method != "HEAD":
        parsed = response.body if isinstance(response.body, dict) else json.loads(response.encode() or b"{}")
        if response.status == 404 and ("found" in parsed or parsed.get("result") == "not_found"):
            return  # a missing document: OpenSearch answers 404 with the document's own shape, not an error
        assert parsed["status"] == response.status and "error" in parsed, parsed


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # the stdlib writes integers beyond 64 bits too


PROPERTY = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                             HealthCheck.too_slow], deadline=None)


@pytest.mark.timeout(120)
@PROPERTY
@given(body=search_bodies, index=st.sampled_from(("items", "live", "it*", "_all", "missing", "items,live")))
def test_search_never_fails_with_a_5xx(node, body, index):
    _send(node, "POST", f"/{index}/_search", _dumps(body))
    _send(node, "POST", f"/{index}/_count", _dumps(body))


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=60)
@given(pairs=st.lists(st.tuples(st.one_of(json_values, st.dictionaries(
    st.sampled_from(("index", "preference", "routing", "search_type")), json_values, max_size=2)), search_bodies),
    min_size=1, max_size=3))
def test_msearch_never_fails_with_a_5xx(node, pairs):
    _send(node, "POST", "/_msearch", b"".join(_dumps(h) + b"\n" + _dumps(b) + b"\n" for h, b in pairs))


ACTIONS = ("index", "create", "update", "delete", "upsert")
META_KEYS = ("_index", "_id", "if_seq_no", "if_primary_term", "routing", "retry_on_conflict", "version")


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=80)
@given(items=st.lists(st.tuples(
    st.sampled_from(ACTIONS),
    st.one_of(json_values, st.dictionaries(st.sampled_from(META_KEYS), st.one_of(scalars, st.sampled_from(
        ("items", "live", "new", "Bad*", "0", "1"))), max_size=4)),
    st.one_of(json_values, st.dictionaries(st.sampled_from(FIELDS + ("doc", "doc_as_upsert", "upsert")),
                                           json_values, max_size=4))), min_size=1, max_size=5),
    refresh=st.sampled_from(("", "true", "false", "wait_for", "x")))
def test_bulk_never_fails_with_a_5xx(node, items, refresh):
    lines = b"".join(_dumps({action: meta}) + b"\n" + _dumps(source) + b"\n" for action, meta, source in items)
    _send(node, "POST", "/_bulk", lines, {"refresh": refresh})
    _send(node, "POST", "/items/_bulk", lines)


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=150)
@given(actions=st.one_of(json_values, st.lists(st.dictionaries(
    st.sampled_from(("add", "remove", "remove_index", "bogus")),
    st.one_of(json_values, st.dictionaries(st.sampled_from(("index", "indices", "alias", "aliases", "is_write_index",
                                                            "must_exist", "filter", "routing")),
                                           st.one_of(scalars, st.sampled_from(("items", "live", "a/b", "..", "x*")),
                                                     st.lists(st.sampled_from(("items", "live", "zz")), max_size=2)),
                                           max_size=3)), max_size=1), max_size=3)))
def test_aliases_never_fail_with_a_5xx(node, actions):
    _send(node, "POST", "/_aliases", _dumps({"actions": actions}))
    _send(node, "POST", "/_aliases", _dumps(actions))


TYPES = ("text", "keyword", "long", "float", "date", "boolean", "object", "knn_vector", "nested", "geo_point", 7)
field_specs = st.dictionaries(st.sampled_from(("type", "dimension", "analyzer", "fields", "properties", "format",
                                               "index", "method", "space_type", "dynamic", "enabled")),
                              st.one_of(st.sampled_from(TYPES), json_values), max_size=3)
mappings = st.one_of(json_values, st.builds(lambda props: {"properties": props}, st.dictionaries(
    st.one_of(st.sampled_from(FIELDS + ("_source", "_routing", "a.b", "", ".")), st.text(max_size=5)),
    st.one_of(field_specs, json_values), max_size=4)))


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=100)
@given(mapping=mappings, settings_body=st.one_of(st.just({}), json_values), doc=json_values)
def test_mappings_and_documents_never_fail_with_a_5xx(node, mapping, settings_body, doc):
    _send(node, "PUT", "/created", _dumps({"mappings": mapping, "settings": settings_body}))
    _send(node, "PUT", "/items/_mapping", _dumps(mapping))
    _send(node, "PUT", "/items/_doc/x", _dumps(doc))
    _send(node, "POST", "/created/_doc", _dumps(doc))
    _send(node, "DELETE", "/created", None)


REQUEST_LINES = (b"GET / HTTP/1.1", b"POST /items/_search HTTP/1.1", b"PUT /items/_doc/1 HTTP/1.1",
                 b"PATCH /items HTTP/1.1", b"GET /%ff%00 HTTP/1.1", b"GET / HTTP/9.9", b"\x00\x01", b"GET /")
HEADERS = (b"Host: localhost", b"Content-Type: application/json", b"Content-Type: text/plain",
           b"Content-Length: 2", b"Content-Length: x", b"Transfer-Encoding: chunked", b"Content-Encoding: gzip",
           b"Origin: http://evil.example", b"Host: evil.example", b"Expect: 100-continue", b": empty")


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=60)
@given(line=st.one_of(st.sampled_from(REQUEST_LINES), st.binary(max_size=40)),
       headers=st.lists(st.one_of(st.sampled_from(HEADERS), st.binary(max_size=30)), max_size=5),
       body=st.one_of(st.just(b"{}"), st.binary(max_size=80)))
def test_the_http_server_answers_any_bytes_with_a_4xx_or_a_close(http_port, line, headers, body):
    status, reply_headers, reply = raw_request(http_port, line + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n"
                                               + body, timeout=5)
    assert status is None or status < 500, (status, reply[:200])
    if status is not None and status >= 400:
        assert reply_headers.get("content-type", "").startswith("application/json"), reply[:200]


@pytest.fixture(scope="module")
def http_port(tmp_path_factory) -> Iterator[int]:
    from embedded_node.rest.http_settings import HttpSettings

    with served(tmp_path_factory.mktemp("http") / "node", HttpSettings(read_timeout_s=1.0, idle_timeout_s=1.0)) \
            as (node, server):
        node.index_doc("items", "1", None, {"title": "x"}, refresh=True)
        yield server.server_address[1]


ENDPOINTS = (("POST", "/_mget"), ("POST", "/items/_mget"), ("POST", "/items/_update/1"), ("PUT", "/_cluster/settings"),
             ("POST", "/items/_analyze"), ("PUT", "/items/_settings"), ("POST", "/_search/scroll"),
             ("DELETE", "/_search/scroll"), ("POST", "/items/_count"), ("POST", "/items/_forcemerge"),
             ("PUT", "/items/_alias/x"), ("POST", "/items/_refresh"), ("GET", "/_cat/indices"),
             ("GET", "/_cluster/health"), ("PUT", "/items/_doc/2"), ("PUT", "/items/_create/3"),
             ("DELETE", "/items/_doc/1"), ("GET", "/items/_source/1"), ("HEAD", "/items/_doc/1"))
BODY_KEYS = ("docs", "ids", "_index", "_id", "_source", "doc", "upsert", "doc_as_upsert", "script", "persistent",
             "transient", "text", "analyzer", "field", "index", "scroll", "scroll_id", "query", "routing")
PARAM_KEYS = ("max_num_segments", "refresh", "version", "if_seq_no", "if_primary_term", "routing", "format",
              "wait_for_status", "timeout", "_source", "_source_includes", "scroll", "size", "op_type", "h")


@pytest.mark.timeout(120)
@settings(PROPERTY, max_examples=150)
@given(endpoint=st.sampled_from(ENDPOINTS),
       body=st.one_of(st.none(), json_values, st.dictionaries(st.sampled_from(BODY_KEYS), json_values, max_size=3)),
       params=st.dictionaries(st.sampled_from(PARAM_KEYS), st.one_of(st.text(max_size=6), st.sampled_from(
           ("true", "false", "-1", "0", "1", "1m", "x", "green", "json", "[]"))), max_size=2))
def test_other_endpoints_never_fail_with_a_5xx(node, endpoint, body, params):
    method, path = endpoint
    _send(node, method, path, None if body is None else _dumps(body), params)
