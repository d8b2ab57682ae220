"""Lucene's ``SmallFloat.intToByte4``/``byte4ToInt``: the one-byte field-length norms BM25 reads.

Lengths 0-40 are exact; longer ones round down (41 -> 40, 100 -> 96). Vectorized so a refresh encodes a whole
segment's norms at once.
"""
from __future__ import annotations

import numpy as np

_NUM_FREE_VALUES = 255 - 231  # 255 - longToInt4(Integer.MAX_VALUE)


def _long_to_int4(value: int) -> int:
    bits = value.bit_length()
    if bits < 4:
        return value
    shift = bits - 4
    return ((value >> shift) & 7) | ((shift + 1) << 3)


def _int4_to_long(value: int) -> int:
    bits = value & 7
    shift = (value >> 3) - 1
    return bits if shift == -1 else (bits | 8) << shift


def int_to_byte4_scalar(length: int) -> int:
    if length < 0:
        raise ValueError("Only supports positive values, got " + str(length))
    return length if length < _NUM_FREE_VALUES else _NUM_FREE_VALUES + _long_to_int4(length - _NUM_FREE_VALUES)


def byte4_to_int(code: int) -> int:
    code &= 0xFF
    return code if code < _NUM_FREE_VALUES else _NUM_FREE_VALUES + _int4_to_long(code - _NUM_FREE_VALUES)


LENGTH_TABLE = np.asarray([byte4_to_int(i) for i in range(256)], dtype=np.int64)
"""Decoded length for every norm byte (``BM25Similarity.LENGTH_TABLE``, before the float cast)."""


def int_to_byte4(lengths: np.ndarray) -> np.ndarray:
    """Vectorized ``intToByte4`` for an array of non-negative lengths."""
    lengths = np.asarray(lengths, dtype=np.int64)
    # LENGTH_TABLE is non-decreasing; the encoded byte is the last table entry <= length.
    return (np.searchsorted(LENGTH_TABLE, lengths, side="right") - 1).astype(np.uint8)
