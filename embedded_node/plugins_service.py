"""``PluginsService``: the node's registries, built once from the list of mounted plugins.

OpenSearch's ``Node`` hands its plugins to ``PluginsService`` and builds ``SearchModule``, ``ActionModule``,
``ScriptModule`` and ``IndicesModule`` from them before the node starts. The same here: every registry (REST
routes, query parsers, search extensions, fetch sub-phases, field types, script engines, settings, segment
listeners) is complete when the node is constructed, so no request can see a half-registered node, and the core
never imports a plugin module: it only reads these registries.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .rest.controller import rest_controller
from .search.dsl import QueryRegistry

if TYPE_CHECKING:
    from .plugins.base import (FetchSubPhase, FieldType, Plugin, ScriptEngine, SearchExtParser, SearchSection,
                               SegmentListener, Setting)


class PluginsService:
    """The registries a list of plugins contributes to; immutable once built."""

    def __init__(self, plugins: Sequence["Plugin"]) -> None:
        self.plugins: tuple["Plugin", ...] = tuple(plugins)
        names = [p.name for p in self.plugins]
        if len(set(names)) != len(names):
            raise ValueError(f"a plugin is mounted twice: {names}")
        self.queries = QueryRegistry(q for p in self.plugins for q in p.queries)
        self.search_exts: Mapping[str, "SearchExtParser"] = _unique("search extension",
                                                                    (e for p in self.plugins for e in p.search_exts))
        self.fetch_sub_phases: tuple["FetchSubPhase", ...] = tuple(f for p in self.plugins
                                                                   for f in p.fetch_sub_phases)
        self.field_types: Mapping[str, "FieldType"] = _unique("field type",
                                                             (t for p in self.plugins for t in p.field_types))
        self.script_engines: Mapping[str, "ScriptEngine"] = _unique(
            "script engine", (e for p in self.plugins for e in p.script_engines))
        self.settings: Mapping[str, "Setting"] = _unique("setting",
                                                        ((s.key, s) for p in self.plugins for s in p.settings))
        self.segment_listeners: tuple["SegmentListener", ...] = tuple(
            listener for p in self.plugins for listener in p.segment_listeners)
        self.search_sections: Mapping[str, "SearchSection"] = _unique(
            "search section", (s for p in self.plugins for s in p.search_sections))
        self.rest_controller = rest_controller(r for p in self.plugins for r in p.rest_routes)

    @property
    def components(self) -> list[str]:
        """The mounted plugins' names (``_cat/plugins``)."""
        return [p.name for p in self.plugins]

    @property
    def descriptions(self) -> list[tuple[str, str]]:
        """``(name, description)`` per mounted plugin (``_nodes`` plugin info)."""
        return [(p.name, p.description) for p in self.plugins]


def _unique(kind: str, items: Any) -> Mapping[str, Any]:
    out: dict[str, Any] = {}
    for name, value in items:
        if name in out:
            raise ValueError(f"{kind} [{name}] is registered by two plugins")
        out[name] = value
    return MappingProxyType(out)
