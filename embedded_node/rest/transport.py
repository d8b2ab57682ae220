"""An opensearch-py connection class that dispatches requests to the embedded node in-process.

``OpenSearch(hosts=[...], connection_class=EmbeddedConnection, data_dir=...)`` behaves like a client of a real
cluster: requests are serialized by opensearch-py, routed by the same REST router the HTTP server uses, and
errors come back as opensearch-py's own exception classes (``NotFoundError``, ``RequestError``...).
"""
from __future__ import annotations

import gzip
import time
from typing import Any, Collection, Mapping
from urllib.parse import urlencode

from opensearchpy.connection import Connection
from opensearchpy.exceptions import ConnectionError as ClientConnectionError

from ..node import open_node, release_node
from .faults import DroppedConnection


class EmbeddedConnection(Connection):
    """No socket: ``perform_request`` calls the node's router directly."""

    def __init__(self, host: str = "embedded", port: int | None = 9200, data_dir: str | None = None,
                 node_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.pop("use_ssl", None)
        super().__init__(host=host, port=port, **{k: v for k, v in kwargs.items()
                                                  if k in ("url_prefix", "timeout", "headers", "http_compress",
                                                           "opaque_id")})
        self.node = open_node(data_dir, **(node_options or {}))
        self.router = self.node.plugins.rest_controller

    def perform_request(self, method: str, url: str, params: Mapping[str, Any] | None = None,
                        body: bytes | None = None, timeout: int | float | None = None, ignore: Collection[int] = (),
                        headers: Mapping[str, str] | None = None) -> Any:
        started = time.time()
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        if headers and str(headers.get("content-encoding", "")).lower() == "gzip" and body:
            body = gzip.decompress(body)
        try:
            response = self.router.dispatch(self.node, method, url, dict(params or {}), body)
        except DroppedConnection as exc:  # an injected fault (rest/faults.py): what urllib3 raises for a drop
            raise ClientConnectionError("N/A", str(exc), exc) from exc
        raw = response.encode().decode("utf-8", "surrogatepass")
        duration = time.time() - started
        full_url = url + (f"?{urlencode(params)}" if params else "")
        if not (200 <= response.status < 300) and response.status not in ignore:
            self.log_request_fail(method, full_url, url, body, duration, response.status, raw)
            self._raise_error(response.status, raw, response.content_type)
        self.log_request_success(method, full_url, url, body, response.status, raw, duration)
        return response.status, {"content-type": response.content_type}, raw

    def close(self) -> None:
        if self.node is not None:
            release_node(self.node)
            self.node = None  # type: ignore[assignment]
