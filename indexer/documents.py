"""Item + vectors -> the document indexed for it (pure, so it is golden-tested without a cluster).

Missing values are left out rather than written as null, so that a field's document count (and so BM25's
idf and average length) only counts documents that have the field, as OpenSearch does. Vectors stay numpy
arrays here and are serialized once, by ``document_json``, with orjson (float32 shortest round-trip text,
fast).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from .items import CONTRACT_FIELDS, Item

TEXT_VECTOR = "text_vector"
IMAGE_VECTOR = "image_vector"
CF_VECTOR = "cf_vector"
VECTOR_FIELDS = (TEXT_VECTOR, IMAGE_VECTOR, CF_VECTOR)
_SCALAR_FIELDS = tuple(f for f in CONTRACT_FIELDS if f not in ("id", "title", "attributes"))


def category_levels(category: str | None) -> list[str]:
    """Every prefix of a category path (``A``, ``A > B``, ...), for filters and affinities at any depth."""
    if not category:
        return []
    parts = category.split(" > ")
    return [" > ".join(parts[: i + 1]) for i in range(len(parts))]


def build_document(
    item: Item, text_vector: np.ndarray | None = None, image_vector: np.ndarray | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": item.id, "title": item.title}
    for name in _SCALAR_FIELDS:
        value = getattr(item, name)
        if value is not None:
            doc[name] = value
    levels = category_levels(item.category)
    if levels:
        doc["category_levels"] = levels
    if item.attributes:
        doc["attributes"] = item.attributes
    if text_vector is not None:
        doc[TEXT_VECTOR] = text_vector
    if image_vector is not None:
        doc[IMAGE_VECTOR] = image_vector
    return doc


def document_json(doc: dict[str, Any]) -> str:
    """The JSON text of a document; float32 vectors are written as their shortest round-trip decimals."""
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY, default=_default).decode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialize {type(value).__name__} in a document")
