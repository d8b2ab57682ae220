"""Building the one opensearch-py client that all product code uses.

Where the client points (a real cluster URL or the embedded node in a data directory) is decided here and
only here; nothing downstream branches on it. This is also the only product module that imports the engine
(``embedded_node``): ``mmltr serve`` opens the node through :func:`serve_embedded_node`, and the CLI reports
the node's :class:`DataDirLocked` as a message.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch

from embedded_node.distributions import DistributionMismatch
from embedded_node.index.storage import DataDirLocked
from embedded_node.node import open_node
from embedded_node.rest.http_settings import PASSWORD_ENV, serve_security
from embedded_node.rest.server import RemoteBindRefused, check_bind_host, make_server
from embedded_node.rest.transport import EmbeddedConnection

from .credentials import Credentials, client_options, load_credentials, redact_url, with_url_credentials
from .retry_transport import BackoffTransport
from .serializer import OrjsonSerializer

__all__ = ["DEFAULT_DATA_DIR", "PASSWORD_ENV", "DataDirLocked", "DistributionMismatch", "RemoteBindRefused",
           "make_client", "serve_embedded_node", "serve_security"]

DEFAULT_DATA_DIR = Path(".mmltr")
log = logging.getLogger(__name__)


#: opensearch-py's own retry settings (its transport retries; no loop of ours): a 502/503/504, a dropped
#: connection or a timeout is retried up to ``max_retries`` times, waiting ``retry_backoff * 2**n`` seconds
#: before the n-th retry (:class:`.retry_transport.BackoffTransport`). 429 is not here: it asks the client to
#: back off, which ``streaming_bulk`` does for bulk items (exponential ``initial_backoff``); elsewhere it is an
#: error.
RETRY_OPTIONS: dict[str, Any] = {"max_retries": 3, "retry_on_status": (502, 503, 504), "retry_on_timeout": True,
                                 "transport_class": BackoffTransport}
#: The embedded node only fails on purpose (injected faults): shorter pauses keep those tests fast.
EMBEDDED_RETRY_BACKOFF = 0.05


def make_client(cluster: str | None = None, data_dir: str | os.PathLike[str] | None = None, *,
                credentials: Credentials | None = None, **kwargs: Any) -> OpenSearch:
    """Return an opensearch-py client for ``cluster`` or, when no URL is given, for the embedded node.

    The embedded node is reached through an in-process connection class (no socket), so the client's
    serialization, error mapping and helpers behave exactly as against a real cluster. For a URL, the
    credentials are ``credentials`` or, when not given, those of the environment (:mod:`.credentials`); a
    password in the URL is moved out of it (with a warning), TLS certificates are verified.
    """
    kwargs.setdefault("serializer", OrjsonSerializer())
    for key, value in RETRY_OPTIONS.items():
        kwargs.setdefault(key, value)
    if cluster:
        url, creds = with_url_credentials(credentials or load_credentials(), cluster)
        options: dict[str, Any] = {"timeout": 60, **client_options(url, creds)}
        options.update(kwargs)
        log.debug("client for %s (auth: %s)", redact_url(url), creds.method)
        return OpenSearch(hosts=[url], **options)
    path = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    kwargs.setdefault("connection_class", EmbeddedConnection)  # tests wrap it to inject faults
    if kwargs["transport_class"] is BackoffTransport:
        kwargs.setdefault("retry_backoff", EMBEDDED_RETRY_BACKOFF)
    return OpenSearch(hosts=[{"host": "embedded", "port": 9200}], data_dir=str(path), **kwargs)


def serve_embedded_node(data_dir: str | os.PathLike[str], host: str, port: int, allow_remote: bool,
                        node_options: dict[str, Any] | None = None, **server_options: Any) -> tuple[Any, Any]:
    """Open the embedded node in ``data_dir`` and an HTTP server for it on ``host:port`` (loopback unless
    ``allow_remote``); returns ``(node, server)``. ``node_options``: ``distribution`` (``opensearch`` or
    ``elasticsearch``) and ``version`` to emulate. A refused bind raises :class:`RemoteBindRefused`, a data
    directory in use :class:`DataDirLocked`, one holding the other distribution's indices
    :class:`DistributionMismatch`, a port in use ``OSError``. ``server_options`` go to the HTTP server
    (``settings``: limits, allowed hosts, basic auth; ``ssl_context``: TLS)."""
    check_bind_host(host, allow_remote)
    node = open_node(str(data_dir), **(node_options or {}))
    server = make_server(node, host, port, allow_remote=allow_remote, **server_options)
    bound_host, bound_port = server.server_address[:2]
    scheme = "https" if server_options.get("ssl_context") is not None else "http"
    node.storage.describe_owner(f"mmltr serve at {scheme}://{bound_host}:{bound_port}")
    return node, server
