"""Index settings: flattening, validation and OpenSearch's GET-settings rendering.

Settings are kept flat (``index.refresh_interval``) with string values, as OpenSearch stores them. Unknown
settings fail as OpenSearch fails (``unknown setting [...]``), so a typo is not silently ignored.
"""
from __future__ import annotations

import re
from collections.abc import Mapping as ReadOnlyMap
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import errors

if TYPE_CHECKING:
    from .plugins.base import Setting

DEFAULTS = {"index.number_of_shards": "1", "index.number_of_replicas": "1"}

_KNOWN = {
    "index.number_of_shards", "index.number_of_replicas", "index.refresh_interval", "index.max_result_window",
    "index.auto_expand_replicas", "index.hidden", "index.codec", "index.mapping.total_fields.limit",
    "index.max_rescore_window", "index.search.idle.after", "index.translog.durability", "index.blocks.write",
    "index.blocks.read_only", "index.similarity.default.type", "index.query.default_field",
    "index.number_of_routing_shards", "index.routing.allocation.include._tier_preference", "index.priority",
    "index.max_inner_result_window", "index.merge.policy.max_merged_segment", "index.store.type",
}
_FINAL = {"index.number_of_shards", "index.number_of_routing_shards", "index.codec"}
_GENERATED = {"index.uuid", "index.version.created", "index.provided_name", "index.creation_date"}


def flatten(body: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(body, dict):
        raise errors.EngineError("settings_exception", f"Failed to load settings from [{body}]", 400)
    for key, value in body.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, full))
        else:
            out[full] = value
    return out


def normalize(body: Any, *, creating: bool,
              plugin_settings: ReadOnlyMap[str, "Setting"] = MappingProxyType({})) -> dict[str, str]:
    """Flatten and validate a settings body; keys get the ``index.`` prefix as OpenSearch adds it.

    ``plugin_settings`` are the index settings the mounted plugins declare (``Plugin.getSettings``)."""
    flat = flatten(body or {})
    out: dict[str, str] = {}
    for key, value in flat.items():
        full = key if key.startswith("index.") else f"index.{key}"
        if full in _GENERATED and creating:
            raise errors.illegal_argument(f"unknown setting [{full}] as it is a private setting")
        if full.startswith("index.analysis."):
            raise errors.illegal_argument(
                f"custom analysis settings [{full}] are not supported by the embedded node; use the built-in "
                "analyzers standard, whitespace, keyword or simple")
        if full not in _KNOWN and full not in plugin_settings:
            raise errors.illegal_argument(
                f"unknown setting [{full}] please check that any required plugins are installed, or check the "
                "breaking changes documentation for removed settings")
        out[full] = _to_string(value)
    _validate(out)
    for key, value in out.items():
        setting = plugin_settings.get(key)
        if setting is not None and setting.validate is not None:
            setting.validate(key, value)
    return out


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _validate(flat: dict[str, str]) -> None:
    for key in ("index.number_of_shards", "index.number_of_replicas", "index.max_result_window"):
        if key in flat:
            try:
                number = int(flat[key])
            except ValueError:
                raise errors.illegal_argument(f"Failed to parse value [{flat[key]}] for setting [{key}]") from None
            minimum = 1 if key != "index.number_of_replicas" else 0
            if number < minimum:
                raise errors.illegal_argument(
                    f"Failed to parse value [{number}] for setting [{key}] must be >= {minimum}")
    if "index.refresh_interval" in flat:
        parse_interval(flat["index.refresh_interval"], "index.refresh_interval")


def check_updatable(flat: dict[str, str]) -> None:
    for key in flat:
        if key in _FINAL:
            raise errors.illegal_argument(f"final index setting [{key}], not updateable")


_DURATION = re.compile(r"^(-?\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)?$")
_UNIT_SECONDS = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_interval(value: str, key: str) -> float:
    """Seconds for a time value; ``-1`` (disabled) gives -1."""
    text = str(value).strip()
    if text in ("-1", ""):
        return -1.0
    match = _DURATION.match(text)
    if not match or (match.group(2) is None and text != "0"):
        raise errors.illegal_argument(
            f"failed to parse setting [{key}] with value [{value}] as a time value: unit is missing or unrecognized")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """``{"index.knn": "true"}`` -> ``{"index": {"knn": "true"}}`` (GET settings shape)."""
    out: dict[str, Any] = {}
    for key, value in sorted(flat.items()):
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # "index.knn" and "index.knn.x" both present
                child = node[part] = {"": child}
            node = child
        if isinstance(node.get(parts[-1]), dict):
            node[parts[-1]][""] = value
        else:
            node[parts[-1]] = value
    return _fix_collisions(out)


def _fix_collisions(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    fixed: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict) and "" in value:
            scalar = value.pop("")
            fixed[key] = scalar
            for sub, subval in value.items():
                fixed[f"{key}.{sub}"] = _fix_collisions(subval)
        else:
            fixed[key] = _fix_collisions(value)
    return fixed
