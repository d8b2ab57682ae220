"""``bulk_write`` against the embedded node: every document is counted as written or reported, and retryable
failures (injected by the fault wrapper, since a healthy node never gives them) are retried the right number
of times by the right layer (the transport, opensearch-py's helper, or our own retry rounds)."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from indexer.bulk import BulkOptions, bulk_write, index_action, update_action
from support.faults import Faults

FAST = BulkOptions(chunk_size=10, max_retries=3, initial_backoff=0.0, max_backoff=0.0)


def _actions(n: int, index: str = "t") -> list[dict[str, Any]]:
    return [index_action(index, f"d{i}", f'{{"title": "doc {i}"}}', row=i + 1) for i in range(n)]


def _setup(client: OpenSearch) -> OpenSearch:
    client.indices.create(index="t", body={"settings": {"index": {"refresh_interval": "-1"}}})
    return client


def _stored_ids(client: OpenSearch) -> set[str]:
    """Every id stored in ``t`` (refreshes first: the index is created with refresh_interval -1)."""
    client.indices.refresh(index="t")
    hits = client.search(index="t", body={"query": {"match_all": {}}, "size": 1000, "_source": False})
    return {hit["_id"] for hit in hits["hits"]["hits"]}


def test_every_document_is_written_and_counted(node_client: OpenSearch, faults: Faults) -> None:
    client = _setup(node_client)
    seen: list[bool] = []
    report = bulk_write(client, _actions(25), FAST, lambda ok, n: seen.append(ok))
    assert (report.ok, report.failed, report.retried) == (25, [], 0)
    assert seen == [True] * 25
    assert faults.count("POST", "*_bulk") == 3  # chunks of 10
    assert _stored_ids(client) == {f"d{i}" for i in range(25)}
    assert client.get(index="t", id="d0")["_source"] == {"title": "doc 0"}  # ``_row`` is never sent


def test_permanent_failures_are_reported_with_id_status_reason_and_row(
    node_client: OpenSearch, faults: Faults
) -> None:
    client = _setup(node_client)
    faults.fail_doc("d3", status=400, error_type="mapper_parsing_exception")
    faults.fail_doc("d17", status=400, error_type="illegal_argument_exception")
    report = bulk_write(client, _actions(20), FAST)
    assert report.ok == 18
    assert [(f.id, f.status, f.row) for f in report.failed] == [("d3", 400, 4), ("d17", 400, 18)]
    assert report.failed[0].reason == "mapper_parsing_exception: injected failure for [d3]"
    assert report.failed[1].reason == "illegal_argument_exception: injected failure for [d17]"
    assert report.retried == 0 and faults.count("POST", "*_bulk") == 2  # 4xx is not retried
    assert _stored_ids(client) == {f"d{i}" for i in range(20)} - {"d3", "d17"}


def test_transient_5xx_items_are_retried_until_they_succeed(node_client: OpenSearch, faults: Faults) -> None:
    client = _setup(node_client)
    faults.flake_doc("d1", times=2)
    faults.flake_doc("d9", times=1)
    report = bulk_write(client, _actions(12), FAST)
    assert (report.ok, report.failed, report.retried) == (12, [], 3)
    assert faults.count("POST", "*_bulk") == 4  # 2 chunks, then a retry round for d1+d9, then one for d1
    assert _stored_ids(client) == {f"d{i}" for i in range(12)}


def test_items_that_stay_unavailable_are_reported_after_the_last_retry(
    node_client: OpenSearch, faults: Faults
) -> None:
    client = _setup(node_client)
    faults.flake_doc("d2", times=99)
    report = bulk_write(client, _actions(5), FAST)
    assert report.ok == 4 and [(f.id, f.status, f.row) for f in report.failed] == [("d2", 503, 3)]
    assert report.failed[0].reason.startswith("unavailable_shards_exception: ")
    assert report.retried == FAST.max_retries
    assert faults.count("POST", "*_bulk") == 1 + FAST.max_retries
    assert _stored_ids(client) == {"d0", "d1", "d3", "d4"}


def test_whole_request_429_is_retried_by_the_helper(node_client: OpenSearch, faults: Faults) -> None:
    client = _setup(node_client)
    faults.reject("POST", "*_bulk", 429, times=2)
    report = bulk_write(client, _actions(10), FAST)
    assert (report.ok, report.failed, report.retried) == (10, [], 0)  # streaming_bulk's retries, not ours
    assert faults.count("POST", "*_bulk") == 3
    assert _stored_ids(client) == {f"d{i}" for i in range(10)}


def test_whole_request_503_after_the_client_retries_is_retried_by_us(
    node_client: OpenSearch, faults: Faults
) -> None:
    client = _setup(node_client)
    faults.reject("POST", "*_bulk", 503, times=4)  # the transport tries 4 times, then hands us a 503 per item
    report = bulk_write(client, _actions(10), FAST)
    assert (report.ok, report.failed, report.retried) == (10, [], 10)
    assert faults.count("POST", "*_bulk") == 5
    assert _stored_ids(client) == {f"d{i}" for i in range(10)}


def test_partial_updates_only_touch_the_given_field_and_report_missing_ids(node_client: OpenSearch) -> None:
    client = _setup(node_client)
    bulk_write(client, _actions(2), FAST)
    report = bulk_write(
        client,
        [
            update_action("t", "d0", {"cf_vector": [1.0, 0.0]}, row=1),
            update_action("t", "nope", {"cf_vector": [0.0, 1.0]}, row=2),
        ],
        FAST,
    )
    assert report.ok == 1 and [(f.id, f.status, f.row) for f in report.failed] == [("nope", 404, 2)]
    assert "document_missing_exception" in report.failed[0].reason
    assert client.get(index="t", id="d0")["_source"] == {"title": "doc 0", "cf_vector": [1.0, 0.0]}
    assert client.get(index="t", id="d1")["_source"] == {"title": "doc 1"}
    assert _stored_ids(client) == {"d0", "d1"}  # the missing id was not created by the update
