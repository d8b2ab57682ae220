"""Date values in queries: formats, date math and round-up (OpenSearch's ``JavaDateMathParser``).

Used by ``range``/``terms`` on date fields and by the date decay functions of ``function_score``.

* ``now`` or ``<date>||`` anchors a math expression of ``+N<unit>``, ``-N<unit>`` and ``/<unit>`` steps, units
  ``y M w d h H m s`` (``JavaDateMathParser.parseMath``). Rounding truncates in the time zone; with
  ``round_up`` it moves to the end of the unit (+1 unit, -1 ms). Month and year steps clamp the day like
  ``ZonedDateTime.plusMonths``; day and week steps keep the local time, hour/minute/second steps add instants.
* A date without math is parsed by the format (default ``strict_date_optional_time||epoch_millis``); with
  ``round_up`` the fields a value leaves out default to their maximum time of day (``23:59:59.999``) and to
  month/day 1 (``JavaDateFormatter``'s round-up parser), so ``lte: 2020-01-01`` includes that day.
* JSON numbers are read as their decimal text, so ``2020`` is the year 2020 and ``1600000000000`` epoch millis.

Formats: the built-in names listed in ``_NAMED`` and Java patterns built from ``yyyy uuuu MM M dd d HH H mm
ss S.. XXX xxx Z 'literal'``; anything else fails with ``illegal_argument_exception``.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ... import errors

UTC = _dt.timezone.utc
DEFAULT_FORMAT = "strict_date_optional_time||epoch_millis"
_ISO = ("(?P<year>[+-]?\\d{4,9})(?:-(?P<month>\\d{2})(?:-(?P<day>\\d{2})(?:[Tt](?P<hour>\\d{2})(?::(?P<minute>\\d{2})"
        "(?::(?P<second>\\d{2})(?:[.,](?P<fraction>\\d{1,9}))?)?)?)?)?)?(?P<zone>Z|z|[+-]\\d{2}(?::?\\d{2})?)?")
_NAMED = {
    "strict_date_optional_time": None, "date_optional_time": None, "strict_date_optional_time_nanos": None,
    "iso8601": None,
    "strict_date": "yyyy-MM-dd", "date": "yyyy-MM-dd", "strict_year_month_day": "yyyy-MM-dd",
    "year_month_day": "yyyy-MM-dd", "basic_date": "yyyyMMdd",
    "strict_date_time": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "date_time": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
    "strict_date_time_no_millis": "yyyy-MM-dd'T'HH:mm:ssXXX", "date_time_no_millis": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "strict_date_hour_minute_second": "yyyy-MM-dd'T'HH:mm:ss", "date_hour_minute_second": "yyyy-MM-dd'T'HH:mm:ss",
    "strict_date_hour_minute_second_millis": "yyyy-MM-dd'T'HH:mm:ss.SSS",
    "date_hour_minute_second_millis": "yyyy-MM-dd'T'HH:mm:ss.SSS",
    "strict_date_hour_minute": "yyyy-MM-dd'T'HH:mm", "date_hour_minute": "yyyy-MM-dd'T'HH:mm",
    "strict_date_hour": "yyyy-MM-dd'T'HH", "date_hour": "yyyy-MM-dd'T'HH",
    "strict_year_month": "yyyy-MM", "year_month": "yyyy-MM", "strict_year": "yyyy", "year": "yyyy",
    "basic_date_time": "yyyyMMdd'T'HHmmss.SSSZ", "basic_date_time_no_millis": "yyyyMMdd'T'HHmmssZ",
}
_PATTERN_TOKENS = {
    "yyyy": "(?P<year>\\d{4})", "uuuu": "(?P<year>\\d{4})", "MM": "(?P<month>\\d{2})", "M": "(?P<month>\\d{1,2})",
    "dd": "(?P<day>\\d{2})", "d": "(?P<day>\\d{1,2})", "HH": "(?P<hour>\\d{2})", "H": "(?P<hour>\\d{1,2})",
    "mm": "(?P<minute>\\d{2})", "ss": "(?P<second>\\d{2})", "XXX": "(?P<zone>Z|[+-]\\d{2}:\\d{2})",
    "xxx": "(?P<zone>[+-]\\d{2}:\\d{2})", "Z": "(?P<zone>Z|[+-]\\d{4})", "X": "(?P<zone>Z|[+-]\\d{2}(?:\\d{2})?)",
}
_MATH = re.compile(r"([+\-/])(\d*)([yMwdhHms])")


def parse(value: Any, fmt: str | None, round_up: bool, now_ms: float, tz: _dt.tzinfo | None) -> int:
    """Epoch millis of a query date (``DateFieldType.parseToLong``); errors are ``parse_exception`` (400)."""
    text = _as_text(value)
    if not text:
        raise errors.EngineError("parse_exception", "cannot parse empty date", 400)
    zone = tz or UTC
    if text.startswith("now"):
        return _math(text[3:], _from_millis(math.floor(now_ms), zone), round_up, zone)
    if "||" in text:
        anchor, expr = text.split("||", 1)
        millis = _parse_plain(anchor, fmt or DEFAULT_FORMAT, False, zone)
        return _math(expr, _from_millis(millis, zone), round_up, zone)
    return _parse_plain(text, fmt or DEFAULT_FORMAT, round_up, zone)


def zone(name: str) -> _dt.tzinfo:
    """``ZoneId.of``: ``Z``, ``UTC``, ``+01:00``/``+0100``/``+01``, or a region such as ``Europe/Paris``."""
    text = name.strip()
    if text in ("Z", "UTC", "GMT", "UT"):
        return UTC
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 18 or minutes > 59:
            raise errors.illegal_argument(f"Zone offset not in valid range: {name}")
        return _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise errors.illegal_argument(f"Unknown time-zone ID: {name}") from None


def parse_time_value_millis(value: Any, setting: str) -> float:
    """``TimeValue.parseTimeValue``: ``10d``, ``3h``, ``500ms``... (no months or years); a bare number fails."""
    text = str(value).strip().lower()
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)", text)
    if not m:
        raise errors.EngineError(
            "parse_exception" if text else "illegal_argument_exception",
            f"failed to parse setting [{setting}] with value [{value}] as a time value: unit is missing or "
            "unrecognized", 400)
    scale = {"nanos": 1e-6, "micros": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6, "d": 8.64e7}[m.group(2)]
    return float(m.group(1)) * scale


# --- internals --------------------------------------------------------------------------------------------------
def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_plain(text: str, fmt: str, round_up: bool, zone: _dt.tzinfo) -> int:
    for single in fmt.split("||"):
        millis = _try_format(text, single.strip(), round_up, zone)
        if millis is not None:
            return millis
    raise errors.EngineError("parse_exception", f"failed to parse date field [{text}] with format [{fmt}]", 400)


def _try_format(text: str, fmt: str, round_up: bool, zone: _dt.tzinfo) -> int | None:
    if fmt in ("epoch_millis", "epoch_second"):
        m = re.fullmatch(r"-?\d+(?:\.\d+)?", text)
        if not m:
            return None
        number = float(text)
        if fmt == "epoch_second":
            millis = number * 1000.0
            return math.floor(millis) + (999 if round_up and "." not in text else 0)
        return math.floor(number)
    regex = _compiled(fmt)
    m = regex.fullmatch(text)
    if not m:
        return None
    return _resolve(m.groupdict(), round_up, zone)


@lru_cache(maxsize=64)
def _compiled(fmt: str) -> "re.Pattern[str]":
    if fmt in _NAMED:
        pattern = _NAMED[fmt]
        if pattern is None:
            return re.compile(_ISO)
        fmt = pattern
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "'":
            end = fmt.index("'", i + 1) if "'" in fmt[i + 1:] else len(fmt)
            out.append(re.escape(fmt[i + 1:end]))
            i = end + 1
            continue
        if ch.isalpha():
            j = i
            while j < len(fmt) and fmt[j] == ch:
                j += 1
            token = fmt[i:j]
            if ch == "S":
                out.append(f"(?P<fraction>\\d{{{len(token)}}})")
            elif token in _PATTERN_TOKENS:
                out.append(_PATTERN_TOKENS[token])
            else:
                raise errors.illegal_argument(f"Invalid format: [{fmt}]: pattern letters [{token}] are not "
                                              "supported by the embedded node")
            i = j
            continue
        out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


def _resolve(parts: dict[str, str | None], round_up: bool, zone: _dt.tzinfo) -> int:
    year = int(parts.get("year") or 1970)
    month = int(parts.get("month") or 1)
    day = int(parts.get("day") or 1)
    hour = parts.get("hour")
    minute = parts.get("minute")
    second = parts.get("second")
    fraction = parts.get("fraction")
    h = int(hour) if hour is not None else (23 if round_up else 0)
    mi = int(minute) if minute is not None else (59 if round_up else 0)
    s = int(second) if second is not None else (59 if round_up else 0)
    if fraction is not None:
        nanos = int(fraction.ljust(9, "0"))
    else:
        nanos = 999_999_999 if round_up else 0
    tz = _zone_of(parts.get("zone")) or zone
    try:
        moment = _dt.datetime(year, month, day, h, mi, s, tzinfo=tz)
    except ValueError as exc:
        raise errors.EngineError("parse_exception", f"failed to parse date: {exc}", 400) from None
    return _millis(moment) + nanos // 1_000_000


def _zone_of(text: str | None) -> _dt.tzinfo | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)


def _from_millis(millis: int, zone: _dt.tzinfo) -> _dt.datetime:
    return (_EPOCH + _dt.timedelta(milliseconds=int(millis))).astimezone(zone)


def _millis(moment: _dt.datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _math(expr: str, moment: _dt.datetime, round_up: bool, zone: _dt.tzinfo) -> int:
    pos = 0
    extra_ms = moment.microsecond // 1000
    moment = moment.replace(microsecond=0)
    while pos < len(expr):
        m = _MATH.match(expr, pos)
        if not m:
            raise errors.EngineError("parse_exception", f"operator not supported for date math [{expr}]", 400)
        op, num_text, unit = m.groups()
        pos = m.end()
        num = int(num_text) if num_text else 1
        if op == "/":
            if num != 1:
                raise errors.EngineError("parse_exception",
                                         f"rounding `/` can only be used on single unit types [{expr}]", 400)
            moment, extra_ms = _round(moment, unit, zone), 0
            if round_up:
                moment = _add(moment, unit, 1, zone)
                extra_ms = -1
        else:
            moment = _add(moment, unit, num if op == "+" else -num, zone)
    return _millis(moment) + extra_ms


def _round(moment: _dt.datetime, unit: str, zone: _dt.tzinfo) -> _dt.datetime:
    local = moment.astimezone(zone)
    if unit == "y":
        local = local.replace(month=1, day=1, hour=0, minute=0, second=0)
    elif unit == "M":
        local = local.replace(day=1, hour=0, minute=0, second=0)
    elif unit == "w":
        local = (local - _dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0)
    elif unit == "d":
        local = local.replace(hour=0, minute=0, second=0)
    elif unit in ("h", "H"):
        local = local.replace(minute=0, second=0)
    elif unit == "m":
        local = local.replace(second=0)
    return _relocalize(local, zone)


def _add(moment: _dt.datetime, unit: str, amount: int, zone: _dt.tzinfo) -> _dt.datetime:
    if unit in ("h", "H", "m", "s"):  # instant-based (ZonedDateTime.plusHours/Minutes/Seconds)
        seconds = {"h": 3600, "H": 3600, "m": 60, "s": 1}[unit] * amount
        return (moment.astimezone(UTC) + _dt.timedelta(seconds=seconds)).astimezone(zone)
    local = moment.astimezone(zone)
    if unit in ("d", "w"):
        naive = local.replace(tzinfo=None) + _dt.timedelta(days=amount * (7 if unit == "w" else 1))
    else:
        months = amount * (12 if unit == "y" else 1)
        total = local.year * 12 + (local.month - 1) + months
        year, month = divmod(total, 12)
        month += 1
        day = min(local.day, _days_in_month(year, month))
        naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    return _relocalize(naive.replace(tzinfo=None), zone)


def _relocalize(local: _dt.datetime, zone: _dt.tzinfo) -> _dt.datetime:
    return local.replace(tzinfo=None).replace(tzinfo=zone)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (_dt.date(year, month + 1, 1) - _dt.date(year, month, 1)).days
