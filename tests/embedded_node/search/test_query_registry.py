"""The query registry is complete before a node serves a request: concurrent first queries on a fresh node all
parse (a lazily filled registry once answered ``unknown query [multi_match]`` to some of 20 simultaneous first
queries), and an unknown query is the registry's own ``parsing_exception``."""
from __future__ import annotations

import json
import threading

from embedded_node.node import Node
from embedded_node.plugins import PLUGINS
from embedded_node.plugins_service import PluginsService

THREADS = 20


def _search(node: Node, body: dict) -> tuple[int, dict]:
    response = node.plugins.rest_controller.dispatch(node, "POST", "/items/_search", {},
                                                     json.dumps(body).encode())
    return response.status, response.body


def test_concurrent_first_queries_on_a_fresh_node_all_parse(tmp_path) -> None:
    node = Node(tmp_path / "data")
    try:
        node.index_doc("items", "1", None, {"title": "red shoe", "description": "a shoe"}, refresh=True)
        barrier = threading.Barrier(THREADS)
        results: list[tuple[int, dict] | BaseException] = [None] * THREADS  # type: ignore[list-item]

        def first_query(i: int) -> None:
            barrier.wait()
            try:
                results[i] = _search(node, {"query": {"multi_match": {"query": "shoe",
                                                                      "fields": ["title", "description"]}}})
            except BaseException as exc:  # noqa: BLE001 - reported below
                results[i] = exc

        threads = [threading.Thread(target=first_query, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [r[0] if isinstance(r, tuple) else repr(r) for r in results] == [200] * THREADS
        assert all(r[1]["hits"]["total"]["value"] == 1 for r in results)  # type: ignore[index]
    finally:
        node.close()


def test_an_unknown_query_is_a_parsing_exception_from_the_registry(tmp_path) -> None:
    node = Node(tmp_path / "data")
    try:
        node.create_index("items")
        status, body = _search(node, {"query": {"no_such_query": {}}})
        assert status == 400
        assert body["error"]["type"] == "parsing_exception"
        assert body["error"]["reason"] == "unknown query [no_such_query]"
    finally:
        node.close()


def test_every_mounted_plugin_query_is_registered() -> None:
    names = PluginsService(PLUGINS).queries.names()
    assert {"sltr", "knn", "script_score", "multi_match", "bool"} <= set(names)
