"""Strict framing and bounded decompression: every malformed body gets a JSON 400/413 reply (a probe found
the connection dropped without one), and a gzip body is measured after inflation, while it inflates."""
from __future__ import annotations

import gzip
import json
import zlib

import pytest

from embedded_node.rest.http_settings import HttpSettings
from support.http_raw import raw_request, request, served

HEAD = b"POST /_search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"


@pytest.fixture
def port(tmp_path):
    settings = HttpSettings(max_content_length=64 * 1024, max_decompressed_length=256 * 1024)
    with served(tmp_path / "node", settings) as (_, server):
        yield server.server_address[1]


def _error(body: bytes) -> dict:
    parsed = json.loads(body)
    assert set(parsed) == {"error", "status"}
    return parsed["error"]


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e3", b"0x10", b" 12 13"])
def test_a_non_numeric_content_length_is_a_json_400(port, value):
    status, headers, body = raw_request(port, HEAD + b"Content-Length: " + value + b"\r\n\r\n{}")
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert "Content-Length" in _error(body)["reason"]


def test_conflicting_content_lengths_are_a_400(port):
    status, _, body = raw_request(port, HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} ")
    assert status == 400 and "conflicting Content-Length" in _error(body)["reason"]


def test_content_length_and_chunked_together_are_a_400(port):
    status, _, body = raw_request(port, HEAD + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"
                                  b"0\r\n\r\n")
    assert status == 400 and "both Content-Length and Transfer-Encoding" in _error(body)["reason"]


@pytest.mark.parametrize("size_line", [b"zz", b"", b"-2", b"0x2"])
def test_a_bad_chunk_size_is_a_json_400(port, size_line):
    status, _, body = raw_request(port, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + size_line + b"\r\n{}\r\n0\r\n\r\n")
    assert status == 400 and "illegal chunk header" in _error(body)["reason"]


def test_a_valid_chunked_body_is_read(port):
    status, _, body = raw_request(port, HEAD + b"Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{\"siz\r\n"
                                  b"9\r\ne\": 0}   \r\n0\r\n\r\n")
    assert status == 200, body
    assert json.loads(body)["hits"]["total"]["value"] == 0


def test_a_non_gzip_body_sent_as_gzip_is_a_json_400(port):
    status, _, body = raw_request(port, HEAD + b"Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}")
    assert status == 400 and "not valid gzip" in _error(body)["reason"]


def test_truncated_gzip_is_a_400(port):
    data = gzip.compress(b'{"size": 0}')[:-6]
    status, _, body = raw_request(port, HEAD + b"Content-Encoding: gzip\r\nContent-Length: "
                                  + str(len(data)).encode() + b"\r\n\r\n" + data)
    assert status == 400 and "truncated" in _error(body)["reason"]


def test_gzip_and_deflate_bodies_are_inflated(port):
    for encoding, data in (("gzip", gzip.compress(b'{"size": 0}')), ("deflate", zlib.compress(b'{"size": 0}'))):
        status, _, body = request(port, "POST", "/_search", data, {"Content-Encoding": encoding})
        assert status == 200, body


def test_the_size_limit_applies_before_reading(port):
    status, _, body = raw_request(port, HEAD + b"Content-Length: 100000\r\n\r\n{}")  # 100,000 > 64 KiB: not read
    assert status == 413 and _error(body)["type"] == "content_too_long_exception"


def test_the_size_limit_applies_to_chunked_bodies_as_they_arrive(port):
    chunk = b"8000\r\n" + b" " * 0x8000 + b"\r\n"
    status, _, body = raw_request(port, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n")
    assert status == 413 and _error(body)["type"] == "content_too_long_exception"


def test_a_gzip_bomb_is_refused_while_it_inflates(port):
    bomb = gzip.compress(b" " * (50 * 1024 * 1024), 9)  # 50 MiB of spaces in ~50 KB: under the wire limit
    assert len(bomb) < 64 * 1024
    status, _, body = raw_request(port, HEAD + b"Content-Encoding: gzip\r\nContent-Length: "
                                  + str(len(bomb)).encode() + b"\r\n\r\n" + bomb)
    error = _error(body)
    assert status == 413 and "http.max_decompressed_length" in error["reason"] and "262144" in error["reason"]


def test_the_inflated_size_check_bounds_memory(tmp_path):
    """Default limits (100 MiB): a 1 MiB gzip of zeros (about 1 GiB inflated) is refused having inflated at
    most the limit plus one step, not the whole gigabyte (the probe saw RSS grow from 0.87 to 2.79 GB)."""
    import tracemalloc

    from embedded_node import errors
    from embedded_node.rest import http_body

    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024), 9) * 128  # 128 gzip members: 1 GiB inflated, in ~1 MiB
    assert len(bomb) < 1.1 * 1024 * 1024
    tracemalloc.start()
    with pytest.raises(errors.EngineError) as caught:
        http_body.decode(bomb, "gzip", HttpSettings().max_decompressed_length)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert caught.value.status == 413
    assert peak < 2.5 * HttpSettings().max_decompressed_length  # ~1x the limit (pieces + one join), not 1 GiB
