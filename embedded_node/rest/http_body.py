"""A request body after the wire: ``Content-Encoding`` undone, with the inflated size bounded as it inflates.

Sizes are checked twice: the bytes sent against ``http.max_content_length`` by the server while it reads them,
and the inflated bytes here against ``max_decompressed_length`` while they inflate, in steps, so a gzip bomb
(1 MiB on the wire, 1 GiB inflated) is refused having inflated no more than the limit. A body that says it is
gzip and is not, or is cut short, is a 400 that says so.
"""
from __future__ import annotations

import zlib

from .. import errors

_INFLATE_STEP = 1024 * 1024


def decode(body: bytes, encoding: str, limit: int) -> bytes:
    """``body`` with its ``Content-Encoding`` (identity, gzip, deflate) undone, at most ``limit`` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("identity", ""):
        return body
    if encoding in ("gzip", "x-gzip"):
        return _inflate(body, zlib.MAX_WBITS | 16, "gzip", limit)
    if encoding == "deflate":
        return _inflate(body, zlib.MAX_WBITS, "deflate", limit)
    raise errors.illegal_argument(f"unsupported Content-Encoding [{encoding}]; send gzip, deflate or an "
                                  "uncompressed body")


def _inflate(body: bytes, wbits: int, name: str, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes; concatenated gzip members are read as gzip(1) reads them."""
    out: list[bytes] = []
    total = 0
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(wbits)
            while data and not inflater.eof:
                piece = inflater.decompress(data, min(_INFLATE_STEP, limit + 1 - total))
                total += len(piece)
                out.append(piece)
                if total > limit:
                    raise errors.EngineError(
                        "content_too_long_exception",
                        f"the {name} request body inflates to more than {limit} bytes "
                        "(http.max_decompressed_length); send smaller batches", 413)
                data = inflater.unconsumed_tail
            if not inflater.eof:
                raise errors.illegal_argument(f"the request body is truncated {name} data")
            data = inflater.unused_data
    except zlib.error as exc:
        raise errors.illegal_argument(
            f"the request body is not valid {name} data (Content-Encoding: {name}): {exc}") from None
    return b"".join(out)
