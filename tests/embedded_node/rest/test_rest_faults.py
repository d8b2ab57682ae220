"""Fault injection in the embedded node (``MMLTR_FAULTS``, ``embedded_node/rest/faults.py``): off by default,
seeded, per endpoint, and what each fault looks like to opensearch-py (issue 14)."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import ConnectionError as ClientConnectionError
from opensearchpy import OpenSearch, TransportError

from embedded_node.node import open_node, release_node
from embedded_node.rest.faults import ENV, FaultInjector, FaultPlan
from embedded_node.rest.server import make_server
from plugin_integration import retry_transport
from plugin_integration.client import RETRY_OPTIONS, make_client


def _client(path: Path, plan: dict[str, Any] | None, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> OpenSearch:
    if plan is not None:
        monkeypatch.setenv(ENV, json.dumps(plan))
    client = make_client(None, path, **kw)
    monkeypatch.delenv(ENV, raising=False)
    return client


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenSearch, FaultInjector]]:
    client = _client(tmp_path / "node", {"rules": [{"path": "/nothing", "503": 1.0}]}, monkeypatch)
    client.indices.create(index="t", body={"mappings": {"properties": {"n": {"type": "integer"}}}})
    try:
        yield client, client.transport.get_connection().router
    finally:
        client.close()


def _bulk(n: int) -> str:
    return "".join(json.dumps({"index": {"_index": "t", "_id": f"d{i}"}}) + "\n" + json.dumps({"n": i}) + "\n"
                   for i in range(n))


def test_off_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    client = make_client(None, tmp_path / "node")
    try:
        assert not isinstance(client.transport.get_connection().router, FaultInjector)
    finally:
        client.close()


@pytest.mark.parametrize("spec, message", [
    ("{nope", "not valid JSON"),
    ({"rules": [{"path": "*", "404": 0.5}]}, "unknown key"),
    ({"rules": [{"503": 0.7, "drop": 0.7}]}, "must not exceed 1"),
    ({"rules": [{"slow": 2}]}, "probabilities"),
    ([1, 2], "expected"),
])
def test_a_bad_plan_is_refused_with_the_reason(spec: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultPlan.parse(spec if isinstance(spec, str) else json.dumps(spec))


def test_503_is_retried_max_retries_times_then_raised(faulty: tuple[OpenSearch, FaultInjector]) -> None:
    client, injector = faulty
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/t/_count", "503": 1.0}]}))
    with pytest.raises(TransportError) as err:
        client.count(index="t")
    assert err.value.status_code == 503 and err.value.error == "unavailable_shards_exception"
    assert injector.injected["503"] == RETRY_OPTIONS["max_retries"] + 1
    assert client.search(index="t")["hits"]["total"]["value"] == 0  # other endpoints untouched


def test_429_is_not_retried_by_the_transport(faulty: tuple[OpenSearch, FaultInjector]) -> None:
    client, injector = faulty
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "*/_search", "429": 1.0}]}))
    with pytest.raises(TransportError) as err:
        client.search(index="t")
    assert err.value.status_code == 429 and injector.injected["429"] == 1


def test_a_dropped_connection_is_opensearch_py_connection_error_and_is_retried(
    faulty: tuple[OpenSearch, FaultInjector]
) -> None:
    client, injector = faulty
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/t/_doc/*", "drop": 1.0}]}))
    with pytest.raises(ClientConnectionError):
        client.index(index="t", id="a", body={"n": 1})
    assert injector.injected["drop"] == RETRY_OPTIONS["max_retries"] + 1
    injector.set_plan(FaultPlan())
    assert client.exists(index="t", id="a") is False  # dropped before the node saw it


def test_drop_after_runs_the_request_then_loses_the_answer(faulty: tuple[OpenSearch, FaultInjector]) -> None:
    client, injector = faulty
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/t/_doc/*", "drop_after": 1.0}]}))
    with pytest.raises(ClientConnectionError):
        client.index(index="t", id="a", body={"n": 1})
    injector.set_plan(FaultPlan())
    assert client.get(index="t", id="a")["_version"] == RETRY_OPTIONS["max_retries"] + 1  # ran on every try


def test_bulk_item_failures_are_spliced_in_place_and_seeded(faulty: tuple[OpenSearch, FaultInjector]) -> None:
    client, injector = faulty
    plan = FaultPlan.parse({"seed": 5, "rules": [{"path": "*/_bulk", "bulk_item": 0.3}]})
    injector.set_plan(plan)
    first = client.bulk(body=_bulk(40), refresh=True)
    failed = [i for i, item in enumerate(first["items"]) if item["index"]["status"] == 429]
    assert first["errors"] is True and 0 < len(failed) < 40 and injector.injected["bulk_item"] == len(failed)
    assert all(first["items"][i]["index"]["_id"] == f"d{i}" for i in range(40))  # answers in request order
    assert first["items"][failed[0]]["index"]["error"]["type"] == "rejected_execution_exception"
    assert client.count(index="t")["count"] == 40 - len(failed)
    injector.set_plan(plan)  # the same seed fails the same items again
    again = client.bulk(body=_bulk(40))
    assert [i for i, item in enumerate(again["items"]) if item["index"]["status"] == 429] == failed


def test_slow_answers_are_delayed(faulty: tuple[OpenSearch, FaultInjector]) -> None:
    client, injector = faulty
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/", "slow": 1.0, "slow_s": 0.0}]}))
    assert client.info()["version"]["distribution"] == "opensearch"
    assert injector.injected["slow"] == 1


def test_a_plan_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"seed": 3, "rules": [{"method": "GET", "path": "/", "503": 1.0}]}))
    monkeypatch.setenv(ENV, f"@{plan}")
    assert FaultPlan.from_environment() == FaultPlan.parse(plan.read_text())
    monkeypatch.setenv(ENV, f"@{tmp_path / 'missing.json'}")
    with pytest.raises(ValueError, match="cannot read"):
        FaultPlan.from_environment()


def test_over_http_a_drop_closes_the_socket_and_the_client_retries(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, json.dumps({"rules": [{"path": "/", "drop": 1.0, "max_faults": 2},
                                                  {"path": "/_cluster/health", "drop_after": 1.0}]}))
    node = open_node(str(tmp_path / "served"))
    monkeypatch.delenv(ENV)
    server = make_server(node, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = make_client(f"http://127.0.0.1:{server.server_address[1]}", retry_backoff=0.01)
    try:
        assert client.info()["version"]["distribution"] == "opensearch"  # third try, after two drops
        injector = node.plugins.rest_controller
        assert injector.injected["drop"] == 2
        with pytest.raises(ClientConnectionError):  # every try dropped: bounded, then raised
            client.cluster.health()
        assert injector.injected["drop_after"] == RETRY_OPTIONS["max_retries"] + 1
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        release_node(node)


def test_the_transport_waits_longer_before_each_retry(faulty: tuple[OpenSearch, FaultInjector],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client, injector = faulty
    waits: list[float] = []
    monkeypatch.setattr(retry_transport.time, "sleep", waits.append)
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/t/_count", "503": 1.0}]}))
    with pytest.raises(TransportError):
        client.count(index="t")
    backoff = client.transport.retry_backoff
    assert waits == [backoff, 2 * backoff, 4 * backoff]  # before retries 1..3; none after the last failure
    injector.set_plan(FaultPlan.parse({"rules": [{"path": "/t/_count", "503": 1.0, "max_faults": 1}]}))
    assert client.count(index="t")["count"] == 0
    assert waits[3:] == [backoff]  # a new request starts from the first pause again
