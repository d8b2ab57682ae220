"""Image loading and preprocessing with Pillow and numpy only (no torchvision); batching by count and bytes.

Images are decoded lazily, one batch at a time, so a catalogue with large photos never holds more than one
batch of decoded pixels. ``draft`` lets Pillow decode JPEGs at a reduced scale when the model input is
small, which is most of the cost of loading a product photo.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image

T = TypeVar("T")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def open_image(source: Any, target: int | None = None) -> Image.Image:
    """A PIL image in RGB from a PIL image, a path or raw bytes; ``target`` enables JPEG draft decoding."""
    if isinstance(source, Image.Image):
        image = source
    else:
        handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source)
        image = Image.open(handle)
        if target and image.format == "JPEG":
            image.draft("RGB", (target, target))
        image.load()
    if image.mode != "RGB":
        if image.mode in ("RGBA", "LA", "P"):  # composite transparency on white, as product pages show it
            rgba = image.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        else:
            image = image.convert("RGB")
    return image


def resize_center_crop(image: Image.Image, size: int) -> Image.Image:
    """Shorter side to ``size`` (bicubic), then the centre square, as CLIP and ImageNet models expect."""
    width, height = image.size
    scale = size / min(width, height)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    image = image.resize((new_w, new_h), Image.Resampling.BICUBIC)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return image.crop((left, top, left + size, top + size))


def to_model_input(
    images: Sequence[Image.Image], size: int, mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """``(n, 3, size, size)`` float32, scaled to [0, 1] then standardised per channel."""
    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    mean_a = np.asarray(mean, dtype=np.float32)[:, None, None]
    std_a = np.asarray(std, dtype=np.float32)[:, None, None]
    for i, image in enumerate(images):
        pixels = np.asarray(resize_center_crop(open_image(image), size), dtype=np.float32) / 255.0
        batch[i] = (pixels.transpose(2, 0, 1) - mean_a) / std_a
    return batch


def batch_by_count_and_bytes(
    items: Sequence[T], sizes: Sequence[int], max_count: int, max_bytes: int
) -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_count`` items and ``max_bytes`` (a huge item goes alone)."""
    batch: list[T] = []
    total = 0
    for item, size in zip(items, sizes):
        if batch and (len(batch) >= max_count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += size
    if batch:
        yield batch
