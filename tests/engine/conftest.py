"""Engine fixtures: opensearch-py clients on a fresh embedded node, in-process and over HTTP.

Engine tests take ``client`` and run twice, once through the in-process connection class and once through
``mmltr serve``'s HTTP server, because both doors must behave identically.
"""
from __future__ import annotations

import threading
from typing import Iterator

import pytest
from opensearchpy import OpenSearch

from plugin_integration.client import make_client
from plugin_integration.embedded.node import open_node, release_node
from plugin_integration.embedded.server import make_server


def _http_client(data_dir: str) -> Iterator[OpenSearch]:
    node = open_node(data_dir)
    server = make_server(node, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = OpenSearch(hosts=[f"http://127.0.0.1:{server.server_address[1]}"], timeout=30)
    try:
        yield client
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        release_node(node)


@pytest.fixture(params=["inprocess", "http"])
def client(request: pytest.FixtureRequest, tmp_path) -> Iterator[OpenSearch]:
    """An opensearch-py client on an empty embedded node (both transports)."""
    if request.param == "inprocess":
        c = make_client(None, tmp_path / "node")
        try:
            yield c
        finally:
            c.close()
    else:
        yield from _http_client(str(tmp_path / "node"))


@pytest.fixture
def inproc_client(tmp_path) -> Iterator[OpenSearch]:
    """The in-process client only (for tests whose subject is not the transport)."""
    c = make_client(None, tmp_path / "node")
    try:
        yield c
    finally:
        c.close()
