"""Names and small value helpers of the embedded node: index-name rules, ids, version ids, body unwrapping."""
from __future__ import annotations

import base64
import os
import time
import uuid as uuid_mod
from typing import Any

from . import errors

_INVALID_CHARS = set('\\/*?"<>| ,#:')


def validate_index_name(name: str) -> None:
    if not name:
        raise errors.invalid_index_name(name, "must not be empty")
    if name != name.lower():
        raise errors.invalid_index_name(name, "must be lowercase")
    bad = sorted(ch for ch in set(name) if ch in _INVALID_CHARS)
    if bad:
        raise errors.invalid_index_name(name, f"must not contain the following characters {sorted(_INVALID_CHARS)}")
    if name[0] in "_-+":
        raise errors.invalid_index_name(name, "must not start with '_', '-', or '+'")
    if name in (".", ".."):
        raise errors.invalid_index_name(name, "must not be '.' or '..'")
    if len(name.encode()) > 255:
        raise errors.invalid_index_name(name, "index name is too long, (" + str(len(name.encode())) + " > 255)")


def new_doc_id() -> str:
    """OpenSearch-style auto ids: 20 URL-safe base64 characters, time-ordered prefix."""
    raw = int(time.time() * 1000).to_bytes(6, "big") + os.urandom(9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:20]


def _short_uuid() -> str:
    return base64.urlsafe_b64encode(uuid_mod.uuid4().bytes).decode().rstrip("=")[:22]


def _version_id(version: str) -> str:
    parts = [int(p) for p in (version.split("-")[0].split(".") + ["0", "0"])[:3]]
    return str(136000000 + parts[0] * 1000000 + parts[1] * 10000 + parts[2] * 100 + 99)


def _unwrap_mappings(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.mapper_parsing("Failed to parse mapping: [mappings] must be an object")
    if "_doc" in body and isinstance(body["_doc"], dict) and len(body) == 1:
        return body["_doc"]
    return body


def _alias_meta(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        return {}
    meta = {}
    for key in ("is_write_index", "filter", "routing", "index_routing", "search_routing", "is_hidden"):
        if key in spec:
            meta[key] = spec[key]
    if "filter" in meta:
        raise errors.illegal_argument("filtered aliases are not supported by the embedded node")
    return meta


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _deep_merge(base: Any, patch: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        out[key] = _deep_merge(base[key], value) if key in base and isinstance(value, dict) else value
    return out
