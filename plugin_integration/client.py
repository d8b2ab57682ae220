"""Building the one opensearch-py client that all product code uses.

Where the client points (a real cluster URL or the embedded node in a data directory) is decided here and
only here; nothing downstream branches on it. This is also the only product module that imports the engine
(``embedded_node``): ``mmltr serve`` opens the node through :func:`serve_embedded_node`, and the CLI reports
the node's :class:`DataDirLocked` as a message.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch

from embedded_node.index.storage import DataDirLocked
from embedded_node.node import open_node
from embedded_node.rest.server import RemoteBindRefused, check_bind_host, make_server
from embedded_node.rest.transport import EmbeddedConnection

from .serializer import OrjsonSerializer

__all__ = ["DEFAULT_DATA_DIR", "DataDirLocked", "RemoteBindRefused", "make_client", "serve_embedded_node"]

DEFAULT_DATA_DIR = Path(".mmltr")


def make_client(cluster: str | None = None, data_dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> OpenSearch:
    """Return an opensearch-py client for ``cluster`` or, when no URL is given, for the embedded node.

    The embedded node is reached through an in-process connection class (no socket), so the client's
    serialization, error mapping and helpers behave exactly as against a real cluster.
    """
    kwargs.setdefault("serializer", OrjsonSerializer())
    if cluster:
        options: dict[str, Any] = {"timeout": 60}
        options.update(kwargs)
        return OpenSearch(hosts=[cluster], **options)
    path = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    kwargs.setdefault("connection_class", EmbeddedConnection)  # tests wrap it to inject faults
    return OpenSearch(hosts=[{"host": "embedded", "port": 9200}], data_dir=str(path), **kwargs)


def serve_embedded_node(data_dir: str | os.PathLike[str], host: str, port: int, allow_remote: bool) -> tuple[Any, Any]:
    """Open the embedded node in ``data_dir`` and an HTTP server for it on ``host:port`` (loopback unless
    ``allow_remote``); returns ``(node, server)``. A refused bind raises :class:`RemoteBindRefused`,
    a data directory in use :class:`DataDirLocked`, a port in use ``OSError``."""
    check_bind_host(host, allow_remote)
    node = open_node(str(data_dir))
    server = make_server(node, host, port, allow_remote=allow_remote)
    bound_host, bound_port = server.server_address[:2]
    node.storage.describe_owner(f"mmltr serve at http://{bound_host}:{bound_port}")
    return node, server
