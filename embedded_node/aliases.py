"""Alias actions (``POST /_aliases``): validated against a copy, then applied in one SQLite transaction.

Either every action applies or none does, so an alias swap never leaves readers seeing two versions or none.
"""
from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from . import errors
from .index.names import validate_alias_name
from .jsonutil import string_list

if TYPE_CHECKING:
    from .node import Node


def apply_alias_actions(node: "Node", actions: list[dict[str, Any]]) -> None:
    if not isinstance(actions, list) or not actions:
        raise errors.action_validation("no actions specified")
    with node.lock:
        removes: list[tuple[str, str]] = []
        adds: list[tuple[str, str, dict]] = []
        drop_indices: list[str] = []
        view = {a: dict(m) for a, m in node.aliases.items()}
        for action in actions:
            if not isinstance(action, dict) or len(action) != 1:
                raise errors.parsing("[aliases] actions must be objects with a single key")
            (kind, spec), = action.items()
            if kind not in ("add", "remove", "remove_index"):
                raise errors.parsing(f"Unsupported action [{kind}]")
            if not isinstance(spec, dict):
                raise errors.parsing(f"[{kind}] must be an object")
            indices = string_list(spec.get("index"), "index") + string_list(spec.get("indices"), "indices")
            aliases = string_list(spec.get("alias"), "alias") + string_list(spec.get("aliases"), "aliases")
            if not indices:
                raise errors.action_validation("One of [index/indices] is required")
            names = [n for expr in indices for n in node.resolve_names(expr, allow_aliases=False)]
            if kind == "remove_index":
                drop_indices.extend(names)
                continue
            if not aliases:
                raise errors.action_validation(f"[{kind}] requires an [alias] to be set")
            for alias in aliases:
                if kind == "add":
                    validate_alias_name(alias)
                    if alias in node.indices:
                        raise errors.EngineError(
                            "invalid_alias_name_exception",
                            f"Invalid alias name [{alias}]: an index or data stream exists with the same name "
                            "as the alias", 400)
                    meta = alias_metadata({k: v for k, v in spec.items()
                                        if k not in ("index", "indices", "alias", "aliases")})
                    for name in names:
                        view.setdefault(alias, {})[name] = meta
                        adds.append((alias, node.indices[name].uuid, meta))
                else:
                    matched = [a for a in list(view) if fnmatch.fnmatchcase(a, alias)]
                    hit = False
                    for a in matched:
                        for name in names:
                            if name in view.get(a, {}):
                                del view[a][name]
                                removes.append((a, node.indices[name].uuid))
                                hit = True
                    if not hit and not spec.get("must_exist") is False:
                        raise errors.EngineError("aliases_not_found_exception", f"aliases [{alias}] missing",
                                                 404, **{"resource.type": "aliases", "resource.id": alias})
        node.storage.apply_alias_actions(removes, adds)
        node.aliases = {a: m for a, m in view.items() if m}
        for name in drop_indices:
            node.delete_indices(name)


def alias_metadata(spec: Any) -> dict[str, Any]:
    """The metadata an alias keeps from an ``add`` action or a create-index ``aliases`` entry."""
    if not isinstance(spec, dict):
        return {}
    meta = {}
    for key in ("is_write_index", "filter", "routing", "index_routing", "search_routing", "is_hidden"):
        if key in spec:
            meta[key] = spec[key]
    if "filter" in meta:
        raise errors.illegal_argument("filtered aliases are not supported by the embedded node")
    return meta
