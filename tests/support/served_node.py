"""A node in a data directory served over HTTP on a free loopback port, for tests that go through a real
socket (the official clients' HTTP door)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from embedded_node.node import open_node, release_node
from embedded_node.rest.server import make_server


@contextmanager
def served_node(data_dir: str, **node_options: Any) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``); the server stops and the node is released on exit."""
    node = open_node(data_dir, **node_options)
    server = make_server(node, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        release_node(node)
