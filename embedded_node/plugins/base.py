"""The plugin interface of the embedded node: what one plugin contributes, declared in one frozen object.

OpenSearch mounts a plugin through the interfaces its main class implements: ``SearchPlugin`` (``getQueries``,
``getSearchExts``, ``getFetchSubPhases``), ``ScriptPlugin`` (``getScriptEngine``), ``ActionPlugin``
(``getRestHandlers``), ``MapperPlugin`` (``getMappers``), ``EnginePlugin``/codec hooks (the k-NN plugin builds its
graphs when a segment is written) and ``getSettings``. Here a plugin is a :class:`Plugin` value with one field
per such method; :class:`~embedded_node.plugins_service.PluginsService` fans a list of them into the node's
registries (REST routes, query parsers, search extensions, fetch sub-phases, field types, script engines,
settings, segment listeners) once, when the node is built, before it serves a request.

Nothing here imports the core at run time: the field types below are for type checkers only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..index.mapping import Mapping
    from ..index.segment import Segment
    from ..node import Node
    from ..rest.router import RestRoute
    from ..search.dsl import QueryParser
    from ..search.scripts import ScoreScript, ScriptSpec

# ``ext.<name>`` body -> the parsed value kept in ``SearchRequest.ext[name]`` (``SearchExtSpec``).
SearchExtParser = Callable[[Any], Any]
# ``(request, rows, hits)``: runs after the core fetch phase; ``rows`` are ``(ShardResult, row)`` pairs.
FetchSubPhase = Callable[[Any, list, list[dict[str, Any]]], None]
# ``(ctx, spec)`` -> a compiled score script (``ScriptEngine.compile`` for the score context).
ScriptEngine = Callable[[Any, "ScriptSpec"], "ScoreScript"]
# Called with each segment a refresh or merge wrote, with the index's mapping and flat settings.
SegmentListener = Callable[["Segment", "Mapping", dict[str, Any]], None]
# A top-level search body section (``knn`` on Elasticsearch): ``(value, body)`` -> the request's new query body.
SearchSection = Callable[[Any, dict[str, Any]], dict[str, Any]]
# Builds the plugin's per-node state (kept in ``node.extensions[plugin.name]``).
NodeStateFactory = Callable[["Node"], Any]


@dataclass(frozen=True)
class FieldType:
    """A mapping field type a plugin adds (``MapperPlugin.getMappers``): its parameters and their validation.

    ``validate(path, params)`` raises ``mapper_parsing_exception`` and may normalise ``params`` in place (the
    k-NN plugin turns ``dimension`` into an int)."""

    params: frozenset[str]
    validate: Callable[[str, dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class Setting:
    """An index setting a plugin adds (``Plugin.getSettings``); ``validate(key, value)`` checks a string value."""

    key: str
    validate: Callable[[str, str], None] | None = None


@dataclass(frozen=True)
class Plugin:
    """One plugin, as the node mounts it. Every field defaults to "contributes nothing"."""

    name: str                      # the ``_cat/plugins`` component, e.g. ``opensearch-ltr``
    description: str = ""
    rest_routes: tuple["RestRoute", ...] = ()                       # ActionPlugin.getRestHandlers
    queries: tuple[tuple[str, "QueryParser"], ...] = ()             # SearchPlugin.getQueries
    search_exts: tuple[tuple[str, SearchExtParser], ...] = ()       # SearchPlugin.getSearchExts
    fetch_sub_phases: tuple[FetchSubPhase, ...] = ()                # SearchPlugin.getFetchSubPhases
    field_types: tuple[tuple[str, FieldType], ...] = ()            # MapperPlugin.getMappers
    script_engines: tuple[tuple[str, ScriptEngine], ...] = ()       # ScriptPlugin.getScriptEngine (by lang)
    settings: tuple[Setting, ...] = ()                              # Plugin.getSettings (index settings)
    segment_listeners: tuple[SegmentListener, ...] = ()             # codec: work done when a segment is written
    node_state: NodeStateFactory | None = None                      # per-node state, built with the node
    search_sections: tuple[tuple[str, SearchSection], ...] = ()     # top-level search sections (rewrite the query)
