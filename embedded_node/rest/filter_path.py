"""``?filter_path=``: response filtering, the common REST parameter every OpenSearch API accepts.

Semantics (OpenSearch/Elasticsearch "Response filtering" in the common REST parameters docs; the filtering
generator behind ``XContentBuilder``): a comma-separated list of dotted paths;

* ``*`` matches any field name or part of one (``hits.hits._*``); ``**`` matches any number of levels
  (``**.total``); arrays are transparent (``hits.hits._id`` keeps ``_id`` in every hit);
* a path that reaches a value keeps it whole; an object or array left with nothing matched is dropped, and a
  response where nothing matched is ``{}``;
* a path prefixed with ``-`` excludes; when both kinds are given, exclusions apply first and inclusions filter
  what remains;
* error responses are never filtered (OpenSearch builds them with filtering disabled), nor are non-JSON bodies.

This answers the issue that ``GET _ltr/_model?filter_path=hits.hits._id`` returned ~1 MB of model definitions.
"""
from __future__ import annotations

import fnmatch
from typing import Any

Pattern = tuple[str, ...]
_DROP = object()


def parse(raw: str) -> tuple[list[Pattern], list[Pattern]]:
    """``(inclusions, exclusions)`` from the parameter's value; blank entries are ignored."""
    includes: list[Pattern] = []
    excludes: list[Pattern] = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        target = excludes if entry.startswith("-") else includes
        path = entry[1:] if entry.startswith("-") else entry
        segments = tuple(s for s in path.split(".") if s)
        if segments:
            target.append(segments)
    return includes, excludes


def _advance(pattern: Pattern, key: str) -> list[Pattern]:
    """What is left of ``pattern`` after it consumes ``key`` (empty tuple = fully matched)."""
    if not pattern:
        return []
    head = pattern[0]
    if head == "**":
        if len(pattern) == 1:
            return [()]
        return [pattern] + _advance(pattern[1:], key)  # ``**`` consumes this level, or none
    return [pattern[1:]] if fnmatch.fnmatchcase(key, head) else []


def _include(value: Any, patterns: list[Pattern]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            rest = [r for p in patterns for r in _advance(p, str(key))]
            if not rest:
                continue
            if () in rest:
                out[key] = child
                continue
            kept = _include(child, rest)
            if kept is not _DROP:
                out[key] = kept
        return out if out else _DROP
    if isinstance(value, list):
        items = [kept for kept in (_include(item, patterns) for item in value) if kept is not _DROP]
        return items if items else _DROP
    return _DROP  # a scalar the path wanted to go below


def _exclude(value: Any, patterns: list[Pattern]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            rest = [r for p in patterns for r in _advance(p, str(key))]
            if () in rest:
                continue
            out[key] = _exclude(child, rest) if rest else child
        return out
    if isinstance(value, list):
        return [_exclude(item, patterns) for item in value]
    return value


def filter_body(body: Any, raw: str) -> Any:
    """``body`` filtered by the ``filter_path`` value ``raw``."""
    includes, excludes = parse(raw)
    if excludes:
        body = _exclude(body, excludes)
    if includes:
        kept = _include(body, includes)
        body = {} if kept is _DROP else kept
    return body


def apply(response: Any, raw: str | None) -> Any:
    """The hook where responses are serialized: filter a successful JSON response, leave everything else."""
    if raw is None or not str(raw).strip():
        return response
    if not 200 <= response.status < 300 or not isinstance(response.body, (dict, list)):
        return response
    if not response.content_type.startswith("application/json"):
        return response
    return type(response)(response.status, filter_body(response.body, str(raw)), response.content_type)
