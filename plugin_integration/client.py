"""Building the one opensearch-py client that all product code uses.

Where the client points (a real cluster URL or the embedded node in a data directory) is decided here and
only here; nothing downstream branches on it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch

DEFAULT_DATA_DIR = Path(".mmltr")


def make_client(cluster: str | None = None, data_dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> OpenSearch:
    """Return an opensearch-py client for ``cluster`` or, when no URL is given, for the embedded node.

    The embedded node is reached through an in-process connection class (no socket), so the client's
    serialization, error mapping and helpers behave exactly as against a real cluster.
    """
    from .serializer import OrjsonSerializer

    kwargs.setdefault("serializer", OrjsonSerializer())
    if cluster:
        options: dict[str, Any] = {"timeout": 60}
        options.update(kwargs)
        return OpenSearch(hosts=[cluster], **options)
    from embedded_node.rest.transport import EmbeddedConnection

    path = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    kwargs.setdefault("connection_class", EmbeddedConnection)  # tests wrap it to inject faults
    return OpenSearch(hosts=[{"host": "embedded", "port": 9200}], data_dir=str(path), **kwargs)
