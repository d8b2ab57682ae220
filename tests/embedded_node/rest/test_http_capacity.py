"""The server under many connections: a deep backlog, a bounded worker pool, read and idle deadlines.

A probe found a listen backlog of 5 (29-34 of 100 simultaneous connections to an idle node timed out) and no read
timeout (300 half-sent requests held 300 threads)."""
from __future__ import annotations

import concurrent.futures
import http.client
import json
import socket
import threading
import time

from embedded_node.rest.http_settings import HttpSettings
from support.http_raw import parse_response, request, served


def _get_root(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status
    finally:
        conn.close()


def test_100_simultaneous_connections_to_an_idle_node_all_succeed(tmp_path):
    with served(tmp_path / "node") as (_, server):
        port = server.server_address[1]
        barrier = threading.Barrier(100)

        def one(_: int) -> int:
            barrier.wait()
            return _get_root(port)

        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            statuses = list(pool.map(one, range(100)))
    assert statuses == [200] * 100


def test_300_half_sent_requests_hold_neither_300_threads_nor_the_node(tmp_path):
    settings = HttpSettings(read_timeout_s=1.0, idle_timeout_s=1.0, workers=8, max_pending=1000)
    with served(tmp_path / "node", settings) as (_, server):
        port = server.server_address[1]
        before = threading.active_count()
        socks = []
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"POST /_search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"query\":")  # 9 of 100 announced bytes, then silence
            socks.append(sock)
        assert threading.active_count() - before <= 1  # the pool was started with the server: no new threads
        replies = []
        for sock in socks:
            data = b""
            try:
                while chunk := sock.recv(65536):
                    data += chunk
            except OSError:
                pass
            replies.append(parse_response(data)[0])
            sock.close()
        assert set(replies) == {408}  # each told why, after its own read deadline
        assert _get_root(port) == 200  # and the node answers as before


def test_a_trickling_client_is_cut_off_at_the_read_deadline(tmp_path):
    """One byte every 50 ms keeps every single recv well inside any per-recv timeout; the request as a whole
    would take ~7 s. The server answers 408 at its 1 s deadline, long before the last byte is sent."""
    import select

    settings = HttpSettings(read_timeout_s=1.0, idle_timeout_s=5.0)
    payload = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100
    with served(tmp_path / "node", settings) as (_, server):
        sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)
        sent = 0
        try:
            for byte in payload:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered (or closed): stop trickling
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.05)
        except OSError:
            pass
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        sock.close()
    assert parse_response(data)[0] == 408  # told why, then closed
    assert sent < len(payload)  # cut off mid-request, not served after the trickle


def test_an_idle_keep_alive_connection_is_closed(tmp_path):
    settings = HttpSettings(idle_timeout_s=0.5)
    with served(tmp_path / "node", settings) as (_, server):
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", "/")
        assert conn.getresponse().read() and conn.sock is not None
        conn.sock.settimeout(5)
        assert conn.sock.recv(10) == b""  # closed by the server once idle for 0.5 s
        conn.close()


def test_requests_beyond_the_queue_get_a_429(tmp_path, monkeypatch):
    """One worker, one queued request: a third request while both wait is rejected at once, not queued."""
    from embedded_node.rest import http_exchange

    release = threading.Event()
    real_handle = http_exchange.handle

    def blocking_handle(node, req, settings):
        if req.target == "/slow":
            release.wait(10)
        return real_handle(node, req, settings)

    monkeypatch.setattr(http_exchange, "handle", blocking_handle)
    settings = HttpSettings(workers=1, max_pending=1)
    with served(tmp_path / "node", settings) as (_, server):
        port = server.server_address[1]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            slow = [pool.submit(request, port, "GET", "/slow") for _ in range(2)]
            time.sleep(0.5)
            status, _, body = request(port, "GET", "/")
            release.set()
            assert [f.result()[0] for f in slow] == [404, 404]  # no index [slow]: but both were served
        assert status == 429 and body["error"]["type"] == "rejected_execution_exception"
        assert request(port, "GET", "/")[0] == 200
