"""Reading a request body off the wire: strict framing and bounded decompression.

Every way a body can be malformed (a non-numeric or duplicated ``Content-Length``, a bad chunk size, a body
that says it is gzip and is not) becomes an :class:`~..errors.EngineError` that the server answers with a JSON
400, instead of an exception that drops the connection without a reply. Sizes are checked twice: the bytes sent
against ``max_content_length`` before they are read, and the decompressed bytes against
``max_decompressed_length`` while they are inflated, so a small gzip bomb never expands in memory.
"""
from __future__ import annotations

import re
import zlib
from email.message import Message
from typing import BinaryIO

from .. import errors
from .http_settings import HttpSettings

_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_MAX_LINE = 4096
_MAX_TRAILERS = 64
_INFLATE_STEP = 1024 * 1024


class IncompleteBody(Exception):
    """The client closed the connection (or timed out) before the body it announced arrived."""


def bad_request(reason: str) -> errors.EngineError:
    return errors.illegal_argument(reason)


def read_body(rfile: BinaryIO, headers: Message, settings: HttpSettings) -> bytes | None:
    """The request body (decompressed), or ``None`` when there is none."""
    encoding = (headers.get("Transfer-Encoding") or "").strip().lower()
    lengths = headers.get_all("Content-Length") or []
    if encoding:
        if encoding != "chunked":
            raise bad_request(f"unsupported Transfer-Encoding [{encoding}]; send the body with Content-Length or "
                              "Transfer-Encoding: chunked")
        if lengths:  # both framings at once is how request smuggling starts: refuse, never guess
            raise bad_request("a request must not have both Content-Length and Transfer-Encoding")
        body = _read_chunked(rfile, settings.max_content_length)
    elif lengths:
        length = _content_length(lengths)
        if length > settings.max_content_length:
            raise errors.content_too_long(length, settings.max_content_length)
        body = _read_exactly(rfile, length)
    else:
        return None
    if not body:
        return None
    return _decode(body, (headers.get("Content-Encoding") or "identity").strip().lower(),
                   settings.max_decompressed_length)


def _content_length(values: list[str]) -> int:
    distinct = {v.strip() for v in values}
    if len(distinct) != 1:
        raise bad_request(f"conflicting Content-Length headers {sorted(distinct)}")
    value = distinct.pop()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise bad_request(f"invalid Content-Length [{value}]: it must be a non-negative decimal number of bytes")
    return int(value)


def _read_exactly(rfile: BinaryIO, length: int) -> bytes:
    data = rfile.read(length) if length else b""
    if len(data) < length:
        raise IncompleteBody(f"expected {length} bytes, got {len(data)}")
    return data


def _read_line(rfile: BinaryIO) -> bytes:
    line = rfile.readline(_MAX_LINE + 1)
    if not line:
        raise IncompleteBody("connection closed inside a chunked body")
    if len(line) > _MAX_LINE:
        raise bad_request("chunk size line too long")
    return line


def _read_chunked(rfile: BinaryIO, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_field = _read_line(rfile).rstrip(b"\r\n").split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_field):
            raise bad_request(f"invalid chunk size [{size_field.decode('latin-1')[:40]}]: it must be hexadecimal")
        size = int(size_field, 16)
        if size == 0:
            break
        total += size
        if total > limit:
            raise errors.content_too_long(total, limit)
        chunks.append(_read_exactly(rfile, size))
        if _read_line(rfile) not in (b"\r\n", b"\n"):
            raise bad_request("a chunk must be followed by CRLF")
    for _ in range(_MAX_TRAILERS):
        if _read_line(rfile) in (b"\r\n", b"\n"):
            return b"".join(chunks)
    raise bad_request("too many trailer lines after a chunked body")


def _decode(body: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("identity", ""):
        return body
    if encoding in ("gzip", "x-gzip"):
        return _inflate(body, zlib.MAX_WBITS | 16, "gzip", limit)
    if encoding == "deflate":
        return _inflate(body, zlib.MAX_WBITS, "deflate", limit)
    raise bad_request(f"unsupported Content-Encoding [{encoding}]; send gzip, deflate or an uncompressed body")


def _inflate(body: bytes, wbits: int, name: str, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes; concatenated gzip members are read as gzip(1) reads them."""
    out: list[bytes] = []
    total = 0
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(wbits)
            while data:
                piece = inflater.decompress(data, min(_INFLATE_STEP, limit + 1 - total))
                total += len(piece)
                out.append(piece)
                if total > limit:
                    raise errors.EngineError(
                        "content_too_long_exception",
                        f"the {name} request body inflates to more than {limit} bytes "
                        "(http.max_decompressed_length); send smaller batches", 413)
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
                if not data and not piece:
                    break
            if not inflater.eof:
                raise bad_request(f"the request body is truncated {name} data")
            data = inflater.unused_data
    except zlib.error as exc:
        raise bad_request(f"the request body is not valid {name} data (Content-Encoding: {name}): {exc}") from None
    return b"".join(out)
