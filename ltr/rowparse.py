"""Field-level validation of log rows: turn a JSON object into a typed event or say exactly what is wrong.

Each error names the field and how to fix it; the reader adds the file and line (``ltr.clicklog``).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .types import Interaction, InteractionKind, SearchEvent

_MS_THRESHOLD = 1e11  # epoch seconds pass 1e11 in the year 5138; larger numbers are milliseconds


class RowError(Exception):
    """A row that fails validation: ``field`` and ``reason`` are for counting, ``message`` for people."""

    def __init__(self, field: str | None, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


def parse_timestamp(value: Any, name: str = "timestamp") -> float:
    """Epoch seconds from epoch seconds, epoch milliseconds or an ISO 8601 string (naive means UTC)."""
    if isinstance(value, bool) or value is None:
        raise RowError(name, "missing_field" if value is None else "invalid_field",
                       f"'{name}' is required: epoch seconds, epoch milliseconds or ISO 8601 "
                       "(2024-05-01T12:00:00Z)")
    if isinstance(value, (int, float)):
        seconds = float(value)
        return seconds / 1000.0 if abs(seconds) >= _MS_THRESHOLD else seconds
    if isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                return parse_timestamp(float(value), name)
            except ValueError:
                pass
            raise RowError(name, "invalid_field",
                           f"'{name}' {value!r} is not a timestamp; use epoch seconds, "
                           "epoch milliseconds or ISO 8601 (2024-05-01T12:00:00Z)") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    raise RowError(name, "invalid_field", f"'{name}' must be a number or an ISO 8601 string, "
                   f"got {type(value).__name__}")


def required_id(row: dict[str, Any], name: str) -> str:
    """An identifier: a non-empty string, or an integer (stored as its decimal string)."""
    value = row.get(name)
    if value is None or value == "":
        raise RowError(name, "missing_field", f"'{name}' is required (a non-empty string)")
    return _as_id(value, name)


def optional_id(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    return _as_id(value, name)


def _as_id(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise RowError(name, "invalid_field", f"'{name}' must be a string id, got {type(value).__name__}")


def parse_position(value: Any, name: str = "position") -> int | None:
    """A 0-based rank; None when absent. Range is checked against the search's results when joining; here
    only against what the log's int32 columns hold (a rank of 2^63 is a corrupt row, not an OverflowError)."""
    if value is None:
        return None
    given = value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RowError(name, "invalid_field", f"'{name}' must be an integer rank (0-based), got {value!r}")
    if not -MAX_POSITION <= value <= MAX_POSITION:
        raise RowError(name, "position_out_of_range",
                       f"'{name}' {given!r} is not a plausible rank (at most {MAX_POSITION:,}); fix or drop "
                       "the row")
    return value


#: The largest rank a log row may carry: int32 minus headroom for a 1-based ordinal and the "no rank" marker.
MAX_POSITION = 2**31 - 2


def parse_results(value: Any, name: str = "results") -> tuple[str, ...]:
    if not isinstance(value, list):
        raise RowError(name, "missing_field" if value is None else "invalid_field",
                       f"'{name}' must be a list of the doc ids shown, in order")
    try:
        return tuple(v if isinstance(v, str) else _as_id(v, name) for v in value)
    except RowError:
        raise RowError(name, "invalid_field", f"'{name}' must hold string doc ids only") from None


def parse_query(value: Any, name: str = "query") -> str:
    if not isinstance(value, str) or not value.strip():
        raise RowError(name, "missing_field" if value is None else "invalid_field",
                       f"'{name}' must be a non-empty string (rankings without a query are not searches)")
    return value


def parse_search(row: dict[str, Any]) -> SearchEvent:
    """Our JSONL search row: ``search_id``, ``query``, ``results``, ``timestamp``, optional user/session."""
    return SearchEvent(search_id=required_id(row, "search_id"), query=parse_query(row.get("query")),
                       results=parse_results(row.get("results")),
                       timestamp=parse_timestamp(row.get("timestamp")),
                       user_id=optional_id(row, "user_id"), session_id=optional_id(row, "session_id"))


def parse_interaction(row: dict[str, Any], kind: InteractionKind) -> Interaction:
    """Our JSONL interaction row: ``search_id``, ``doc_id``, ``timestamp``, optional ``position`` and user."""
    return Interaction(search_id=required_id(row, "search_id"), doc_id=required_id(row, "doc_id"), kind=kind,
                       timestamp=parse_timestamp(row.get("timestamp")),
                       position=parse_position(row.get("position")),
                       user_id=optional_id(row, "user_id"))
