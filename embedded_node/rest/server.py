"""``mmltr serve``: the embedded node over HTTP, speaking the same REST API as the in-process connection.

It binds loopback by default and refuses any other address unless the caller explicitly allows remote access,
because the node has no authentication.
"""
from __future__ import annotations

import gzip
import ipaddress
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from ..node import Node
from .router import MAX_CONTENT_LENGTH, RestResponse

log = logging.getLogger(__name__)


class RemoteBindRefused(ValueError):
    pass


def check_bind_host(host: str, allow_remote: bool) -> None:
    """Refuse non-loopback addresses unless ``allow_remote`` (the node has no authentication)."""
    if allow_remote:
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise RemoteBindRefused(f"cannot resolve host [{host}]: {exc}") from None
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback:
            raise RemoteBindRefused(
                f"refusing to bind [{host}]: it is not a loopback address and the embedded node has no "
                "authentication; pass --allow-remote to expose it anyway")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mmltr-embedded"
    node: Node

    def setup(self) -> None:
        super().setup()
        # headers and body go out as separate writes; without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt: str, *args: Any) -> None:  # route http.server's stderr prints to logging
        log.debug("%s - " + fmt, self.address_string(), *args)

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += size
                if total > MAX_CONTENT_LENGTH:
                    raise errors.content_too_long(total, MAX_CONTENT_LENGTH)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_CONTENT_LENGTH:
                raise errors.content_too_long(length, MAX_CONTENT_LENGTH)
            body = self.rfile.read(length) if length else None
        if body and self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        return body

    def _handle(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body = self._body()
            response = self.node.plugins.rest_controller.dispatch(self.node, self.command, url.path, params, body)
        except errors.EngineError as exc:
            self.close_connection = True
            response = RestResponse(exc.status, exc.to_body())
        payload = response.encode() if self.command != "HEAD" else b""
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload) if self.command != "HEAD" else len(
            RestResponse(response.status, response.body).encode())))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def make_server(node: Node, host: str = "127.0.0.1", port: int = 9200, *,
                allow_remote: bool = False) -> ThreadingHTTPServer:
    check_bind_host(host, allow_remote)
    handler = type("Handler", (_Handler,), {"node": node})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
