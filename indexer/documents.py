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
from .schema import ATTRIBUTES, CATEGORY_LEVELS, ID, IMAGE_VECTOR, TEXT_VECTOR, TITLE, category_levels

_SCALAR_FIELDS = tuple(f for f in CONTRACT_FIELDS if f not in (ID, TITLE, ATTRIBUTES))


def build_document(
    item: Item, text_vector: np.ndarray | None = None, image_vector: np.ndarray | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {ID: item.id, TITLE: item.title}
    for name in _SCALAR_FIELDS:
        value = getattr(item, name)
        if value is not None:
            doc[name] = value
    levels = category_levels(item.category)
    if levels:
        doc[CATEGORY_LEVELS] = levels
    if item.attributes:
        doc[ATTRIBUTES] = item.attributes
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
