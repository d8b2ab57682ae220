"""One HTTP request through the node, on a worker thread: checks, decoding, routing, the encoded response.

The server (:mod:`.server`) has already read the whole request off the wire; this is the part that costs CPU
(inflating a body, running a search), so it runs in the worker pool, never on the event loop.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from . import http_body, http_guard
from .http_settings import HttpSettings
from .router import RestResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: http_guard.Headers
    body: bytes


def handle(node: Any, request: HttpRequest, settings: HttpSettings) -> RestResponse:
    """The node's response to ``request``; every refusal is an OpenSearch-shaped JSON response. A browser
    origin that got this far is one of ``allowed_origins``: it gets CORS headers (``http.cors.*``)."""
    response = _respond(node, request, settings)
    origin = request.headers.get("origin")
    if origin is not None and origin in settings.allowed_origins:
        response.headers.update(http_guard.cors_headers(origin, preflight=request.method == "OPTIONS"))
    return response


def _respond(node: Any, request: HttpRequest, settings: HttpSettings) -> RestResponse:
    url = urlsplit(request.target)
    try:
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        body: bytes | None = None
        if request.body:
            http_guard.check_content_type(request.headers.get("content-type"))
            body = http_body.decode(request.body, request.headers.get("content-encoding") or "identity",
                                    settings.max_decompressed_length) or None
        return node.plugins.rest_controller.dispatch(node, request.method, url.path, params, body)
    except http_guard.Refused as exc:
        return RestResponse(exc.status, exc.body, headers=exc.headers)
    except errors.EngineError as exc:
        return RestResponse(exc.status, exc.to_body())
    except ConnectionError:  # an injected dropped connection (rest/faults.py): the server closes the socket
        raise
    except Exception as exc:  # noqa: BLE001 - the router catches handler errors; this is for the layer above it
        log.exception("unhandled error for %s %s", request.method, request.target)
        return RestResponse(500, errors.EngineError("exception", f"internal error: {type(exc).__name__}",
                                                    500).to_body())
