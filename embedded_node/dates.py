"""Date parsing for ``date`` fields: ``strict_date_optional_time||epoch_millis`` (OpenSearch's default).

Dates are held as epoch milliseconds (float64), which is what range queries, sorting and decay functions use.
"""
from __future__ import annotations

import datetime as _dt
import re

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?)?$")
_SLASH = re.compile(r"^\d{4}/\d{2}/\d{2}( \d{2}:\d{2}:\d{2})?( [+-]\d{4})?$")
_YEAR_MONTH = re.compile(r"^\d{4}(-\d{2})?$")


def looks_like_date(value: str) -> bool:
    """Dynamic date detection (``dynamic_date_formats``): ISO dates and ``yyyy/MM/dd`` strings."""
    return bool(_ISO.match(value) or _SLASH.match(value))


def parse_date_millis(value: object) -> float:
    """Parse a date value to epoch millis; raise ``ValueError`` with the value on failure."""
    if isinstance(value, bool):
        raise ValueError(f"failed to parse date field [{value}]")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"failed to parse date field [{value}]")
    text = value.strip()
    if re.fullmatch(r"-?\d+", text) and not _YEAR_MONTH.match(text):
        return float(int(text))
    if _YEAR_MONTH.match(text):
        parts = text.split("-")
        year, month = int(parts[0]), int(parts[1]) if len(parts) > 1 else 1
        return _dt.datetime(year, month, 1, tzinfo=_dt.timezone.utc).timestamp() * 1000.0
    m = _SLASH.match(text)
    if m:
        fmt = "%Y/%m/%d" + (" %H:%M:%S" if m.group(1) else "") + (" %z" if m.group(2) else "")
        parsed = _dt.datetime.strptime(text, fmt)
    elif _ISO.match(text):
        norm = text.replace("t", "T").replace("z", "Z").replace(",", ".")
        if norm.endswith("Z"):
            norm = norm[:-1] + "+00:00"
        frac = re.search(r"\.(\d+)", norm)
        if frac and len(frac.group(1)) > 6:
            norm = norm.replace(frac.group(0), "." + frac.group(1)[:6])
        parsed = _dt.datetime.fromisoformat(norm)
    else:
        raise ValueError(f"failed to parse date field [{value}] with format [strict_date_optional_time||epoch_millis]")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.timestamp() * 1000.0
