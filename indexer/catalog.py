"""Catalogue -> validated ``Item`` records; every bad row is reported (row, field, reason) and counted.

Validation runs row by row while the file streams, so a bad row never stops the run (unless ``strict``) and
is never dropped silently: it goes to ``on_reject`` (normally a ``RejectsFile``) and into ``CatalogStats``.
Duplicate ids are detected with ``SeenIds`` (the first occurrence wins), the only state that grows with
the catalogue: about 12 bytes per row.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CatalogError
from .idset import SeenIds
from .items import CONTRACT_FIELDS, Item, Reject
from .readers import RawRecord, iter_records
from .validation import (
    FieldProblem,
    parse_attributes,
    parse_category,
    parse_created_at,
    parse_id,
    parse_number,
    parse_text,
    resolve_image,
    to_jsonable,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Length limits that separate real product text from broken rows (a whole file pasted into one cell)."""

    max_title_chars: int = 1000
    max_text_chars: int = 100_000


@dataclass
class CatalogStats:
    rows_read: int = 0
    valid: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


class CatalogValidator:
    """Turns one ``RawRecord`` into an ``Item`` or a ``Reject``; remembers ids to reject duplicates."""

    def __init__(self, images_dir: Path, limits: Limits = Limits(), source: str | None = None) -> None:
        self.images_dir = images_dir
        self.limits = limits
        self.source = source
        self._seen = SeenIds()

    def validate(self, record: RawRecord) -> Item | Reject:
        if record.data is None:
            return Reject(
                record.row, None, record.error or "unreadable row", source=self.source, kind=record.kind
            )
        data = record.data
        raw_id = data.get("id")
        try:
            item_id = parse_id(raw_id)
        except FieldProblem as problem:
            return self._reject(record.row, None, problem)
        if item_id is None:
            return Reject(
                record.row,
                None,
                "missing id; every product needs a unique id",
                "id",
                source=self.source,
                kind="missing_id",
            )
        try:
            item = self._build(record.row, item_id, data)
        except FieldProblem as problem:
            return self._reject(record.row, item_id, problem)
        first = self._seen.first_row(item_id, record.row)
        if first != record.row:
            return Reject(
                record.row,
                item_id,
                f"duplicate id (first seen at row {first}); ids must be unique",
                "id",
                source=self.source,
                kind="duplicate_id",
            )
        return item

    def _reject(self, row: int, item_id: str | None, problem: FieldProblem) -> Reject:
        return Reject(row, item_id, str(problem), problem.field, source=self.source, kind=problem.kind)

    def _build(self, row: int, item_id: str, data: dict[str, Any]) -> Item:
        limits = self.limits
        title = parse_text("title", data.get("title"), limits.max_title_chars)
        if title is None:
            raise FieldProblem(
                "title", "missing title; every product needs a non-empty title", "missing_title"
            )
        image_value = data.get("image")
        if image_value is None or (isinstance(image_value, str) and not image_value.strip()):
            image_value = data.get("image_url")
        image, image_path = resolve_image(image_value, self.images_dir)
        attributes = parse_attributes(data.get("attributes"))
        for key, value in data.items():  # unknown columns are kept as attributes (explicit attributes win)
            if (
                key not in CONTRACT_FIELDS
                and key != "image_url"
                and value is not None
                and key not in attributes
            ):
                attributes[key] = to_jsonable(value)
        if data.get("image") and data.get("image_url") and "image_url" not in attributes:
            attributes["image_url"] = to_jsonable(data["image_url"])
        return Item(
            id=item_id,
            title=title,
            row=row,
            description=parse_text("description", data.get("description"), limits.max_text_chars),
            brand=parse_text("brand", data.get("brand"), limits.max_text_chars),
            category=parse_category(data.get("category"), limits.max_text_chars),
            color=parse_text("color", data.get("color"), limits.max_text_chars),
            price=parse_number("price", data.get("price")),
            rating=parse_number("rating", data.get("rating")),
            popularity=parse_number("popularity", data.get("popularity")),
            image=image,
            image_path=image_path,
            attributes=attributes,
            created_at=parse_created_at(data.get("created_at")),
        )


def read_catalog(
    path: str | Path,
    *,
    images_dir: str | Path | None = None,
    limits: Limits = Limits(),
    fmt: str | None = None,
    strict: bool = False,
    on_reject: Callable[[Reject], None] | None = None,
    stats: CatalogStats | None = None,
) -> Iterator[Item]:
    """Yield the valid items of a catalogue file, streaming.

    Rejected rows go to ``on_reject`` and are counted in ``stats``; with ``strict`` the first one raises
    ``CatalogError`` instead. Local image paths are relative to ``images_dir`` (default: the catalogue's
    folder).
    """
    path = Path(path)
    base = Path(images_dir) if images_dir is not None else path.parent
    if images_dir is not None and not base.is_dir():
        raise CatalogError(
            f"--images-dir {base}: not a directory; pass the folder the image paths are relative to"
        )
    validator = CatalogValidator(base, limits, source=str(path))
    stats = stats if stats is not None else CatalogStats()
    for record in iter_records(path, fmt):
        stats.rows_read += 1
        result = validator.validate(record)
        if isinstance(result, Reject):
            stats.rejected += 1
            stats.reasons[f"{result.field}: {result.kind}" if result.field else result.kind] += 1
            if strict:
                raise CatalogError(
                    f"{result.describe()} (--strict makes any bad row fatal; fix the row or drop "
                    f"--strict to skip it)"
                )
            log.debug("rejected %s", result.describe())
            if on_reject is not None:
                on_reject(result)
            continue
        stats.valid += 1
        yield result
