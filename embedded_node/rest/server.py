"""``mmltr serve``: the embedded node over HTTP, speaking the same REST API as the in-process connection.

It binds loopback by default and refuses any other address unless the caller explicitly allows remote access.

Connections are read by one asyncio event loop with h11 (a strict HTTP/1.1 parser): a request goes to the worker
pool only once it has arrived completely, so slow, idle or half-sent connections cost a few KB each and no
thread (a thread-per-connection server let 300 half-sent requests hold 300 threads). Around that
(settings in :class:`~.http_settings.HttpSettings`):

- a listen backlog of 1024 (the stdlib server's 5 timed out a third of 100 simultaneous connects) and a fixed
  pool of workers; requests beyond the pool's queue get an immediate 429 (OpenSearch's rejected execution);
- an idle timeout between keep-alive requests, and a read timeout for the whole of a started request (a
  client trickling one byte at a time is cut off at the deadline, with a 408);
- every framing error h11 finds (a non-numeric ``Content-Length``, a bad chunk size...) and every size limit
  (:mod:`.http_body`) is answered with OpenSearch's JSON error shape before the connection closes, never a
  silent drop or an HTML page; Host, Origin and credentials are checked before a body is read
  (:mod:`.http_guard`); optional TLS.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import http
import ipaddress
import logging
import socket
import ssl
import threading
import time
from typing import Any

import h11

from .. import errors
from ..node import Node
from . import http_exchange, http_guard
from .http_settings import HttpSettings
from .router import RestResponse

log = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024  # request line + headers
_READ = 65536


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


class _Reply(Exception):
    """Answer now with ``response`` and close the connection (the request cannot be read further)."""

    def __init__(self, response: RestResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _error(status: int, type_: str, reason: str) -> RestResponse:
    return RestResponse(status, errors.EngineError(type_, reason, status).to_body())


class NodeHTTPServer:
    """The node's HTTP server; ``serve_forever`` / ``shutdown`` / ``server_close`` as ``socketserver``'s."""

    def __init__(self, node: Node, address: tuple[str, int], settings: HttpSettings,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.node = node
        self.settings = settings
        self.ssl_context = ssl_context
        self.socket = socket.create_server(address, backlog=settings.backlog,
                                           family=socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
        self.server_address = self.socket.getsockname()
        self._pool = concurrent.futures.ThreadPoolExecutor(settings.workers, thread_name_prefix="http-worker")
        self._in_flight = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = threading.Event()
        self._stopped.set()

    # --- lifecycle ---------------------------------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:  # noqa: ARG002 - socketserver's signature
        self._stopped.clear()
        try:
            asyncio.run(self._serve())
        finally:
            self._stopped.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self.socket, ssl=self.ssl_context,
                                            ssl_handshake_timeout=self.settings.read_timeout_s if self.ssl_context
                                            else None, limit=_READ)
        async with server:
            await self._stop.wait()
            for writer in list(self._writers):  # no TLS close handshake with idle keep-alive clients at exit
                writer.transport.abort()
        self._loop = None

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (from another thread) and wait until it has returned."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)
        self._stopped.wait(30)

    def server_close(self) -> None:
        self.socket.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- one connection ----------------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:  # headers and body go out as one write, but don't let Nagle hold small replies
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await self._read_request(conn, reader, writer)
                except _Reply as reply:  # the request cannot be read further: answer, then close
                    writer.write(_bare_response(reply.response))
                    await writer.drain()
                    return
                if request is None:
                    return
                response = await self._dispatch(request)
                close = conn.their_state is not h11.DONE or _wants_close(request)
                await self._send(conn, writer, response, close)
                if close or conn.our_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, OSError, h11.LocalProtocolError) as exc:
            log.debug("connection ended: %s", exc)
        except asyncio.CancelledError:  # server shutdown; ending quietly keeps asyncio from logging the cancel
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            try:  # a TLS peer that never answers the close handshake must not keep this task for long
                await asyncio.wait_for(writer.wait_closed(), 5)
            except (ConnectionError, OSError, asyncio.TimeoutError, asyncio.CancelledError):
                pass

    async def _read_request(self, conn: h11.Connection, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> http_exchange.HttpRequest | None:
        """The next complete request, ``None`` when the client is gone or idle too long."""
        settings = self.settings
        deadline: float | None = None  # set when the request's first byte arrives
        request: h11.Request | None = None
        body = bytearray()
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise _Reply(_error(exc.error_status_hint, "illegal_argument_exception",
                                    f"malformed HTTP request: {exc}")) from None
            if event is h11.NEED_DATA:
                data = await self._receive(reader, deadline)
                if data is None:
                    if deadline is None:
                        return None  # idle keep-alive connection: close quietly
                    raise _Reply(_error(408, "timeout_exception",
                                        f"the request did not arrive completely within {settings.read_timeout_s:g} s "
                                        "(http.read_timeout)"))
                if deadline is None:
                    deadline = time.monotonic() + settings.read_timeout_s
                conn.receive_data(data)
                if not data:
                    if request is not None:  # closed mid-request: nobody to answer
                        return None
            elif isinstance(event, h11.Request):
                request = event
                self._check_head(event)
                if conn.they_are_waiting_for_100_continue:
                    writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > settings.max_content_length:
                    raise _Reply(RestResponse(413, errors.content_too_long(
                        len(body), settings.max_content_length).to_body()))
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return http_exchange.HttpRequest(request.method.decode("ascii", "replace"),
                                                 request.target.decode("latin-1"),
                                                 http_guard.Headers(request.headers), bytes(body))
            else:  # ConnectionClosed, PAUSED
                return None

    async def _receive(self, reader: asyncio.StreamReader, deadline: float | None) -> bytes | None:
        """Bytes from the client (b"" at EOF), or ``None`` when the idle or read deadline passes first."""
        timeout = (self.settings.idle_timeout_s if deadline is None else deadline - time.monotonic())
        if timeout <= 0:
            return None
        try:
            return await asyncio.wait_for(reader.read(_READ), timeout)
        except asyncio.TimeoutError:
            return None

    def _check_head(self, request: h11.Request) -> None:
        """Refusals that need only the request line and headers: the body is never read for them."""
        headers = http_guard.Headers(request.headers)
        if headers.get_all("transfer-encoding") and headers.get_all("content-length"):
            raise _Reply(_error(400, "illegal_argument_exception", "malformed HTTP request: a request must not "
                                "have both Content-Length and Transfer-Encoding"))
        try:
            http_guard.check_sender(headers, request.target.decode("latin-1").split("?")[0], self.settings)
        except http_guard.Refused as exc:
            raise _Reply(RestResponse(exc.status, exc.body, headers=exc.headers)) from None
        length = headers.get("content-length")
        if length is not None and int(length) > self.settings.max_content_length:
            raise _Reply(RestResponse(413, errors.content_too_long(
                int(length), self.settings.max_content_length).to_body()))

    async def _dispatch(self, request: http_exchange.HttpRequest) -> RestResponse:
        limit = self.settings.workers + self.settings.max_pending
        if self._in_flight >= limit:
            return _error(429, "rejected_execution_exception",
                          f"rejected execution: {self._in_flight} requests are running or queued for "
                          f"{self.settings.workers} workers; retry later")
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, http_exchange.handle, self.node, request, self.settings)
        finally:
            self._in_flight -= 1

    async def _send(self, conn: h11.Connection, writer: asyncio.StreamWriter, response: RestResponse,
                    close: bool) -> None:
        payload = response.encode()
        headers = _headers(response, payload, close)
        data = conn.send(h11.Response(status_code=response.status, headers=headers, reason=_reason(response)))
        if payload:
            data += conn.send(h11.Data(data=payload))  # h11 drops the body itself for HEAD requests
        data += conn.send(h11.EndOfMessage())
        writer.write(data)
        await writer.drain()


def _reason(response: RestResponse) -> bytes:
    try:
        return http.HTTPStatus(response.status).phrase.encode()
    except ValueError:
        return b""


def _headers(response: RestResponse, payload: bytes, close: bool) -> list[tuple[str, str]]:
    headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload))),
               *response.headers.items()]
    if close:
        headers.append(("Connection", "close"))
    return headers


def _wants_close(request: http_exchange.HttpRequest) -> bool:
    return "close" in (request.headers.get("connection") or "").lower()


def _bare_response(response: RestResponse) -> bytes:
    """A closing response written without h11's state machine, for requests h11 could not (fully) parse."""
    payload = response.encode()
    head = f"HTTP/1.1 {response.status} ".encode() + _reason(response) + b"\r\n"
    head += b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in _headers(response, payload, True))
    return head + b"\r\n" + payload


def make_server(node: Node, host: str = "127.0.0.1", port: int = 9200, *, allow_remote: bool = False,
                settings: HttpSettings | None = None, ssl_context: ssl.SSLContext | None = None) -> NodeHTTPServer:
    check_bind_host(host, allow_remote)
    return NodeHTTPServer(node, (host, port), settings or HttpSettings.from_env(), ssl_context)
