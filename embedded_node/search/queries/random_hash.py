"""Java hashing used by ``random_score`` (``RandomScoreFunction``), so seeded random scores match OpenSearch.

* ``String.hashCode`` (UTF-16 code units, ``31 * h + c`` in int32) and ``Long.hashCode`` (``v ^ (v >>> 32)``);
* hppc's ``BitMixer.mix(key, seed) = mix32(key ^ seed)``, ``mix32`` being MurmurHash3's ``fmix32``;
* Lucene's ``StringHelper.murmurhash3_x86_32(bytes, seed)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import errors
from .termlevel import sorted_terms

_M32 = 0xFFFFFFFF


def to_int32(value: int) -> int:
    value &= _M32
    return value - (1 << 32) if value >= (1 << 31) else value


def java_string_hash(text: str) -> int:
    h = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & _M32
    return to_int32(h)


def long_hash(value: int) -> int:
    v = value & 0xFFFFFFFFFFFFFFFF
    return to_int32(v ^ (v >> 32))


def parse_seed(value: Any) -> int:
    """``RandomScoreFunctionBuilder``: an int as is, a long through ``Long.hashCode``, a string's hashCode."""
    if isinstance(value, bool) or isinstance(value, float):
        raise errors.parsing(f"random_score seed must be an int, long or string, not '{value}'")
    if isinstance(value, int):
        return value if -(1 << 31) <= value < (1 << 31) else long_hash(value)
    if isinstance(value, str):
        return java_string_hash(value)
    raise errors.parsing(f"random_score seed must be an int, long or string, not '{value}'")


def mix32(k: int) -> int:
    k &= _M32
    k = ((k ^ (k >> 16)) * 0x85EBCA6B) & _M32
    k = ((k ^ (k >> 13)) * 0xC2B2AE35) & _M32
    return to_int32(k ^ (k >> 16))


def mix(key: int, seed: int) -> int:
    return mix32((key ^ seed) & _M32)


def murmur3_32(data: bytes, seed: int) -> int:
    """Lucene ``StringHelper.murmurhash3_x86_32``."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h1 = seed & _M32
    rounded = len(data) & ~3
    for i in range(0, rounded, 4):
        k1 = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k1 = (k1 * c1) & _M32
        k1 = ((k1 << 15) | (k1 >> 17)) & _M32
        k1 = (k1 * c2) & _M32
        h1 ^= k1
        h1 = ((h1 << 13) | (h1 >> 19)) & _M32
        h1 = (h1 * 5 + 0xE6546B64) & _M32
    k1 = 0
    tail = len(data) & 3
    if tail == 3:
        k1 = data[rounded + 2] << 16
    if tail >= 2:
        k1 |= data[rounded + 1] << 8
    if tail >= 1:
        k1 |= data[rounded]
        k1 = (k1 * c1) & _M32
        k1 = ((k1 << 15) | (k1 >> 17)) & _M32
        k1 = (k1 * c2) & _M32
        h1 ^= k1
    h1 ^= len(data)
    h1 ^= h1 >> 16
    h1 = (h1 * 0x85EBCA6B) & _M32
    h1 ^= h1 >> 13
    h1 = (h1 * 0xC2B2AE35) & _M32
    h1 ^= h1 >> 16
    return to_int32(h1)


def first_values(segment: Any, field: str, docs: np.ndarray, ctx: Any) -> list[bytes | None]:
    """The bytes a field's fielddata yields first for each doc (``SortedBinaryDocValues.nextValue``)."""
    if field == "_seq_no":
        return [str(int(segment.seq_nos[d])).encode() for d in docs.tolist()]
    mapper = ctx.field(field)
    if mapper.is_keyword:
        firsts = _first_terms(segment, field)
        return [None if firsts[d] is None else firsts[d].encode("utf-8") for d in docs.tolist()]
    num = segment.numerics.get(field)
    if num is None:
        return [None] * docs.shape[0]
    return [None if np.isnan(v) else str(int(v)).encode() for v in num.min[docs].tolist()]


def _first_terms(segment: Any, field: str) -> list[str | None]:
    key = ("first-term", field)
    cached = segment.cache.get(key)
    if cached is None:
        cached = [None] * segment.max_doc
        inv = segment.inverted.get(field)
        if inv is not None:
            terms, ords = sorted_terms(segment, field)
            for term, o in zip(reversed(terms), reversed(ords)):
                for d in inv.docs[inv.offsets[o]:inv.offsets[o + 1]].tolist():
                    cached[d] = term
        segment.cache[key] = cached
    return cached
