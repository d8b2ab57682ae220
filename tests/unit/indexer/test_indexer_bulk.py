from __future__ import annotations

from typing import Any

from indexer.bulk import BulkOptions, bulk_write, index_action, update_action
from indexer_fakecluster import FakeCluster

FAST = BulkOptions(chunk_size=10, max_retries=3, initial_backoff=0.0, max_backoff=0.0)


def _actions(n: int, index: str = "t") -> list[dict[str, Any]]:
    return [index_action(index, f"d{i}", f'{{"title": "doc {i}"}}', row=i + 1) for i in range(n)]


def _setup(cluster: FakeCluster) -> Any:
    client = cluster.client()
    client.indices.create(index="t", body={"settings": {"index": {"refresh_interval": "-1"}}})
    return client


def test_every_document_is_written_and_counted(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    seen: list[bool] = []
    report = bulk_write(client, _actions(25), FAST, lambda ok, n: seen.append(ok))
    assert (report.ok, report.failed, report.retried) == (25, [], 0)
    assert len(cluster.indices["t"].docs) == 25 and seen == [True] * 25
    assert cluster.bulk_calls == 3  # chunks of 10
    assert "_row" not in cluster.indices["t"].docs["d0"]


def test_permanent_failures_are_reported_with_id_status_reason_and_row(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    cluster.fail_ids = {"d3": (400, "mapper_parsing_exception"), "d17": (400, "illegal_argument_exception")}
    report = bulk_write(client, _actions(20), FAST)
    assert report.ok == 18
    assert [(f.id, f.status, f.row) for f in report.failed] == [("d3", 400, 4), ("d17", 400, 18)]
    assert report.failed[0].reason.startswith("mapper_parsing_exception: injected failure")
    assert report.retried == 0  # 4xx is not retried


def test_transient_5xx_items_are_retried_until_they_succeed(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    cluster.transient.update({"d1": 2, "d9": 1})
    report = bulk_write(client, _actions(12), FAST)
    assert (report.ok, report.failed, report.retried) == (12, [], 3)
    assert set(cluster.indices["t"].docs) == {f"d{i}" for i in range(12)}


def test_items_that_stay_unavailable_are_reported_after_the_last_retry(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    cluster.transient["d2"] = 99
    report = bulk_write(client, _actions(5), FAST)
    assert report.ok == 4 and [(f.id, f.status) for f in report.failed] == [("d2", 503)]
    assert report.retried == FAST.max_retries


def test_whole_request_429_is_retried_by_the_helper(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    cluster.bulk_rejections = [429, 429]
    report = bulk_write(client, _actions(10), FAST)
    assert (report.ok, report.failed) == (10, [])


def test_whole_request_503_after_the_client_retries_is_retried_by_us(cluster: FakeCluster) -> None:
    client = _setup(cluster)
    cluster.bulk_rejections = [503] * 4  # the transport itself tries 4 times, then hands us a 503 per item
    report = bulk_write(client, _actions(10), FAST)
    assert (report.ok, report.failed, report.retried) == (10, [], 10)


def test_partial_updates_only_touch_the_given_field_and_report_missing_ids(cluster: FakeCluster) -> None:
    client = _setup(cluster)
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
    assert cluster.indices["t"].docs["d0"] == {"title": "doc 0", "cf_vector": [1.0, 0.0]}
