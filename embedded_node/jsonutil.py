"""Fast, strict JSON for the node (orjson when present): request bodies in, response bodies out."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from . import errors

try:  # orjson is a declared dependency; the fallback keeps the node importable in minimal environments
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None


def loads(data: bytes | str, what: str = "request body") -> Any:
    """Parse JSON; a malformed body becomes OpenSearch's ``parsing_exception``-style 400, never a traceback."""
    try:
        if _orjson is not None:
            return _orjson.loads(data)
        return json.loads(data)
    except (ValueError, TypeError) as exc:
        raise errors.EngineError("json_parse_exception", f"Failed to parse the {what}: {exc}", 400) from None


def dumps(obj: Any) -> bytes:
    if _orjson is not None:
        return _orjson.dumps(obj, option=_orjson.OPT_SERIALIZE_NUMPY | _orjson.OPT_NON_STR_KEYS)
    return json.dumps(obj, separators=(",", ":"), default=_default).encode()


def _default(obj: Any) -> Any:  # pragma: no cover - only without orjson
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serializable: {type(obj)!r}")


def string_list(value: Any, what: str = "index") -> list[str]:
    """A body field that is one string or a list of them (``"index": "a"`` or ``["a", "b"]``) -> a list.

    Anything else (a number, an object, a list holding one) is OpenSearch's ``x_content_parse_exception``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise errors.EngineError("x_content_parse_exception",
                             f"[{what}] must be a string or an array of strings, found [{value}]", 400)


def deep_merge(base: Any, patch: Any) -> Any:
    """``XContentHelper.update``: objects merge key by key, anything else is replaced (partial ``_update``)."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        out[key] = deep_merge(base[key], value) if key in base and isinstance(value, dict) else value
    return out
