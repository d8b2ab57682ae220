"""Value types of the indexer: a validated catalogue row (``Item``) and a rejected one (``Reject``).

They are plain frozen records so every stage (validation, embedding, documents, bulk) can be tested without
the others, and so a stage can never mutate what an earlier stage produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Fields of the catalogue contract (DESIGN.md section 4), in document order.
CONTRACT_FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "description",
    "brand",
    "category",
    "color",
    "price",
    "rating",
    "popularity",
    "image",
    "attributes",
    "created_at",
)


@dataclass(frozen=True)
class Item:
    """One valid product.

    ``row`` is the 1-based record number in the source file (JSONL: the line number), kept so that any later
    failure (an undecodable image, a bulk error) can still point at the input row.
    ``image_path`` is the resolved local file when ``image`` is a local path; ``None`` for URLs or no image.
    """

    id: str
    title: str
    row: int
    description: str | None = None
    brand: str | None = None
    category: str | None = None
    color: str | None = None
    price: float | None = None
    rating: float | None = None
    popularity: float | None = None
    image: str | None = None
    image_path: Path | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    @property
    def image_is_url(self) -> bool:
        return self.image is not None and self.image_path is None


@dataclass(frozen=True)
class Reject:
    """A row that was not indexed, and why.

    ``stage`` says where it was stopped: ``validate`` (catalogue contract), ``embed`` (e.g. an image that
    exists but cannot be decoded) or ``index`` (the cluster refused the document). ``kind`` is a short
    stable code for counting (``missing_id``, ``duplicate_id``, ``missing_title``, ``too_long``,
    ``bad_number``, ``image_not_found``, ``image_undecodable``, ``invalid_json``, ``cluster_refused``, ...);
    ``reason`` is the sentence for people. The rejects file (``plugin_integration.cli_support``) writes it.
    """

    row: int | None
    id: str | None
    reason: str
    field: str | None = None
    stage: str = "validate"
    source: str | None = None
    kind: str = "invalid"

    def describe(self) -> str:
        where = f"{self.source or 'catalogue'}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.id is not None:
            where += f" (id {self.id!r})"
        what = f"field {self.field!r}: " if self.field else ""
        return f"{where}: {what}{self.reason}"


def item_text(item: Item, fields: tuple[str, ...] = ("title",)) -> str:
    """The text a text encoder embeds for an item: the chosen fields, non-empty ones joined with ``". "``."""
    parts = [str(getattr(item, name)) for name in fields if getattr(item, name, None)]
    return ". ".join(parts) if parts else item.title
