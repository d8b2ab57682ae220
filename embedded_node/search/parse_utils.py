"""Option handling shared by every query parser: single-field bodies, unknown keys, numbers, ``boost``/``_name``.

Kept apart from :mod:`.dsl` (the parser and its registry) so that query modules, built-in or from a plugin,
depend on these helpers only and never on the registry that collects them.
"""
from __future__ import annotations

from typing import Any

from .. import errors


def single_field(body: Any, query: str, value_key: str) -> tuple[str, dict[str, Any]]:
    """``{"title": "x"}`` or ``{"title": {"query": "x", ...}, "boost": 2}`` -> ``("title", {value_key: ...})``."""
    if not isinstance(body, dict):
        raise errors.parsing(f"[{query}] query malformed, no start_object after query name")
    top = {k: body[k] for k in ("boost", "_name") if k in body and not isinstance(body[k], dict)}
    fields = [k for k in body if k not in top]
    if not fields:
        raise errors.parsing(f"[{query}] query malformed, no field specified")
    if len(fields) > 1:
        raise errors.parsing(f"[{query}] query doesn't support multiple fields, found [{fields[0]}] and "
                             f"[{fields[1]}]")
    field = fields[0]
    spec = body[field]
    params = dict(spec) if isinstance(spec, dict) else {value_key: spec}
    for key, value in top.items():
        params.setdefault(key, value)
    return field, params


def check_keys(params: dict[str, Any], query: str, allowed: set[str]) -> None:
    unknown = [k for k in params if k not in allowed]
    if unknown:
        raise errors.parsing(f"[{query}] query does not support [{unknown[0]}]")


def as_float(value: Any, query: str, key: str) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise errors.parsing(f"[{query}] failed to parse field [{key}]: [{value}] is not a number") from None


def common(params: dict[str, Any], query: str) -> tuple[float, str | None]:
    """Pop ``boost`` and ``_name`` (every query accepts them)."""
    boost = as_float(params.pop("boost", 1.0), query, "boost")
    name = params.pop("_name", None)
    if name is not None and not isinstance(name, str):
        raise errors.parsing(f"[{query}] [_name] must be a string")
    return boost, name
