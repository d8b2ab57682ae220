"""The fault wrapper itself: injected answers look like OpenSearch's and everything else is the real node's.

The indexer's retry and failure tests are only as good as this layer, so it is checked here against the
embedded node it wraps: spliced error items sit at the positions of the documents they replace, the other
items (statuses, versions, real refusals) are the node's, and faults stop exactly when they should.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch, TransportError

from plugin_integration.client import make_client
from support.faults import Faults, faulty_client


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def client(tmp_path: Path, faults: Faults) -> Iterator[OpenSearch]:
    c = faulty_client(tmp_path / "node", faults)
    c.indices.create(index="t", body={"mappings": {"properties": {"n": {"type": "integer"}}}})
    try:
        yield c
    finally:
        c.close()


def _body(*operations: tuple[str, str, dict[str, Any] | None]) -> str:
    lines = []
    for kind, doc_id, source in operations:
        lines.append(json.dumps({kind: {"_index": "t", "_id": doc_id}}))
        if source is not None:
            lines.append(json.dumps(source))
    return "\n".join(lines) + "\n"


def _summary(response: dict[str, Any]) -> list[tuple[str, str, int, str | None, int | None]]:
    rows = []
    for item in response["items"]:
        ((kind, result),) = item.items()
        error = result.get("error", {}).get("type")
        rows.append((kind, result["_id"], result["status"], error, result.get("_version")))
    return rows


def test_injected_items_are_spliced_in_place_between_the_nodes_own_answers(
    client: OpenSearch, faults: Faults
) -> None:
    faults.fail_doc("d1", status=400, error_type="mapper_parsing_exception")
    faults.flake_doc("d4", times=1)
    first = client.bulk(
        body=_body(
            ("index", "d0", {"n": 0}),
            ("index", "d1", {"n": 1}),
            ("index", "d2", {"n": "not a number"}),  # refused by the node itself
            ("update", "ghost", {"doc": {"n": 3}}),  # missing: the node's 404
            ("index", "d4", {"n": 4}),
        )
    )
    assert first["errors"] is True
    assert _summary(first) == [
        ("index", "d0", 201, None, 1),
        ("index", "d1", 400, "mapper_parsing_exception", None),
        ("index", "d2", 400, "mapper_parsing_exception", None),
        ("update", "ghost", 404, "document_missing_exception", None),
        ("index", "d4", 503, "unavailable_shards_exception", None),
    ]
    assert first["items"][1]["index"]["error"]["reason"] == "injected failure for [d1]"
    assert first["items"][1]["index"]["_index"] == "t"
    assert "injected" not in first["items"][2]["index"]["error"]["reason"]  # the node's own refusal
    second = client.bulk(
        body=_body(("index", "d0", {"n": 10}), ("index", "d1", {"n": 1}), ("index", "d4", {"n": 4}))
    )
    assert _summary(second) == [
        ("index", "d0", 200, None, 2),  # the node's version counter, not the wrapper's
        ("index", "d1", 400, "mapper_parsing_exception", None),  # permanent
        ("index", "d4", 201, None, 1),  # transient: through on its second try
    ]
    client.indices.refresh(index="t")
    hits = client.search(index="t", body={"query": {"match_all": {}}, "size": 10})["hits"]["hits"]
    assert {h["_id"]: h["_source"] for h in hits} == {"d0": {"n": 10}, "d4": {"n": 4}}


def test_a_transient_document_fails_exactly_k_times_then_reaches_the_node(
    client: OpenSearch, faults: Faults
) -> None:
    faults.flake_doc("x", times=2, status=429)
    statuses = [
        client.bulk(body=_body(("index", "x", {"n": attempt})))["items"][0]["index"]["status"]
        for attempt in range(4)
    ]
    assert statuses == [429, 429, 201, 200]
    assert faults.count("POST", "/_bulk") == 4
    assert client.get(index="t", id="x")["_source"] == {"n": 3}


def test_a_bulk_whose_every_document_is_failed_never_reaches_the_node(
    client: OpenSearch, faults: Faults
) -> None:
    faults.fail_doc("a", "b", status=409, error_type="version_conflict_engine_exception")
    response = client.bulk(body=_body(("index", "a", {"n": 1}), ("delete", "b", None)))
    assert _summary(response) == [
        ("index", "a", 409, "version_conflict_engine_exception", None),
        ("delete", "b", 409, "version_conflict_engine_exception", None),
    ]
    assert client.count(index="t")["count"] == 0


def test_whole_request_rejections_raise_opensearch_errors_and_skip_the_node(
    client: OpenSearch, faults: Faults
) -> None:
    faults.reject("POST", "/_bulk", 429, times=1)
    with pytest.raises(TransportError) as rejected:
        client.bulk(body=_body(("index", "a", {"n": 1})))
    assert rejected.value.status_code == 429 and rejected.value.error == "rejected_execution_exception"
    assert rejected.value.info["error"]["root_cause"][0]["type"] == "rejected_execution_exception"
    with pytest.raises(NotFoundError):
        client.get(index="t", id="a")  # the rejected request never reached the node
    assert client.bulk(body=_body(("index", "a", {"n": 1})))["errors"] is False  # only the next one
    assert faults.count("POST", "/_bulk") == 2


def test_a_503_is_retried_by_the_transport_and_a_404_maps_to_not_found(
    client: OpenSearch, faults: Faults
) -> None:
    faults.reject("POST", "*/_bulk", 503, times=2)
    faults.reject("*", "/t/_count", 404, error_type="index_not_found_exception")
    assert client.bulk(body=_body(("index", "a", {"n": 1})), index="t", refresh=True)["errors"] is False
    assert faults.count("POST", "/t/_bulk") == 3  # two 503s, retried by opensearch-py's transport
    with pytest.raises(NotFoundError, match="index_not_found_exception"):
        client.count(index="t")
    assert client.count(index="t")["count"] == 1  # the 404 was for one request only
    assert [path for _, path in faults.requests].count("/t/_count") == 2


def test_the_faulty_client_is_built_like_make_client_and_shares_its_node(
    client: OpenSearch, tmp_path: Path
) -> None:
    client.index(index="t", id="a", body={"n": 1}, refresh=True)
    plain = make_client(None, tmp_path / "node")
    try:
        assert type(plain.transport.serializer) is type(client.transport.serializer)
        assert type(client.transport.get_connection()).__mro__[1] is type(plain.transport.get_connection())
        assert plain.get(index="t", id="a")["_source"] == {"n": 1}
    finally:
        plain.close()
