"""``mmltr serve``: the embedded node over HTTP, speaking the same REST API as the in-process connection.

It binds loopback by default and refuses any other address unless the caller explicitly allows remote access.
The server is the standard library's ``http.server`` with what a long-running node needs around it (settings in
:class:`~.http_settings.HttpSettings`):

- a fixed pool of worker threads and a deep listen backlog, instead of a thread per connection and a backlog of
  5; connections beyond the pool's queue get an immediate 429 (OpenSearch's "rejected execution");
- an idle timeout between keep-alive requests and a read timeout for the whole of a started request, enforced
  per ``recv`` against a deadline, so a client trickling one byte at a time cannot hold a worker;
- strict framing and bounded decompression (:mod:`.http_body`), Host/Origin/credential/Content-Type checks
  (:mod:`.http_guard`), and an OpenSearch-shaped JSON reply for every refusal, never a dropped connection or an
  HTML error page.

The stdlib server is kept (rather than waitress or cheroot) because those answer framing errors with their own
plain-text pages, and OpenSearch clients expect JSON errors.
"""
from __future__ import annotations

import io
import ipaddress
import logging
import queue
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from ..node import Node
from . import http_body, http_guard
from .http_settings import HttpSettings
from .router import RestResponse

log = logging.getLogger(__name__)


class RemoteBindRefused(ValueError):
    pass


def check_bind_host(host: str, allow_remote: bool) -> None:
    """Refuse non-loopback addresses unless ``allow_remote`` (the node has no authentication by default)."""
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
                "authentication unless you configure it; pass --allow-remote to expose it anyway")


class _DeadlineSocket(io.RawIOBase):
    """The connection's read side; every ``recv`` waits at most until the handler's current deadline."""

    def __init__(self, sock: socket.socket, handler: "_Handler") -> None:
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._handler.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("read deadline passed")
        self._sock.settimeout(remaining)
        received = self._sock.recv_into(buffer)
        if received and not self._handler.request_started:
            self._handler.start_request()
        return received


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mmltr-embedded"
    node: Node
    settings: HttpSettings
    deadline: float = 0.0
    request_started: bool = False

    def setup(self) -> None:
        super().setup()
        # headers and body go out as separate writes; without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = io.BufferedReader(_DeadlineSocket(self.connection, self), 65536)

    def start_request(self) -> None:
        self.request_started = True
        self.deadline = time.monotonic() + self.settings.read_timeout_s

    def handle_one_request(self) -> None:
        # idle until the first byte of the next request arrives; then the whole request has read_timeout_s
        self.request_started = False
        self.deadline = time.monotonic() + self.settings.idle_timeout_s
        super().handle_one_request()  # a timeout while reading the request line or headers closes the connection

    def log_message(self, fmt: str, *args: Any) -> None:  # route http.server's stderr prints to logging
        log.debug("%s - " + fmt, self.address_string(), *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, headers too long): JSON, not an HTML page."""
        self.close_connection = True
        reason = message or self.responses.get(code, ("error",))[0]
        self._reply(RestResponse(code, errors.EngineError("illegal_argument_exception", reason, code).to_body()))

    def _handle(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body = http_body.read_body(self.rfile, self.headers, self.settings)
            http_guard.check_request(self.headers, body is not None, url.path, self.settings)
            response = self.node.plugins.rest_controller.dispatch(self.node, self.command, url.path, params, body)
        except TimeoutError:
            log.info("closing a connection from %s: request not complete within %g s", self.address_string(),
                     self.settings.read_timeout_s)
            self.close_connection = True
            response = RestResponse(408, errors.EngineError(
                "timeout_exception", f"the request did not arrive completely within {self.settings.read_timeout_s:g}"
                " s (http.read_timeout)", 408).to_body())
        except http_body.IncompleteBody as exc:
            log.debug("request from %s ended early: %s", self.address_string(), exc)
            self.close_connection = True
            return
        except http_guard.Refused as exc:
            self.close_connection = True
            response = RestResponse(exc.status, exc.body, headers=exc.headers)
        except errors.EngineError as exc:
            self.close_connection = True  # the body may be unread: the stream cannot be resynchronised
            response = RestResponse(exc.status, exc.to_body())
        self._reply(response)

    def _reply(self, response: RestResponse) -> None:
        full = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(full)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if full and self.command != "HEAD":
            self.wfile.write(full)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _handle


class NodeHTTPServer(HTTPServer):
    """An HTTP server with a fixed worker pool (see the module docstring)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], settings: HttpSettings,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.request_queue_size = settings.backlog
        self.settings = settings
        self.ssl_context = ssl_context
        self._pending: queue.Queue[tuple[Any, Any] | None] = queue.Queue()
        self._workers = [threading.Thread(target=self._work, name=f"http-worker-{i}", daemon=True)
                         for i in range(settings.workers)]
        super().__init__(address, handler)
        for worker in self._workers:
            worker.start()

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.ssl_context is not None:  # the TLS handshake runs in the worker (do_handshake_on_connect=False)
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._pending.qsize() >= self.settings.max_pending:
            self._reject(request)
            return
        self._pending.put((request, client_address))

    def _reject(self, request: Any) -> None:
        body = RestResponse(429, errors.EngineError(
            "rejected_execution_exception",
            f"too many connections waiting: {self.settings.max_pending} are queued for "
            f"{self.settings.workers} workers; retry later", 429).to_body()).encode()
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=UTF-8\r\n"
                            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        except OSError:
            pass
        self.shutdown_request(request)

    def _work(self) -> None:
        while True:
            item = self._pending.get()
            if item is None:
                return
            request, client_address = item
            try:
                if isinstance(request, ssl.SSLSocket):
                    request.settimeout(self.settings.read_timeout_s)
                    request.do_handshake()
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - a broken connection must not kill the worker
                log.debug("connection from %s failed", client_address, exc_info=True)
            finally:
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        for _ in self._workers:
            self._pending.put(None)


def make_server(node: Node, host: str = "127.0.0.1", port: int = 9200, *, allow_remote: bool = False,
                settings: HttpSettings | None = None, ssl_context: ssl.SSLContext | None = None) -> NodeHTTPServer:
    check_bind_host(host, allow_remote)
    settings = settings or HttpSettings.from_env()
    handler = type("Handler", (_Handler,), {"node": node, "settings": settings})
    return NodeHTTPServer((host, port), handler, settings, ssl_context)
