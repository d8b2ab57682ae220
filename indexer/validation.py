"""Field-level parsing for the catalogue contract (DESIGN.md section 4): ids, numbers, dates, images.

Each parser returns the clean value or raises ``FieldProblem`` with a message that says what was wrong and
what a valid value looks like; ``catalog.py`` turns that into a ``Reject`` with the row number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

_URL = re.compile(r"^(?:https?|s3|gs)://", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_CURRENCY = "$€£¥₹"


class FieldProblem(ValueError):
    """A value that breaks the contract; ``field`` names the column, ``kind`` is a stable short code."""

    def __init__(self, field: str, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


def parse_id(value: Any) -> str | None:
    """Ids are strings; integral numbers (``123``, or ``123.0`` from a float column) become their digits."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise FieldProblem("id", f"id {value!r} is not an integer or a string; use a string id", "bad_id")
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_text(field: str, value: Any, max_chars: int) -> str | None:
    """Free text (title, description, brand, color): stripped, empty is missing, at most ``max_chars``."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise FieldProblem(field, f"{field} must be text, got a JSON {type(value).__name__}", "not_text")
    text = str(value).strip()
    if len(text) > max_chars:
        raise FieldProblem(
            field,
            f"{field} is {len(text)} characters, over the limit of {max_chars}; shorten it or raise the "
            f"limit (--max-title-chars / --max-text-chars)",
            "too_long",
        )
    return text or None


def parse_category(value: Any, max_chars: int) -> str | None:
    """A category path, joined with `` > `` (a list of levels is joined for the user)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        levels = [str(level).strip() for level in value if level is not None and str(level).strip()]
    else:
        levels = [level.strip() for level in str(value).split(">") if level.strip()]
    return parse_text("category", " > ".join(levels), max_chars)


def parse_number(field: str, value: Any, minimum: float | None = 0.0) -> float | None:
    """A finite number; text may carry a currency sign and ``,`` thousands separators (``$1,299.50``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldProblem(field, f"{field} must be a number, got {value!r}", "bad_number")
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
    else:
        text = str(value).strip().lstrip(_CURRENCY).strip()
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.match(text):
            raise FieldProblem(
                field, f"unparsable {field} {str(value)!r}; use a plain number such as 12.5", "bad_number"
            )
        number = float(text)
    if not math.isfinite(number):
        raise FieldProblem(field, f"{field} {value!r} is not a finite number", "bad_number")
    if minimum is not None and number < minimum:
        raise FieldProblem(field, f"{field} {value!r} is below {minimum:g}", "bad_number")
    return number


def parse_created_at(value: Any) -> str | None:
    """ISO-8601 date or datetime (or epoch seconds / milliseconds) -> ISO-8601 text for a ``date`` field."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) / 1000.0 if abs(float(value)) > 1e11 else float(value)
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError) as exc:
            raise FieldProblem(
                "created_at", f"created_at {value!r} is not a valid epoch time", "bad_date"
            ) from exc
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10:  # a date stays a date (no invented midnight)
            return dt.date.fromisoformat(text).isoformat()
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError as exc:
        raise FieldProblem(
            "created_at",
            f"created_at {text!r} is not an ISO-8601 date; use e.g. 2024-05-01 or " f"2024-05-01T12:00:00Z",
            "bad_date",
        ) from exc


def parse_attributes(value: Any) -> dict[str, Any]:
    """An object (or, from CSV, the JSON text of one)."""
    if value is None:
        return {}
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise FieldProblem(
                "attributes", f"attributes is not valid JSON ({exc}); use a JSON object", "bad_attributes"
            ) from exc
    if not isinstance(value, dict):
        raise FieldProblem(
            "attributes", f"attributes must be a JSON object, got {type(value).__name__}", "bad_attributes"
        )
    return {str(k): to_jsonable(v) for k, v in value.items()}


def resolve_image(value: Any, images_dir: Path) -> tuple[str | None, Path | None]:
    """Return ``(image, local_path)``: URLs are kept as they are (no local path); local paths must exist and
    stay inside ``images_dir`` once resolved (``..``, absolute paths and symlinks elsewhere are refused), since
    a catalogue is data from elsewhere and must not make the indexer read ``../../etc/passwd`` into a vector."""
    if value is None:
        return None, None
    text = str(value).strip()
    if not text:
        return None, None
    if _URL.match(text):
        return text, None
    if "\x00" in text:
        raise FieldProblem("image", f"image path {text!r} contains a NUL byte", "image_outside_dir")
    local = Path(text[len("file://") :]) if text.lower().startswith("file://") else Path(text)
    path = local if local.is_absolute() else images_dir / local
    root = images_dir.resolve()
    if not path.resolve().is_relative_to(root):
        raise FieldProblem(
            "image",
            f"image path {text!r} resolves outside the images folder {root}; paths must stay inside "
            "--images-dir (move the file there or pass the folder that holds it as --images-dir)",
            "image_outside_dir",
        )
    if not path.is_file():
        raise FieldProblem(
            "image", f"image file not found: {path}; check the path or --images-dir", "image_not_found"
        )
    return text, path


def to_jsonable(value: Any) -> Any:
    """Attribute values from Parquet can be dates, Decimals or bytes; the document must be plain JSON."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist())
    return str(value)
