"""Items -> text and image vectors, through the embedding cache: only inputs never seen before are encoded.

Text inputs are keyed by their text, images by their file bytes, so a renamed or re-ordered catalogue still
hits. Images are read once (the bytes serve both the key and the decoder), sized from their headers, and
decoded a sub-batch at a time, bounded by count and by decoded bytes. An image that exists but cannot be
decoded rejects its row (stage ``embed``) instead of indexing it without the vector it was meant to have.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .cache import EmbeddingCache, NullCache, content_key
from .encoders.base import Encoder
from .encoders.images import batch_by_count_and_bytes, open_image
from .items import Item, Reject, item_text

log = logging.getLogger(__name__)

_IMAGE_ERRORS = (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError)


@dataclass
class EmbedStats:
    text_cached: int = 0
    text_embedded: int = 0
    image_cached: int = 0
    image_embedded: int = 0
    image_url_skipped: int = 0
    text_seconds: float = 0.0
    image_seconds: float = 0.0


@dataclass(frozen=True)
class Embedded:
    item: Item
    text_vector: np.ndarray | None
    image_vector: np.ndarray | None


class Embedder:
    def __init__(
        self,
        text_encoder: Encoder | None,
        image_encoder: Encoder | None,
        cache: EmbeddingCache | None = None,
        *,
        text_fields: tuple[str, ...] = ("title",),
        image_batch_size: int = 32,
        image_batch_bytes: int = 256 * 1024 * 1024,
        decode_workers: int = 2,
    ) -> None:
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.cache = cache if cache is not None else NullCache()
        self.text_fields = text_fields
        self.image_batch_size = image_batch_size
        self.image_batch_bytes = image_batch_bytes
        self.stats = EmbedStats()
        self._pool = (
            ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="mmltr-decode")
            if image_encoder is not None
            else None
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def embed(self, items: Sequence[Item]) -> tuple[list[Embedded], list[Reject]]:
        text_vectors = self._embed_texts(items) if self.text_encoder is not None else [None] * len(items)
        image_vectors, rejects = (
            self._embed_images(items) if self.image_encoder is not None else ([None] * len(items), {})
        )
        out = [
            Embedded(item, text_vectors[i], image_vectors[i])
            for i, item in enumerate(items)
            if i not in rejects
        ]
        return out, list(rejects.values())

    def _embed_texts(self, items: Sequence[Item]) -> list[np.ndarray | None]:
        encoder = self.text_encoder
        assert encoder is not None
        started = time.perf_counter()
        texts = [item_text(item, self.text_fields) for item in items]
        keys = [content_key(text) for text in texts]
        vectors = self.cache.get_many(encoder.name, keys, encoder.dim)
        self.stats.text_cached += sum(1 for key in keys if key in vectors)
        missing = {key: text for key, text in zip(keys, texts) if key not in vectors}
        if missing:
            encoded = encoder.encode(list(missing.values()))
            _check(encoder, encoded, len(missing))
            fresh = dict(zip(missing, encoded))
            self.cache.put_many(encoder.name, fresh.items())
            vectors.update(fresh)
        self.stats.text_embedded += sum(1 for key in keys if key in missing)
        self.stats.text_seconds += time.perf_counter() - started
        return [vectors[key] for key in keys]

    def _embed_images(self, items: Sequence[Item]) -> tuple[list[np.ndarray | None], dict[int, Reject]]:
        encoder = self.image_encoder
        assert encoder is not None
        started = time.perf_counter()
        rejects: dict[int, Reject] = {}
        keyed: dict[int, bytes] = {}
        payloads: dict[bytes, bytes] = {}
        for i, item in enumerate(items):
            if item.image_path is None:
                self.stats.image_url_skipped += int(item.image_is_url)
                continue
            try:
                data = item.image_path.read_bytes()
            except OSError as exc:
                rejects[i] = _image_reject(item, f"image cannot be read ({exc})")
                continue
            keyed[i] = key = content_key(data)
            payloads[key] = data
        vectors = self.cache.get_many(encoder.name, list(keyed.values()), encoder.dim)
        cached = set(vectors)
        self.stats.image_cached += sum(1 for key in keyed.values() if key in cached)
        bad_keys = self._encode_missing(
            encoder, {k: v for k, v in payloads.items() if k not in vectors}, vectors
        )
        out: list[np.ndarray | None] = [None] * len(items)
        for i, key in keyed.items():
            if key in bad_keys:
                rejects[i] = _image_reject(items[i], f"image cannot be decoded ({bad_keys[key]})")
            else:
                out[i] = vectors[key]
                self.stats.image_embedded += int(key not in cached)
        self.stats.image_seconds += time.perf_counter() - started
        return out, rejects

    def _encode_missing(
        self, encoder: Encoder, missing: dict[bytes, bytes], vectors: dict[bytes, np.ndarray]
    ) -> dict[bytes, str]:
        """Decode and encode the missing images; returns the keys that failed, with the reason."""
        bad: dict[bytes, str] = {}
        sized: list[tuple[bytes, int]] = []
        for key, data in missing.items():
            try:
                with Image.open(io.BytesIO(data)) as header:
                    width, height = header.size
                sized.append((key, width * height * 3))
            except _IMAGE_ERRORS as exc:
                bad[key] = str(exc)
        target = getattr(encoder, "input_size", None)
        for batch in batch_by_count_and_bytes(
            [k for k, _ in sized], [s for _, s in sized], self.image_batch_size, self.image_batch_bytes
        ):
            assert self._pool is not None
            decoded = list(self._pool.map(lambda key: _decode(missing[key], target), batch))
            good = [(key, image) for key, image in zip(batch, decoded) if not isinstance(image, str)]
            bad.update({key: image for key, image in zip(batch, decoded) if isinstance(image, str)})
            if not good:
                continue
            encoded = encoder.encode([image for _, image in good])
            _check(encoder, encoded, len(good))
            fresh = {key: vec for (key, _), vec in zip(good, encoded)}
            self.cache.put_many(encoder.name, fresh.items())
            vectors.update(fresh)
        return bad


def _decode(data: bytes, target: int | None) -> Any:
    try:
        return open_image(data, target=target)
    except _IMAGE_ERRORS as exc:
        return str(exc) or type(exc).__name__


def _image_reject(item: Item, reason: str) -> Reject:
    return Reject(
        item.row,
        item.id,
        f"{reason}: {item.image_path}; replace or remove the image",
        "image",
        stage="embed",
        kind="image_undecodable",
    )


def _check(encoder: Encoder, vectors: np.ndarray, expected: int) -> None:
    if vectors.shape != (expected, encoder.dim) or vectors.dtype != np.float32:
        raise ValueError(
            f"encoder {encoder.name} returned {vectors.shape} {vectors.dtype}; expected "
            f"({expected}, {encoder.dim}) float32"
        )
