"""Helpers for the HTTP-server tests: a served node with chosen settings, and raw-socket requests (for what
http.client and opensearch-py refuse to send: a bad Content-Length, a broken chunk, half a request)."""
from __future__ import annotations

import contextlib
import json
import socket
import threading
from typing import Any, Iterator

from embedded_node.node import Node
from embedded_node.rest.http_settings import HttpSettings
from embedded_node.rest.server import NodeHTTPServer, make_server


@contextlib.contextmanager
def served(path: Any, settings: HttpSettings | None = None, **kwargs: Any) -> Iterator[tuple[Node, NodeHTTPServer]]:
    node = Node(path)
    server = make_server(node, "127.0.0.1", 0, settings=settings or HttpSettings(), **kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield node, server
    finally:
        server.shutdown()
        server.server_close()
        node.close()


def raw_request(port: int, data: bytes, timeout: float = 10.0) -> tuple[int | None, dict[str, str], bytes]:
    """Send ``data`` as is; return (status, headers, body) of the reply, or (None, {}, b"") if none came."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if _complete(b"".join(chunks)):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    return parse_response(b"".join(chunks))


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def parse_response(data: bytes) -> tuple[int | None, dict[str, str], bytes]:
    if not data:
        return None, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> tuple[int | None, dict[str, str], Any]:
    """One HTTP/1.1 request with Content-Length framing; the body of the reply parsed as JSON when it is."""
    head = {"Host": "localhost", "Content-Type": "application/json", **(headers or {})}
    if body:
        head.setdefault("Content-Length", str(len(body)))
    text = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items() if v is not None)
    status, reply_headers, reply = raw_request(port, text.encode("latin-1") + b"\r\n" + body, timeout)
    try:
        parsed: Any = json.loads(reply) if reply else None
    except ValueError:
        parsed = reply
    return status, reply_headers, parsed
