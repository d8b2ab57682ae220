"""The :class:`Distribution` value: what the emulated engine's REST surface looks like, beyond the shared core."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from ..node import Node
    from ..plugins.base import Plugin


class DistributionMismatch(ValueError):
    """A data directory created by one emulated engine, opened as the other while it holds indices."""


@dataclass(frozen=True)
class Distribution:
    """One emulated engine.

    ``plugins``: what the node mounts; ``listed``: the ``_cat/plugins`` component of each mounted plugin that the
    real engine lists (built-in features such as Elasticsearch's vectors are absent); ``plugin_version``: the
    version a listed plugin reports; ``root``: the body of ``GET /``; ``headers``: added to every response.
    """

    name: str
    default_version: str
    plugins: tuple["Plugin", ...]
    root: Callable[["Node"], dict[str, Any]]
    listed: Mapping[str, str]
    plugin_version: Callable[["Node", str], str]
    headers: Mapping[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = ("data", "ingest", "cluster_manager")  # ``_nodes`` roles (Elasticsearch: master)

    def cat_plugins(self, node: "Node") -> list[tuple[str, str]]:
        """``(component, version)`` of each listed plugin, in mount order."""
        return [(component, version) for component, version, _ in self.plugin_rows(node)]

    def plugin_rows(self, node: "Node") -> list[tuple[str, str, str]]:
        """``(component, version, description)`` of each listed plugin (``_cat/plugins``, ``_nodes``)."""
        return [(self.listed[p.name], self.plugin_version(node, p.name), p.description) for p in self.plugins
                if p.name in self.listed]
