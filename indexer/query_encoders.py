"""Query-time encoders: embed a query the way its index embedded the documents.

An index records the encoders it was built with in its mapping's ``_meta.mmltr`` (``text_encoder_spec``,
``image_encoder_spec``). A query vector from another encoder would be compared with document vectors of another
space, so feature logging and serving take the encoders from there, never from a separate option. The image
side has a query tower only for joint text-image encoders (CLIP); image-only encoders (EfficientNet, classical)
have none, and the caller falls back to the mean image vector of the query's top hits (DESIGN §5).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .encoders.base import Encoder, load_encoder


@dataclass
class QueryEncoders:
    """The text encoder and, when the image encoder has one, its text (query) tower."""

    text: Encoder | None
    image_query: Encoder | None

    @classmethod
    def for_index(cls, meta: Mapping[str, object], device: str | None = None) -> QueryEncoders:
        """Load the encoders named in an index's ``_meta.mmltr`` (absent or ``none``: no encoder)."""
        text_spec = _spec(meta, "text_encoder_spec", "text_encoder")
        image_spec = _spec(meta, "image_encoder_spec", "image_encoder")
        text = load_encoder(text_spec, modality="text", device=device) if text_spec else None
        image = load_encoder(image_spec, modality="image", device=device) if image_spec else None
        return cls(text=text, image_query=image.query_encoder() if image is not None else None)

    def text_vectors(self, queries: Sequence[str]) -> np.ndarray | None:
        return None if self.text is None else np.asarray(self.text.encode(list(queries)), dtype=np.float32)

    def image_vectors(self, queries: Sequence[str]) -> np.ndarray | None:
        if self.image_query is None:
            return None
        return np.asarray(self.image_query.encode(list(queries)), dtype=np.float32)


def _spec(meta: Mapping[str, object], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str) and value and value != "none":
            return value
    return None
