"""A feature-hashing bag-of-words text encoder: no model, no torch, deterministic.

It is not semantic (only shared tokens make titles close), but it is orders of magnitude faster than a
transformer, needs nothing installed, and gives the pipeline, the cache and the tests a real encoder to run.
Spec: ``hashing`` (256-d) or ``hashing:<dim>``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import Encoder, EncoderRequest, l2_normalize

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEncoder(Encoder):
    modality = "text"

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise EncoderError(
                f"hashing encoder dimension {dim} is too small; use 8 or more (e.g. hashing:256)"
            )
        self.dim = dim
        self.name = f"hashing:{dim}"

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        out = np.zeros((len(batch), self.dim), dtype=np.float32)
        for row, text in enumerate(batch):
            tokens = _TOKEN.findall(str(text).lower()) or ["\x00empty"]
            for token in tokens:
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if (value >> 63) else -1.0
            if not out[row].any():  # every token cancelled out: keep the vector non-zero for cosine
                out[row, 0] = 1.0
        return l2_normalize(out)


def load_hashing(request: EncoderRequest) -> HashingEncoder:
    try:
        dim = int(request.arg) if request.arg else 256
    except ValueError as exc:
        raise EncoderError(
            f"hashing encoder: {request.arg!r} is not a dimension; use e.g. hashing:256"
        ) from exc
    return HashingEncoder(dim)
